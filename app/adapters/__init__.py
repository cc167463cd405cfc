"""Out-adapters: the outside world on the way out (Redis/RQ, SMTP, Twilio REST, files, presence).

The domain never imports these; jobs, the relay, views and the CLI do. Arrows point
adapters -> domain -> models.
"""
