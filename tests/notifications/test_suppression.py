import base64
import json

import pytest

from notifications.models import Delivery, Preference, Suppression
from tests.mail import composed
from tests.notifications.conftest import queue

pytestmark = pytest.mark.django_db
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"societas:webhook-secret").decode()}


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "societas:webhook-secret"}


def _postmark(client, path, payload, **extra):
    return client.post(f"/anymail/postmark/{path}/", json.dumps(payload), content_type="application/json", **extra)


def _bounce(email, kind="HardBounce", message_id="883953f4-6105-42a2-a16a-77a8eac79483"):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "ServerID": 23,
        "Description": "The server was unable to deliver.",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "office@example.org",
        "BouncedAt": "2026-11-28T07:00:00.000Z",
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Renewal",
        "MessageStream": "outbound",
    }


def test_a_hard_bounce_from_the_esp_webhook_suppresses_the_address(client):
    delivery = queue("renewal:1", "gone@example.org").delivery
    Delivery.objects.filter(pk=delivery.pk).update(
        status="sent", provider_message_id="883953f4-6105-42a2-a16a-77a8eac79483"
    )
    later = queue("renewal:2", "gone@example.org").delivery
    response = _postmark(client, "tracking", _bounce("Gone@Example.org"), **AUTH)
    assert response.status_code == 200
    suppression = Suppression.objects.get(email="gone@example.org")
    assert suppression.reason == Suppression.Reason.BOUNCED and "Postmark" in suppression.detail
    delivery.refresh_from_db()
    later.refresh_from_db()
    assert delivery.status == "failed" and "unable to deliver" in delivery.last_error
    assert later.status == "suppressed"
    assert queue("renewal:3", "gone@example.org").delivery.status == "suppressed"


def test_a_spam_complaint_suppresses_the_address(client):
    payload = {**_bounce("angry@example.org"), "RecordType": "SpamComplaint", "Type": "SpamComplaint"}
    _postmark(client, "tracking", payload, **AUTH)
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINED


def test_a_soft_bounce_or_an_open_suppresses_nothing(client):
    _postmark(client, "tracking", _bounce("busy@example.org", kind="Transient"), **AUTH)
    assert not Suppression.objects.exists()


def test_the_webhook_needs_its_secret(client):
    response = _postmark(client, "tracking", _bounce("gone@example.org"))
    assert response.status_code in (400, 401, 403)
    assert not Suppression.objects.exists()


def test_without_a_webhook_secret_posted_events_change_nothing(client, settings):
    from anymail.exceptions import AnymailInsecureWebhookWarning

    settings.ANYMAIL = {}
    with pytest.warns(AnymailInsecureWebhookWarning):
        assert _postmark(client, "tracking", _bounce("victim@example.org")).status_code == 200
    assert not Suppression.objects.exists()


def test_mail_to_the_unsubscribe_address_unsubscribes(client):
    delivery = queue("reminder:9", "ann@example.org").delivery
    token = composed(delivery).headers["List-Unsubscribe"].split("/u/")[1].split("/")[0]
    inbound = {
        "FromName": "Ann",
        "From": "ann@example.org",
        "FromFull": {"Email": "ann@example.org", "Name": "Ann"},
        "To": "noreply@localhost",
        "ToFull": [{"Email": "noreply@localhost", "Name": ""}],
        "Cc": "",
        "CcFull": [],
        "Subject": f"unsubscribe {token}",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Date": "Sat, 28 Nov 2026 07:00:00 +0000",
        "TextBody": "",
        "HtmlBody": "",
        "Headers": [],
        "Attachments": [],
    }
    assert _postmark(client, "inbound", inbound, **AUTH).status_code == 200
    assert Preference.objects.get(email="ann@example.org").reminders is False
