"""The board's numbers on /manage/: standing, turnover, renewals due, money owed and
received, and two series of 24 months.

Everything is counted from the dated terms and the payments when it is asked for, never
from a stored counter, in a fixed number of queries however many members there are:
each number is one aggregate in SQL, and each series one query. Each number carries
the address of the list behind it, and equals the count of that list's rows.

Money is net of refunds: a payment counts on the day it was received, less what was
refunded from it (a payment refunded in full counts nothing; a void one is not money).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.aggregates import BitOr
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members import turnover
from members.models import FailedPayment, MembershipTerm, Payment, PaymentPromise, grace_period

MONTHS = 24
RENEWALS_DUE_DAYS = 30


@dataclass(frozen=True)
class Period:
    """Two days, both included."""

    start: datetime.date
    end: datetime.date


@dataclass(frozen=True)
class Tally:
    """A number and the list it counts."""

    value: int
    url: str


@dataclass(frozen=True)
class Turnover:
    """Joined, renewed or lapsed: this month so far, and the same days a year before."""

    change: str
    label: str
    now: Tally
    year_before: Tally
    now_period: Period
    year_before_period: Period


@dataclass(frozen=True)
class Received:
    """Money of one kind in one currency: this month and this year so far."""

    kind: str
    label: str
    currency: str
    month_cents: int
    month: Tally
    year_cents: int
    year: Tally


@dataclass(frozen=True)
class MoneySeries:
    """Net money received per month: {(kind label, currency): [cents per month]}."""

    months: list[datetime.date]
    lines: dict[tuple[str, str], list[int]]

    def rows(self) -> list[tuple[datetime.date, list[tuple[int, str]]]]:
        """Month by month: [(month, [(cents, currency) for each line])], for a table."""
        return [
            (month, [(cents[n], currency) for (_label, currency), cents in self.lines.items()])
            for n, month in enumerate(self.months)
        ]


@dataclass(frozen=True)
class MoneyTally:
    """Money of one kind: this month and this year per currency, and the cents of each month."""

    received: list[Received]
    monthly: dict[str, list[int]]  # {currency: cents per month}


@dataclass(frozen=True)
class MoneyKind:
    """A kind of money the society receives. Dues come with members; another app adds its
    own (tickets, donations) with `register_money_kind`. `tally(months, today)` counts it in
    one pass: the months are the first days of the chart's months, oldest first."""

    code: str
    label: str
    tally: Callable[[list[datetime.date], datetime.date], MoneyTally]


@dataclass(frozen=True)
class Board:
    today: datetime.date
    active: Tally
    grace: Tally
    turnover: list[Turnover]
    renewals_due: Tally
    open_promises: Tally
    failed_charges: Tally
    money: list[Received]
    standing: list[tuple[datetime.date, int]]
    money_series: MoneySeries
    time_zone: str = field(default_factory=lambda: settings.TIME_ZONE)
    month: Period = field(init=False)
    year: Period = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "month", Period(self.today.replace(day=1), self.today))
        object.__setattr__(self, "year", Period(self.today.replace(month=1, day=1), self.today))


def _url(name: str, **query) -> str:
    return reverse(name) + ("?" + urlencode(query) if query else "")


def month_starts(today: datetime.date, count: int = MONTHS) -> list[datetime.date]:
    """The first day of this month and of the `count - 1` months before it, oldest first."""
    index = today.year * 12 + today.month - 1
    return [datetime.date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(count - 1, -1, -1)]


def _year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: the 28th
        return day.replace(year=day.year - 1, day=28)


# Standing -----------------------------------------------------------------------------


def _good_on(day: datetime.date) -> Q:
    """A term that keeps its member in good standing (active or in grace) on `day`."""
    return (
        Q(start__lte=day)
        & (Q(end__isnull=True) | Q(end__gte=day - grace_period()))
        & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day))
    )


def _active_on(day: datetime.date) -> Q:
    return (
        Q(start__lte=day)
        & (Q(end__isnull=True) | Q(end__gte=day))
        & (Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=day))
    )


def _flag(condition: Q):
    return Max(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _terms_counting_from(first: datetime.date, today: datetime.date):
    """Terms that may keep their member in good standing on some day from `first` to `today`."""
    return (
        MembershipTerm.objects.effective()
        .filter(start__lte=today)
        .filter(Q(end__isnull=True) | Q(end__gte=first - grace_period()))
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=first))
    )


def standing_counts(today: datetime.date, days: list[datetime.date] = ()) -> dict[str, int]:
    """Members active and in good standing today, and in good standing on each of `days`
    (none after today), in one query."""
    if connection.vendor == "postgresql" and len(days) < 60:  # a bit for each day in a bigint
        return _standing_counts_by_days_covered(today, list(days))
    return standing_counts_by_flags(today, days)


