"""The Polish a customer reads, as rules (docs/polish-style.md): agreement of assembled parts for masculine,
feminine and neuter subjects, plural forms, any shop name, carriers' names, SMS segments, legal wording
with its dates, and no raw template key or doubled bracket anywhere."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest

from zwrotnica.domain import returns
from zwrotnica.domain.order_status import PAYMENT_STATUS_PL, build_view, status_page
from zwrotnica.domain.orders import SHOP_STATUS_PL, SHOP_STATUS_SENTENCE_PL
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus
from zwrotnica.domain.shipments import ShipmentState, timeline_text
from zwrotnica.errors import MissingProof, OrderNotFound, TooManyAttempts, TooManyLookups
from zwrotnica.messages import case_templates, legal, payment_templates, shipping_templates, templates
from zwrotnica.messages.case_templates import case_label, case_sentence, case_subject
from zwrotnica.messages.polish import CARRIERS, carrier
from zwrotnica.messages.report_templates import LABELS as REPORT_LABELS
from zwrotnica.messages.shipping_templates import ShippingContext
from zwrotnica.messages.sms import is_gsm7, segments
from zwrotnica.models.brand import Brand
from zwrotnica.models.case import CASE_STATUS_PL, CaseKind, CaseStatus, ComplaintDemand
from zwrotnica.models.order import (
    Delivery,
    DeliveryMethod,
    OrderItem,
    PaymentMethod,
    ShopOrder,
    ShopStatus,
)
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.web import return_form
from zwrotnica.web.status_page import Links, order_status_page

W, C, S = CaseKind.WITHDRAWAL, CaseKind.COMPLAINT, CaseStatus
SHOP_NAMES = ("Sklep", "Sklep Wełenka", "Żółta Łódź")
RMA = "ZW-2026-000123"
STATUS_URL = "https://sklep.example.com/orders/1001/status?t=1803315697.j3tIl_RUhc5FkOadNdyIkMp2"
TRACKING_URL = "https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846"


# ---- the rules every customer text obeys -------------------------------------------------------------

RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # shipment_shipped, case_label_sent, poczta_polska
URL = re.compile(r"https?://\S+")


def visible(text: str) -> str:
    """What a reader sees: tags and links out, entities decoded."""
    text = re.sub(r"<style.*?</style>|<title>.*?</title>", " ", text, flags=re.S)
    return URL.sub(" ", unescape(re.sub(r"<[^>]+>", " ", text)))


def problems(text: str) -> list[str]:
    seen = visible(text)
    found = [f"raw key {m}" for m in RAW_KEY.findall(seen)]
    found += [f"placeholder {m}" for m in re.findall(r"\{[^}]*\}", seen)]
    found += [f"double stop in {m!r}" for m in re.findall(r".{0,20}\.\.(?!\.).{0,5}", seen)]
    found += [f"space before punctuation in {m!r}" for m in re.findall(r".{0,20} [,.;:!?](?!\d).{0,5}", seen)]
    depth = 0
    for ch in seen:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth > 1:
            found.append(f"doubled brackets in {seen!r}")
            break
    if re.search(r"\)\s*\(", seen):
        found.append(f"two brackets in a row in {seen!r}")
    return found


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert problems(text) == [], text


@pytest.mark.parametrize(
    "bad",
    [
        "Wiadomości: shipment_shipped 2",
        "Termin: 28 grudnia 2026 (poniedziałek) (wystarczy wysłać zgłoszenie).",
        "Termin (28 grudnia 2026 (poniedziałek)).",
        "Odeślij towar do 28 grudnia 2026 r..",
        "Kwota: {amount}",
        "Przewoźnik: poczta_polska",
    ],
)
def test_the_checker_catches_each_fault(bad):
    assert problems(bad)


# ---- case states: one table, agreement by kind -------------------------------------------------------

# Written out by hand: the kind's noun decides the participle (zwrot: m., reklamacja: f., zgłoszenie: n.).
EXPECTED_SENTENCES = {
    (W, S.SUBMITTED): f"Otrzymaliśmy Twoje zgłoszenie zwrotu nr {RMA}.",
    (C, S.SUBMITTED): f"Otrzymaliśmy Twoją reklamację nr {RMA}.",
    (None, S.SUBMITTED): f"Otrzymaliśmy Twoje zgłoszenie nr {RMA}.",
    (W, S.ACCEPTED): f"Zwrot nr {RMA} został przyjęty.",
    (C, S.ACCEPTED): f"Reklamacja nr {RMA} została uznana.",
    (None, S.ACCEPTED): f"Zgłoszenie nr {RMA} zostało rozpatrzone pozytywnie.",
    (W, S.REJECTED): f"Zwrot nr {RMA} nie został przyjęty.",
    (C, S.REJECTED): f"Reklamacja nr {RMA} nie została uznana.",
    (None, S.REJECTED): f"Zgłoszenie nr {RMA} zostało rozpatrzone negatywnie.",
    (W, S.IN_TRANSIT): f"Zgłoszenie nr {RMA}: paczka zwrotna jest w drodze do nas.",
    (C, S.DELIVERED_TO_SHOP): f"Zgłoszenie nr {RMA}: paczka zwrotna dotarła do nas, sprawdzamy towar.",
    (None, S.LABEL_SENT): f"Zgłoszenie nr {RMA}: wysłaliśmy Ci e-mailem instrukcję odesłania paczki.",
    (W, S.REFUND_ORDERED): f"Zgłoszenie nr {RMA}: zleciliśmy zwrot pieniędzy.",
    (C, S.CLOSED): f"Zgłoszenie nr {RMA} zostało zamknięte.",
}


@pytest.mark.parametrize(("key", "expected"), EXPECTED_SENTENCES.items())
def test_case_sentence_agrees_with_its_kind(key, expected):
    kind, status = key
    assert case_sentence(kind, status, RMA) == expected
    if status is not S.LABEL_SENT:
        assert case_subject(kind, status, RMA) == expected.removesuffix(".")


def test_registration_never_reads_like_a_decision():
    for kind in (W, C, None):
        sentences = {status: case_sentence(kind, status, RMA) for status in S}
        assert len(set(sentences.values())) == len(S)  # no two states read alike
        registered = sentences[S.SUBMITTED]
        assert registered.startswith("Otrzymaliśmy")
        assert not re.search(r"przyjęt|uznan|rozpatrzon", registered)


def test_a_stored_kind_string_and_an_unknown_kind_both_work():
    assert case_sentence("complaint", "accepted", RMA) == EXPECTED_SENTENCES[(C, S.ACCEPTED)]
    assert case_sentence("exchange", "accepted", RMA) == EXPECTED_SENTENCES[(None, S.ACCEPTED)]


PARTICIPLE = re.compile(r"^\w*?(?:on|an|ęt|yt|ut|ł)(y|a|e|o)$")
GENDER_ENDING = {"m": {"y"}, "f": {"a"}, "n": {"e", "o"}}


def described_ending(label: str, noun: str = "") -> set[str]:
    """The ending of the participle that describes the label's (elided or given) noun: its first word
    after the noun. "przyjęty" y, "uznana" a, "rozpatrzone pozytywnie" e; a label with its own noun
    ("paczka zwrotna w drodze", "Czekamy na wpłatę") describes nothing: empty."""
    first = label.lower().removeprefix(noun).split()[0]
    match = PARTICIPLE.match(first)
    return {match.group(1)} if match else set()


@pytest.mark.parametrize(
    ("gender", "noun", "labels"),
    [
        ("f", "", PAYMENT_STATUS_PL.values()),  # under the heading "Płatność"
        ("f", "", STATUS_LABEL_PL.values()),  # "Przesyłka 123: doręczona."
        ("n", "", SHOP_STATUS_PL.values()),  # under "Status" of "Zamówienie nr 1001"
        ("n", "", CASE_STATUS_PL.values()),  # "Zgłoszenie ZW-…: rozpatrzone pozytywnie."
        ("m", "zwrot ", [case_label(W, s) for s in (S.SUBMITTED, S.ACCEPTED, S.REJECTED, S.CLOSED)]),
        ("f", "reklamacja ", [case_label(C, s) for s in (S.SUBMITTED, S.ACCEPTED, S.REJECTED, S.CLOSED)]),
    ],
)
def test_labels_agree_with_the_noun_they_describe(gender, noun, labels):
    assert any(described_ending(label, noun) for label in labels)  # the rule has something to check
    for label in labels:
        assert described_ending(label, noun) <= GENDER_ENDING[gender], label


def test_the_checker_of_agreement_sees_a_wrong_ending():
    assert described_ending("przyjęty") == {"y"} and described_ending("Opłacone") == {"e"}
    assert not described_ending("Opłacone") <= GENDER_ENDING["f"]  # "Płatność: Opłacone" is wrong
    assert not described_ending("zwrot przyjęta", "zwrot ") <= GENDER_ENDING["m"]
    assert described_ending("Czekamy na wpłatę") == set()


def test_case_labels_on_the_status_page():
    assert case_label(C, S.ACCEPTED) == "reklamacja uznana"
    assert case_label(W, S.ACCEPTED) == "zwrot przyjęty"
    assert case_label(C, S.IN_TRANSIT) == "reklamacja – paczka zwrotna w drodze"
    assert case_label(None, S.ACCEPTED) == "rozpatrzone pozytywnie"
    view = build_view(
        {"number": "1001", "shop_status": "processing", "total": 26100, "currency": "PLN"},
        [],
        [],
        [
            {"case_id": RMA, "kind": "complaint", "status": "accepted", "status_pl": "przyjęty"},
            {"case_id": "ZW-2026-000124", "kind": "withdrawal", "status": "submitted"},
        ],
    )
    assert [c.status.label for c in view.cases] == ["reklamacja uznana", "zwrot zgłoszony"]
    assert view.payment.label == "Czekamy na wpłatę"
    page = order_status_page(
        status_page(view, datetime(2026, 12, 1, tzinfo=UTC)), Brand(), Links(returns="", contact_email="")
    )
    assert "reklamacja uznana" in page.lower() and "przyjęty" not in page
    assert_clean(page)


# ---- plural forms and any shop name --------------------------------------------------------------------

PIECES = {
    1: "1 produkt",
    2: "2 produkty",
    5: "5 produktów",
    12: "12 produktów",
    13: "13 produktów",
    14: "14 produktów",
    22: "22 produkty",
    23: "23 produkty",
    24: "24 produkty",
}


def order(pieces: int, payment: PaymentMethod = PaymentMethod.ONLINE) -> ShopOrder:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    return ShopOrder(
        number="1001",
        platform="woocommerce",
        status=ShopStatus.PROCESSING,
        customer_name="Anna Nowak",
        email="anna@example.com",
        delivery=Delivery(method=DeliveryMethod.PACZKOMAT, point_id="KRA010"),
        items=[OrderItem(sku="CZAPKA", name="Czapka", qty=pieces, unit_price=2250)],
        total=26100,
        payment_method=payment,
        created_at=at,
        modified_at=at,
    )


def shop_name_only_signs(text: str, shop_name: str) -> bool:
    """The shop's name stands only in the signature: no "w sklepie Sklep", no "od Sklep Wełenka". The
    layout's footer (after "--", the shop's details as separate lines, never a sentence) is not text."""
    body = text.split("\n\n--\n", 1)[0]
    return body.count(shop_name) == 1 and body.rstrip().endswith(f"Pozdrawiamy,\n{shop_name}")


@pytest.mark.parametrize("shop_name", SHOP_NAMES)
@pytest.mark.parametrize(("pieces", "expected"), PIECES.items())
def test_order_received_counts_and_any_shop_name(pieces, expected, shop_name):
    mail = templates.order_received(order(pieces), STATUS_URL, shop_name)
    assert f"zamówienie nr 1001: {expected} za 261,00\u00a0zł." in mail.text
    assert shop_name_only_signs(mail.text, shop_name) and shop_name not in mail.subject
    assert "przygotuj" not in mail.text
    assert_clean(mail.subject, mail.text, mail.html)


def test_cash_on_delivery_says_how_much_to_prepare():
    mail = templates.order_received(order(1, PaymentMethod.COD), STATUS_URL, "Sklep")
    assert "Płatność przy odbiorze: przygotuj 261,00\u00a0zł." in mail.text
    assert legal.cod_sms(26100) == "Pobranie: przygotuj 261,00 PLN." and is_gsm7(legal.cod_sms(26100))


@pytest.mark.parametrize("shop_name", SHOP_NAMES)
@pytest.mark.parametrize(("pieces", "expected"), PIECES.items())
@pytest.mark.parametrize("kind", [W, C])
def test_case_submitted_counts_kinds_and_any_shop_name(kind, pieces, expected, shop_name):
    mail = case_templates.case_submitted(
        rma=RMA,
        kind=kind,
        pieces=pieces,
        refund=26100 if kind is W else None,
        refund_due=date(2026, 12, 24) if kind is W else None,
        send_back_by=date(2026, 12, 28) if kind is W else None,
        answer_due=date(2026, 12, 8) if kind is C else None,
        status_url=STATUS_URL,
        shop_name=shop_name,
    )
    noun = "Zgłoszenie" if kind is W else "Reklamacja"
    assert f"{noun} obejmuje {expected}." in mail.text
    assert mail.subject == case_subject(kind, S.SUBMITTED, RMA)
    assert shop_name_only_signs(mail.text, shop_name)
    assert_clean(mail.subject, mail.text, mail.html)


def test_withdrawal_confirmation_dates_and_refund_method():
    common = {
        "rma": RMA,
        "kind": W,
        "pieces": 1,
        "refund": 2250,
        "refund_due": date(2026, 12, 24),
        "send_back_by": date(2026, 12, 28),
        "answer_due": None,
        "status_url": STATUS_URL,
        "shop_name": "Sklep",
    }
    cod = case_templates.case_submitted(**common, cod=True).text
    assert "oświadczenie o odstąpieniu od umowy" in cod
    assert "Odeślij towar najpóźniej w poniedziałek, 28 grudnia 2026 r. Wystarczy, że nadasz" in cod
    assert (
        "Zwrócimy Ci 22,50\u00a0zł przelewem na konto podane w zgłoszeniu najpóźniej w czwartek, "
        "24 grudnia 2026 r. Możemy wstrzymać" in cod
    )
    assert "tą samą metodą" not in cod  # a cash-on-delivery customer gets a transfer
    online = case_templates.case_submitted(**common, cod=False).text
    # The inserted relative clause is closed by a comma.
    assert (
        "Zwrócimy Ci 22,50\u00a0zł tą samą metodą, którą zapłacono za zamówienie, najpóźniej w czwartek"
        in online
    )
    unknown = case_templates.case_submitted(**common).text
    assert "tą samą metodą płatności" in unknown and "przelewem na konto podane w zgłoszeniu" in unknown


@pytest.mark.parametrize("shop_name", SHOP_NAMES)
@pytest.mark.parametrize("kind", [W, C, None])
@pytest.mark.parametrize("status", [s for s in S if s is not S.SUBMITTED])
def test_case_moved_for_every_kind_state_and_shop_name(status, kind, shop_name):
    mail = case_templates.case_moved(
        rma=RMA,
        status=status,
        status_url=STATUS_URL,
        shop_name=shop_name,
        reason="Produkt nosi ślady użytkowania",
        refund=2250,
        label_url="https://labels.example.com/ZW.pdf",
        kind=kind,
    )
    assert mail.subject == case_subject(kind, status, RMA)
    if status is S.LABEL_SENT:  # the e-mail that carries the instruction does not announce itself
        assert mail.subject == f"Zgłoszenie nr {RMA}: instrukcja odesłania paczki"
        assert f"Dzień dobry,\n\nprzesyłamy instrukcję odesłania paczki do zgłoszenia nr {RMA}." in mail.text
    else:
        assert case_sentence(kind, status, RMA)[1:] in mail.text  # the opening, after "Dzień dobry,"
    assert shop_name_only_signs(mail.text, shop_name)
    assert_clean(mail.subject, mail.text, mail.html)


def test_refund_lead_time_is_one_fact_and_the_slip_is_not_a_letter():
    refund = case_templates.case_moved(
        rma=RMA, status=S.REFUND_ORDERED, status_url=STATUS_URL, shop_name="Sklep", refund=2250
    )
    assert payment_templates.REFUND_EXPECTED_PL in refund.text
    assert "zwykle w ciągu 3–5 dni roboczych" in refund.text and "1–3" not in refund.text
    for slip, inside in ((True, "włóż ją do paczki"), (False, "naklej ją na paczkę")):
        mail = case_templates.case_moved(
            rma=RMA,
            status=S.LABEL_SENT,
            status_url=STATUS_URL,
            shop_name="Sklep",
            label_url="https://labels.example.com/ZW.pdf",
            slip=slip,
        )
        assert inside in mail.text and "list zwrotny" not in mail.text.lower()


# ---- shipping: carriers, shop names, SMS segments ------------------------------------------------------

NOTICES = [
    ("shipped", ShipmentStatus.LABEL_CREATED),
    ("shipped", ShipmentStatus.IN_TRANSIT),
    ("out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY),
    ("ready_for_pickup", ShipmentStatus.READY_FOR_PICKUP),
    ("pickup_reminder", ShipmentStatus.READY_FOR_PICKUP),
    ("delivered", ShipmentStatus.DELIVERED),
    ("silent", ShipmentStatus.IN_TRANSIT),
    *(("problem", status) for status in shipping_templates.PROBLEMS),  # the five apologies
]
CARRIER_IDS = [*CARRIERS, "gls"]


def ship_ctx(carrier_id: str = "inpost", shop_name: str = "Sklep Wełenka", **kw) -> ShippingContext:
    base = {
        "order_number": "1001",
        "carrier": carrier_id,
        "tracking_number": "602677439331630337653846",
        "shop_name": shop_name,
        "tracking_url": TRACKING_URL,
        "status_url": STATUS_URL,
        "paczkomat": carrier_id == "inpost",
        "point_id": "KRA010",
        "pickup_deadline": datetime(2026, 3, 5, 12, 11, tzinfo=UTC),
    }
    return ShippingContext(**(base | kw))


def test_carrier_names_and_forms():
    assert {cid: (c.name, c.genitive) for cid, c in CARRIERS.items()} == {
        "inpost": ("InPost", "InPostu"),
        "dpd": ("DPD", "DPD"),
        "dhl": ("DHL", "DHL"),
        "poczta_polska": ("Poczta Polska", "Poczty Polskiej"),
        "orlen": ("ORLEN Paczka", "ORLEN Paczki"),
    }
    assert (carrier("gls").name, carrier("gls").genitive) == ("GLS", "firmy GLS")


@pytest.mark.parametrize("carrier_id", CARRIER_IDS)
@pytest.mark.parametrize(("trigger", "status"), NOTICES)
def test_carrier_sentences_need_no_gender(trigger, status, carrier_id):
    ctx = ship_ctx(carrier_id)
    note = shipping_templates.notice(trigger, status, ctx)
    mail = shipping_templates.email(note, ctx)
    name = carrier(carrier_id).name
    # No past tense with the carrier as its subject ("Poczta Polska zgłosił"), no "kuriera Poczta Polska".
    assert not re.search(rf"{re.escape(name)} \w+ł\b", mail.text), mail.text
    assert f"kuriera {name} " not in mail.text or name == carrier(carrier_id).genitive
    assert f"Numer przesyłki: 602677439331630337653846 ({name})." in mail.text
    assert_clean(mail.subject, mail.text, mail.html, note.sms)


def test_named_forms_in_shipping_texts():
    poczta = ship_ctx("poczta_polska", paczkomat=False)
    lead = shipping_templates.notice("out_for_delivery", ShipmentStatus.OUT_FOR_DELIVERY, poczta).lines[0]
    assert (
        lead == "paczka z zamówienia nr 1001 jest już u kuriera Poczty Polskiej i niebawem do Ciebie dotrze."
    )
    packed = shipping_templates.notice("shipped", ShipmentStatus.LABEL_CREATED, poczta)
    assert (
        packed.lines[0]
        == "Twoje zamówienie nr 1001 jest spakowane i czeka na nadanie. Przewoźnik: Poczta Polska."
    )
    assert packed.sms == "Paczka (zam. 1001) czeka na nadanie (Poczta Polska)."
    delayed = shipping_templates.notice("problem", ShipmentStatus.DELAYED, poczta).lines[0]
    assert (
        delayed == "przepraszamy, przewoźnik (Poczta Polska) zgłosił opóźnienie paczki z zamówienia nr 1001."
    )
    silent = shipping_templates.notice("silent", ShipmentStatus.IN_TRANSIT, poczta)
    assert "Zapytaliśmy" not in " ".join(silent.lines)  # only a ticket for the team was opened
    assert "Przekazaliśmy sprawę naszemu zespołowi logistyki" in silent.lines[1]


@pytest.mark.parametrize("shop_name", SHOP_NAMES)
@pytest.mark.parametrize(("trigger", "status"), NOTICES)
def test_shop_name_only_in_the_signature_and_never_in_an_sms(trigger, status, shop_name):
    ctx = ship_ctx(shop_name=shop_name)
    note = shipping_templates.notice(trigger, status, ctx)
    mail = shipping_templates.email(note, ctx)
    assert shop_name_only_signs(mail.text, shop_name) and shop_name not in note.sms


@pytest.mark.parametrize("cod", [None, 26100])
@pytest.mark.parametrize("carrier_id", CARRIER_IDS)
@pytest.mark.parametrize(("trigger", "status"), NOTICES)
def test_every_sms_fits_one_segment_or_carries_a_link(trigger, status, carrier_id, cod):
    for ctx in (ship_ctx(carrier_id, cod_amount=cod), ship_ctx(carrier_id, cod_amount=cod, status_url=None)):
        note = shipping_templates.notice(trigger, status, ctx)
        assert is_gsm7(note.sms) and segments(note.sms) == 1, note.sms  # GSM-7: 160 characters
        text = shipping_templates.sms(note, ctx)
        assert segments(text) <= 2 and (segments(text) == 1 or "https://" in text), text
        assert "https://" in text  # both contexts have at least one link, and it fits
        if cod and trigger in shipping_templates.COD_TRIGGERS:  # on its way or waiting: have the money
            assert "Pobranie: przygotuj 261,00 PLN." in text


def test_the_five_apologies_are_gsm7_with_a_link():
    assert len(shipping_templates.PROBLEMS) == 5
    for status in shipping_templates.PROBLEMS:
        note = shipping_templates.notice("problem", status, ship_ctx())
        assert is_gsm7(note.sms) and len(note.sms) <= 160
        assert shipping_templates.sms(note, ship_ctx()).endswith(f" {STATUS_URL} {TRACKING_URL}")


@pytest.mark.parametrize("shop_name", SHOP_NAMES)
def test_delivered_sms_is_one_segment_whatever_the_shop_name(shop_name):
    ctx = ship_ctx(shop_name=shop_name, status_url=None, tracking_url=None)
    text = shipping_templates.sms(shipping_templates.notice("delivered", ShipmentStatus.DELIVERED, ctx), ctx)
    assert text == "Paczka (zam. 1001) jest u Ciebie. Do zobaczenia!" and segments(text) == 1


def test_a_point_name_with_polish_letters_gives_way_to_the_link():
    ctx = ship_ctx("dhl", paczkomat=False, point_id=None, point_name="DHL POP Żabka, ul. Długa 1, Kraków")
    note = shipping_templates.notice("ready_for_pickup", ShipmentStatus.READY_FOR_PICKUP, ctx)
    assert not is_gsm7(note.sms)  # the point's own name is UCS-2
    text = shipping_templates.sms(note, ctx)
    assert text.startswith("Paczka (zam. 1001) czeka na Ciebie do 05.03, godz. 13:11. https://")
    no_links = ship_ctx(
        "dhl", paczkomat=False, point_id=None, point_name="Żabka", status_url=None, tracking_url=None
    )
    alone = shipping_templates.sms(
        shipping_templates.notice("ready_for_pickup", ShipmentStatus.READY_FOR_PICKUP, no_links), no_links
    )
    assert (
        alone == "Paczka (zam. 1001) czeka w punkcie odbioru Żabka do 05.03, godz. 13:11."
        and segments(alone) == 2
    )


@pytest.mark.parametrize("shop_name", SHOP_NAMES)
def test_marketing_texts_survive_any_shop_name_and_carry_the_unsubscribe_link(shop_name):
    ctx = ship_ctx(shop_name=shop_name)
    unsubscribe = "https://sklep.example.com/unsubscribe?t=abc"
    for mail in (
        shipping_templates.review_request(ctx, "https://opinie.example.com/1001", unsubscribe),
        shipping_templates.goodwill(ctx, "PRZEPRASZAMY10", unsubscribe),
    ):
        assert shop_name_only_signs(mail.text, shop_name) and shop_name not in mail.subject
        assert f"Wypisz mnie z informacji handlowych: {unsubscribe}" in mail.text
        assert "odpowiadając na tę wiadomość" not in mail.text  # the link, not a reply, withdraws consent
        assert_clean(mail.subject, mail.text, mail.html)


# ---- timelines, labels, pages, errors: the whole corpus is clean --------------------------------------


def test_shipment_timeline_agrees_for_parcels_and_return_parcels():
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    for is_return, noun in ((False, "Przesyłka"), (True, "Przesyłka zwrotna")):
        state = ShipmentState(
            order_number="1001", carrier="inpost", tracking_number="R123", is_return=is_return
        )
        event = TrackingEvent(
            carrier="inpost",
            tracking_number="R123",
            status=ShipmentStatus.RETURNED,
            raw_code="returned_to_sender",
            occurred_at=at,
            source="webhook",
        )
        assert timeline_text(state, event) == f"{noun} R123: zwrócona do nadawcy."
        unknown = event.model_copy(update={"status": ShipmentStatus.UNKNOWN, "raw_code": "weird_code"})
        assert timeline_text(state, unknown) == f"{noun} R123: nowe zdarzenie u przewoźnika."
        assert "weird_code" not in timeline_text(state, unknown, refuted=True)


def test_every_label_timeline_line_page_and_error_is_clean():
    texts = [*PAYMENT_STATUS_PL.values(), *STATUS_LABEL_PL.values(), *SHOP_STATUS_PL.values()]
    texts += [*SHOP_STATUS_SENTENCE_PL.values(), *CASE_STATUS_PL.values()]
    texts += [case_label(k, s) for k in (W, C, None) for s in S]
    texts += [case_sentence(k, s, RMA) for k in (W, C, None) for s in S]
    texts += [
        t.format(p=payment_templates.provider_pl("przelewy24"), amount="261,00\u00a0zł")
        for t in payment_templates.TIMELINE_PL.values()
    ]
    texts += [e.reason for e in (OrderNotFound(), MissingProof(), TooManyAttempts(), TooManyLookups())]
    texts += list(REPORT_LABELS["template"].values())
    window = returns.withdrawal_window([date(2026, 12, 10)], True, date(2026, 12, 20))
    texts += [returns.window_open_message(window), returns.window_open_message(returns.Window(True, None))]
    texts += [
        returns.window_closed_message(returns.withdrawal_window([date(2026, 12, 10)], True, date(2027, 1, 5)))
    ]
    texts += [returns.complaint_limit_message(date(2024, 11, 24), "sklep@example.com")]
    texts += [legal.withdrawal_excluded_text(c) for c in (None, *legal.Art38)]
    texts.append(return_form.lookup_page({}, {}))
    texts.append(
        return_form.details_page(
            order_number="1001",
            proof={"email": "anna@example.com"},
            items=[("CZAPKA", "Czapka", 2)],
            window_text=returns.window_open_message(window),
            window_open=True,
            cod=True,
            csrf="x",
            submission_key="k",
            values={},
            errors={},
        )
    )
    for kind in ("withdrawal", "complaint", None):
        case = {
            "case_id": RMA,
            "kind": kind,
            "refund_amount": 2250,
            "refund_due": "2026-12-24",
            "send_back_by": "2026-12-28",
            "answer_due": "2026-12-08",
            "bank_account": "61109010140000071219812874",
        }
        texts.append(return_form.confirmation_page(case, STATUS_URL))
    assert_clean(*texts)


def test_confirmation_page_names_the_kind_and_the_dates():
    page = return_form.confirmation_page(
        {
            "case_id": RMA,
            "kind": "withdrawal",
            "refund_amount": 2250,
            "refund_due": "2026-12-24",
            "send_back_by": "2026-12-28",
            "bank_account": "61109010140000071219812874",
        },
        STATUS_URL,
    )
    assert f"<h1>Otrzymaliśmy Twoje zgłoszenie zwrotu nr {RMA}</h1>" in page
    assert (
        "Zwrócimy Ci 22,50\u00a0zł przelewem na konto podane w zgłoszeniu najpóźniej w czwartek, "
        "24 grudnia 2026 r." in page
    )
    assert (
        "Odeślij towar najpóźniej w poniedziałek, 28 grudnia 2026 r. Etykietę zwrotną albo kartę zwrotu"
        in page
    )
    assert "List zwrotny" not in page


def test_return_window_texts_have_r_and_no_doubled_brackets():
    window = returns.withdrawal_window([date(2026, 12, 10)], True, date(2026, 12, 20))
    assert returns.window_open_message(window) == (
        "Na odstąpienie od umowy masz czas do poniedziałku, 28 grudnia 2026 r. Wystarczy, że przed upływem "
        "tego terminu wyślesz zgłoszenie."
    )


# ---- legal wording with dates ---------------------------------------------------------------------------


def test_complaint_limit_says_when_the_two_years_ended_and_how_to_report_an_earlier_defect():
    text = returns.complaint_limit_message(date(2024, 11, 24), "reklamacje@sklep.pl")
    assert "nie jest już możliwa" not in text
    assert (
        "Towar został dostarczony 24 listopada 2024 r., więc ten okres upłynął 24 listopada 2026 r." in text
    )
    assert "Jeśli wada ujawniła się do 24 listopada 2026 r., nadal możesz ją zgłosić" in text
    assert "art. 43c ustawy o prawach konsumenta" in text and "na adres reklamacje@sklep.pl" in text
    leap = returns.complaint_limit_message(date(2024, 2, 29), "reklamacje@sklep.pl")
    assert "upłynął 28 lutego 2026 r." in leap  # and complaint_allowed agrees: 28 Feb still allowed
    assert returns.complaint_allowed(date(2024, 2, 29), date(2026, 2, 28))
    assert not returns.complaint_allowed(date(2024, 2, 29), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("category", "words"),
    [
        (
            legal.Art38.CUSTOM_MADE,
            "pkt 3 ustawy o prawach konsumenta wyłącza to prawo, gdy przedmiotem umowy "
            "jest towar nieprefabrykowany, wyprodukowany według specyfikacji konsumenta",
        ),
        (legal.Art38.PERISHABLE, "pkt 4"),
        (
            legal.Art38.SEALED_HEALTH_HYGIENE,
            "pkt 5 ustawy o prawach konsumenta wyłącza to prawo, gdy przedmiotem "
            "umowy jest towar dostarczany w zapieczętowanym opakowaniu, którego po otwarciu opakowania "
            "nie można zwrócić ze względu na ochronę zdrowia lub ze względów higienicznych, jeżeli "
            "opakowanie zostało otwarte po dostarczeniu.",
        ),
        (
            legal.Art38.MIXED_AFTER_DELIVERY,
            "pkt 6 ustawy o prawach konsumenta wyłącza to prawo, gdy przedmiotem "
            "umowy są towary, które po dostarczeniu",
        ),
        (legal.Art38.SEALED_RECORDINGS, "przedmiotem umowy są nagrania dźwiękowe lub wizualne"),
    ],
)
def test_art_38_in_the_statutes_categories(category, words):
    text = legal.withdrawal_excluded_text(category)
    assert f"art. 38 ust. 1 {words}" in text or words in text
    assert text.endswith("możesz złożyć reklamację.")


def test_withdrawal_accepted_with_a_deduction():
    mail = case_templates.withdrawal_accepted_with_deduction(
        rma=RMA,
        refund=26100,
        deduction=5000,
        reason="Buty mają ślady noszenia na zewnątrz",
        refund_due=date(2026, 12, 24),
        status_url=STATUS_URL,
        shop_name="Żółta Łódź",
        cod=False,
    )
    assert mail.subject == f"Zwrot nr {RMA} przyjęty z potrąceniem 50,00\u00a0zł"
    assert "potrącamy 50,00\u00a0zł: zwrócimy Ci 211,00\u00a0zł zamiast 261,00\u00a0zł." in mail.text
    assert "Powód potrącenia: Buty mają ślady noszenia na zewnątrz." in mail.text
    assert "art. 34 ust. 4 ustawy o prawach konsumenta" in mail.text
    assert "Zwrócimy Ci 211,00\u00a0zł tą samą metodą" in mail.text and "24 grudnia 2026 r." in mail.text
    assert shop_name_only_signs(mail.text, "Żółta Łódź")
    assert_clean(mail.subject, mail.text, mail.html)
    with pytest.raises(ValueError):
        case_templates.withdrawal_accepted_with_deduction(
            rma=RMA,
            refund=100,
            deduction=200,
            reason="x",
            refund_due=date(2026, 12, 24),
            status_url=STATUS_URL,
            shop_name="Sklep",
        )


@pytest.mark.parametrize(
    ("remedy", "expected"),
    [
        (ComplaintDemand.REPAIR, "Naprawimy towar na nasz koszt"),
        (ComplaintDemand.REPLACEMENT, "Wymienimy towar na nowy, zgodny z umową, na nasz koszt"),
        (
            ComplaintDemand.PRICE_REDUCTION,
            "Obniżamy cenę o 40,00\u00a0zł. Zwrócimy Ci 40,00\u00a0zł przelewem "
            "na konto podane w zgłoszeniu najpóźniej we wtorek, 8 grudnia 2026 r.",
        ),
        (ComplaintDemand.WITHDRAWAL, "Przyjmujemy Twoje odstąpienie od umowy. Zwrócimy Ci 40,00\u00a0zł"),
    ],
)
def test_complaint_accepted_with_each_remedy(remedy, expected):
    mail = case_templates.complaint_accepted(
        rma=RMA,
        remedy=remedy,
        status_url=STATUS_URL,
        shop_name="Sklep Wełenka",
        amount=4000,
        refund_due=date(2026, 12, 8),
        cod=True,
    )
    assert mail.subject == f"Reklamacja nr {RMA} została uznana"
    assert f"uznajemy Twoją reklamację nr {RMA}. {expected}" in mail.text
    assert_clean(mail.subject, mail.text, mail.html)


def test_a_money_remedy_needs_its_amount_and_date():
    with pytest.raises(ValueError):
        case_templates.complaint_accepted(
            rma=RMA, remedy=ComplaintDemand.PRICE_REDUCTION, status_url=STATUS_URL, shop_name="Sklep"
        )


def test_complaint_rejected_gives_reasons_and_the_way_to_disagree():
    mail = case_templates.complaint_rejected(
        rma=RMA,
        reasons="Uszkodzenie powstało mechanicznie, po dostarczeniu",
        status_url=STATUS_URL,
        shop_name="Sklep",
    )
    assert mail.subject == f"Reklamacja nr {RMA} nie została uznana"
    assert "Uzasadnienie: Uszkodzenie powstało mechanicznie, po dostarczeniu." in mail.text
    assert "rzecznik konsumentów" in mail.text
    assert_clean(mail.subject, mail.text, mail.html)


def test_asking_for_the_goods_says_the_answer_clock_keeps_running():
    mail = case_templates.complaint_goods_requested(
        rma=RMA, answer_due=date(2026, 12, 28), status_url=STATUS_URL, shop_name="Sklep"
    )
    assert (
        "Ta prośba nie przedłuża terminu na naszą odpowiedź: odpowiemy na reklamację najpóźniej "
        "w poniedziałek, 28 grudnia 2026 r." in mail.text
    )
    assert_clean(mail.subject, mail.text, mail.html)


def test_complaint_deemed_accepted_after_14_days():
    mail = case_templates.complaint_deemed_accepted(
        rma=RMA,
        answer_due=date(2026, 12, 28),
        demand=ComplaintDemand.REPLACEMENT,
        status_url=STATUS_URL,
        shop_name="Sklep",
    )
    assert mail.subject == f"Reklamacja nr {RMA} została uznana"
    assert "w ustawowym terminie, który upłynął 28 grudnia 2026 r. Zgodnie z art. 7a ust. 2" in mail.text
    assert "Zrealizujemy Twoje żądanie: wymiana na nowy towar." in mail.text
    assert_clean(mail.subject, mail.text, mail.html)


def test_refund_deadline_ticket_with_and_without_proof_of_sending():
    common = {
        "rma": RMA,
        "order_number": "1001",
        "amount": 26100,
        "statement_received": date(2026, 12, 10),
        "due": date(2026, 12, 24),
    }
    waiting = legal.refund_deadline_ticket(**common)
    assert waiting.subject == f"Zwrot pieniędzy {RMA}: termin 24 grudnia 2026 r."
    assert waiting.note.startswith(
        f"Zwróć 261,00\u00a0zł za zgłoszenie {RMA} (zamówienie 1001) najpóźniej w czwartek, "
        "24 grudnia 2026 r. Termin: 14 dni od otrzymania oświadczenia o odstąpieniu od umowy "
        "(10 grudnia 2026 r.), art. 32 ust. 1"
    )
    assert "zwrot można wstrzymać" in waiting.note and "termin biegnie jednak dalej" in waiting.note
    sent = legal.refund_deadline_ticket(**common, proof_of_sending=date(2026, 12, 12))
    assert "Klient nadał towar 12 grudnia 2026 r. (pierwszy skan przewoźnika to dowód nadania)" in sent.note
    assert "nie wolno już wstrzymywać zwrotu" in sent.note and "można wstrzymać" not in sent.note
    back = legal.refund_deadline_ticket(**common, goods_received=date(2026, 12, 15), cod=True)
    assert "Towar wrócił do nas 15 grudnia 2026 r." in back.note
    assert (
        "przelej pieniądze na konto podane w zgłoszeniu i potwierdź w zgłoszeniu przelew z jego datą"
        in back.note
    )
    assert_clean(waiting.subject, waiting.note, sent.note, back.note)


def test_unsubscribe_footer():
    blocks = legal.marketing_footer("https://sklep.example.com/u?t=1")
    assert blocks[-1] == ("Wypisz mnie z informacji handlowych", "https://sklep.example.com/u?t=1")
    assert "jednym kliknięciem" in blocks[0]


def test_the_legal_clocks_texts_for_the_team_and_the_unsubscribe_pages_read_clean():
    from zwrotnica.flows.consent import WITHDRAWN_PL
    from zwrotnica.web import unsubscribe

    due, today = date(2026, 12, 24), date(2026, 12, 11)
    texts = [
        legal.complaint_refund_ticket(rma=RMA, order_number="1001", amount=2250, due=due, cod=True).note,
        legal.complaint_refund_ticket(rma=RMA, order_number="1001", amount=2250, due=due).note,
        legal.refund_ordered_note(2250, "PayU"),
        legal.refund_transferred_note(2250, today),
        legal.refund_failed_note("odmowa operatora", RMA),
        legal.complaint_goods_requested_note(today, due),
        legal.complaint_answered_note("uznana (naprawa)", today),
        legal.complaint_deemed_accepted_note(due, "naprawa"),
        legal.complaint_deemed_accepted_note(due, None),
        *(legal.legal_step_text(c, s) for c in ("complaint", "payment") for s in ("warn", "final", "breach")),
        WITHDRAWN_PL,
        unsubscribe.confirm_page("?t=1.x"),
        unsubscribe.done_page(),
        payment_templates.TIMELINE_PL["refund_transferred"].format(p="przelew", amount="22,50 zł"),
        payment_templates.TIMELINE_PL["payment_collected_on_delivery"].format(p="", amount="261,00 zł"),
    ]
    assert_clean(*texts)
    assert "w czwartek, 24 grudnia 2026 r." in texts[0] and "cases transfer" in texts[0]
    final = legal.legal_step_text("complaint", "final")
    assert final.endswith("reklamację uważa się za uznaną (art. 7a ust. 2 ustawy o prawach konsumenta)")
