"""Importing and personal data: a member list never applied is not kept for ever, and an
import never brings back a person whose details were erased."""

import datetime

import pytest

from members import retention
from members.erasure import erase_member
from members.import_reading import ImportRefused
from members.models import Member
from tests.factories import MemberFactory, PlanFactory
from tests.members import import_steps as steps

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.UTC)
DATA = "Email,Name,Member number,Plan,Paid through\nzoe@example.org,Zoe Z,,Regular,2027-01-31\n"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def regular(db):
    return PlanFactory(name="Regular member", slug="regular", amount_cents=6000)


def test_the_text_of_a_list_never_applied_is_cleared_after_the_set_days(treasurer, regular, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    old = steps.check(steps.upload(DATA, treasurer), treasurer)
    applied = steps.run(DATA.replace("zoe@", "yan@"), treasurer)
    later = TODAY + datetime.timedelta(days=31)
    recent = steps.upload(DATA, treasurer)
    recent.uploaded_at = later - datetime.timedelta(days=2)
    recent.save(update_fields=["uploaded_at"])

    done = retention.apply_retention(now=later)

    assert done["unapplied member lists"] == 1
    old.refresh_from_db(), recent.refresh_from_db(), applied.refresh_from_db()
    assert old.text == "" and old.report["created"] == 1, "the counts of the dry run stay"
    assert recent.text == DATA
    with pytest.raises(ImportRefused, match="deleted 30 days after it was uploaded"):
        steps.apply(old, treasurer)
    assert retention.apply_retention(now=later)["unapplied member lists"] == 0


def test_the_privacy_page_states_how_long_an_uploaded_list_is_kept(client, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 21
    page = client.get("/privacy/").content.decode()
    assert "21 days after it was uploaded if it never is" in page


def test_a_row_with_an_erased_members_old_number_is_skipped_with_a_clear_problem(treasurer, regular):
    gone = MemberFactory(member_number=42, user__email="gone@example.org", first_name="Gus")
    erase_member(member=gone, by=treasurer, reason="Asked in writing")
    data = "Email,Name,Member number,Plan,Paid through\ngone@example.org,Gus G,42,Regular,2027-01-31\n"
    before = Member.objects.count()

    job = steps.check(steps.upload(data, treasurer), treasurer)

    [[row, column, message]] = job.report["problems"]
    assert (row, column) == (2, "Member number")
    assert message == (
        "Member 42 closed their account and their details were erased; an import never brings them back."
    )
    job = steps.apply(job, treasurer, skip_problems=True)
    assert Member.objects.count() == before and job.created == 0
    assert Member.objects.get(member_number=42).is_erased
