"""Household and institutional memberships: one payment covers up to N people, whom the
payer adds and removes; each has their own sign-in and standing, and they lose it together."""

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import Entry
from members import dues, households, links, reminders, segments
from members.models import CoveredPerson, Member, MembershipTerm, Payment, Plan, Standing, User
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory
from tests.mail import composed, run_fan_outs

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def household_plan(db):
    return PlanFactory(slug="household", name="Household", amount_cents=9000, covers_people=3)


def _pay(member, plan, *, on=TODAY, method=Payment.Method.CHEQUE):
    return dues.record_payment(
        member=member, plan=plan, amount_cents=plan.amount_cents, method=method, received_on=on, by=None
    )


@pytest.fixture
def payer(member, household_plan):
    _pay(member, household_plan)
    return member


def _add(client, payer, *, first_name="Bob", last_name="Example", email="bob@example.org"):
    client.force_login(payer.user)
    return client.post("/membership/household/add/", {"first_name": first_name, "last_name": last_name, "email": email})


def _person(email) -> Member:
    return Member.objects.select_related("user").get(user__email=email)


def test_the_payer_adds_a_person_who_gets_an_account_standing_and_an_email(client, payer):
    response = _add(client, payer)
    assert response.status_code == 302 and response["Location"] == "/membership/"
    bob = _person("bob@example.org")
    assert (bob.first_name, bob.last_name) == ("Bob", "Example")
    assert not bob.user.has_usable_password(), "they sign in by a code"
    assert EmailAddress.objects.filter(user=bob.user, email="bob@example.org", primary=True).exists()
    assert bob.standing() == Standing.ACTIVE and bob.member_number is not None
    [term] = bob.terms.all()
    payer_term = payer.terms.get()
    assert (term.start, term.end, term.payment_id) == (TODAY, payer_term.end, payer_term.payment_id)
    assert bob.pk in set(Member.objects.in_good_standing(on=TODAY).values_list("pk", flat=True))

    mail = composed(Delivery.objects.get(kind="household-added"))
    assert mail.to == "bob@example.org"
    assert "Ann Example has added you" in mail.body_text
    assert "http://testserver/accounts/login/code/" in mail.body_text
    entry = Entry.objects.get(action="household.person_added")
    assert entry.by == payer.user and "Bob" not in entry.target_label and "bob@" not in entry.target_label


def test_the_membership_page_lists_the_people_and_the_places_left(client, payer):
    _add(client, payer)
    page = client.get("/membership/").content.decode()
    assert "Who your membership covers" in page and "bob@example.org" in page
    assert "1 place left." in page and "/membership/household/add/" in page
    client.force_login(_person("bob@example.org").user)
    page = client.get("/membership/").content.decode()
    assert "Your membership is covered by Ann Example\u2019s" in page
    assert "Who your membership covers" not in page


def test_adding_more_people_than_the_plan_covers_is_refused(client, payer):
    _add(client, payer)
    _add(client, payer, first_name="Cy", email="cy@example.org")
    response = _add(client, payer, first_name="Di", email="di@example.org")
    assert response.status_code == 200
    assert "covers up to 3 people, you included" in response.content.decode()
    assert not User.objects.filter(email="di@example.org").exists(), "nothing is made when refused"
    assert CoveredPerson.objects.filter(payer=payer, removed_at__isnull=True).count() == 2
    assert "Every place is taken" in client.get("/membership/").content.decode()


def test_a_single_plan_or_a_covered_person_cannot_add_anyone(client, member, plan):
    _pay(member, plan)
    response = _add(client, member)
    assert "Your membership covers only you." in response.content.decode()
    family = MemberFactory(user__email="pat@example.org", first_name="Pat")
    _pay(family, PlanFactory(slug="family", covers_people=4))
    _add(client, family, email="ann@example.org")
    response = _add(client, member, email="zed@example.org")
    assert "through someone else" in response.content.decode()
    assert not User.objects.filter(email__in=["bob@example.org", "zed@example.org"]).exists()


