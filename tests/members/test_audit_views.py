"""/manage/audit/: the log for treasurers and superusers, newest first, filtered by person,
action, object and dates in the society's time zone, 50 a page in a flat number of
queries; and an object's own history on the member and payment pages."""

import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from audit import log
from audit.models import Entry
from config.language_views import SESSION_KEY
from members import dues
from tests.factories import MemberFactory, PaymentFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/manage/audit/"


@pytest.fixture(autouse=True)
def _society_language_after():
    """A request read in Spanish leaves Spanish active in the thread; the next file's tests read English."""
    yield
    translation.deactivate()


def _entry(by, action, target, *, changes=None, reason="", at=None) -> Entry:
    with transaction.atomic():
        entry = log.record(by, action, target, changes=changes, reason=reason)
    if at is not None:
        Entry.objects.filter(pk=entry.pk).update(at=at)
    return entry


def _page(client, **query) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.text


def _rows(client, **query) -> str:
    """The table of entries only (the filters' options hold the action labels too)."""
    return _page(client, **query).split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_organisers_and_members_are_refused(client, organiser, member):
    for person in (organiser, member.user):
        client.force_login(person)
        assert client.get(URL).status_code == 403


def test_treasurers_and_superusers_see_it(client, treasurer):
    client.force_login(treasurer)
    assert client.get(URL).status_code == 200
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(URL).status_code == 200


def test_a_row_says_when_who_what_on_what_the_changes_and_why(client, treasurer, member, plan):
    payment = dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="cheque", received_on=datetime.date.today(), by=treasurer
    )
    dues.record_refund(payment=payment, amount_cents=1500, reason="Overpaid by cheque", by=treasurer)
    client.force_login(treasurer)
    page = _rows(client)
    assert "Refunded a payment (in full or in part)" in page and "Recorded a payment" in page
    assert f'<a href="/manage/payments/{payment.pk}/">Payment {payment.receipt_number}</a>' in page
    assert "refunded: $0.00 → $15.00" in page
    assert "plan: — → Plan Regular member" in page and "method: — → Cheque" in page
    assert "Overpaid by cheque" in page and "treasurer@example.org" in page
    assert page.index("Refunded a payment") < page.index("Recorded a payment"), "newest first"


def test_what_the_system_did_reads_as_societas(client, treasurer, member, plan):
    dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="card", received_on=datetime.date.today(), by=None
    )
    client.force_login(treasurer)
    assert "Societas (automatic)" in _rows(client, by="system")


def test_filter_by_person(client, treasurer, member):
    other = UserFactory(email="other.treasurer@example.org", is_superuser=True)
    _entry(treasurer, "member.note_added", member, reason="mine")
    _entry(other, "member.note_added", member, reason="theirs")
    client.force_login(treasurer)
    page = _rows(client, by=str(other.pk))
    assert "theirs" in page and "mine" not in page


def test_filter_by_action_lists_the_described_labels(client, treasurer, member, plan):
    _entry(treasurer, "member.note_added", member, reason="a note")
    _entry(treasurer, "plan.edited", plan, reason="a plan")
    client.force_login(treasurer)
    page = _page(client, action="plan.edited")
    assert '<option value="payment.voided">Voided a payment</option>' in page
    rows = _rows(client, action="plan.edited")
    assert "a plan" in rows and "a note" not in rows


def test_a_spanish_reader_sees_the_labels_in_spanish(client, treasurer, plan):
    _entry(treasurer, "plan.edited", plan, reason="a plan")
    client.force_login(treasurer)
    _read_spanish(client)
    page = _page(client)
    assert '<option value="payment.voided">Anuló un pago</option>' in page
    assert "Modificó una modalidad" in _rows(client)


