"""The roster kept by hand: a treasurer adds a member, changes their details and address,
closes a membership and merges two records of one person; each writes its audit row,
and emails go through the outbox (a real worker and SMTP server where it matters)."""

import datetime

import pytest
import responses
from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from audit import log
from audit.models import Entry
from events import rsvp as answers
from events.models import RSVP
from members import dues, roster_edit
from members.models import Member, MembershipTerm, Payment, Standing, User
from members.roster_edit import Dues, RosterRefused
from notifications.models import Delivery
from tests.factories import EventFactory, MemberFactory, TermFactory
from tests.mail import mails

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
API = "https://api.stripe.com/v1"


def _only(action: str) -> Entry:
    [entry] = Entry.objects.filter(action=action)
    return entry


def _add_form(plan, **extra) -> dict:
    form = {
        "full_name": "Vera  van der Berg",
        "sort_name": "",
        "email": "Vera@Example.net",
        "plan": plan.pk,
        "start": TODAY.isoformat(),
        "end": "",
        "method": "cheque",
        "amount": "60",
        "received_on": "",
        "reference": "no. 118",
    }
    form.update(extra)
    return form


# Who may.


@pytest.mark.parametrize("path", ["/manage/members/new/", "/manage/members/{pk}/edit/", "/manage/members/{pk}/close/"])
def test_only_treasurers_open_the_roster_pages(client, member, organiser, path):
    url = path.format(pk=member.pk)
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(organiser)
    assert client.get(url).status_code == 403
    client.force_login(member.user)
    assert client.get(url).status_code == 403
    other = MemberFactory()
    client.force_login(member.user)
    assert (
        client.post(
            f"/manage/members/{member.pk}/merge/", {"other": other.pk, "keep": "this", "reason": "x"}
        ).status_code
        == 403
    )
    assert Member.objects.get(pk=other.pk).merged_into is None


# Adding a member.


def test_a_treasurer_adds_a_member_who_paid_by_cheque(client, treasurer, plan):
    client.force_login(treasurer)
    assert b"Add a member" in client.get("/manage/members/").content
    response = client.post("/manage/members/new/", _add_form(plan))
    member = Member.objects.get(user__email="vera@example.net")
    assert response.status_code == 302 and response["Location"] == f"/manage/members/{member.pk}/"
    assert (member.name, member.sort_name) == ("Vera van der Berg", "Berg")
    assert not member.user.has_usable_password(), "they sign in with a code"
    address = EmailAddress.objects.get(user=member.user)
    assert (address.email, address.primary, address.verified) == ("vera@example.net", True, True)
    term = member.terms.get()
    assert (term.start, term.end, term.plan) == (TODAY, dues.add_years(TODAY, 1) - datetime.timedelta(days=1), plan)
    payment = term.payment
    assert (payment.method, payment.amount_cents, payment.recorded_by, payment.reference) == (
        "cheque",
        6000,
        treasurer,
        "no. 118",
    )
    assert member.member_number and member.standing() == Standing.ACTIVE
    added = _only("member.added")
    assert added.by == treasurer and added.target_label == member.audit_label()
    assert added.changes["email"] == [log.CHANGED, log.CHANGED] and added.changes["full_name"] == [log.CHANGED] * 2
    assert added.changes["receipt_number"] == [None, payment.receipt_number]
    assert _only("payment.recorded").by == treasurer
    assert "Vera" not in str(added.changes) and "vera@" not in str(added.changes)
    assert not Delivery.objects.exists(), "no email unless the treasurer ticks it"


def test_a_complimentary_member_with_a_term_of_their_own_gets_the_welcome_only_when_asked(client, treasurer, plan):
    client.force_login(treasurer)
    start, end = TODAY - datetime.timedelta(days=10), datetime.date(TODAY.year + 2, 12, 31)
    form = _add_form(
        plan, method="complimentary", amount="", start=start.isoformat(), end=end.isoformat(), send_welcome="on"
    )
    client.post("/manage/members/new/", form)
    member = Member.objects.get(user__email="vera@example.net")
    term = member.terms.get()
    assert (term.start, term.end) == (start, end)
    assert (term.payment.method, term.payment.amount_cents) == (Payment.Method.COMPLIMENTARY, 0)
    assert _only("member.added").reason == "Complimentary: a term with no payment."
    [welcome] = mails()
    assert welcome.kind == "member-added" and welcome.to == "vera@example.net"
    assert "Dear Vera van der Berg," in welcome.body_text
    assert f"your member number is {member.member_number}" in welcome.body_text
    assert "http://testserver/accounts/login/code/" in welcome.body_text


