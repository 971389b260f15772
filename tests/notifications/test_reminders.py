import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from notifications import registry, reminders
from notifications.models import Delivery
from tests.notifications.conftest import queue

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
# What a reminder source reads from its own tables: (id, when the reminder is due).
APPOINTMENTS = [(n, START + datetime.timedelta(minutes=10 * n)) for n in range(12)]


def due_appointments(now):
    """A source shaped like the members and events ones: everything due by `now`, keyed."""
    queued = 0
    with transaction.atomic():
        for ident, due_at in APPOINTMENTS:
            if due_at <= now:
                queued += queue(f"appointment:{ident}:1d", f"p{ident}@example.org").created
    return queued


@pytest.fixture
def source(monkeypatch):
    monkeypatch.setattr(registry, "reminder_sources", {})
    registry.register_reminder_source("appointments", due_appointments)


@pytest.mark.django_db
def test_two_dispatcher_passes_queue_each_reminder_once(source):
    assert reminders.dispatch(now=START + datetime.timedelta(minutes=25)) == {"appointments": 3}
    assert reminders.dispatch(now=START + datetime.timedelta(minutes=26)) == {"appointments": 0}
    assert Delivery.objects.count() == 3


@pytest.mark.django_db
def test_a_second_beat_in_the_same_minute_makes_no_second_pass(source):
    assert reminders.dispatch(now=START + datetime.timedelta(minutes=25)) == {"appointments": 3}
    assert reminders.dispatch(now=START + datetime.timedelta(minutes=25, seconds=40)) == {}, "the minute is taken"
    assert Delivery.objects.count() == 3


@pytest.mark.django_db
def test_a_pass_after_beat_was_down_catches_up_without_duplicates(source):
    reminders.dispatch(now=START)
    # Beat is down for an hour and a half; the next pass finds everything that came due.
    assert reminders.dispatch(now=START + datetime.timedelta(minutes=90)) == {"appointments": 9}
    keys = list(Delivery.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 10


@pytest.mark.django_db
def test_a_failing_source_does_not_stop_the_others(source, caplog):
    def broken(now):
        raise RuntimeError("database of the other app is confused")

    registry.register_reminder_source("broken", broken)
    counts = reminders.dispatch(now=START + datetime.timedelta(minutes=5))
    assert counts == {"appointments": 1, "broken": None}
    assert "Reminder source 'broken' failed" in caplog.text


@pytest.mark.django_db
def test_the_command_runs_one_pass_with_the_current_time(source, capsys):
    with time_machine.travel(START + datetime.timedelta(minutes=21)):
        call_command("send_due_reminders")
    assert "appointments: 3 fan-outs started" in capsys.readouterr().out
    registry.register_reminder_source("broken", lambda now: 1 / 0)
    with pytest.raises(CommandError):
        call_command("send_due_reminders")


def test_beat_runs_the_dispatcher_every_minute_and_the_sweep_more_often_off_the_mail_queue():
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["notifications.tasks.send_due_reminders"]["schedule"] == 60.0
    assert schedule["notifications.tasks.sweep_outbox"]["schedule"] == settings.OUTBOX_SWEEP_SECONDS < 60
    for task in ("notifications.tasks.send_due_reminders", "notifications.tasks.sweep_outbox"):
        assert settings.CELERY_TASK_ROUTES[task] == {"queue": "default"}
    assert settings.CELERY_TASK_ROUTES["notifications.tasks.*"] == {"queue": "mail"}


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_on_a_real_worker_queues_and_sends_what_is_due(source, celery_worker, smtp_server):
    from notifications.tasks import send_due_reminders

    with time_machine.travel(START + datetime.timedelta(minutes=15), tick=True):
        send_due_reminders.delay()
        messages = smtp_server.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == ["p0@example.org", "p1@example.org"]