def test_filter_by_kind_of_object_and_its_label(client, treasurer, plan):
    first, second = MemberFactory(member_number=7001), MemberFactory(member_number=7002)
    _entry(treasurer, "member.note_added", first, reason="about the first")
    _entry(treasurer, "member.note_added", second, reason="about the second")
    _entry(treasurer, "plan.edited", plan, reason="about the plan")
    client.force_login(treasurer)
    members_only = _rows(client, type="members.member")
    assert "about the first" in members_only and "about the second" in members_only
    assert "about the plan" not in members_only
    one = _rows(client, type="members.member", q="member 7002")
    assert "about the second" in one and "about the first" not in one


def test_filter_by_dates_in_the_societys_time_zone(client, treasurer, member, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in January
    late_utc = datetime.datetime(2026, 1, 9, 12, 30, tzinfo=datetime.UTC)  # 10 January, 01:30 in Auckland
    _entry(treasurer, "member.note_added", member, reason="on the tenth", at=late_utc)
    _entry(treasurer, "member.note_added", member, reason="on the ninth", at=late_utc - datetime.timedelta(hours=3))
    client.force_login(treasurer)
    tenth = _rows(client, start="2026-01-10", end="2026-01-10")
    assert "on the tenth" in tenth and "on the ninth" not in tenth
    ninth = _rows(client, end="2026-01-09")
    assert "on the ninth" in ninth and "on the tenth" not in ninth


def test_a_range_that_ends_before_it_starts_is_refused(client, treasurer, member):
    _entry(treasurer, "member.note_added", member, reason="kept")
    client.force_login(treasurer)
    page = _page(client, start="2026-02-01", end="2026-01-01")
    assert "The end of the range is before its start." in page


def test_fifty_a_page(client, treasurer, member):
    for n in range(55):
        _entry(treasurer, "member.note_added", member, reason=f"row {n:02d}.")
    client.force_login(treasurer)
    first = _page(client)
    assert "row 54." in first and "row 05." in first and "row 04." not in first
    assert "Page 1 of 2" in first
    assert "row 04." in _page(client, page="2")


def _fill(treasurer, plan, count: int, *, first: int) -> None:
    """`count` rows of three kinds: a note on a member, a plan changed by nobody, a payment
    (whose plan the page names)."""
    for n in range(count):
        member = MemberFactory(member_number=first + n)
        if n % 3 == 0:
            _entry(treasurer, "member.note_added", member, changes={"note": ["", "x"]})
        elif n % 3 == 1:
            _entry(None, "plan.edited", plan, changes={"amount_cents": [n, n + 1]})
        else:
            payment = PaymentFactory(member=member, plan=plan)
            _entry(treasurer, "payment.recorded", payment, changes={"plan": [None, plan.pk], "method": [None, "cash"]})


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        _page(client)
    return len(queries)


def test_the_page_takes_the_same_queries_for_5_and_60_rows(client, treasurer, plan):
    client.force_login(treasurer)
    _fill(treasurer, plan, 5, first=8000)
    five = _queries(client)
    _fill(treasurer, plan, 55, first=9000)
    assert Entry.objects.count() == 60
    assert _queries(client) == five


def test_an_event_row_links_to_the_events_rows(client, treasurer):
    from tests.factories import EventFactory

    event = EventFactory(title="Winter Forum")
    _entry(treasurer, "event.published", event)
    client.force_login(treasurer)
    assert f'href="/manage/events/{event.slug}/"' in _rows(client)


def test_the_member_page_shows_its_recent_history_and_links_to_the_rest(client, treasurer, member):
    for n in range(7):
        _entry(treasurer, "member.note_added", member, reason=f"note {n}.")
    client.force_login(treasurer)
    page = client.get(f"/manage/members/{member.pk}/").text
    assert "note 6." in page and "note 2." in page and "note 1." not in page
    assert f'href="/manage/audit/?type=members.member&amp;id={member.pk}"' in page
    filtered = _page(client, type="members.member", id=str(member.pk))
    assert "note 0." in filtered


def test_the_payment_page_shows_its_history(client, treasurer, member, plan):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)):
        payment = dues.record_payment(
            member=member, plan=plan, amount_cents=6000, method="cash", received_on=datetime.date.today(), by=treasurer
        )
    client.force_login(treasurer)
    page = client.get(f"/manage/payments/{payment.pk}/").text
    assert "Recorded a payment" in page and "1 Mar 2026" in page
    assert f"/manage/audit/?type=members.payment&amp;id={payment.pk}" in page


