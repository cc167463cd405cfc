"""/healthz, /readyz, /metrics and the admin page for queues and failed jobs."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, url_for
from flask_wtf import FlaskForm
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.adapters.rq_relay import redis_connection, rq_queue
from app.auth.decorators import admin_required
from app.domain.mailboxes import problems as mailbox_problems
from app.domain.outbox import lag_seconds, retry_failed
from app.extensions import csrf, db
from app.models import OutboxItem
from app.ops import bp
from app.ops.health import check_database, check_redis
from app.ops.metrics import exposition


@bp.get("/healthz")
@csrf.exempt
def healthz():
    """The process is up. Deliberately checks nothing else (liveness, not readiness)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database and Redis both answer. 503 names what is missing."""
    problems = {
        name: reason
        for name, reason in (("database", check_database()), ("redis", check_redis()))
        if reason
    }
    if problems:
        return jsonify(status="unavailable", problems=problems), 503
    mailboxes_down = _mailbox_problems()
    if mailboxes_down:
        # A mailbox we cannot sign in to needs a person, but the web still serves: say so
        # without taking this instance out of the load balancer.
        return jsonify(status="degraded", problems=mailboxes_down)
    return jsonify(status="ok")


def _mailbox_problems() -> dict[str, str]:
    try:
        return mailbox_problems()
    except SQLAlchemyError:
        db.session.rollback()
        return {}


@bp.get("/metrics")
def metrics():
    return Response(exposition(), mimetype="text/plain; version=0.0.4")


class RequeueForm(FlaskForm):
    """CSRF-protected button; the outbox item id is in the URL."""


@bp.get("/agent/admin/jobs")
@admin_required
def jobs():

    failed_items = db.session.scalars(
        select(OutboxItem)
        .where(OutboxItem.failed.is_(True))
        .order_by(OutboxItem.id.desc())
        .limit(100)
    ).all()
    pending = db.session.scalar(
        select(db.func.count()).where(
            OutboxItem.completed_at.is_(None), OutboxItem.failed.is_(False)
        )
    )
    queue_info: dict = {}
    try:
        queue = rq_queue(redis_connection())
        registry = FailedJobRegistry(queue=queue)
        queue_info = {
            "name": queue.name,
            "waiting": len(queue),
            "failed": registry.count,
            "failed_jobs": [
                job
                for job in queue.job_class.fetch_many(registry.get_job_ids(0, 49), queue.connection)
                if job
            ],
        }
    except RedisError:
        queue_info = {"error": True}
    return render_template(
        "ops/jobs.html",
        failed_items=failed_items,
        pending=pending,
        lag=lag_seconds(),
        queue=queue_info,
        form=RequeueForm(),
    )


@bp.post("/agent/admin/jobs/<int:item_id>/retry")
@admin_required
def retry_item(item_id: int):
    """Give a failed outbox item another round: the relay hands it to RQ again."""
    form = RequeueForm()
    if not form.validate_on_submit():
        return redirect(url_for("ops.jobs"))

    item = db.get_or_404(OutboxItem, item_id)
    retry_failed(item)
    db.session.commit()
    flash("The job will be tried again.", "info")
    return redirect(url_for("ops.jobs"))