@pytest.mark.django_db(transaction=True)
def test_the_welcome_and_receipt_of_a_member_added_by_hand_leave_through_a_worker(
    celery_worker, smtp_server, treasurer, plan
):
    with transaction.atomic():
        member = roster_edit.add_member(
            email="tom@example.net",
            full_name="Tom Tailor",
            plan=plan,
            start=TODAY,
            dues_paid=Dues(method="cash", amount_cents=6000),
            send_welcome=True,
            by=treasurer,
        )
    received = smtp_server.wait_for(2)
    assert sorted(m["Subject"].split(" ")[0] for m in received) == ["Receipt", "Welcome"]
    receipt = next(m for m in received if m["Subject"].startswith("Receipt"))
    text = receipt.get_body(("plain",)).get_content()
    assert "Dear Tom Tailor," in text and f"Received from: Tom Tailor, member number {member.member_number}" in text


def test_adding_an_address_already_a_members_changes_nothing(client, treasurer, plan, member):
    client.force_login(treasurer)
    page = client.post("/manage/members/new/", _add_form(plan, email="ANN@example.org")).content.decode()
    assert "Another member&#x27;s account already uses this email address." in page
    assert f"/manage/members/{member.pk}/" in page
    assert User.objects.count() == 2 and not Payment.objects.exists() and not Entry.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": ""}, "Enter the amount received (more than zero), or choose complimentary."),
        ({"full_name": "   "}, "Enter the member&#x27;s name."),
        ({"end": (TODAY - datetime.timedelta(days=1)).isoformat()}, "The term cannot end before it starts."),
        (
            {"received_on": (TODAY + datetime.timedelta(days=2)).isoformat()},
            "The payment date cannot be in the future.",
        ),
        ({"email": "not an address"}, "Enter a valid email address."),
    ],
)
def test_adding_with_bad_input_says_why_and_changes_nothing(client, treasurer, plan, change, message):
    client.force_login(treasurer)
    page = client.post("/manage/members/new/", _add_form(plan, **change)).content.decode()
    assert message in page
    assert not Member.objects.filter(user__email="vera@example.net").exists() and not Entry.objects.exists()


# Changing details and the address.


def _edit_form(member, **extra) -> dict:
    form = {
        "full_name": member.name,
        "sort_name": member.sort_name,
        "email": member.user.email,
        "address_line1": "1 Quay Street",
        "address_line2": "",
        "city": "Bristol",
        "postal_code": "BS1 4QA",
        "country": "United Kingdom",
        "phone": "",
        "reason": "Asked by letter",
    }
    form.update(extra)
    return form


def test_a_treasurer_changes_a_members_details_with_the_audit_row(client, treasurer, member):
    client.force_login(treasurer)
    page = client.get(f"/manage/members/{member.pk}/edit/").content.decode()
    assert 'value="Ann Example"' in page and 'value="ann@example.org"' in page
    response = client.post(f"/manage/members/{member.pk}/edit/", _edit_form(member, full_name="Ann Marie Example"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.sort_name, member.city) == ("Ann Marie Example", "Example", "Bristol")
    entry = _only("member.edited")
    assert entry.by == treasurer and entry.reason == "Asked by letter"
    assert entry.changes["full_name"] == [log.CHANGED] * 2 and entry.changes["city"] == [log.CHANGED] * 2
    assert "Bristol" not in str(entry.changes) and "BS1" not in str(entry.changes)
    assert not Entry.objects.filter(action="member.email_changed").exists() and not Delivery.objects.exists()


def test_a_new_address_moves_the_sign_in_and_tells_the_old_and_the_new(client, treasurer, member):
    EmailAddress.objects.create(user=member.user, email="ann@example.org", primary=True, verified=True)
    client.force_login(treasurer)
    client.post(f"/manage/members/{member.pk}/edit/", _edit_form(member, email="Ann.New@Example.net"))
    member.refresh_from_db()
    assert member.user.email == "ann.new@example.net"
    assert list(EmailAddress.objects.filter(user=member.user).values_list("email", "primary", "verified")) == [
        ("ann.new@example.net", True, True)
    ]
    entry = _only("member.email_changed")
    assert entry.changes == {"email": [log.CHANGED, log.CHANGED]} and entry.by == treasurer
    told = {mail.to: mail for mail in mails(kind="email-changed")}
    assert set(told) == {"ann@example.org", "ann.new@example.net"}
    assert "changed the email address of your membership to a…w@example.net" in told["ann@example.org"].body_text
    assert "made this the email address of your membership" in told["ann.new@example.net"].body_text
    assert all("Dear Ann Example," in mail.body_text for mail in told.values())


@pytest.mark.django_db(transaction=True)
def test_both_addresses_receive_the_notice_through_a_worker(celery_worker, smtp_server, treasurer):
    member = MemberFactory(user__email="old@example.org", full_name="Olga Old")
    with transaction.atomic():
        roster_edit.edit_details(member=member, values={}, email="new@example.org", by=treasurer)
    received = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in received) == ["new@example.org", "old@example.org"]


