"""Importing a member list: the dry run writes nothing, the apply makes accounts,
members, terms and imported payments (no email, no receipt), a second run changes
nothing, and a later file updates the people it matches."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from audit.models import Entry
from members import import_apply, importing
from members.import_reading import ImportRefused
from members.models import Member, MemberNote, MembershipTerm, Payment, Standing, User
from notifications import fanout
from notifications.models import Delivery, FanOut
from tests.factories import LifetimePlanFactory, MemberFactory, PlanFactory, TermFactory
from tests.mail import mails
from tests.members import import_steps as steps

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.UTC)

WILD_APRICOT = "wild_apricot_contacts.csv"
CIVICRM = "civicrm_memberships.csv"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def plans(db):
    return {
        "regular": PlanFactory(name="Regular member", slug="regular", amount_cents=6000),
        "student": PlanFactory(name="Student", slug="student", amount_cents=2000),
        "lifetime": LifetimePlanFactory(name="Lifetime", slug="lifetime-plan"),
    }


def _member(email: str) -> Member:
    return Member.objects.select_related("user").get(user__email=email)


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Member.objects.count(),
        MembershipTerm.objects.count(),
        Payment.objects.count(),
        EmailAddress.objects.count(),
        Delivery.objects.count(),
    )


def test_a_wild_apricot_export_maps_without_editing(treasurer, plans):
    job = steps.upload(steps.content(WILD_APRICOT), treasurer)

    headers = {job.headers[index]: name for name, index in job.columns.items()}
    assert headers == {
        "First name": "first_name",
        "Last name": "last_name",
        "Email": "email",
        "Phone": "phone",
        "Member since": "member_since",
        "Renewal due": "paid_through",
        "Membership level": "plan",
    }
    assert job.plans == {
        "Regular": plans["regular"].pk,
        "Student": plans["student"].pk,
        "Lifetime": plans["lifetime"].pk,
    }


def test_a_civicrm_export_maps_without_editing(treasurer, plans):
    job = steps.upload(steps.content(CIVICRM), treasurer)

    headers = {job.headers[index]: name for name, index in job.columns.items()}
    assert headers == {
        "Display Name": "full_name",
        "Email": "email",
        "Membership Type": "plan",
        "Member Since": "member_since",
        "Membership Start Date": "term_start",
        "Membership End Date": "paid_through",
    }


def test_the_dry_run_reports_and_writes_nothing(treasurer, plans):
    before = _counts()
    audit_before = Entry.objects.count()

    job = steps.check(steps.upload(steps.content(WILD_APRICOT), treasurer), treasurer)

    assert (job.report["created"], job.report["updated"], job.report["skipped"]) == (3, 0, 0)
    assert job.report["problems"] == []
    assert _counts() == before and Entry.objects.count() == audit_before


def test_applying_makes_accounts_to_claim_members_and_terms_and_sends_nothing(treasurer, plans):
    job = steps.run(steps.content(WILD_APRICOT), treasurer)

    assert (job.created, job.updated, job.skipped, job.status) == (3, 0, 0, "done")
    vera = _member("vera@example.net")
    assert (vera.first_name, vera.last_name, vera.phone) == ("Vera", "Lindqvist", "+46 8 123 456")
    assert not vera.user.has_usable_password()
    address = EmailAddress.objects.get(user=vera.user)
    assert address.email == "vera@example.net" and address.primary and not address.verified
    [term] = vera.terms.all()
    assert (term.plan, term.start) == (plans["regular"], datetime.date(2026, 3, 1))
    assert term.end == datetime.date(2027, 2, 28)
    assert vera.standing() == Standing.ACTIVE and vera.member_number is not None
    assert timezone.localdate(vera.created_at) == datetime.date(2019, 3, 1)
    assert _member("tomas@example.net").standing() == Standing.LAPSED
    assert _member("ama@example.net").has_lifetime_membership
    assert Delivery.objects.count() == 0, "an import emails nobody"
    assert Payment.objects.count() == 0, "the file has no payments"
    assert job.text == "", "the file is not kept once imported"


def test_the_import_is_one_audit_entry_with_its_counts(treasurer, plans):
    job = steps.run(steps.content(WILD_APRICOT), treasurer, name="contacts-2026.csv")

    [entry] = Entry.objects.filter(action="members.imported")
    assert entry.by == treasurer and entry.target_label == f"Member import {job.pk}"
    assert entry.changes["file"] == [None, "contacts-2026.csv"]
    assert entry.changes["created"] == [None, 3] and entry.changes["rows"] == [None, 3]
    assert Entry.objects.count() == 1, "one entry for the import, none per person"


def test_running_the_same_file_twice_changes_nothing_more(treasurer, plans):
    steps.run(steps.content(CIVICRM), treasurer)
    before = _counts()
    numbers = sorted(Member.objects.exclude(member_number=None).values_list("member_number", flat=True))

    again = steps.run(steps.content(CIVICRM), treasurer)

    assert (again.report["created"], again.report["updated"], again.report["unchanged"]) == (0, 0, 2)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _counts() == before
    assert sorted(Member.objects.exclude(member_number=None).values_list("member_number", flat=True)) == numbers


def test_member_numbers_are_kept_and_new_ones_continue_after_the_highest(treasurer, plans):
    MemberFactory(member_number=3)
    data = (
        "Member number,Email,Name,Plan,Paid through\n"
        "40,a@example.org,Ann A,Regular,2027-01-31\n"
        ",b@example.org,Bo B,Regular,2027-01-31\n"
        "12,c@example.org,Cy C,Regular,2027-01-31\n"
    )
    steps.run(data, treasurer)

    assert _member("a@example.org").member_number == 40
    assert _member("c@example.org").member_number == 12
    assert _member("b@example.org").member_number == 41


def test_a_later_file_updates_people_matched_by_email_or_member_number(treasurer, plans):
    steps.run(
        "Member number,Email,Name,Plan,Paid through,City\n"
        "7,ruth@example.org,Ruth Okafor,Regular,2026-12-31,Leeds\n"
        "8,old@example.org,Sam Lee,Regular,2026-12-31,York\n",
        treasurer,
    )
    later = steps.run(
        "Member number,Email,Name,Plan,Paid through,City,Notes\n"
        "7,ruth@example.org,Ruth Okafor,Regular,2027-12-31,Bradford,Pays by standing order\n"
        "8,sam@example.org,Sam Lee,Regular,2026-12-31,York,\n",
        treasurer,
    )

    assert (later.created, later.updated) == (0, 2)
    ruth = _member("ruth@example.org")
    assert ruth.city == "Bradford" and ruth.paid_through() == datetime.date(2027, 12, 31)
    assert [(t.start, t.end) for t in ruth.terms.order_by("start")] == [
        (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
        (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)),
    ]
    assert MemberNote.objects.get(member=ruth).text == "Pays by standing order"
    sam = Member.objects.get(member_number=8)
    assert sam.user.email == "sam@example.org" and EmailAddress.objects.get(user=sam.user).email == "sam@example.org"


def test_a_last_payment_is_recorded_as_imported_with_no_receipt(treasurer, plans):
    steps.run(steps.content("windows_1252_semicolon.csv"), treasurer)

    zoe = _member("zoe@example.org")
    assert (zoe.first_name, zoe.last_name, zoe.city, zoe.directory_consent) == ("Zoë", "Brontë", "Zürich", True)
    [payment] = zoe.payments.all()
    assert (payment.amount_cents, payment.received_on) == (6000, datetime.date(2026, 1, 15))
    assert payment.method == Payment.Method.IMPORTED and payment.recorded_by == treasurer
    assert zoe.terms.get().payment == payment
    assert _member("elodie@example.org").payments.count() == 0
    assert Delivery.objects.count() == 0


def test_every_problem_is_named_by_row_and_column(treasurer, plans):
    MemberFactory(member_number=5, user__email="taken@example.org")
    data = (
        "Email,Name,Member number,Plan,Paid through\n"
        "not-an-email,Al A,,Regular,2027-01-31\n"
        "bea@example.org,Bea B,,Regular,31st of never\n"
        "cy@example.org,Cy C,,Gold,2027-01-31\n"
        "dup@example.org,Di D,,Regular,2027-01-31\n"
        "dup@example.org,Di D,,Regular,2027-01-31\n"
        "eve@example.org,Eve E,5,Regular,2027-01-31\n"
        "fine@example.org,Fay F,,Regular,2027-01-31\n"
    )
    before = _counts()

    job = steps.check(steps.upload(data, treasurer), treasurer)

    problems = {(row, column): message for row, column, message in job.report["problems"]}
    assert problems[(2, "Email")] == "“not-an-email” is not an email address."
    assert "not a date we can read" in problems[(3, "Paid through")]
    assert problems[(4, "Plan")] == "The plan “Gold” is not matched to one of our plans."
    assert "Rows 5 and 6 are the same person" in problems[(5, "Email")]
    assert "Rows 6 and 5 are the same person" in problems[(6, "Email")]
    assert problems[(7, "Member number")] == "Member number 5 already belongs to another member."
    assert (job.report["created"], job.report["skipped"]) == (1, 6)
    assert _counts() == before


def test_a_file_with_problems_is_not_applied_unless_the_treasurer_skips_them(treasurer, plans):
    job = steps.check(steps.upload("Email,Name\nnope,No One\nok@example.org,Ok Person\n", treasurer), treasurer)

    with pytest.raises(ImportRefused, match="found problems"):
        steps.apply(job, treasurer)
    assert not User.objects.filter(email="ok@example.org").exists()

    job = steps.apply(job, treasurer, skip_problems=True)
    assert (job.created, job.skipped) == (1, 1)
    assert User.objects.filter(email="ok@example.org").exists()


def test_an_account_in_use_keeps_its_address_when_a_file_matches_its_number(treasurer, plans):
    member = MemberFactory(user__email="real@example.org", member_number=9)
    TermFactory(member=member, plan=plans["regular"])
    data = "Member number,Email,Plan,Paid through\n9,other@example.org,Regular,2027-01-31\n"
    job = steps.check(steps.upload(data, treasurer), treasurer)

    assert job.report["problems"] == [[2, "Member number", "Member number 9 already belongs to another member."]]


def test_a_file_imported_once_cannot_be_checked_or_applied_again(treasurer, plans):
    job = steps.run(steps.content(CIVICRM), treasurer)

    with pytest.raises(ImportRefused):
        steps.check(job, treasurer)
    with pytest.raises(ImportRefused):
        steps.apply(job, treasurer)


def _start(job, treasurer) -> int:
    """Start the import without running it; the fan-out job's id."""
    importing.start_apply(job=job, skip_problems=False, by=treasurer)
    return FanOut.objects.get(key=import_apply.job_key(job)).pk