def test_a_person_covered_elsewhere_or_the_payer_themselves_is_refused(client, payer):
    other = MemberFactory(user__email="other@example.org")
    _pay(other, PlanFactory(slug="family", covers_people=4))
    _add(client, other, email="bob@example.org")
    response = _add(client, payer, email="bob@example.org")
    assert "covered by another membership already" in response.content.decode()
    response = _add(client, payer, email="ANN@example.org")
    assert "You are covered already" in response.content.decode()


def test_an_existing_account_is_covered_without_changing_its_name(client, payer):
    bob = MemberFactory(user__email="bob@example.org", first_name="Robert", last_name="Smith")
    _add(client, payer, first_name="Bobby")
    bob.refresh_from_db()
    assert (bob.first_name, bob.last_name) == ("Robert", "Smith")
    assert bob.standing() == Standing.ACTIVE


def test_removing_a_person_ends_their_standing_that_day_and_tells_them(client, payer):
    _add(client, payer)
    covered = CoveredPerson.objects.get()
    assert client.get(f"/membership/household/{covered.pk}/remove/").status_code == 405
    with time_machine.travel(datetime.datetime(2026, 8, 1, 12, tzinfo=datetime.UTC), tick=False):
        client.force_login(payer.user)
        response = client.post(f"/membership/household/{covered.pk}/remove/")
        bob = _person("bob@example.org")
        assert bob.standing() == Standing.LAPSED, "no grace period after being taken off"
    assert "no longer covered" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert payer.standing() == Standing.ACTIVE
    assert bob.terms.get().cancelled_on == datetime.date(2026, 8, 1)
    assert "taken you off" in composed(Delivery.objects.get(kind="household-removed")).body_text
    assert Entry.objects.filter(action="household.person_removed", by=payer.user).count() == 1
    assert client.post(f"/membership/household/{covered.pk}/remove/").status_code == 404


def test_only_the_payer_may_take_someone_off(client, payer):
    _add(client, payer)
    covered = CoveredPerson.objects.get()
    client.force_login(_person("bob@example.org").user)
    assert client.post(f"/membership/household/{covered.pk}/remove/").status_code == 404
    assert CoveredPerson.objects.get().is_current


def test_they_lose_it_together_when_the_payers_term_ends(client, payer):
    _add(client, payer)
    bob = _person("bob@example.org")
    after_grace = payer.terms.get().end + datetime.timedelta(days=31)
    assert payer.standing(on=after_grace) == bob.standing(on=after_grace) == Standing.LAPSED


def test_a_renewal_covers_the_people_again_and_a_refund_cuts_them_with_the_payer(client, payer, household_plan):
    _add(client, payer)
    bob = _person("bob@example.org")
    renewal = _pay(payer, household_plan)
    bob_terms = list(bob.terms.order_by("start").values_list("start", "end"))
    payer_terms = list(payer.terms.order_by("start").values_list("start", "end"))
    assert bob_terms == payer_terms
    dues.void_payment(payment=renewal, reason="Cheque bounced", by=None)
    next_year = payer.terms.order_by("start").first().end + datetime.timedelta(days=40)
    assert payer.standing(on=next_year) == bob.standing(on=next_year) == Standing.LAPSED