def standing_counts_by_flags(today: datetime.date, days: list[datetime.date] = ()) -> dict[str, int]:
    """`standing_counts` on any database: one row per member (did any of their terms count
    that day?), summed. It tests every term once per day, which PostgreSQL does more slowly
    than it counts the days covered."""
    first = min([today, *days])
    flags = {"active": _flag(_active_on(today)), "good": _flag(_good_on(today))}
    flags.update({f"on_{n}": _flag(_good_on(day)) for n, day in enumerate(days)})
    per_member = _terms_counting_from(first, today).values("member").annotate(**flags)
    sums = per_member.aggregate(**{f"total_{name}": Sum(name) for name in flags})
    return {name: sums[f"total_{name}"] or 0 for name in flags}


class _DaysUpTo(Func):
    """How many of the sorted `days` fall on or before a date (PostgreSQL's width_bucket)."""

    function = "WIDTH_BUCKET"
    output_field = IntegerField()


def _plus_days(field: str, days: int):
    return ExpressionWrapper(F(field) + days, output_field=DateField())  # on PostgreSQL, a date


def _standing_counts_by_days_covered(today: datetime.date, days: list[datetime.date]) -> dict[str, int]:
    """`standing_counts` on PostgreSQL, from each member's merged periods.

    The days to count, today last, are numbered in order. Each term covers an unbroken run
    of them (from its first day to its last day of grace, or the day before it was cut),
    written as one bit per day in an integer; a member's bits are OR-ed together, so that
    two terms covering one day count once, and one more bit says whether they are active
    today. The members are then counted per pattern of bits: a few dozen rows, whatever
    the number of members, added up here day by day.
    """
    marks = [*sorted(days), today]
    one = Cast(Value(1), BigIntegerField())
    dates = Value(marks, output_field=ArrayField(DateField()))
    last_good = Least(
        Coalesce(_plus_days("end", grace_period().days), Value(datetime.date.max)),
        Coalesce(_plus_days("cancelled_on", -1), Value(datetime.date.max)),
    )
    days_before = _DaysUpTo(_plus_days("start", -1), dates)
    covered = one.bitleftshift(_DaysUpTo(last_good, dates)) - one.bitleftshift(days_before)
    active_bit = 1 << len(marks)
    active = Case(When(_active_on(today), then=Value(active_bit)), default=Value(0), output_field=BigIntegerField())
    per_member = (
        _terms_counting_from(min(marks), today).values("member").annotate(bits=BitOr(covered + active)).values("bits")
    )
    sql, params = per_member.query.sql_with_params()
    with connection.cursor() as cursor:
        # Django's own SQL for the queryset, its values passed apart from it as parameters.
        cursor.execute(f"SELECT bits, COUNT(*) FROM ({sql}) AS per_member GROUP BY bits", params)  # noqa: S608
        patterns = cursor.fetchall()
    on_mark = [sum(members for bits, members in patterns if bits >> n & 1) for n in range(len(marks) + 1)]
    counts = {"active": on_mark[-1], "good": on_mark[-2]}
    counts.update({f"on_{n}": on_mark[marks.index(day)] for n, day in enumerate(days)})
    return counts


def standing_series(today: datetime.date) -> list[tuple[datetime.date, int]]:
    """Members in good standing on the first of each of the last 24 months."""
    days = month_starts(today)
    counts = standing_counts(today, days)
    return [(day, counts[f"on_{n}"]) for n, day in enumerate(days)]


# Turnover -----------------------------------------------------------------------------

TURNOVER_LABELS = {
    turnover.JOINED: _("Joined"),
    turnover.RENEWED: _("Renewed"),
    turnover.LAPSED: _("Lapsed"),
}


def _turnover(change: str, period: Period) -> Tally:
    count = turnover.members_who(change, period.start, period.end).count()
    url = _url(
        "members:manage-members",
        change=change,
        change_from=period.start.isoformat(),
        change_to=period.end.isoformat(),
    )
    return Tally(count, url)


def month_turnover(today: datetime.date) -> list[Turnover]:
    """Joined, renewed and lapsed this month so far, against the same days a year before."""
    now = Period(today.replace(day=1), today)
    before = Period(_year_before(now.start), _year_before(today))
    return [
        Turnover(change, TURNOVER_LABELS[change], _turnover(change, now), _turnover(change, before), now, before)
        for change in turnover.CHANGES
    ]


def renewals_due(today: datetime.date, days: int = RENEWALS_DUE_DAYS) -> Tally:
    """Members whose paid-through date (the end of their latest uncancelled term, none for a
    lifetime member) falls within `days` days: the member list's "ends within" filter."""
    horizon = today + datetime.timedelta(days=days)
    # Due: an uncancelled term ends within the days, and none runs past them (or for life).
    # The index on `end` finds the few terms ending; the one on (member, end) looks up
    # whether each of their members has a later one.
    current = MembershipTerm.objects.filter(cancelled_on__isnull=True)
    running_on = current.filter(member=OuterRef("member")).filter(Q(end__isnull=True) | Q(end__gt=horizon))
    ending = current.filter(end__gte=today, end__lte=horizon).exclude(Exists(running_on))
    count = ending.values("member").distinct().count()
    return Tally(count, _url("members:manage-members", ends_within=days))


