"""The board's numbers on /manage/: each compared with a count made by hand from a known
society, each number's link landing on a list of that many rows, the charts and their CSV,
who sees what, and a query count that does not grow with the members."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import RSVP
from events.rsvp import recount_seats
from members import dashboard, roles
from members.models import FailedPayment
from tests.factories import (
    EventFactory,
    LifetimePlanFactory,
    MemberFactory,
    PaymentFactory,
    PlanFactory,
    PromiseFactory,
    StaffFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 15)
NOON = datetime.datetime(2026, 3, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOON, tick=False):
        yield


def _term(member, plan, start, end, *, paid_on=None, cents=6000, currency="USD", status="paid", **term):
    payment = PaymentFactory(
        member=member,
        plan=plan,
        amount_cents=cents,
        currency=currency,
        received_on=paid_on or start,
        status=status,
        refunded_cents=term.pop("refunded_cents", 0),
    )
    return TermFactory(member=member, plan=plan, start=start, end=end, payment=payment, **term)


def _year(start):
    return start, D(start.year + 1, start.month, start.day) - datetime.timedelta(days=1)


@pytest.fixture
def society(db):
    """Members in every state around 15 March 2026 (grace: 30 days), by letter:

    active: A B C G I J M O   in grace: D L   lapsed: E F K   pending: H (voided) P (promised)
    """
    plan = PlanFactory(slug="regular")
    euro = PlanFactory(slug="euro", currency="EUR", amount_cents=5000)
    life = LifetimePlanFactory(slug="lifetime")
    m = {letter: MemberFactory() for letter in "ABCDEFGHIJKLMOP"}
    _term(m["A"], plan, *_year(D(2025, 6, 1)))
    _term(m["B"], plan, *_year(D(2026, 3, 5)))  # joined this month
    _term(m["C"], plan, *_year(D(2025, 3, 10)))  # joined in last year's window
    _term(m["C"], plan, *_year(D(2026, 3, 10)), paid_on=D(2026, 3, 2))  # renewed early, this month
    _term(m["D"], plan, D(2025, 3, 1), D(2026, 2, 28))  # joined last year; in grace until 30 March
    _term(m["E"], plan, D(2025, 2, 1), D(2026, 1, 31))  # grace ended 2 March: lapsed on the 3rd
    _term(  # refunded in full on 8 March: the term stops that day, with no grace
        m["F"],
        plan,
        *_year(D(2026, 1, 10)),
        cents=7000,
        status="refunded",
        refunded_cents=7000,
        cancelled_on=TODAY - datetime.timedelta(days=7),
    )
    _term(m["G"], plan, *_year(D(2026, 2, 1)), refunded_cents=1000)  # partly refunded: 50.00 counts
    _term(m["H"], plan, *_year(D(2026, 3, 3)), status="voided", cancelled_on=D(2026, 3, 3))  # never counted
    _term(m["I"], life, D(2024, 1, 1), None, cents=90000)
    _term(m["J"], euro, *_year(D(2026, 3, 12)), cents=5000, currency="EUR")  # joined this month, in euros
    _term(m["K"], plan, D(2024, 2, 1), D(2025, 1, 31))  # lapsed 3 March 2025
    _term(m["L"], plan, *_year(D(2024, 3, 5)))
    _term(m["L"], plan, *_year(D(2025, 3, 5)))  # renewed 5 March 2025; in grace now
    _term(m["M"], plan, *_year(D(2025, 4, 11)))  # ends 10 April: due
    _term(m["O"], plan, *_year(D(2025, 3, 20)))  # ends 19 March: due
    PromiseFactory(member=m["P"], plan=plan)
    failed = {"amount_cents": 6000, "currency": "USD", "first_failed_at": NOON, "last_failed_at": NOON}
    FailedPayment.objects.create(member=m["A"], stripe_invoice_id="in_open", **failed)
    FailedPayment.objects.create(member=m["C"], stripe_invoice_id="in_done", resolved_at=NOON, **failed)
    return m


@pytest.fixture
def treasurer_client(client):
    client.force_login(StaffFactory(email="treasurer@example.org", role=roles.TREASURER))
    return client


def _board():
    return dashboard.board(today=timezone.localdate())


def test_standing_today_counted_by_hand(society):
    board = _board()
    assert (board.active.value, board.grace.value) == (8, 2)


def test_joined_renewed_and_lapsed_this_month_against_the_same_days_last_year(society):
    board = _board()
    rows = {row.change: (row.now.value, row.year_before.value) for row in board.turnover}
    assert rows == {"joined": (2, 2), "renewed": (1, 1), "lapsed": (2, 1)}
    joined = board.turnover[0]
    assert (joined.now_period.start, joined.now_period.end) == (D(2026, 3, 1), TODAY)
    assert (joined.year_before_period.start, joined.year_before_period.end) == (D(2025, 3, 1), D(2025, 3, 15))


def test_renewals_due_promises_and_failed_charges(society):
    board = _board()
    assert (board.renewals_due.value, board.open_promises.value, board.failed_charges.value) == (2, 1, 1)


def test_money_this_month_and_this_year_net_of_refunds_per_currency(society):
    lines = {(line.kind, line.currency): line for line in _board().money}
    usd, eur = lines[("dues", "USD")], lines[("dues", "EUR")]
    # This month: B 60 + C's renewal 60 (H's void payment is not money). This year: + G's 60 less 10 refunded;
    # F's refunded in full counts nothing.
    assert (usd.month_cents, usd.month.value, usd.year_cents, usd.year.value) == (12000, 2, 17000, 3)
    assert (eur.month_cents, eur.month.value, eur.year_cents, eur.year.value) == (5000, 1, 5000, 1)
    assert list(lines) == [("dues", "USD"), ("dues", "EUR")]  # the society's own currency first


def test_members_in_good_standing_on_the_first_of_each_month(society):
    series = dict(_board().standing)
    assert len(series) == 24
    assert min(series) == D(2024, 4, 1) and max(series) == D(2026, 3, 1)
    assert series[D(2026, 3, 1)] == 10  # A C D E F G I L M O
    assert series[D(2025, 3, 1)] == 5  # D E I K L
    assert series[D(2024, 4, 1)] == 3  # I K L


def test_counting_days_covered_agrees_with_testing_each_term_on_each_day(society):
    plan, life = PlanFactory(slug="gaps"), LifetimePlanFactory(slug="cut-lifetime")
    back = MemberFactory()  # lapsed, came back, then two terms over one another
    _term(back, plan, D(2024, 5, 1), D(2024, 8, 31))
    _term(back, plan, D(2025, 1, 10), D(2026, 1, 9), cancelled_on=D(2025, 2, 1))
    _term(back, plan, *_year(D(2025, 6, 15)))
    _term(back, plan, D(2025, 9, 1), D(2026, 2, 28))
    _term(MemberFactory(), life, D(2025, 1, 1), None, cancelled_on=D(2026, 1, 20))
    _term(MemberFactory(), plan, D(2026, 3, 1), D(2026, 3, 1))  # one day
    for today in (TODAY, D(2026, 3, 1), D(2026, 2, 28), D(2025, 2, 1)):
        days = dashboard.month_starts(today)
        assert dashboard.standing_counts(today, days) == dashboard.standing_counts_by_flags(today, days), today


def test_a_renewal_without_a_payment_counts_on_its_first_day(society):
    plan = PlanFactory(slug="honorary")
    member = MemberFactory()
    _term(member, plan, *_year(D(2025, 3, 12)))
    TermFactory(member=member, plan=plan, start=D(2026, 3, 12), end=D(2027, 3, 11), payment=None)
    renewed = next(row for row in _board().turnover if row.change == "renewed")
    assert renewed.now.value == 2  # C, and this member


def test_money_received_per_month(society):
    series = _board().money_series
    months = {month: n for n, month in enumerate(series.months)}
    usd, eur = series.lines[("Dues", "USD")], series.lines[("Dues", "EUR")]
    assert usd[months[D(2026, 3, 1)]] == 12000
    assert usd[months[D(2026, 2, 1)]] == 5000
    assert usd[months[D(2026, 1, 1)]] == 0  # F's, refunded in full
    assert usd[months[D(2025, 3, 1)]] == 24000  # C D L O
    assert usd[months[D(2024, 4, 1)]] == 0
    assert eur[months[D(2026, 3, 1)]] == 5000 and sum(eur) == 5000


def _rows_behind(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    context = response.context
    if "page" in context:
        return context["page"].paginator.count
    return (context["promises"] if url.endswith("#promises-heading") else context["failed"]).count()


def test_every_number_links_to_a_list_of_that_many_rows(society, treasurer_client):
    board = _board()
    tallies = [board.active, board.grace, board.renewals_due, board.open_promises, board.failed_charges]
    tallies += [tally for row in board.turnover for tally in (row.now, row.year_before)]
    tallies += [tally for line in board.money for tally in (line.month, line.year)]
    assert len(tallies) == 15
    for tally in tallies:
        assert _rows_behind(treasurer_client, tally.url) == tally.value, tally.url


def test_the_page_shows_the_numbers_and_their_links(society, treasurer_client):
    page = treasurer_client.get("/manage/").content.decode()
    board = _board()
    assert "As of today, Sunday 15 March 2026 (UTC)" in page
    assert f'href="{board.active.url}"' in page.replace("&amp;", "&")
    assert "$120.00" in page and "$170.00" in page and "€50.00" in page
    assert "/manage/members/" in page and "/manage/payments/" in page  # the cards stay
    assert '<img src="/manage/board/members.svg"' in page and "/manage/board/money.csv" in page


def test_today_is_the_societys_day(settings, society):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in March
    with time_machine.travel(datetime.datetime(2026, 3, 14, 20, 0, tzinfo=datetime.UTC), tick=False):
        assert _board().today == TODAY


def _queries(client, url="/manage/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _more_members(count: int, plan):
    for n in range(count):
        member = MemberFactory()
        _term(member, plan, *_year(D(2025, 4, 1) + datetime.timedelta(days=n)))
        if n % 3 == 0:
            _term(member, plan, *_year(D(2026, 4, 1) + datetime.timedelta(days=n)), paid_on=D(2026, 3, 10))


def test_the_query_count_is_the_same_for_5_and_50_members(treasurer_client):
    plan = PlanFactory(slug="regular")
    _more_members(5, plan)
    at_five = _queries(treasurer_client)
    _more_members(45, plan)
    assert _queries(treasurer_client) == at_five
    assert at_five <= 25


def test_the_charts_query_count_does_not_grow(treasurer_client):
    plan = PlanFactory(slug="regular")
    _more_members(5, plan)
    counts = [_queries(treasurer_client, url) for url in ("/manage/board/members.svg", "/manage/board/money.svg")]
    _more_members(45, plan)
    assert [
        _queries(treasurer_client, url) for url in ("/manage/board/members.svg", "/manage/board/money.svg")
    ] == counts


def test_charts_are_svg_images_without_scripts(society, treasurer_client):
    for url in ("/manage/board/members.svg", "/manage/board/money.svg", "/manage/board/money.svg?size=narrow"):
        response = treasurer_client.get(url)
        body = response.content.decode()
        assert response["Content-Type"].startswith("image/svg+xml")
        assert body.startswith("<svg") and "<script" not in body
        policy = response["Content-Security-Policy"]
        assert "script-src 'none'" in policy and "style-src 'unsafe-inline'" in policy
    page_policy = treasurer_client.get("/manage/")["Content-Security-Policy"]
    assert "style-src 'self'" in page_policy and "style-src 'unsafe-inline'" not in page_policy


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_charts_figures_as_csv(society, treasurer_client):
    standing = _csv(treasurer_client.get("/manage/board/members.csv"))
    assert standing[0] == ["On", "Members in good standing"] and len(standing) == 25
    assert ["2026-03-01", "10"] in standing and ["2024-04-01", "3"] in standing
    money = _csv(treasurer_client.get("/manage/board/money.csv"))
    assert money[0] == ["Month", "Kind", "Currency", "Received, net of refunds"]
    assert ["2026-03", "Dues", "USD", "120.00"] in money and ["2026-03", "Dues", "EUR", "50.00"] in money
    assert ["2025-03", "Dues", "USD", "240.00"] in money and len(money) == 1 + 24 * 2


def test_members_get_403_everywhere_on_the_board(client, society):
    client.force_login(society["A"].user)
    for url in ("/manage/", "/manage/board/members.svg", "/manage/board/money.csv"):
        assert client.get(url).status_code == 403


def _event_with_answers(organiser, title, answers: dict, capacity=20):
    event = EventFactory(title=title, organisers=[organiser], capacity=capacity)
    for status, count in answers.items():
        for n in range(count):
            RSVP.objects.create(
                event=event, email=f"{title}-{status}{n}@example.org".lower().replace(" ", ""), status=status
            )
    recount_seats(event_id=event.pk)
    return event


def test_organisers_see_their_upcoming_events_with_answers_and_seats_and_no_numbers(client, society):
    organiser = StaffFactory(email="organiser@example.org", role=roles.ORGANISER)
    _event_with_answers(organiser, "Spring forum", {"yes": 3, "maybe": 2, "no": 1, "waitlisted": 4}, capacity=3)
    _event_with_answers(UserFactory(), "Someone else's lecture", {"yes": 1})
    client.force_login(organiser)
    response = client.get("/manage/")
    page = response.content.decode()
    assert "Spring forum" in page and "Someone else&#x27;s lecture" not in page
    (event,) = response.context["my_events"]
    assert (event.answers_yes, event.answers_maybe, event.answers_no, event.answers_waitlisted) == (3, 2, 1, 4)
    assert "3 of 3 taken" in page
    assert "The numbers" not in page and "board" not in response.context
    assert client.get("/manage/board/members.svg").status_code == 403


def test_the_events_part_takes_the_same_queries_for_2_and_8_events(client):
    organiser = StaffFactory(email="organiser@example.org", role=roles.ORGANISER)
    client.force_login(organiser)
    for n in range(2):
        _event_with_answers(organiser, f"Forum {n}", {"yes": 2, "no": 1})
    at_two = _queries(client)
    for n in range(2, 8):
        _event_with_answers(organiser, f"Forum {n}", {"yes": 5, "maybe": 3})
    assert _queries(client) == at_two


def test_people_with_both_roles_see_both_parts(client, society):
    both = StaffFactory(email="both@example.org", role=roles.ORGANISER)
    both.groups.add(*StaffFactory(email="t@example.org", role=roles.TREASURER).groups.all())
    _event_with_answers(both, "Annual congress", {"yes": 1})
    client.force_login(both)
    page = client.get("/manage/").content.decode()
    assert "The numbers" in page and "Annual congress" in page and "1 of 20 taken" in page


def test_a_payment_recorded_today_moves_the_numbers(society, treasurer_client):
    before = _board()
    PaymentFactory(member=society["P"], amount_cents=2500, received_on=TODAY)
    after = _board()
    usd = next(line for line in after.money if line.currency == "USD")
    assert usd.month_cents == next(line for line in before.money if line.currency == "USD").month_cents + 2500


def test_a_change_filter_without_both_days_is_refused_with_a_message(society, treasurer_client):
    response = treasurer_client.get("/manage/members/?change=lapsed&change_from=2026-03-01")
    assert "Give both days: from and to." in response.content.decode()
    assert response.context["page"].paginator.count == len(society) + 1  # unfiltered: everyone, the treasurer too
    backwards = treasurer_client.get("/manage/members/?change=joined&change_from=2026-03-15&change_to=2026-03-01")
    assert "The end of the range is before its start." in backwards.content.decode()


def test_a_currency_received_only_last_year_is_charted_but_not_counted_this_year(society):
    PaymentFactory(member=society["P"], currency="GBP", amount_cents=4000, received_on=D(2025, 6, 1))
    board = _board()
    assert [line.currency for line in board.money] == ["USD", "EUR"]
    assert sum(board.money_series.lines[("Dues", "GBP")]) == 4000
