"""The treasurer's lists: members and payments, filtered, and exported as CSV that a
spreadsheet cannot mistake for formulas."""

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from members import turnover
from members.models import Member, Payment, Standing, sort_key
from members.money import plain_amount

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_rows(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """CSV text line by line, for a streaming response: memory stays flat however long the list."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def search(members, text: str):
    """Every word must match a name, the email, or (if a number) the member number."""
    for word in text.split():
        match = Q(full_name__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
        match |= Q(user__email__icontains=word)
        if word.lstrip("#").isdigit():
            match |= Q(member_number=int(word.lstrip("#")))
        members = members.filter(match)
    return members


def member_list(filters: dict, *, today: datetime.date | None = None):
    """Members with their standing, plan and paid-through date, filtered: a fixed
    number of queries however many rows are shown."""
    today = today or timezone.localdate()
    members = Member.objects.select_related("user").with_standing(on=today).with_current_term()
    if filters.get("q"):
        members = search(members, filters["q"])
    if filters.get("standing"):
        members = members.filter(standing_code=filters["standing"])
    if filters.get("plan"):
        members = members.filter(current_plan_id=filters["plan"].pk)
    if filters.get("ends_within") is not None:
        horizon = today + datetime.timedelta(days=filters["ends_within"])
        members = members.filter(paid_through__gte=today, paid_through__lte=horizon)
    if filters.get("auto_renew") in ("yes", "no"):
        members = members.filter(auto_renew=filters["auto_renew"] == "yes")
    if filters.get("change") and filters.get("change_from") and filters.get("change_to"):
        who = turnover.members_who(filters["change"], filters["change_from"], filters["change_to"])
        members = members.filter(pk__in=who.values("pk"))
    return members.filter(merged_into__isnull=True).order_by(sort_key(), "full_name", "first_name", "user__email", "pk")


MEMBER_HEADER = [
    gettext_lazy("Member number"),
    gettext_lazy("First name"),
    gettext_lazy("Last name"),
    gettext_lazy("Email"),
    gettext_lazy("Standing"),
    gettext_lazy("Plan"),
    gettext_lazy("Paid through"),
    gettext_lazy("Auto-renew"),
    gettext_lazy("Address"),
    gettext_lazy("Address (line 2)"),
    gettext_lazy("City"),
    gettext_lazy("Postal code"),
    gettext_lazy("Country"),
    gettext_lazy("Phone"),
    gettext_lazy("Directory consent"),
    gettext_lazy("Full name"),
    gettext_lazy("Name to sort by"),
]


def member_rows(members) -> Iterator[list]:
    for m in members.iterator(chunk_size=2000):
        yield [
            m.member_number or "",
            m.first_name,
            m.last_name,
            m.user.email,
            Standing(m.standing_code).label,
            m.current_plan_name or "",
            "Lifetime" if m.is_lifetime else (m.paid_through.isoformat() if m.paid_through else ""),
            "yes" if m.auto_renew else "no",
            m.address_line1,
            m.address_line2,
            m.city,
            m.postal_code,
            m.country,
            m.phone,
            "yes" if m.directory_consent else "no",
            m.name,
            m.sort_name,
        ]


def payment_list(filters: dict):
    payments = Payment.objects.select_related("member__user", "plan", "recorded_by")
    if filters.get("start"):
        payments = payments.filter(received_on__gte=filters["start"])
    if filters.get("end"):
        payments = payments.filter(received_on__lte=filters["end"])
    if filters.get("method"):
        payments = payments.filter(method=filters["method"])
    if filters.get("status"):
        payments = payments.filter(status=filters["status"])
    if filters.get("currency"):
        payments = payments.filter(currency=filters["currency"])
    if filters.get("kind"):
        payments = payments.filter(kind=filters["kind"])
    return payments.order_by("-received_on", "-pk")


PAYMENT_HEADER = [
    gettext_lazy("Receipt number"),
    gettext_lazy("Received on"),
    gettext_lazy("Member number"),
    gettext_lazy("Name"),
    gettext_lazy("Email"),
    gettext_lazy("Plan"),
    gettext_lazy("Amount"),
    gettext_lazy("Currency"),
    gettext_lazy("Method"),
    gettext_lazy("Status"),
    gettext_lazy("Refunded"),
    gettext_lazy("Reference"),
    gettext_lazy("Recorded by"),
    gettext_lazy("Reason for refund or void"),
    gettext_lazy("Kind"),
    gettext_lazy("Description"),
]


def payment_rows(payments) -> Iterator[list]:
    for p in payments.iterator(chunk_size=2000):
        yield [
            p.receipt_number,
            p.received_on.isoformat(),
            (p.member.member_number or "") if p.member else "",
            p.member.name if p.member else "",
            p.member.user.email if p.member else "",
            p.plan.name if p.plan else "",
            plain_amount(p.amount_cents, p.currency),
            p.currency,
            p.get_method_display(),
            p.get_status_display(),
            plain_amount(p.refunded_cents, p.currency),
            p.reference,
            p.recorded_by.email if p.recorded_by else "",
            p.status_reason,
            p.get_kind_display(),
            p.description,
        ]
