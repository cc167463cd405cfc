"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.agent import Agent
from app.models.audit import AuditEvent
from app.models.community import Article, ArticleVote
from app.models.customer import Customer
from app.models.identity import VerificationChallenge
from app.models.outbox import OutboxItem
from app.models.security import AgentSession, AttemptCounter, PasskeyCredential, RecoveryCode
from app.models.settings import CannedReply, RateEvent, Setting
from app.models.telephony import Call, CallbackRequest, WebhookReceipt
from app.models.ticket import Attachment, Message, Ticket

__all__ = [
    "Agent",
    "AgentSession",
    "Article",
    "ArticleVote",
    "Attachment",
    "AttemptCounter",
    "AuditEvent",
    "Call",
    "CallbackRequest",
    "CannedReply",
    "Customer",
    "Message",
    "OutboxItem",
    "PasskeyCredential",
    "RateEvent",
    "RecoveryCode",
    "Setting",
    "Ticket",
    "VerificationChallenge",
    "WebhookReceipt",
]
