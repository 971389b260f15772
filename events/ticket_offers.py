"""Which tickets a visitor may buy, by their standing as a member, and at what price.

Standing comes from members' own code (`Member.standing`); it is looked at again when
the money arrives (events/ticket_orders.py), never trusted from the page alone.
"""

import datetime
import functools
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event
from events.ticket_records import TicketType
from members.models import GOOD_STANDINGS, Member, Plan, Standing


@dataclass
class Buyer:
    """Who is buying, as far as tickets care: their standing and current plan."""

    standing: Standing | None  # None: not a member
    plan: Plan | None

    @property
    def in_good_standing(self) -> bool:
        return self.standing in GOOD_STANDINGS


@dataclass
class Offer:
    ticket_type: TicketType
    may_buy: bool
    # Where the visitor may not buy it as they are: "join" or "renew" (dues in the same checkout).
    via: str = ""
    note: str = ""
    plan: Plan | None = None  # the plan joined or renewed in the same checkout

    @property
    def dues_cents(self) -> int:
        return self.plan.least_cents if self.plan else 0


def buyer_of(user, *, on: datetime.date | None = None) -> Buyer:
    """The standing and plan of the account `user` (anonymous: not a member)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Buyer(standing=None, plan=None)
    member = Member.objects.filter(user=user).prefetch_related("terms__plan").first()
    if member is None:
        return Buyer(standing=None, plan=None)
    day = on or timezone.localdate()
    term = member.current_term(on=day)
    return Buyer(standing=member.standing(on=day), plan=term.plan if term else None)


def may_buy(ticket_type: TicketType, buyer: Buyer) -> bool:
    """Whether this buyer, with their standing now, may buy this ticket type."""
    if ticket_type.audience == TicketType.Audience.ANYONE:
        return True
    if not buyer.in_good_standing:
        return False
    if ticket_type.audience == TicketType.Audience.GOOD_STANDING:
        return True
    return buyer.plan is not None and any(plan.pk == buyer.plan.pk for plan in ticket_type.plans.all())


def offers_for(
    event: Event,
    *,
    buyer: Buyer,
    unlock_code: str = "",
    now: datetime.datetime | None = None,
    types: list[TicketType] | None = None,
) -> list[Offer]:
    """The ticket types on sale that this visitor may see, each saying whether they may buy it
    and, for a member ticket they may not buy as they are, how they could (join or renew).
    `types`: the event's ticket types with their plans, when the caller has read them already."""
    now = now or timezone.now()
    if types is None:
        types = event.ticket_types.prefetch_related("plans")
    on_sale = [t for t in types if t.on_sale(now) and t.unlocked_by(unlock_code)]
    cheapest_open = min((t.price_cents for t in on_sale if not t.for_members), default=None)
    newcomer_plan = functools.cache(cheapest_plan)  # read once however many member tickets there are
    offers = []
    for ticket_type in on_sale:
        if may_buy(ticket_type, buyer):
            offers.append(Offer(ticket_type=ticket_type, may_buy=True))
            continue
        offers.append(_way_in(ticket_type, buyer, cheapest_open, newcomer_plan))
    return offers


def _way_in(ticket_type: TicketType, buyer: Buyer, cheapest_open: int | None, newcomer_plan) -> Offer:
    """A member ticket this visitor may not buy as they are: how joining or renewing would help."""
    if ticket_type.audience == TicketType.Audience.GOOD_STANDING:
        if buyer.standing == Standing.LAPSED:
            plan = buyer.plan if buyer.plan and buyer.plan.is_open else newcomer_plan()
            if plan:
                note = _("Renew and pay the member price.")
                return Offer(ticket_type, may_buy=False, via="renew", note=note, plan=plan)
        plan = newcomer_plan()
        if plan and (cheapest_open is None or plan.least_cents + ticket_type.price_cents < cheapest_open):
            note = _("Join and pay the member price.")
            return Offer(ticket_type, may_buy=False, via="join", note=note, plan=plan)
    return Offer(ticket_type, may_buy=False, note=_("For members in good standing."))


def as_member_of(plan: Plan) -> Buyer:
    """The buyer as they will be once the dues in the same checkout are applied."""
    return Buyer(standing=Standing.ACTIVE, plan=plan)


def cheapest_plan() -> Plan | None:
    """The open plan a newcomer would join for the least dues."""
    plans = [plan for plan in Plan.objects.filter(is_open=True) if plan.period != Plan.Period.MONTHLY]
    return min(plans, key=lambda plan: (plan.least_cents, plan.pk), default=None)
