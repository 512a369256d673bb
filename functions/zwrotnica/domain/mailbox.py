"""One mailbox, as the inbound rules compare addresses: case-insensitive, a "+tag" ignored. Its own small
module: the store keys a customer's orders by it (store.orders), and every function imports the store,
so this must not bring the mail-matching rules' compiled patterns to every cold start."""

from __future__ import annotations

import hashlib


def mailbox(address: str) -> str:
    local, _, domain = address.strip().casefold().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def mailbox_key(address: str) -> str:
    """A key for one mailbox that carries no address in clear: what a customer's orders and a sender's
    counters are stored under."""
    return hashlib.sha256(mailbox(address).encode()).hexdigest()[:32]
