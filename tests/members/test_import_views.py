"""The pages of /manage/members/import/: for treasurers only; upload, map, dry run,
import (by a worker, with progress), and invite the people to claim their accounts."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import Member, MemberImport
from notifications import fanout
from tests.factories import LifetimePlanFactory, PlanFactory
from tests.members import import_steps as steps

pytestmark = pytest.mark.django_db

START = "/manage/members/import/"


@pytest.fixture
def plans(db):
    return [
        PlanFactory(name="Regular member", slug="regular"),
        PlanFactory(name="Student", slug="student", amount_cents=2000),
        LifetimePlanFactory(name="Lifetime", slug="lifetime-plan"),
    ]


def _mapping(job: MemberImport, **changes) -> dict:
    """The mapping form as the page fills it in, with `changes` ({"column_3": "phone"})."""
    by_index = {index: name for name, index in job.columns.items()}
    data = {f"column_{i}": by_index.get(i, "") for i in range(len(job.headers))}
    data.update({f"plan_{n}": "" if job.plans[v] is None else str(job.plans[v]) for n, v in enumerate(job.plans)})
    data["day_first"] = "1" if job.day_first else "0"
    data.update(changes)
    return data


def _upload(client, name: str):
    upload = SimpleUploadedFile(name, steps.content(name), content_type="text/csv")
    return client.post(START, {"file": upload})


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", ""), ("get", "{pk}/"), ("post", "{pk}/check/"), ("post", "{pk}/apply/"),
     ("post", "{pk}/invite/")],
)  # fmt: skip
def test_an_organiser_may_not_import(client, organiser, treasurer, method, path):
    job = steps.upload("Email,Name\na@example.org,Ann A\n", treasurer)
    client.force_login(organiser)
    response = getattr(client, method)(START + path.format(pk=job.pk))
    assert response.status_code == 403


def test_a_visitor_is_asked_to_sign_in(client):
    response = client.get(START)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_page_states_the_limits_and_links_from_the_member_list(client, treasurer):
    client.force_login(treasurer)
    page = client.get(START).content.decode()
    assert "at most 50,000 rows and 10 MB" in page
    assert START in client.get("/manage/members/").content.decode()
    assert START in client.get("/manage/").content.decode()


def test_the_page_of_earlier_imports_takes_the_same_queries_for_many(client, treasurer, django_assert_max_num_queries):
    steps.upload("Email,Name\na@example.org,Ann A\n", treasurer)
    client.force_login(treasurer)
    with django_assert_max_num_queries(20) as few:
        client.get(START)
    for n in range(10):
        steps.upload(f"Email,Name\np{n}@example.org,P {n}\n", treasurer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(START)


def test_a_treasurer_maps_dry_runs_and_imports_a_wild_apricot_file(client, treasurer, plans):
    client.force_login(treasurer)
    response = _upload(client, "wild_apricot_contacts.csv")
    job = MemberImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{START}{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Membership level" in page and "Renewal due" in page and "For example: Regular, Student, Lifetime" in page
    assert "Not needed: standing is worked out from the dates." in page

    # The treasurer decides Student members import without a term this time.
    student = list(job.plans).index("Student")
    response = client.post(f"{START}{job.pk}/check/", _mapping(job, **{f"plan_{student}": "0"}))
    assert response.status_code == 302
    report = client.get(f"{START}{job.pk}/").content.decode()
    assert "Nothing has been written" in report and "No problems found." in report
    assert Member.objects.filter(user__email__endswith="example.net").count() == 0

    response = client.post(f"{START}{job.pk}/apply/")
    assert response.status_code == 302
    assert "Importing" in client.get(f"{START}{job.pk}/").content.decode()
    fanout.drain()
    done = client.get(f"{START}{job.pk}/").content.decode()
    assert "3 of 3 rows done" in done and "Send the invitations" in done
    assert not Member.objects.get(user__email="tomas@example.net").terms.exists()
    listing = client.get("/manage/members/?q=Lindqvist").content.decode()
    assert "Lindqvist" in listing and "Active" in listing


def test_a_mapping_that_uses_one_field_twice_is_refused_with_a_message(client, treasurer, plans):
    job = steps.upload(steps.content("civicrm_memberships.csv"), treasurer)
    client.force_login(treasurer)
    response = client.post(f"{START}{job.pk}/check/", _mapping(job, column_1="full_name"))
    assert response.status_code == 400
    assert "is chosen for two columns" in response.content.decode()
    job.refresh_from_db()
    assert job.status == MemberImport.Status.UPLOADED


def test_a_problem_file_needs_the_box_ticked_to_import(client, treasurer, plans):
    job = steps.check(steps.upload("Email,Name\nnope,No One\nok@example.org,Ok Person\n", treasurer), treasurer)
    client.force_login(treasurer)
    page = client.get(f"{START}{job.pk}/").content.decode()
    assert "“nope” is not an email address." in page and "Skip the rows with problems" in page

    refused = client.post(f"{START}{job.pk}/apply/", follow=True).content.decode()
    assert "The dry run found problems" in refused
    client.post(f"{START}{job.pk}/apply/", {"skip_problems": "on"})
    fanout.drain()
    assert Member.objects.filter(user__email="ok@example.org").exists()


def _wait(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_worker_imports_and_emails_one_invitation_each_that_claims_the_account_by_code(
    client, celery_worker, smtp_server, settings, treasurer_account
):
    settings.SITE_URL = "http://testserver"
    PlanFactory(name="Regular member", slug="regular")
    PlanFactory(name="Student", slug="student", amount_cents=2000)
    LifetimePlanFactory(name="Lifetime", slug="lifetime-plan")
    client.force_login(treasurer_account)
    _upload(client, "civicrm_memberships.csv")
    job = MemberImport.objects.get()
    client.post(f"{START}{job.pk}/check/", _mapping(job))
    client.post(f"{START}{job.pk}/apply/")
    assert _wait(lambda: MemberImport.objects.get(pk=job.pk).status == "done"), "the worker applies the import"
    assert smtp_server.envelopes == [], "importing emails nobody"

    client.post(f"{START}{job.pk}/invite/")
    invitations = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in invitations) == ["ben@example.org", "ruth@example.org"]
    client.post(f"{START}{job.pk}/invite/")  # a second press sends nothing more
    time.sleep(1)
    assert len(smtp_server.envelopes) == 2

    ruth = next(m for m in invitations if m["To"] == "ruth@example.org")
    text = ruth.get_body(("plain",)).get_content()
    assert "Dear Ruth," in text
    link = re.search(r"http://testserver(/accounts/login/code/\?email=\S+)", text).group(1)
    client.logout()
    form = client.get(link).content.decode()
    assert 'value="ruth@example.org"' in form
    client.post(reverse("account_request_login_code"), {"email": "ruth@example.org"})
    [code_mail] = [m for m in smtp_server.wait_for(3) if "sign-in code" in m["Subject"]]
    body = code_mail.get_body(("plain",)).get_content()
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.M).group(1)
    assert client.post(reverse("account_confirm_login_code"), {"code": code}).status_code == 302
    membership = client.get("/membership/").content.decode()
    member = Member.objects.get(user__email="ruth@example.org")
    assert "Active" in membership and str(member.member_number) in membership
    assert EmailAddress.objects.get(user=member.user).verified


@pytest.fixture
def treasurer_account(transactional_db):
    from members import roles
    from tests.factories import StaffFactory

    return StaffFactory(email="treasurer@example.org", role=roles.TREASURER)
