"""Payment e-mails in Polish: payment received, payment failed (how to pay again), refund sent."""

from __future__ import annotations

from zwrotnica.messages.polish import money
from zwrotnica.messages.templates import Email, email_from_blocks

PROVIDER_PL = {
    "payu": "PayU",
    "przelewy24": "Przelewy24",
    "cod": "płatność przy odbiorze",
    "transfer": "przelew",
}
# What banks usually need to credit a refund (PayU, Przelewy24, or the team's transfer): the one lead time
# every customer text gives.
REFUND_EXPECTED_PL = "zwykle w ciągu 3–5 dni roboczych, zależnie od banku"


def provider_pl(provider: str | None) -> str:
    return PROVIDER_PL.get(provider or "", provider or "operator płatności")


def payment_received(
    order_number: str, amount: int, currency: str, provider: str, status_url: str, shop_name: str
) -> Email:
    return email_from_blocks(
        f"Otrzymaliśmy płatność za zamówienie nr {order_number}",
        [
            "Dzień dobry,",
            f"dziękujemy! Płatność {money(amount, currency)} za zamówienie nr {order_number} "
            f"dotarła do nas przez {provider_pl(provider)}. Zamówienie jest opłacone i przygotowujemy "
            "je do wysyłki.",
            "Gdy paczka wyruszy, napiszemy do Ciebie. Status zamówienia sprawdzisz w każdej chwili tutaj:",
            ("Status zamówienia", status_url),
            f"Pozdrawiamy,\n{shop_name}",
        ],
    )


def payment_failed(order_number: str, provider: str, status_url: str, shop_name: str) -> Email:
    return email_from_blocks(
        f"Płatność za zamówienie nr {order_number} nie powiodła się",
        [
            "Dzień dobry,",
            f"płatność za zamówienie nr {order_number} przez {provider_pl(provider)} nie została "
            "zrealizowana. Nie pobraliśmy żadnych pieniędzy, a zamówienie czeka na Ciebie.",
            "Jak zapłacić ponownie: zaloguj się w sklepie, otwórz zamówienie w historii zamówień i wybierz "
            "„Zapłać”. Możesz też odpowiedzieć na tę wiadomość, a wyślemy Ci nowy link do płatności.",
            "Status zamówienia sprawdzisz tutaj:",
            ("Status zamówienia", status_url),
            f"Pozdrawiamy,\n{shop_name}",
        ],
    )


def refund_sent(
    order_number: str, amount: int, currency: str, provider: str, status_url: str, shop_name: str
) -> Email:
    return email_from_blocks(
        f"Zwrot {money(amount, currency)} za zamówienie nr {order_number}",
        [
            "Dzień dobry,",
            f"zwróciliśmy {money(amount, currency)} za zamówienie nr {order_number}. Pieniądze wracają "
            f"przez {provider_pl(provider)} tą samą drogą, którą zapłacono (na kartę lub konto).",
            f"Środki pojawią się na Twoim koncie {REFUND_EXPECTED_PL}.",
            "Status zamówienia sprawdzisz tutaj:",
            ("Status zamówienia", status_url),
            f"Pozdrawiamy,\n{shop_name}",
        ],
    )


# Timeline lines the customer reads on the status page ({p}: provider, {amount}: formatted money).
TIMELINE_PL = {
    "payment_pending": "Płatność rozpoczęta ({p}).",
    "payment_waiting_for_confirmation": "Płatność ({p}) czeka na potwierdzenie przez sklep.",
    "payment_paid": "Płatność {amount} otrzymana ({p}).",
    "payment_failed": "Płatność nieudana ({p}).",
    "payment_cancelled": "Płatność anulowana ({p}).",
    "payment_amount_mismatch": "Otrzymaliśmy płatność w innej kwocie niż wartość zamówienia. Sprawdzamy to.",
    "payment_double_payment": (
        "Otrzymaliśmy drugą płatność za to zamówienie. Sprawdzimy ją i zwrócimy nadpłatę."
    ),
    "refund_requested": "Zleciliśmy zwrot {amount} ({p}).",
    "refund_pending": "Zwrot {amount} w toku ({p}).",
    "refund_done": "Zwrot {amount} wysłany ({p}).",
    "refund_rejected": "Zwrot {amount} wymaga wyjaśnienia, zajmujemy się tym.",
    "refund_transferred": "Zwrot {amount} wysłany przelewem na konto podane w zgłoszeniu.",
    "payment_collected_on_delivery": "Płatność przy odbiorze ({amount}) pobrana przy doręczeniu paczki.",
}
# Tickets for finance: (subject, note). No personal data: order number, provider ids, amounts only.
TICKET_PL = {
    "amount_mismatch": (
        "Kwota płatności niezgodna z zamówieniem {order}",
        "{p} {payment_id}: zapłacono {amount}, zamówienie {total}, status płatności {status}. "
        "Nie oznaczono zamówienia jako opłacone.",
    ),
    "double_payment": (
        "Druga płatność za opłacone zamówienie {order}",
        "{p} {payment_id}: zapłacono {amount}, zamówienie {total} jest już opłacone. Zwróć nadpłatę.",
    ),
    "capture_needed": (
        "Zamówienie {order}: płatność do potwierdzenia",
        "Płatność {p} {payment_id} ({amount}) czeka na odbiór: przyjmij ją lub anuluj w panelu {p}.",
    ),
    "refund_rejected": (
        "Zwrot odrzucony, zamówienie {order}",
        "Operator płatności ({p}) odrzucił zwrot {amount} ({payment_id}). Zleć zwrot ponownie albo zwróć "
        "pieniądze przelewem.",
    ),
    "verify_refused": (
        "Płatność niepotwierdzona, zamówienie {order}",
        "{p} {payment_id}: transaction/verify odrzucone ({amount}). Pieniądze czekają u operatora.",
    ),
    "unpaid": (
        "Zamówienie {order} nadal nieopłacone",
        "Po nieudanej lub niezgodnej płatności zamówienie {total} wciąż nie jest opłacone. Ostatnia "
        "płatność: {p} {payment_id}, status {status}. Skontaktuj się z klientem albo anuluj zamówienie.",
    ),
    "unmatched": (
        "Nieprzypisane powiadomienie {p}, zamówienie {order}",
        "{p} {payment_id}: {kind} {amount}, status {status}, dla zamówienia {order}, którego sklep nam "
        "nie przysłał. Sprawdź numer w sklepie i w panelu {p}.",
    ),
}
