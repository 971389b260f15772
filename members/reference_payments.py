"""Money a treasurer records by its reference that is not dues: a bank transfer paying a
ticket reservation, say. Another app (events) registers the function that settles what a
reference names, so the treasurer's page lives here and members never imports it."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members.dues import next_receipt_number
from members.models import Member, Payment

audit.log.describe("payment.recorded_by_reference", gettext_lazy("Recorded a bank transfer by its reference"))


class ReferenceRefused(Exception):
    """The money cannot be recorded against that reference; `message` says why, nothing changed."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Settled:
    """What recording the money did, in words for the treasurer, and its payment."""

    message: str
    payment: Payment | None


# settle(reference=, amount_cents=, received_on=, by=) -> Settled, or raises ReferenceRefused.
_settlers: dict[str, Callable[..., Settled]] = {}


def register_settler(name: str, settle: Callable[..., Settled]) -> None:
    """Called at app ready: `settle` records money for a reference it knows, returning None for one it does not."""
    _settlers[name] = settle


def settle(*, reference: str, amount_cents: int, received_on: datetime.date, by) -> Settled:
    """Hand the money to the app whose reference it is. Raises ReferenceRefused when none knows it."""
    for settler in _settlers.values():
        settled = settler(reference=reference, amount_cents=amount_cents, received_on=received_on, by=by)
        if settled is not None:
            return settled
    raise ReferenceRefused(_("No reservation has the reference %(ref)s.") % {"ref": reference}, code="unknown")


def record_ticket_transfer(
    *, user, amount_cents: int, currency: str, received_on: datetime.date, reference: str, description: str, by
) -> Payment:
    """The treasurer's record of a bank transfer for tickets, beside dues in the payments list,
    with its audit row. Call it inside the transaction that confirms what it paid for."""
    member = Member.objects.filter(user=user).first() if user is not None else None
    payment = Payment.objects.create(
        member=member, kind=Payment.Kind.TICKETS, amount_cents=amount_cents, currency=currency.upper(),
        method=Payment.Method.BANK_TRANSFER, received_on=received_on, reference=reference[:200],
        description=description[:300], receipt_number=next_receipt_number(received_on.year), recorded_by=by,
    )  # fmt: skip
    changes = {"amount_cents": [None, amount_cents], "reference": [None, reference]}
    audit.log.record(by, "payment.recorded_by_reference", payment, changes=changes)
    return payment
