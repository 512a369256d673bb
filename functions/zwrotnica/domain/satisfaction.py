"""Satisfaction, pure: CSAT after a ticket a person solved (one-click 1-5, signed links), NPS after
delivery (0-10), and the rules around them.

Consent (polish-law.md section 5): a satisfaction request is disputed ground (5.8: Trusted Shops treats
review requests as marketing; PUODO accepted legitimate interest once). We chose:
- CSAT asks about the handling of the customer's own request, right after it, and promotes nothing
  (5.4, 5.6-5.7): transactional, sent without marketing consent. CSAT_NEEDS_CONSENT=true makes it
  marketing (sent only with the order's consent) for a shop whose counsel reads 5.8 strictly.
- NPS asks whether they would recommend the shop: it serves the shop's image (5.4), so it is marketing
  and goes only to customers with marketing consent for e-mail, like the review request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from zwrotnica.domain import links

CSAT_SCORES = (1, 2, 3, 4, 5)
NPS_SCORES = tuple(range(11))
LOW_CSAT = 2  # this or lower opens a follow-up for the ticket's team
LINK_VALID = timedelta(days=30)


def csat_token(key: str, ticket_id: str, now: datetime, valid_for: timedelta = LINK_VALID) -> str:
    """Signed over the ticket (not the score): every score link of one survey shares it, and a second
    click on another score changes the rating."""
    return links.make_token(key, f"csat:{ticket_id}", now, valid_for)


def nps_token(key: str, order_number: str, now: datetime, valid_for: timedelta = LINK_VALID) -> str:
    return links.make_token(key, f"nps:{order_number}", now, valid_for)


class LinkProblem(Exception):
    """Why a survey link is refused: `tampered` (not ours) or `expired`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check(key: str, purpose: str, token: str, now: datetime) -> None:
    """Raises LinkProblem unless `token` is ours for `purpose` ("csat:TK-…", "nps:1001") and unexpired."""
    if links.token_valid(key, purpose, token, now):
        return
    # Signed by us but past its time: valid as of the epoch means only the expiry failed.
    if links.token_valid(key, purpose, token, datetime.fromtimestamp(0, now.tzinfo)):
        raise LinkProblem("expired")
    raise LinkProblem("tampered")


def low(score: int) -> bool:
    return score <= LOW_CSAT


def nps_group(score: int) -> str:
    """Promoters 9-10, passives 7-8, detractors 0-6 (the NPS definition)."""
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