def test_an_address_another_member_uses_is_refused(client, treasurer, member):
    MemberFactory(user__email="bob@example.org")
    client.force_login(treasurer)
    page = client.post(f"/manage/members/{member.pk}/edit/", _edit_form(member, email="bob@example.org", city="Oslo"))
    assert "Another member&#x27;s account already uses this email address." in page.content.decode()
    member.refresh_from_db()
    assert member.user.email == "ann@example.org" and member.city == "" and not Entry.objects.exists()


# Closing a membership.


def test_closing_ends_the_term_today_and_voids_the_one_paid_ahead(client, treasurer, member, plan):
    current = TermFactory(member=member, plan=plan, start=TODAY - datetime.timedelta(days=100))
    ahead = TermFactory(member=member, plan=plan, start=current.end + datetime.timedelta(days=1))
    client.force_login(treasurer)
    assert b"Close the membership" in client.get(f"/manage/members/{member.pk}/close/").content
    assert client.post(f"/manage/members/{member.pk}/close/", {"reason": " "}).status_code == 200
    assert MembershipTerm.objects.get(pk=current.pk).cancelled_on is None, "no reason, nothing closed"
    response = client.post(f"/manage/members/{member.pk}/close/", {"reason": "Resigned by letter"})
    assert response.status_code == 302
    current.refresh_from_db()
    ahead.refresh_from_db()
    assert current.cancelled_on == TODAY + datetime.timedelta(days=1) and ahead.is_void
    member = Member.objects.prefetch_related("terms").get(pk=member.pk)
    assert member.standing(on=TODAY) == Standing.ACTIVE
    assert member.standing(on=TODAY + datetime.timedelta(days=1)) == Standing.LAPSED, "no grace after closing"
    entry = _only("membership.closed")
    assert (entry.by, entry.reason) == (treasurer, "Resigned by letter")
    assert entry.changes == {"term_cancelled_on": [None, f"{current.cancelled_on}, {ahead.start}"]}


def test_closing_cancels_the_stripe_subscription_first(client, treasurer, member, plan, stripe_keys):
    TermFactory(member=member, plan=plan, start=TODAY - datetime.timedelta(days=10))
    Member.objects.filter(pk=member.pk).update(
        auto_renew=True, stripe_customer_id="cus_test_Ann", stripe_subscription_id="sub_test_Ann"
    )
    client.force_login(treasurer)
    with responses.RequestsMock() as stripe_api:
        stripe_api.delete(f"{API}/subscriptions/sub_test_Ann", status=400, json={"error": {"message": "Try later"}})
        page = client.post(f"/manage/members/{member.pk}/close/", {"reason": "Moved away"}).content.decode()
    assert "Stripe did not cancel the subscription" in page
    member.refresh_from_db()
    assert member.auto_renew and not Entry.objects.exists(), "Stripe said no: nothing changed"
    assert member.terms.get().cancelled_on is None

    with responses.RequestsMock() as stripe_api:
        stripe_api.delete(
            f"{API}/subscriptions/sub_test_Ann",
            json={"id": "sub_test_Ann", "object": "subscription", "status": "canceled"},
        )
        client.post(f"/manage/members/{member.pk}/close/", {"reason": "Moved away"})
        assert len(stripe_api.calls) == 1
    member.refresh_from_db()
    assert not member.auto_renew and member.renews_on is None
    assert _only("membership.closed").changes["auto_renew"] == [True, False]


def test_closing_a_membership_with_nothing_to_close_is_refused(treasurer, member):
    with pytest.raises(RosterRefused, match="nothing to close"):
        roster_edit.close_membership(member=member, reason="Resigned", by=treasurer)


# Merging two records.


def _cheque(member, plan, *, by, on=TODAY):
    return dues.record_payment(member=member, plan=plan, amount_cents=6000, method="cheque", received_on=on, by=by)


