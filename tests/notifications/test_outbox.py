import datetime
import smtplib

import pytest
import time_machine
from django.utils import timezone

from notifications import outbox, sending
from notifications.models import Category, Delivery, Preference, Suppression
from tests.mail import composed
from tests.notifications.conftest import queue

Status = Delivery.Status


@pytest.mark.django_db(transaction=True)
def test_queued_email_goes_through_a_real_worker_and_arrives_with_both_bodies_and_unsubscribe_headers(
    celery_worker, smtp_server
):
    queued = queue("reminder:1", "Ann@Example.org", subject="Your renewal")
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ann@example.org"
    assert message["Subject"] == "Your renewal"
    assert "Your renewal body" in message.get_body(preferencelist=("plain",)).get_content()
    assert "<p>Your renewal body</p>" in message.get_body(preferencelist=("html",)).get_content()
    link = str(message["List-Unsubscribe"]).split(">")[0].strip().lstrip("<")
    assert link.startswith("http") and "/u/" in link
    assert str(message["List-Unsubscribe"]).strip().startswith(f"<{link}>, <mailto:")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.get_body(preferencelist=("plain",)).get_content(), "the footer carries the link"
    queued.delivery.refresh_from_db()
    assert queued.delivery.status == Status.SENT and queued.delivery.attempts == 1
    kept = queued.delivery.body_text + str(queued.delivery.headers)
    assert link not in kept and "[personal link]" in kept, "the copy kept for staff hides the link"


@pytest.mark.django_db
def test_transactional_mail_has_no_unsubscribe_link():
    mail = composed(queue("receipt:1", category=Category.TRANSACTIONAL).delivery)
    assert "List-Unsubscribe" not in mail.headers
    assert "Unsubscribe" not in mail.body_text


@pytest.mark.django_db
def test_queuing_a_key_again_queues_nothing_and_says_so():
    first = queue("renewal:7:3:-30d")
    second = queue("renewal:7:3:-30d", subject="Different")
    assert first.created and not second.created
    assert second.delivery.pk == first.delivery.pk
    assert Delivery.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_is_nudged_only_when_the_callers_transaction_commits(monkeypatch):
    from django.db import transaction

    nudges = []
    monkeypatch.setattr(outbox, "nudge", lambda: nudges.append(1))
    with pytest.raises(RuntimeError), transaction.atomic():
        queue("rolled-back")
        raise RuntimeError
    assert nudges == [] and not Delivery.objects.exists()
    with transaction.atomic():
        for n in range(5):
            queue(f"committed:{n}")
        assert nudges == []
    assert nudges == [1], "one nudge per transaction, after it commits"


@pytest.mark.django_db(transaction=True)
def test_a_batch_of_messages_is_sent_over_one_smtp_connection(celery_worker, smtp_server):
    from django.db import transaction

    with transaction.atomic():
        for n in range(40):
            queue(f"batch:{n}", f"person{n}@example.org")
    assert len(smtp_server.wait_for(40)) == 40
    assert smtp_server.connections == 1
    assert Delivery.objects.filter(status=Status.SENT).count() == 40


@pytest.mark.django_db
def test_451_then_250_is_sent_once_after_a_retry(smtp_server, fast_retries):
    replies = ["451 4.3.0 Mailbox busy, try later", "250 OK"]

    async def handle_DATA(server, session, envelope):
        reply = replies.pop(0)
        if reply.startswith("250"):
            smtp_server.envelopes.append(envelope)
        return reply

    smtp_server.handle_DATA = handle_DATA
    delivery = queue("retry:1").delivery
    first = sending.send_due()
    delivery.refresh_from_db()
    assert first.retrying == 1 and delivery.status == Status.QUEUED
    assert "451 4.3.0 Mailbox busy" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=55)
    assert sending.send_due().claimed == 0, "not before its retry time"
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        assert sending.send_due().sent == 1
        assert sending.send_due().claimed == 0
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and delivery.attempts == 2
    assert len(smtp_server.envelopes) == 1


@pytest.mark.django_db
def test_550_fails_with_the_error_and_is_not_retried(smtp_server):
    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user here"

    smtp_server.handle_RCPT = handle_RCPT
    delivery = queue("bounce:1").delivery
    assert sending.send_due().failed == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and delivery.attempts == 1
    assert "550 5.1.1 No such user here" in delivery.last_error
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert sending.send_due().claimed == 0
    assert smtp_server.envelopes == []


