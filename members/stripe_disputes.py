"""Chargebacks as Stripe reports them (`charge.dispute.created`, `charge.dispute.closed`),
handed to members/disputes.py with the payment they concern."""

from members import disputes
from members import stripe as card
from members.models import Payment
from members.stripe_objects import object_id, when


def payment_of_intent(intent: str) -> tuple[Payment | None, str | None]:
    """The payment a PaymentIntent paid (asking Stripe for its invoice if need be), and that invoice."""
    payment = Payment.objects.filter(stripe_payment_intent_id=intent).first() if intent else None
    if payment is not None or not intent:
        return payment, None
    invoice_id = card.invoice_for_payment_intent(intent)
    return (Payment.objects.filter(stripe_invoice_id=invoice_id).first() if invoice_id else None), invoice_id


def _dispute_facts(dispute: dict) -> dict:
    intent = object_id(dispute.get("payment_intent"))
    payment, _invoice = payment_of_intent(intent)
    return {
        "payment": payment,
        "amount_cents": dispute.get("amount") or 0,
        "currency": dispute.get("currency") or "",
        "reason": dispute.get("reason") or "",
        "charge_id": object_id(dispute.get("charge")),
        "payment_intent_id": intent,
    }


def dispute_created(event: dict) -> None:
    """A chargeback opened: recorded, the treasurers told, the term kept or suspended by policy."""
    dispute = event["data"]["object"]
    disputes.open_dispute(
        stripe_dispute_id=dispute["id"],
        status=dispute.get("status") or "",
        opened_at=when(dispute.get("created")) or when(event["created"]),
        **_dispute_facts(dispute),
    )


def dispute_closed(event: dict) -> None:
    """A chargeback settled: won gives a suspended term back, lost marks the payment refunded."""
    dispute = event["data"]["object"]
    disputes.close_dispute(
        stripe_dispute_id=dispute["id"],
        status=dispute.get("status") or "",
        closed_at=when(event["created"]),
        **_dispute_facts(dispute),
    )
