"""What the customer submits on the return form (or a shop's own front end as JSON)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zwrotnica.models.case import CaseKind, ComplaintDemand, ReturnMethod, WithdrawalReason
from zwrotnica.models.order import OrderNumber


class ReturnSubmission(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    order_number: OrderNumber
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    items: dict[str, int] = Field(min_length=1, max_length=100)
    kind: CaseKind
    reason: WithdrawalReason | None = None
    description: str | None = Field(default=None, max_length=3000)
    demand: ComplaintDemand | None = None
    return_method: ReturnMethod
    bank_account: str | None = Field(default=None, max_length=40)
    submission_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

    @model_validator(mode="after")
    def _complaint_needs_description_and_demand(self) -> ReturnSubmission:
        if self.kind is CaseKind.COMPLAINT and (not self.description or not self.demand):
            raise ValueError("complaint needs description and demand")
        if not (self.email or self.phone):
            raise ValueError("email or phone needed")
        return self
