"""Which shop order a payment notification is for: the official plugins' naming, read back.

A shop's payment plugin registers every attempt with the gateway under a name of its own making, and
PayU (`extOrderId`) and Przelewy24 (`sessionId`) hand that name back in each notification. Read in the
plugins' code (shop-platforms.md section 6; `uniqid(p, true)` = p + 13 hex digits + `d.dddddddd`):

| rule | plugin | field | form | reference |
| --- | --- | --- | --- | --- |
| payu_woocommerce | PayU for WooCommerce | extOrderId | `{id}_{uniqid}` | WooCommerce post id |
| payu_prestashop | PayU for PrestaShop (also PayU Magento 1) | extOrderId | `{id}-{uniqid}` | id_order |
| payu_magento2 | PayU Magento 2 | extOrderId | `{increment_id}_{13 hex or unix time}` | order number |
| p24_woocommerce | Przelewy24 for WooCommerce | sessionId | `{id}_{md5}{uniqid}` | WooCommerce post id |
| p24_prestashop | Przelewy24 for PrestaShop (1.3.x) | sessionId | `{id_cart}\\|{32 or 56 hex}` | id_cart |
| p24_prestashop_order | Przelewy24 for PrestaShop, older | sessionId | `{id_order}\\|{32 hex}` | id_order |

The number a customer sees (WooCommerce `number`) and the platform's own id (`id`) differ as soon as
a sequential-number plugin runs, so every reference says which it is. The suffix names the attempt:
each "pay again" registers a new one (Przelewy24 requires a fresh sessionId per registration).

PAYMENT_REFERENCE_RULES lists the rules tried, in order, separated by spaces: rule names from the
table, or a shop's own `provider:kind:regex` (provider `payu`, `przelewy24` or `*`; kind `number`,
`order_id` or `cart_id`; the regex has a group `ref` and may have `attempt`, and no spaces, `\\s`
instead). A reference no rule recognises is the order number itself, as our own integrations send it.
The default holds the unambiguous forms only; payu_magento2 (13 hex digits or 10 digits after the last
`_`) could swallow a shop's own number and is there to name, not on by default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from zwrotnica.models.payment import RefKind


@dataclass(frozen=True)
class ReferenceRule:
    name: str
    provider: str  # payu, przelewy24, or * for both
    pattern: re.Pattern[str]
    kind: RefKind
    # Where the attempt holds PHP uniqid's 13 hex digits (seconds and microseconds): attempts compare
    # by time as plain strings. None: the attempt is random (an md5, a sha224) and says nothing of time.
    clock: slice | None = None


@dataclass(frozen=True)
class OrderRef:
    """What a notification's reference says: the order (number or internal id) and the attempt."""

    value: str
    kind: RefKind
    attempt: str | None = None
    rule: str = "exact"
    started: str | None = None  # sortable: a later attempt of one order compares greater


_UNIQID = r"[0-9a-f]{13}\d\.\d{8}"  # PHP uniqid($prefix, true) after the prefix
PRESETS: dict[str, ReferenceRule] = {
    rule.name: rule
    for rule in (
        ReferenceRule(
            "payu_woocommerce",
            "payu",
            re.compile(rf"(?P<ref>\d+)_(?P<attempt>{_UNIQID})"),
            RefKind.ORDER_ID,
            slice(0, 13),
        ),
        ReferenceRule(
            "payu_prestashop",
            "payu",
            re.compile(rf"(?P<ref>\d+)-(?P<attempt>{_UNIQID})"),
            RefKind.ORDER_ID,
            slice(0, 13),
        ),
        ReferenceRule(
            "payu_magento2",
            "payu",
            re.compile(r"(?P<ref>.+)_(?P<attempt>[0-9a-f]{13}|\d{10})"),
            RefKind.NUMBER,
        ),
        ReferenceRule(
            "p24_woocommerce",
            "przelewy24",
            re.compile(rf"(?P<ref>\d+)_(?P<attempt>[0-9a-f]{{32}}{_UNIQID})"),
            RefKind.ORDER_ID,
            slice(32, 45),
        ),
        ReferenceRule(
            "p24_prestashop",
            "przelewy24",
            re.compile(r"(?P<ref>\d+)\|(?P<attempt>[0-9a-f]{32}(?:[0-9a-f]{24})?)"),
            RefKind.CART_ID,
        ),
        ReferenceRule(
            "p24_prestashop_order",
            "przelewy24",
            re.compile(r"(?P<ref>\d+)\|(?P<attempt>[0-9a-f]{32})"),
            RefKind.ORDER_ID,
        ),
    )
}
DEFAULT_RULES = "payu_woocommerce payu_prestashop p24_woocommerce p24_prestashop"
PROVIDERS = ("payu", "przelewy24", "*")


def parse_rules(setting: str) -> tuple[ReferenceRule, ...]:
    """PAYMENT_REFERENCE_RULES as rules; ValueError names the entry that is neither a rule nor a
    `provider:kind:regex` with a `ref` group (a deploy with a typo fails loudly, not silently)."""
    rules = []
    for i, entry in enumerate(setting.split()):
        if entry in PRESETS:
            rules.append(PRESETS[entry])
            continue
        provider, kind, pattern = [*entry.split(":", 2), "", ""][:3]
        try:
            compiled = re.compile(pattern)
            rule = ReferenceRule(f"custom{i + 1}", provider, compiled, RefKind(kind))
        except (re.error, ValueError) as exc:
            raise ValueError(f"PAYMENT_REFERENCE_RULES: {entry!r} is not a rule") from exc
        if provider not in PROVIDERS or "ref" not in compiled.groupindex:
            raise ValueError(f"PAYMENT_REFERENCE_RULES: {entry!r} needs a provider and a (?P<ref>...) group")
        rules.append(rule)
    return tuple(rules)


DEFAULTS = parse_rules(DEFAULT_RULES)


def extract(provider: str, reference: str, rules: Sequence[ReferenceRule] = DEFAULTS) -> OrderRef:
    """The first rule of this provider that matches the whole reference decides; none: the number."""
    for rule in rules:
        if rule.provider not in (provider, "*"):
            continue
        found = rule.pattern.fullmatch(reference)
        if found and found.group("ref"):
            attempt = found.groupdict().get("attempt") or None
            started = attempt[rule.clock] if attempt and rule.clock else None
            return OrderRef(found.group("ref"), rule.kind, attempt, rule.name, started)
    return OrderRef(reference, RefKind.NUMBER)
