"""What the team's dashboard sends: the sign-in link (Polish, through the one e-mail layout)."""

from __future__ import annotations

from zwrotnica.messages.templates import Email, email_from_blocks


def login_link(*, url: str, minutes: int, shop_name: str) -> Email:
    return email_from_blocks(
        f"{shop_name}: link do panelu zespołu",
        [
            "Dzień dobry,",
            f"ktoś (prawdopodobnie Ty) poprosił o zalogowanie się do panelu zespołu sklepu {shop_name}. "
            f"Link działa {minutes} min i tylko raz:",
            ("Zaloguj się do panelu", url),
            "Jeśli to nie Ty, zignoruj tę wiadomość: bez tego linku nikt się nie zaloguje.",
        ],
    )