def _drop_the_connection(smtp_server):
    async def handle_DATA(server, session, envelope):
        server.transport.close()  # the server goes away mid-message
        return "421 closing"

    smtp_server.handle_DATA = handle_DATA


@pytest.mark.django_db
def test_a_dropped_connection_retries_the_message_and_gives_back_the_rest_of_the_batch(smtp_server):
    _drop_the_connection(smtp_server)
    queue("drop:1")
    queue("drop:2", "bob@example.org")
    result = sending.send_due()
    assert result.sent == 0 and result.retrying == 2
    first, second = Delivery.objects.order_by("pk")
    assert first.status == Status.QUEUED and first.attempts == 1
    assert "connection to the mail server was lost" in first.last_error
    assert second.status == Status.QUEUED and second.attempts == 0, "never handed over: not an attempt"


@pytest.mark.django_db
def test_transient_failures_are_retried_with_growing_delays_then_given_up(smtp_server, fast_retries):
    _drop_the_connection(smtp_server)
    delivery = queue("drop:3").delivery
    delays = []
    for _ in range(4):
        with time_machine.travel(delivery.next_attempt_at + datetime.timedelta(seconds=1)):
            before = timezone.now()
            sending.send_due()
        delivery.refresh_from_db()
        if delivery.status == Status.QUEUED:
            delays.append(round((delivery.next_attempt_at - before).total_seconds() / 60))
    assert delays == [1, 5, 15]
    assert delivery.status == Status.FAILED and "Gave up after 4 attempts" in delivery.last_error


@pytest.mark.django_db
def test_an_unreachable_mail_server_keeps_the_messages_queued(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    delivery = queue("down:1").delivery
    sending.send_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.QUEUED and delivery.attempts == 0
    assert "Could not reach the mail server" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_suppressed_address_gets_nothing_and_its_delivery_is_marked_suppressed(smtp_server):
    waiting = queue("before:1", "gone@example.org").delivery
    Suppression.objects.create(email="gone@example.org", reason=Suppression.Reason.BOUNCED)
    receipt = queue("receipt:9", "gone@example.org", category=Category.TRANSACTIONAL).delivery
    assert receipt.status == Status.SUPPRESSED, "suppression stops even receipts"
    result = sending.send_due()
    waiting.refresh_from_db()
    assert result.suppressed == 1 and waiting.status == Status.SUPPRESSED
    assert "hard bounce" in waiting.last_error
    assert smtp_server.envelopes == []


@pytest.mark.django_db
def test_preferences_stop_their_category_but_not_transactional_mail(smtp_server):
    Preference.objects.create(email="ann@example.org", reminders=False)
    reminder = queue("reminder:2").delivery
    receipt = queue("receipt:2", category=Category.TRANSACTIONAL).delivery
    assert reminder.status == Status.SUPPRESSED and "Reminders" in reminder.last_error
    assert sending.send_due().sent == 1
    receipt.refresh_from_db()
    assert receipt.status == Status.SENT


@pytest.mark.django_db
def test_opting_out_after_queuing_is_honoured_when_sending(smtp_server):
    delivery = queue("reminder:3").delivery
    Preference.objects.create(email="ann@example.org", reminders=False)
    assert sending.send_due().suppressed == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.SUPPRESSED
    assert smtp_server.envelopes == []


@pytest.mark.django_db
def test_send_by_id_sends_a_queued_delivery_once(smtp_server):
    delivery = queue("one:1").delivery
    assert sending.send(delivery.pk) is True
    assert sending.send(delivery.pk) is False
    assert len(smtp_server.envelopes) == 1


def test_transient_and_permanent_errors_are_told_apart():
    from notifications.delivery_errors import classify

    assert classify(smtplib.SMTPDataError(451, b"later"))[:2] == (False, False)
    assert classify(smtplib.SMTPDataError(554, b"rejected"))[:2] == (True, False)
    assert classify(smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no")}))[:2] == (True, False)
    assert classify(smtplib.SMTPServerDisconnected("gone"))[:2] == (False, True)
    assert classify(ConnectionResetError())[:2] == (False, True)
