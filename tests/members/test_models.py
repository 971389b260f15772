"""Standing is derived from the dates of terms: each side of every boundary, in Python
and in SQL (which must agree), with the clock frozen."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from members.models import Member, Standing
from tests.factories import MemberFactory, TermFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 12, 31)  # grace (30 days) runs to 30 January 2027


def _sql_standing(member: Member, day: datetime.date) -> str:
    return Member.objects.with_standing(on=day).get(pk=member.pk).standing_code


@pytest.fixture
def yearly(db):
    term = TermFactory(start=START, end=END)
    return term.member


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (START - datetime.timedelta(days=1), Standing.PENDING),  # the term has not begun
        (START, Standing.ACTIVE),
        (END, Standing.ACTIVE),  # the last day is covered
        (END + datetime.timedelta(days=1), Standing.GRACE),
        (END + datetime.timedelta(days=30), Standing.GRACE),  # the last day of grace
        (END + datetime.timedelta(days=31), Standing.LAPSED),
    ],
)
def test_standing_on_each_side_of_every_boundary(yearly, day, expected):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC), tick=False):
        assert timezone.localdate() == day
        assert yearly.standing() == expected
        assert _sql_standing(yearly, day) == expected.value
        assert yearly.in_good_standing() == (expected in (Standing.ACTIVE, Standing.GRACE))
        assert Member.objects.in_good_standing(on=day).filter(pk=yearly.pk).exists() == yearly.in_good_standing()


def test_member_who_never_paid_is_pending():
    member = MemberFactory()
    assert member.standing(on=START) == Standing.PENDING
    assert _sql_standing(member, START) == Standing.PENDING.value


def test_lifetime_term_is_active_for_ever():
    term = TermFactory(start=START, end=None)
    far = datetime.date(2080, 1, 1)
    assert term.member.standing(on=far) == Standing.ACTIVE
    assert _sql_standing(term.member, far) == Standing.ACTIVE.value


def test_grace_length_follows_the_setting(yearly, settings):
    settings.MEMBERSHIP_GRACE_DAYS = 0
    assert yearly.standing(on=END + datetime.timedelta(days=1)) == Standing.LAPSED
    assert _sql_standing(yearly, END + datetime.timedelta(days=1)) == Standing.LAPSED.value


def test_a_term_cut_short_stops_counting_on_that_day_with_no_grace(yearly):
    term = yearly.terms.get()
    term.cancelled_on = datetime.date(2026, 6, 1)
    term.save()
    assert yearly.standing(on=datetime.date(2026, 5, 31)) == Standing.ACTIVE
    assert yearly.standing(on=datetime.date(2026, 6, 1)) == Standing.LAPSED
    assert _sql_standing(yearly, datetime.date(2026, 6, 1)) == Standing.LAPSED.value
    assert not Member.objects.in_good_standing(on=datetime.date(2026, 6, 1)).filter(pk=yearly.pk).exists()


def test_a_void_term_never_counted(yearly):
    term = yearly.terms.get()
    term.cancelled_on = term.start
    term.save()
    assert yearly.standing(on=datetime.date(2026, 6, 1)) == Standing.PENDING
    assert _sql_standing(yearly, datetime.date(2026, 6, 1)) == Standing.PENDING.value


def test_a_renewal_term_keeps_the_member_active_across_the_old_end(yearly):
    TermFactory(member=yearly, start=END + datetime.timedelta(days=1), end=datetime.date(2027, 12, 31))
    assert yearly.standing(on=END + datetime.timedelta(days=1)) == Standing.ACTIVE
    assert yearly.paid_through() == datetime.date(2027, 12, 31)


def test_good_standing_is_one_query_for_any_number_of_members(django_assert_num_queries):
    for offset in range(5):
        TermFactory(start=START, end=END + datetime.timedelta(days=offset))
    TermFactory(start=datetime.date(2020, 1, 1), end=datetime.date(2020, 12, 31))
    with django_assert_num_queries(1):
        found = list(Member.objects.in_good_standing(on=END + datetime.timedelta(days=3)))
    assert len(found) == 5
    assert Member.objects.lapsed(on=END + datetime.timedelta(days=3)).count() == 1


def test_plan_accepts_amounts_by_its_pricing(plan, sliding_plan):
    assert plan.accepts(6000) and not plan.accepts(5999)
    assert sliding_plan.accepts(1000) and sliding_plan.accepts(250000)
    assert not sliding_plan.accepts(999) and not sliding_plan.accepts(0)
