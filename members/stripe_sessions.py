"""A seam for other apps' Stripe Checkout Sessions: an app (events, for tickets) registers the
`kind` it writes in a session's metadata, and members' webhook handling hands such sessions
to it, so members never imports the app above it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from members import stripe as card
from members.dues import next_receipt_number
from members.models import Member, Payment

log = logging.getLogger(__name__)

KIND_KEY = "kind"


@dataclass(frozen=True)
class SessionKind:
    completed: Callable[[dict, dict], None]  # (event, session)
    expired: Callable[[dict, dict], None] | None = None


_kinds: dict[str, SessionKind] = {}


def register_session_kind(kind: str, *, completed, expired=None) -> None:
    """Called at app ready: sessions whose metadata says `kind` go to these functions."""
    _kinds[kind] = SessionKind(completed=completed, expired=expired)


def kind_of(session: dict) -> SessionKind | None:
    return _kinds.get(str((session.get("metadata") or {}).get(KIND_KEY) or ""))


def hand_over(event: dict, session: dict) -> bool:
    """Give a completed session to the app that started it; False for members' own sessions."""
    kind = kind_of(session)
    if kind is None:
        return False
    kind.completed(event, session)
    return True


def session_expired(event: dict) -> None:
    """`checkout.session.expired`: an app's unpaid session ended (its seats go back)."""
    session = event["data"]["object"]
    kind = kind_of(session)
    if kind is None or kind.expired is None:
        log.info("Expired Checkout Session %s has no kind that cares; ignored.", session.get("id"))
        return
    kind.expired(event, session)


def refund_session(*, payment_intent: str, amount_cents: int, key: str, metadata: dict) -> None:
    """Give back a session's whole payment through Stripe. The local test checkout moved no
    money (its ids say so), so there is nothing to ask."""
    if not payment_intent or card.is_local_id(payment_intent):
        return
    card._refund(payment_intent, amount_cents=amount_cents, metadata=metadata, key=key)


def record_session_payment(
    *,
    kind: str,
    user,
    amount_cents: int,
    currency: str,
    received_on,
    description: str,
    reference: str,
    refunded: bool = False,
) -> Payment | None:
    """Record money another app's session took (tickets), so the treasurer's payments list and
    CSV show it beside dues: for the buyer's member profile if they have one. Once per
    `reference` and kind (the caller records it only when the news is new)."""
    if amount_cents <= 0 or Payment.objects.filter(kind=kind, reference=reference).exists():
        return None
    member = Member.objects.filter(user=user).first() if user is not None else None
    return Payment.objects.create(
        member=member, kind=kind, amount_cents=amount_cents, currency=currency.upper(),
        method=Payment.Method.CARD, received_on=received_on, reference=reference[:200],
        description=description[:300], receipt_number=next_receipt_number(received_on.year),
        status=Payment.Status.REFUNDED if refunded else Payment.Status.PAID,
        refunded_cents=amount_cents if refunded else 0,
    )  # fmt: skip
