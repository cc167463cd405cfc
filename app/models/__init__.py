"""All models, imported here so Alembic and the app see the whole schema."""

from app.models.agent import Agent
from app.models.audit import AuditEvent
from app.models.community import Article, ArticleVote
from app.models.customer import Customer
from app.models.helper import TrustedHelper
from app.models.identity import VerificationChallenge
from app.models.mailbox import ImapReceipt, MailboxAccount, MailboxState
from app.models.outbox import OutboxItem
from app.models.privacy import PrivacyRequest, ScheduledRun
from app.models.settings import CannedReply, RateEvent, Setting
from app.models.telephony import Call, CallbackRequest, WebhookReceipt
from app.models.ticket import Attachment, Message, Ticket
from app.models.workflow import (
    ApiToken,
    CustomerMerge,
    SatisfactionSurvey,
    TicketTag,
    WebhookEndpoint,
)

__all__ = [
    "TrustedHelper",
    "ApiToken",
    "Agent",
    "Article",
    "ArticleVote",
    "Attachment",
    "AuditEvent",
    "Call",
    "CallbackRequest",
    "CannedReply",
    "Customer",
    "CustomerMerge",
    "ImapReceipt",
    "MailboxAccount",
    "MailboxState",
    "Message",
    "OutboxItem",
    "PrivacyRequest",
    "RateEvent",
    "ScheduledRun",
    "SatisfactionSurvey",
    "Setting",
    "Ticket",
    "TicketTag",
    "VerificationChallenge",
    "WebhookEndpoint",
    "WebhookReceipt",
]