def test_only_the_payer_gets_renewal_reminders(client, payer):
    _add(client, payer)
    end = payer.terms.get().end
    now = datetime.datetime.combine(end - datetime.timedelta(days=30), datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        reminders.queue_renewal_reminders(now)
        run_fan_outs()
    assert list(Delivery.objects.filter(kind="renewal-reminder").values_list("to", flat=True)) == ["ann@example.org"]


def test_covered_people_join_member_segments_once_they_confirm_their_address(client, payer):
    _add(client, payer)
    bob = _person("bob@example.org")
    assert "bob@example.org" not in _good_standing_emails()
    EmailAddress.objects.filter(user=bob.user).update(verified=True)  # signing in by code confirms it
    assert "bob@example.org" in _good_standing_emails()


def _good_standing_emails() -> set[str]:
    return {recipient.email for recipient in segments.segment_recipients("good-standing")}


def test_households_helpers_read_who_covers_whom(payer, household_plan):
    bob = households.add_person(payer=payer, first_name="Bob", last_name="", email="bob@example.org", by=payer.user)
    assert households.covering(bob.person).payer == payer
    assert list(households.current(payer)) == [bob]
    assert MembershipTerm.objects.filter(member=bob.person, plan=household_plan).count() == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_membership_page_lists_the_household_in_the_same_number_of_queries(client, payer):
    Plan.objects.filter(pk=payer.terms.get().plan_id).update(covers_people=10)
    _add(client, payer)
    one = _queries(client, "/membership/")
    for index in range(4):
        _add(client, payer, first_name=f"Kid {index}", email=f"kid{index}@example.org")
    assert _queries(client, "/membership/") == one


def test_a_covered_person_is_not_offered_renew_but_told_whose_membership_covers_them(client, payer):
    _add(client, payer)
    bob = _person("bob@example.org")
    client.force_login(bob.user)
    page = client.get("/membership/").content.decode()
    end = payer.terms.get().end
    assert f"Your membership is covered by Ann Example\u2019s, until {end:%-d %B %Y}" in page
    assert ">Renew</a>" not in page and "ann@example.org" not in page
    response = client.get(f"/renew/{links.renewal_token(bob, bob.current_term())}/")
    assert response.status_code == 400 and "they renew it for you" in response.content.decode()
    client.force_login(payer.user)
    payer.terms.update(end=datetime.date.today() + datetime.timedelta(days=5))  # within the renewal window
    assert ">Renew</a>" in client.get("/membership/").content.decode()


def test_reinstating_a_refunded_household_term_brings_back_the_covered_copies(client, payer, treasurer):
    _add(client, payer)
    _add(client, payer, first_name="Cleo", email="cleo@example.org")
    bob, cleo = _person("bob@example.org"), _person("cleo@example.org")
    households.remove_person(covered=CoveredPerson.objects.get(person=cleo), by=payer.user)
    payment = payer.payments.get()
    dues.refund_payment(payment=payment, reason="Refunded in error", by=treasurer)
    assert not bob.in_good_standing()
    dues.reinstate_term(term=payer.terms.get(), by=treasurer)
    assert payer.standing() == bob.standing() == Standing.ACTIVE
    assert not cleo.in_good_standing(), "a person taken off stays off"
    entry = Entry.objects.get(action="term.reinstated")
    assert entry.changes["covered_terms_reinstated"] == [None, 1]


def _page_at(client, member, day: datetime.date) -> str:
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC), tick=False):
        client.force_login(member.user)  # a session from before would have ended by then
        return client.get("/membership/").content.decode()


def test_a_person_taken_off_sees_the_last_day_they_were_covered(client, payer):
    _add(client, payer)
    with time_machine.travel(datetime.datetime(2026, 8, 1, 12, tzinfo=datetime.UTC), tick=False):
        households.remove_person(covered=CoveredPerson.objects.get(), by=payer.user)
    page = _page_at(client, _person("bob@example.org"), datetime.date(2026, 8, 2))
    assert "15 June 2026 to 31 July 2026" in page and "to 14 June 2027" not in page


def test_a_covered_person_is_told_when_the_household_has_ended_and_until_when_grace_lasts(client, payer):
    _add(client, payer)
    bob, end = _person("bob@example.org"), payer.terms.get().end  # 14 June 2027
    page = _page_at(client, bob, end + datetime.timedelta(days=5))
    assert "It ended on 14 June 2027, with theirs; you stay in good standing until 14 July 2027" in page
    assert "until 14 June 2027" not in page, "an end that has passed is not given as what lies ahead"
    page = _page_at(client, bob, end + datetime.timedelta(days=31))
    assert "It ended on 14 June 2027, with theirs, and has lapsed; it starts again when they renew." in page


def test_a_lapsed_payer_still_sees_the_people_renewing_would_cover_again(client, payer):
    _add(client, payer)
    page = _page_at(client, payer, payer.terms.get().end + datetime.timedelta(days=31))
    assert "Your membership has lapsed, and theirs with it. When you renew, the people below are covered again." in page
    assert "bob@example.org" in page and "/membership/household/add/" not in page
    assert f"/membership/household/{CoveredPerson.objects.get().pk}/remove/" in page


def test_a_lapsed_member_of_a_single_plan_has_no_household_section(client, member, plan):
    _pay(member, plan)
    page = _page_at(client, member, member.terms.get().end + datetime.timedelta(days=31))
    assert "Who your membership covers" not in page
