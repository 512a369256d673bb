"""Tickets: whatever needs a human. The SLA clocks are filled in by zwrotnica.domain.sla (SLA issue)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.models.common import UtcDateTime


class TicketChannel(StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    SOCIAL = "social"
    FORM = "form"
    SYSTEM = "system"


class TicketCategory(StrEnum):
    DELIVERY = "delivery"
    PAYMENT = "payment"
    RETURN = "return"
    COMPLAINT = "complaint"
    PRODUCT_QUESTION = "product_question"
    OTHER = "other"


class TicketPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Team(StrEnum):
    CUSTOMER_SERVICE = "customer_service"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    IT = "it"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_THIRD_PARTY = "pending_third_party"
    SOLVED = "solved"
    CLOSED = "closed"


# Default routing; the SLA issue makes it configurable.
DEFAULT_TEAM = {
    TicketCategory.DELIVERY: Team.LOGISTICS,
    TicketCategory.PAYMENT: Team.FINANCE,
    TicketCategory.RETURN: Team.CUSTOMER_SERVICE,
    TicketCategory.COMPLAINT: Team.CUSTOMER_SERVICE,
    TicketCategory.PRODUCT_QUESTION: Team.CUSTOMER_SERVICE,
    TicketCategory.OTHER: Team.CUSTOMER_SERVICE,
}


class Contact(BaseModel):
    """Whom a conversation ticket answers (personal data: never logged, never in a note)."""

    model_config = ConfigDict(frozen=True)

    email: str | None = Field(default=None, max_length=254)
    name: str = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=32)


class TicketRequest(BaseModel):
    """What a caller asks for; the store turns it into a new ticket or a note on the open one."""

    model_config = ConfigDict(frozen=True)

    order_number: str | None = None
    case_id: str | None = None
    channel: TicketChannel = TicketChannel.SYSTEM
    category: TicketCategory
    priority: TicketPriority = TicketPriority.NORMAL
    subject: str = Field(max_length=200)
    note: str = Field(max_length=2000, description="no personal data: it may reach the team's chat")
    source_ref: str = Field(description="what raised it, unique per trigger, for idempotency")
    at: UtcDateTime
    # A complaint's statutory answer deadline (UPK art. 7a): a hard target no pause stops.
    legal_deadline: UtcDateTime | None = None
    # Conversation tickets (a customer wrote in: e-mail, or POST /tickets with a message): whom to answer,
    # and the thread's reference in the tool it came from (a chat id), which its next message names.
    contact: Contact | None = None
    thread_ref: str | None = Field(default=None, max_length=200)

    @property
    def team(self) -> Team:
        return DEFAULT_TEAM[self.category]


class TicketEventKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"  # a status change (pending on customer, pending on a courier, solved, ...)
    AGENT_REPLY = "agent_reply"  # the team answered the customer
    CUSTOMER_MESSAGE = "customer_message"  # the customer wrote again: starts the next-reply clock
    # We answered by ourselves (the parcel's status, the return form, an acknowledgement): no clock stops.
    AUTOMATIC_ANSWER = "automatic_answer"


class TicketEvent(BaseModel):
    """One line of a ticket's history: the SLA clocks are computed from these, never stored alone."""

    model_config = ConfigDict(frozen=True)

    at: UtcDateTime
    kind: TicketEventKind
    status: TicketStatus | None = None
    detail: str | None = Field(default=None, max_length=100, description="a code: the answer's template")
