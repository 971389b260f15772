"""A member downloads everything Societas holds about them: a ZIP built by a worker,
behind a link that opens only for them, signed in, until it expires."""

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from audit.models import Entry
from events import rsvp as seats
from members import data_export, dues
from members.models import DataExport
from members.privacy import PrivacyRefused
from notifications import sending
from notifications.models import Delivery
from notifications.preferences import save_preferences
from tests.factories import EventFactory, MemberFactory, PlanFactory, RSVPFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(member):
    member.address_line1, member.city = "3 Mill Lane", "Bristol"
    member.postal_code, member.phone = "BS1 4DJ", "0117 4960"
    member.save()
    return member


def _pay(member, plan):
    return dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="cheque", received_on=timezone.localdate(), by=None
    )


def _csv(content: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content)))


def _open(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_the_download_holds_each_kind_of_record(ann, plan, smtp_server):
    payment = _pay(ann, plan)
    for delivery in Delivery.objects.all():
        sending.send(delivery.pk)
    event = EventFactory(title="Spring forum on rivers")
    seats.respond(rsvp_id=RSVPFactory(event=event, email=ann.email, user=ann.user).pk, answer="yes")
    save_preferences(email=ann.email, choices={"reminders": False})
    ann.refresh_from_db()

    files = _open(data_export.archive(ann, now=timezone.now()))

    assert set(files) == {
        "README.txt",
        "profile.json",
        "terms.csv",
        "payments.csv",
        f"receipts/{payment.receipt_number}.txt",
        "rsvps.csv",
        "email_preferences.json",
        "emails_sent_to_you.csv",
    }
    profile = json.loads(files["profile.json"])
    assert profile["email"] == "ann@example.org"
    assert (profile["first_name"], profile["last_name"]) == ("Ann", "Example")
    assert (profile["city"], profile["postal_code"], profile["phone"]) == ("Bristol", "BS1 4DJ", "0117 4960")
    assert profile["member_number"] == ann.member_number and profile["standing"] == "Active"
    [term] = _csv(files["terms.csv"])
    assert term["plan"] == "Regular member" and term["start"] == timezone.localdate().isoformat()
    [paid] = _csv(files["payments.csv"])
    assert paid["receipt number"] == payment.receipt_number
    assert (paid["amount"], paid["currency"], paid["method"]) == ("60.00", "USD", "Cheque")
    receipt = files[f"receipts/{payment.receipt_number}.txt"]
    assert "$60.00" in receipt and f"member number {ann.member_number}" in receipt
    [answer] = _csv(files["rsvps.csv"])
    assert (answer["event"], answer["answer"], answer["guests"]) == ("Spring forum on rivers", "Yes", "0")
    assert json.loads(files["email_preferences.json"]) == {
        "Event invitations and announcements": True,
        "Reminders": False,
        "News and announcements from the society": True,
    }
    emails = _csv(files["emails_sent_to_you.csv"])
    assert {row["kind"] for row in emails} >= {"receipt", "welcome"}
    assert any(row["subject"].startswith(f"Receipt {payment.receipt_number}") for row in emails)
    assert all(row["status"] for row in emails)
    # The log, never the text of the emails (it held personal links).
    assert "http://" not in files["emails_sent_to_you.csv"]
    assert "rsvps.csv" in files["README.txt"]


def test_a_cell_that_looks_like_a_formula_is_written_as_text(ann):
    ann.first_name = "=HYPERLINK(1)"
    ann.save()
    RSVPFactory(event=EventFactory(title="=cmd|' /C calc'!A0"), email=ann.email, user=ann.user)
    files = _open(data_export.archive(ann, now=timezone.now()))
    assert _csv(files["rsvps.csv"])[0]["event"].startswith("'=")


def test_a_second_request_while_one_is_being_prepared_is_refused(ann):
    data_export.request_export(member=ann, by=ann.user)
    with pytest.raises(PrivacyRefused):
        data_export.request_export(member=ann, by=ann.user)
    assert DataExport.objects.count() == 1


def test_asking_writes_the_audit_row_by_the_member(ann):
    data_export.request_export(member=ann, by=ann.user)
    entry = Entry.objects.get(action="member.data_exported")
    assert entry.by == ann.user
    assert entry.target_label == ann.audit_label()
    assert entry.by_label == f"Account {ann.user.pk} (for themselves)"


def test_a_get_never_starts_a_download(client, ann):
    client.force_login(ann.user)
    assert client.get("/membership/data/").status_code == 405
    assert client.head("/membership/data/").status_code == 405
    assert not DataExport.objects.exists()
    assert not Entry.objects.exists()


def test_building_twice_builds_and_emails_once(ann):
    export = data_export.request_export(member=ann, by=ann.user)
    assert data_export.build(export_id=export.pk) == "ready"
    assert data_export.build(export_id=export.pk) == "nothing to do"
    assert Delivery.objects.filter(kind="data-export-ready").count() == 1


def _ready_export(member) -> DataExport:
    export = data_export.request_export(member=member, by=member.user)
    data_export.build(export_id=export.pk)
    export.refresh_from_db()
    return export


def test_the_link_opens_only_for_its_owner_signed_in(client, ann):
    export = _ready_export(ann)
    url = f"/membership/data/{export.public_id}/"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(MemberFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(ann.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "profile.json" in _open(response.content)
    assert client.get(url).status_code == 200  # as often as they like, until it expires


def test_the_link_stops_working_when_it_expires_and_the_file_is_deleted_that_night(client, ann, settings):
    settings.DATA_EXPORT_LINK_DAYS = 7
    export = _ready_export(ann)
    url = f"/membership/data/{export.public_id}/"
    client.force_login(ann.user)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=6, hours=23)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, minutes=1)):
        response = client.get(url)
        assert response.status_code == 410
        assert "expired" in response.content.decode()
        from members.retention import apply_retention

        assert apply_retention()["expired downloads"] == 1
    assert not DataExport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_asking_on_the_membership_page_emails_a_link_that_downloads(client, celery_worker, smtp_server, settings):
    settings.SITE_URL = "http://testserver"
    member = MemberFactory(user__email="bea@example.org", first_name="Bea")
    with transaction.atomic():
        _pay(member, PlanFactory())
    smtp_server.wait_for(2)
    client.force_login(member.user)
    page = client.get("/membership/")
    assert b"Download my data" in page.content and b'href="/privacy/"' in page.content

    response = client.post("/membership/data/", follow=True)

    assert "will email you a link" in response.content.decode()
    ready = [m for m in smtp_server.wait_for(3) if "ready to download" in m["Subject"]]
    assert len(ready) == 1 and ready[0]["To"] == "bea@example.org"
    text = ready[0].get_body(("plain",)).get_content()
    link = re.search(r"http://testserver(/membership/data/[0-9a-f-]+/)", text).group(1)
    download = client.get(link)
    assert download.status_code == 200
    assert json.loads(_open(download.content)["profile.json"])["first_name"] == "Bea"
    # The copy kept for staff hides the link.
    assert "[personal link]" in Delivery.objects.get(kind="data-export-ready").body_text


def test_the_link_of_a_download_still_being_prepared_says_so(client, ann):
    export = data_export.request_export(member=ann, by=ann.user)
    client.force_login(ann.user)
    response = client.get(f"/membership/data/{export.public_id}/")
    assert response.status_code == 409 and "still being prepared" in response.content.decode()
