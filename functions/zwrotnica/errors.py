"""Domain exceptions. Handlers map them to HTTP in one place (zwrotnica.http)."""

from __future__ import annotations

from http import HTTPStatus


class ZwrotnicaError(Exception):
    """Base class: `status` is the HTTP answer, `reason` a short text safe to show the caller."""

    status: HTTPStatus = HTTPStatus.BAD_REQUEST
    reason: str = "bad request"

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or self.reason)
        if reason:
            self.reason = reason


class InvalidSignature(ZwrotnicaError):
    status = HTTPStatus.UNAUTHORIZED
    reason = "invalid or missing signature"


class UnknownSource(ZwrotnicaError):
    status = HTTPStatus.NOT_FOUND
    reason = "unknown platform or provider"


class PayloadTooLarge(ZwrotnicaError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    reason = "body too large"


class InvalidPayload(ZwrotnicaError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    reason = "payload does not match the expected format"


class MalformedBody(ZwrotnicaError):
    status = HTTPStatus.BAD_REQUEST
    reason = "body is not valid JSON"


class OrderNotFound(ZwrotnicaError):
    """Also raised for a wrong e-mail or token, so that order numbers cannot be enumerated."""

    status = HTTPStatus.NOT_FOUND
    reason = "Nie znaleźliśmy zamówienia o tym numerze dla podanych danych."


class CaseNotFound(ZwrotnicaError):
    status = HTTPStatus.NOT_FOUND
    reason = "no such case"


class LinkGone(ZwrotnicaError):
    """A customer's signed link that expired or was changed: said in Polish (a browser shows it)."""

    status = HTTPStatus.GONE
    reason = (
        "Ten link jest nieważny albo wygasł (link do dokumentu zwrotu jest ważny 7 dni). "
        "Otwórz link z najnowszej wiadomości od nas albo napisz do nas, a wyślemy nowy."
    )


class LabelNotFound(ZwrotnicaError):
    status = HTTPStatus.NOT_FOUND
    reason = "Nie znaleźliśmy tego dokumentu zwrotu. Napisz do nas, a wyślemy go jeszcze raz."


class NotRefundable(ZwrotnicaError):
    status = HTTPStatus.CONFLICT
    reason = "not paid online, or the amount exceeds what is left to refund"


class MissingProof(ZwrotnicaError):
    status = HTTPStatus.BAD_REQUEST
    reason = "Podaj adres e-mail lub numer telefonu z zamówienia albo otwórz link z wiadomości."


class TooManyAttempts(ZwrotnicaError):
    status = HTTPStatus.TOO_MANY_REQUESTS
    reason = "Zbyt wiele prób dla tego zamówienia. Spróbuj ponownie za godzinę."


class TooManyLookups(ZwrotnicaError):
    """Too many unsigned lookups from one client (guessing order numbers), whatever the orders."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    reason = (
        "Zbyt wiele prób sprawdzenia zamówień z Twojego adresu sieciowego. Spróbuj ponownie za godzinę "
        "albo otwórz link z wiadomości od nas."
    )


class ConcurrentUpdate(ZwrotnicaError):
    """Another writer changed the item first; the caller may retry (503 tells providers to retry)."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    reason = "concurrent update, retry"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__()  # `detail` (cancellation codes) is for logs and tracebacks, not the caller
        self.args = (detail or self.reason,)


class FormInvalid(ZwrotnicaError):
    """Customer input that breaks a rule: `fields` maps each field to its Polish message."""

    status = HTTPStatus.UNPROCESSABLE_ENTITY
    reason = "Popraw zaznaczone pola."

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__()
        self.fields = fields


class InvalidProof(FormInvalid):
    """An e-mail or phone given as proof that cannot be one (a line break, letters): said per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(fields)
        self.reason = " ".join(fields.values())


class InvalidUnsubscribeLink(ZwrotnicaError):
    """A marketing unsubscribe link that is not ours (or not for this order): nothing was changed."""

    status = HTTPStatus.NOT_FOUND
    reason = (
        "Ten link do wypisania się z informacji handlowych jest nieprawidłowy. Użyj linku z naszej "
        "wiadomości albo napisz do nas – wypiszemy Cię od razu."
    )
