"""The domain layer: every channel adapter (web, SMTP, Twilio, RQ jobs) calls these services.

Services take the actor explicitly, flush but do not commit: the adapter owns the transaction,
so a change and the outbox work it causes commit together or not at all.
"""