def _read_spanish(client) -> None:
    """The signed-in person chose Spanish (their choice rides in the session)."""
    session = client.session
    session[SESSION_KEY] = "es"
    session.save()


def test_the_search_example_names_an_object_as_the_log_does(client, treasurer, settings):
    settings.LANGUAGE_CODE = "es"
    client.force_login(treasurer)
    assert "Object, e.g. Socio 42" in _page(client)


def _refunded_by_cheque(treasurer, member, plan):
    payment = dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="cheque", received_on=datetime.date.today(), by=treasurer
    )
    dues.record_refund(payment=payment, amount_cents=6000, reason="Paid twice", by=treasurer)


def test_a_spanish_reader_reads_the_changed_fields_and_their_codes_in_spanish(client, treasurer, member, plan):
    _refunded_by_cheque(treasurer, member, plan)
    client.force_login(treasurer)
    _read_spanish(client)
    rows = _rows(client)
    assert "importe: — → 60,00" in rows and "forma de pago: — → Cheque" in rows and "modalidad: — → " in rows
    assert "estado: Pagado → Reembolsado" in rows and "reembolsado: " in rows
    assert "amount:" not in rows and "method:" not in rows and "status:" not in rows


def test_an_english_reader_reads_the_same_changes_in_english(client, treasurer, member, plan):
    _refunded_by_cheque(treasurer, member, plan)
    client.force_login(treasurer)
    rows = _rows(client)
    assert "amount: — → $60.00" in rows and "method: — → Cheque" in rows
    assert "status: Paid → Refunded" in rows and "refunded: $0.00 → $60.00" in rows


def test_a_plans_dues_read_as_money_in_the_readers_language(client, treasurer, plan):
    _entry(treasurer, "plan.edited", plan, changes={"amount_cents": [6000, 6500], "is_open": [True, False]})
    client.force_login(treasurer)
    assert "dues: $60.00 → $65.00" in _rows(client) and "open to new members: yes → no" in _rows(client)
    _read_spanish(client)
    rows = _rows(client)
    assert "cuota: " in rows and "abierta a nuevos socios: sí → no" in rows and "(cents)" not in rows


def test_a_persons_own_details_read_as_changed_in_the_readers_language(client, treasurer, member):
    _entry(treasurer, "member.edited", member, changes={"city": ["Lyon", "Paris"]})
    client.force_login(treasurer)
    assert "city: (changed) → (changed)" in _rows(client)
    _read_spanish(client)
    rows = _rows(client)
    assert "ciudad: (modificado) → (modificado)" in rows and "Paris" not in rows


def test_an_events_fields_and_a_name_that_is_no_field_read_in_spanish(client, treasurer, member):
    from tests.factories import EventFactory

    event = EventFactory(title="Winter Forum")
    _entry(treasurer, "event.edited", event, changes={"capacity": [40, 60], "kind": ["meeting", "congress"]})
    _entry(treasurer, "member.roles_changed", member, changes={"roles": [[], ["Treasurer"]]})
    client.force_login(treasurer)
    _read_spanish(client)
    rows = _rows(client)
    assert "aforo: 40 → 60" in rows and "tipo: Reunión → Congreso" in rows
    assert "roles: — → Treasurer" in rows, "a name that is no field of the object reads as it is stored"


def test_the_page_in_spanish_takes_the_same_queries_for_5_and_60_rows(client, treasurer, plan):
    client.force_login(treasurer)
    _read_spanish(client)
    _fill(treasurer, plan, 5, first=8000)
    five = _queries(client)
    _fill(treasurer, plan, 55, first=9000)
    assert _queries(client) == five
