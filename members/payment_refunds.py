"""A seam for refunding payments that are not dues: an app (events, for tickets) registers the
function that refunds a payment of its kind, so the treasurer's refund of a ticket payment
also cancels what it bought (the order, its seats), and members never imports the app above."""

from collections.abc import Callable

_refunders: dict[str, Callable[..., object]] = {}


def register_refunder(kind: str, refund: Callable[..., object]) -> None:
    """Called at app ready: `refund(payment=, amount_cents=, reason=, by=)` refunds a payment of
    `kind` (amount None: all that remains), raising DuesError with a message when it cannot."""
    _refunders[kind] = refund


def refunder_for(kind: str) -> Callable[..., object] | None:
    return _refunders.get(kind)
