import datetime

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from notifications import sending
from notifications.models import Delivery
from tests.notifications.conftest import queue

Status = Delivery.Status


def _claimed(*keys):
    for key in keys:
        queue(key, f"{key.replace(':', '-')}@example.org")
    return sending.claim_due(limit=10)


def _hand_over(delivery):
    Delivery.objects.filter(pk=delivery.pk).update(handed_at=timezone.now(), updated_at=timezone.now(), attempts=1)


@pytest.mark.django_db
def test_rows_a_dead_worker_never_handed_over_are_queued_again():
    _claim, _rows = _claimed("a:1", "a:2")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        result = sending.sweep()
    assert result.requeued == 2 and result.uncertain == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert not Delivery.objects.exclude(claim=None).exists()


@pytest.mark.django_db
def test_a_row_a_dead_worker_was_handing_over_becomes_uncertain_and_is_not_sent_again(smtp_server):
    _claim, [first, second] = _claimed("b:1", "b:2")
    _hand_over(first)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert (sending.sweep().requeued, Delivery.objects.get(pk=first.pk).status) == (1, Status.UNCERTAIN)
        assert sending.send_due().sent == 1
    first.refresh_from_db()
    assert first.status == Status.UNCERTAIN and "may or may not have arrived" in first.last_error
    assert [str(m["To"]) for m in smtp_server.messages] == [second.to]


@pytest.mark.django_db
def test_a_claim_that_shows_signs_of_life_is_left_alone():
    _claim, [first, _second] = _claimed("c:1", "c:2")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=40)):
        _hand_over(first)  # the worker is slow but alive
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=70)):
        assert sending.sweep().requeued == 0
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.SENDING}


@pytest.mark.django_db
def test_a_dead_workers_unsent_rows_are_queued_again_within_a_minute():
    _claimed("f:1", "f:2")
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_STALE_SECONDS - 5)):
        assert sending.sweep().requeued == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_STALE_SECONDS + 1)):
        assert sending.sweep().requeued == 2
    assert settings.OUTBOX_STALE_SECONDS + settings.OUTBOX_SWEEP_SECONDS <= 60


@pytest.mark.django_db
def test_a_worker_whose_rows_were_taken_back_does_not_send_them(smtp_server):
    claim, rows = _claimed("d:1")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        sending.sweep()
    result = sending._deliver(claim, rows)  # the slow worker wakes up
    assert result.sent == 0 and smtp_server.envelopes == []
    assert Delivery.objects.get().status == Status.QUEUED


@pytest.mark.django_db
def test_staff_send_an_uncertain_delivery_again_or_record_that_it_arrived():
    _claim, [first, second] = _claimed("e:1", "e:2")
    _hand_over(first)
    _hand_over(second)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        sending.sweep()
    assert sending.retry(delivery_id=first.pk, by=None).status == Status.QUEUED
    assert sending.mark_sent(delivery_id=second.pk, by=None).status == Status.SENT
    with pytest.raises(sending.OutboxError, match="can be sent again"):
        sending.retry(delivery_id=second.pk, by=None)
