"""Organisers' changes to an event's ticket types and discount codes, each with its audit row."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from events.models import Event
from events.ticket_records import DiscountCode, OrderLine, TicketType

TYPE_FACTS = (
    "name",
    "name_second",
    "price_cents",
    "audience",
    "quantity",
    "sale_starts_at",
    "sale_ends_at",
    "max_per_order",
    "hidden",
    "unlock_code",
)
CODE_FACTS = ("code", "kind", "value", "max_uses", "last_day")

audit.log.describe("ticket_type.created", gettext_lazy("Added a ticket type"))
audit.log.describe("ticket_type.edited", gettext_lazy("Edited a ticket type"))
audit.log.describe("ticket_type.removed", gettext_lazy("Removed a ticket type"))
audit.log.describe("discount_code.created", gettext_lazy("Added a discount code"))


class TicketTypeRefused(Exception):
    """A change to ticket types that cannot be made; `message` says why."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def create_ticket_type(*, event: Event, details: dict, plans, by) -> TicketType:
    """Add a ticket type to the event."""
    with transaction.atomic():
        ticket_type = TicketType.objects.create(event=event, **details)
        ticket_type.plans.set(plans)
        created = {name: [None, value] for name, value in audit.log.snapshot(ticket_type, TYPE_FACTS).items()}
        audit.log.record(by, "ticket_type.created", ticket_type, changes=created)
    return ticket_type


def update_ticket_type(*, ticket_type_id: int, details: dict, plans, by) -> TicketType:
    """Change a ticket type; what was already sold keeps the price it was sold at."""
    with transaction.atomic():
        ticket_type = TicketType.objects.select_for_update().select_related("event").get(pk=ticket_type_id)
        before = audit.log.snapshot(ticket_type, TYPE_FACTS)
        for name, value in details.items():
            setattr(ticket_type, name, value)
        ticket_type.save()
        ticket_type.plans.set(plans)
        changes = audit.log.diff(before, ticket_type)
        if changes:
            audit.log.record(by, "ticket_type.edited", ticket_type, changes=changes)
    return ticket_type


def remove_ticket_type(*, ticket_type_id: int, by) -> None:
    """Remove a ticket type nobody has ordered; one already ordered can only be taken off sale."""
    with transaction.atomic():
        ticket_type = TicketType.objects.select_for_update().select_related("event").get(pk=ticket_type_id)
        if OrderLine.objects.filter(ticket_type=ticket_type).exists():
            raise TicketTypeRefused(
                _("Tickets of this type have been ordered, so it cannot be removed. End its sale instead."),
                code="ordered",
            )
        audit.log.record(by, "ticket_type.removed", ticket_type, changes={"name": [ticket_type.name, None]})
        ticket_type.delete()


def create_discount_code(*, event: Event, details: dict, ticket_types, by) -> DiscountCode:
    """Add a discount code for chosen ticket types of the event."""
    with transaction.atomic():
        discount = DiscountCode.objects.create(event=event, **details)
        discount.ticket_types.set(ticket_types)
        created = {name: [None, value] for name, value in audit.log.snapshot(discount, CODE_FACTS).items()}
        audit.log.record(by, "discount_code.created", discount, changes=created)
    return discount
