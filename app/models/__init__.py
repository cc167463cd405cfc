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
from app.models.security import AgentSession, AttemptCounter, PasskeyCredential, RecoveryCode
from app.models.settings import CannedReply, RateEvent, Setting
from app.models.sla import SlaNotice
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
    "CustomerMerge",
    "ImapReceipt",
    "MailboxAccount",
    "MailboxState",
    "Message",
    "OutboxItem",
    "PasskeyCredential",
    "PrivacyRequest",
    "RateEvent",
    "RecoveryCode",
    "ScheduledRun",
    "SatisfactionSurvey",
    "Setting",
    "SlaNotice",
    "Ticket",
    "TicketTag",
    "VerificationChallenge",
    "WebhookEndpoint",
    "WebhookReceipt",
]
