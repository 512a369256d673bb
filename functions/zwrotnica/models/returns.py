"""What the customer submits on the return form (or a shop's own front end as JSON)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from zwrotnica.models.case import CaseKind, ComplaintDemand, ReturnMethod, WithdrawalReason
from zwrotnica.models.common import CleanText, one_line
from zwrotnica.models.order import OrderNumber


def _skus(value: Any) -> Any:
    """SKUs as the order stores them (models.order.OrderItem: one clean line)."""
    return (
        {one_line(k) if isinstance(k, str) else k: v for k, v in value.items()}
        if isinstance(value, dict)
        else value
    )


class ReturnSubmission(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    order_number: OrderNumber
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    # The signed return-form link's token (the status page's "Zwrot lub reklamacja"): proof instead of both.
    t: str | None = Field(default=None, max_length=200)
    items: Annotated[dict[str, int], BeforeValidator(_skus)] = Field(min_length=1, max_length=100)
    kind: CaseKind
    reason: WithdrawalReason | None = None
    description: CleanText | None = Field(default=None, max_length=3000)
    demand: ComplaintDemand | None = None
    return_method: ReturnMethod
    bank_account: str | None = Field(default=None, max_length=40)
    submission_key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")

    @model_validator(mode="after")
    def _complaint_needs_description_and_demand(self) -> ReturnSubmission:
        if self.kind is CaseKind.COMPLAINT and (not self.description or not self.demand):
            raise ValueError("complaint needs description and demand")
        if not (self.email or self.phone or self.t):
            raise ValueError("email or phone needed")
        return self