def test_merging_moves_terms_payments_notes_and_answers_to_the_record_kept(client, treasurer, plan):
    keep = MemberFactory(user__email="vera@example.net", full_name="Vera Berg", sort_name="Berg")
    other = MemberFactory(user__email="v.berg@example.org", full_name="V. Berg", city="Oslo", phone="+47 1234")
    EmailAddress.objects.create(user=other.user, email=other.user.email, primary=True, verified=True)
    _cheque(keep, plan, by=treasurer, on=TODAY - datetime.timedelta(days=400))
    paid = _cheque(other, plan, by=treasurer)
    other.notes.create(text="Prefers letters", author=treasurer)
    both, theirs = EventFactory(), EventFactory()
    for event, person, answer in ((both, keep, "yes"), (both, other, "maybe"), (theirs, other, "yes")):
        rsvp = answers.rsvp_for(event=event, email=person.user.email, user=person.user)
        answers.respond(rsvp_id=rsvp.pk, answer=answer, notify=False)
    other.refresh_from_db()
    client.force_login(treasurer)

    preview = client.get(f"/manage/members/{keep.pk}/merge/", {"other": str(other.member_number)}).content.decode()
    assert "V. Berg" in preview and "v.berg@example.org" in preview
    assert Member.objects.get(pk=other.pk).merged_into is None, "finding the other record changes nothing"

    response = client.post(
        f"/manage/members/{keep.pk}/merge/", {"other": other.pk, "keep": "this", "reason": "Same person, two emails"}
    )
    assert response.status_code == 302 and response["Location"] == f"/manage/members/{keep.pk}/"
    keep = Member.objects.prefetch_related("terms").get(pk=keep.pk)
    other = Member.objects.select_related("user").get(pk=other.pk)
    assert keep.terms.count() == 2 and set(keep.payments.all()) == set(Payment.objects.all())
    assert keep.standing() == Standing.ACTIVE and paid.terms.get().member == keep
    assert keep.notes.get().text == "Prefers letters"
    assert (keep.name, keep.city, keep.phone) == ("Vera Berg", "Oslo", "+47 1234"), "gaps filled, the name kept"
    assert other.merged_into == keep and not other.user.is_active and not other.user.has_usable_password()
    assert not EmailAddress.objects.filter(user=other.user).exists()
    moved = RSVP.objects.get(event=theirs)
    assert (moved.user, moved.email) == (keep.user, "vera@example.net")
    assert set(RSVP.objects.filter(event=both).values_list("user", "email")) == {
        (keep.user.pk, "vera@example.net"),
        (keep.user.pk, "v.berg@example.org"),
    }, "both answers to one event stay (their seats are real), both the kept account's"
    merged = _only("member.merged")
    assert merged.by == treasurer and merged.reason == "Same person, two emails"
    assert merged.changes["merged_from"] == [None, other.audit_label()]
    assert merged.changes["terms_moved"] == [0, 1] and merged.changes["events_moved"] == [0, 2]
    assert merged.changes["city"] == [log.CHANGED] * 2
    assert _only("member.merged_away").target_id == str(other.pk)
    assert other.pk not in [m.pk for m in client.get("/manage/members/").context["page"]]


def test_the_other_record_can_be_the_one_kept(client, treasurer, plan):
    this = MemberFactory(full_name="Vera Berg")
    other = MemberFactory(full_name="Vera Berg")
    _cheque(this, plan, by=treasurer)
    client.force_login(treasurer)
    client.post(f"/manage/members/{this.pk}/merge/", {"other": other.pk, "keep": "other", "reason": "Duplicate"})
    assert Member.objects.get(pk=this.pk).merged_into_id == other.pk
    assert Member.objects.get(pk=other.pk).terms.count() == 1


def test_merging_a_member_with_themselves_or_an_erased_record_is_refused(client, treasurer, member):
    client.force_login(treasurer)
    page = client.post(f"/manage/members/{member.pk}/merge/", {"other": member.pk, "keep": "this", "reason": "x"})
    assert "a member cannot be merged with themselves" in page.content.decode()
    erased = MemberFactory(erased_at=timezone.now())
    page = client.post(f"/manage/members/{member.pk}/merge/", {"other": erased.pk, "keep": "this", "reason": "x"})
    assert "An erased record cannot be merged" in page.content.decode()
    with pytest.raises(RosterRefused, match="Say why"):
        roster_edit.merge_members(keep=member, other=MemberFactory(), reason=" ", by=treasurer)
    assert not Entry.objects.exists() and not Member.objects.filter(merged_into__isnull=False).exists()


def test_a_record_renewing_by_card_or_holding_a_role_is_not_merged_away(treasurer, member):
    renewing = MemberFactory(auto_renew=True)
    with pytest.raises(RosterRefused, match="renews automatically"):
        roster_edit.merge_members(keep=member, other=renewing, reason="Duplicate", by=treasurer)
    with pytest.raises(RosterRefused, match="staff role"):
        roster_edit.merge_members(keep=member, other=treasurer.member, reason="Duplicate", by=treasurer)