def money_owed() -> tuple[Tally, Tally]:
    """Open promises to pay offline, and failed card charges not yet resolved: the two
    queues of /manage/dues/."""
    arrears = reverse("members:manage-arrears")
    promises = PaymentPromise.objects.filter(status=PaymentPromise.Status.OPEN).count()
    failed = FailedPayment.objects.filter(resolved_at__isnull=True).count()
    return Tally(promises, arrears + "#promises-heading"), Tally(failed, arrears + "#failed-heading")


# Money --------------------------------------------------------------------------------

NET = F("amount_cents") - F("refunded_cents")


def _dues_url(period: Period, currency: str) -> str:
    return _url(
        "members:manage-payments",
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        status=Payment.Status.PAID,
        currency=currency,
        kind=Payment.Kind.DUES,
    )


def _received(currency: str, year: Period, month: Period, days: list[tuple[datetime.date, int, int]]) -> Received:
    in_month = [(cents, count) for day, cents, count in days if day >= month.start]
    in_year = [(cents, count) for day, cents, count in days if day >= year.start]
    return Received(
        kind="dues",
        label=str(_("Dues")),
        currency=currency,
        month_cents=sum(cents for cents, _count in in_month),
        month=Tally(sum(count for _cents, count in in_month), _dues_url(month, currency)),
        year_cents=sum(cents for cents, _count in in_year),
        year=Tally(sum(count for _cents, count in in_year), _dues_url(year, currency)),
    )


def dues_tally(months: list[datetime.date], today: datetime.date) -> MoneyTally:
    """Dues received, net of refunds: this year and this month per currency (the society's
    own first, shown even when nothing came in), and per month of `months`."""
    year, month = Period(today.replace(month=1, day=1), today), Period(today.replace(day=1), today)
    # One pass over the payments of the months, summed per day and currency, and put into
    # months and the year here: PostgreSQL truncates each payment's date to its month
    # through a timestamp with a time zone, slower than grouping the dates.
    rows = (
        Payment.objects.filter(
            status=Payment.Status.PAID,
            kind=Payment.Kind.DUES,  # the board's dues figures; ticket money is the events' own
            received_on__gte=min(months[0], year.start),
            received_on__lte=today,
        )
        .values_list("received_on", "currency")
        .annotate(cents=Sum(NET), count=Count("pk"))
        .order_by()
    )
    by_currency = {settings.CURRENCY: []}
    for day, currency, cents, count in rows:
        by_currency.setdefault(currency, []).append((day, cents or 0, count))
    index = {first: n for n, first in enumerate(months)}
    monthly = {}
    for currency, days in by_currency.items():
        monthly[currency] = [0] * len(months)
        for day, cents, _count in days:
            if day.replace(day=1) in index:
                monthly[currency][index[day.replace(day=1)]] += cents
    order = sorted(by_currency, key=lambda c: (c != settings.CURRENCY, c))
    this_year = [c for c in order if c == settings.CURRENCY or any(day >= year.start for day, *_ in by_currency[c])]
    return MoneyTally([_received(c, year, month, by_currency[c]) for c in this_year], {c: monthly[c] for c in order})


MONEY_KINDS: list[MoneyKind] = [MoneyKind("dues", _("Dues"), dues_tally)]


def register_money_kind(kind: MoneyKind) -> None:
    """Add a kind of money to the board (once per code)."""
    if all(existing.code != kind.code for existing in MONEY_KINDS):
        MONEY_KINDS.append(kind)


def money(today: datetime.date) -> tuple[list[Received], MoneySeries]:
    """Money received this month and this year, per kind and currency; and net money
    received in each of the last 24 months."""
    months = month_starts(today)
    received, lines = [], {}
    for kind in MONEY_KINDS:
        tally = kind.tally(months, today)
        received += tally.received
        lines.update({(str(kind.label), currency): cents for currency, cents in tally.monthly.items()})
    return received, MoneySeries(months, lines)


def money_series(today: datetime.date) -> MoneySeries:
    """Net money received in each of the last 24 months, per kind and currency."""
    return money(today)[1]


# The board ----------------------------------------------------------------------------


def board(*, today: datetime.date) -> Board:
    """Every number of the treasurer's part of /manage/, as of `today` (the society's day)."""
    days = month_starts(today)
    counts = standing_counts(today, days)
    members_url = "members:manage-members"
    promises, failed = money_owed()
    received, series = money(today)
    return Board(
        today=today,
        active=Tally(counts["active"], _url(members_url, standing="active")),
        grace=Tally(counts["good"] - counts["active"], _url(members_url, standing="grace")),
        turnover=month_turnover(today),
        renewals_due=renewals_due(today),
        open_promises=promises,
        failed_charges=failed,
        money=received,
        standing=[(day, counts[f"on_{n}"]) for n, day in enumerate(days)],
        money_series=series,
    )