def test_the_apply_goes_on_from_its_cursor_and_a_failed_batch_is_done_again_whole(treasurer, plans, monkeypatch):
    monkeypatch.setitem(fanout.sources, import_apply.FAN_OUT_SOURCE, fanout.Source(import_apply.next_batch, 2))
    rows = "".join(f"p{n}@example.org,Person {n},Regular,2027-01-31\n" for n in range(5))
    job = steps.check(steps.upload("Email,Name,Plan,Paid through\n" + rows, treasurer), treasurer)
    fan_out = _start(job, treasurer)

    assert fanout.run_batch(fan_out) is True
    job.refresh_from_db()
    assert (job.status, job.created) == ("applying", 2)

    write = import_apply._write

    def worker_dies(*args, **kwargs):
        write(*args, **kwargs)
        raise RuntimeError("the worker died mid-batch")

    monkeypatch.setattr(import_apply, "_write", worker_dies)
    with pytest.raises(RuntimeError):
        fanout.run_batch(fan_out)
    job.refresh_from_db()
    assert job.created == 2 and User.objects.filter(email__startswith="p").count() == 2, "the batch rolled back"

    monkeypatch.setattr(import_apply, "_write", write)
    fanout.run(fan_out)
    job.refresh_from_db()
    assert (job.status, job.created, job.skipped) == ("done", 5, 0)
    assert User.objects.filter(email__startswith="p").count() == 5
    assert MembershipTerm.objects.count() == 5


def test_inviting_is_one_audited_action_and_happens_once(treasurer, plans):
    job = steps.run(steps.content(WILD_APRICOT), treasurer)

    assert importing.invite(job=job, by=treasurer) == 3
    with pytest.raises(ImportRefused, match="sent already"):
        importing.invite(job=job, by=treasurer)
    [entry] = Entry.objects.filter(action="members.invited_to_claim")
    assert entry.by == treasurer and entry.changes == {"people": [None, 3]}
    invitations = mails(kind="claim-invite")
    assert sorted(m.to for m in invitations) == ["ama@example.net", "tomas@example.net", "vera@example.net"]
    assert (
        "/accounts/login/code/?email=vera%40example.net"
        in next(m for m in invitations if m.to.startswith("vera")).body_text
    )


def test_nobody_is_invited_before_the_import_is_done(treasurer, plans):
    job = steps.check(steps.upload(steps.content(WILD_APRICOT), treasurer), treasurer)
    with pytest.raises(ImportRefused, match="once the import is done"):
        importing.invite(job=job, by=treasurer)
    assert Delivery.objects.count() == 0
