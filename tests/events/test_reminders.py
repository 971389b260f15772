"""Event reminders, called as the dispatcher calls them: queue_due_reminders(now)."""

import datetime

import pytest
import time_machine

from events import organising, reminders
from events.models import RSVP
from notifications import registry
from notifications.models import Delivery
from tests.events.helpers import answer, deliveries
from tests.factories import EventFactory, RSVPFactory
from tests.mail import run_fan_outs

pytestmark = pytest.mark.django_db

START = datetime.datetime(2031, 5, 20, 18, 0, tzinfo=datetime.UTC)


def _due(now):
    """A dispatcher pass of the events source at `now`, its fan-outs run as the workers would."""
    started = reminders.queue_due_reminders(now)
    run_fan_outs()
    return started


def _event(**kwargs):
    """An event at START, planned three weeks before, with one yes and one maybe."""
    with time_machine.travel(START - datetime.timedelta(days=21), tick=False):
        event = EventFactory(starts_at=START, ends_at=START + datetime.timedelta(hours=2), **kwargs)
        coming, unsure = RSVPFactory(event=event), RSVPFactory(event=event)
        answer(coming, "yes")
        answer(unsure, "maybe")
    return event, coming, unsure


def _labels():
    return sorted(d.key.split(":")[3] for d in deliveries("event-reminder"))


def test_events_registers_its_reminder_source_and_segments():
    assert registry.reminder_sources["events"] is reminders.queue_due_reminders
    assert "events" in registry.segment_sources


def test_two_passes_queue_each_reminder_once():
    event, coming, _ = _event()
    now = START - datetime.timedelta(days=7) + datetime.timedelta(minutes=1)
    assert _due(now) == 1
    assert _due(now) == 0
    assert _due(now + datetime.timedelta(minutes=1)) == 0
    [reminder] = deliveries("event-reminder")
    assert reminder.to == coming.email and reminder.category == "reminders"
    assert reminder.key == f"event-reminder:{event.pk}:{coming.pk}:7d:s0"
    assert "in 7 days" in reminder.subject


def test_nothing_is_due_before_the_first_offset():
    _event()
    assert _due(START - datetime.timedelta(days=8)) == 0


def test_each_offset_is_sent_at_its_time():
    _event()
    for offset in (datetime.timedelta(days=7), datetime.timedelta(days=1), datetime.timedelta(hours=2)):
        _due(START - offset)
    assert _labels() == ["1d", "2h", "7d"]


def test_maybe_answers_are_reminded_only_if_the_organiser_chose_so():
    _, coming, unsure = _event(remind_maybe=True)
    _due(START - datetime.timedelta(days=1))
    assert {d.to for d in deliveries("event-reminder")} == {coming.email, unsure.email}


def test_the_two_hour_reminder_carries_the_online_link_and_earlier_ones_do_not():
    _event(online_url="https://meet.example.org/room-9")
    _due(START - datetime.timedelta(days=1))
    _due(START - datetime.timedelta(hours=2))
    by_label = {d.key.split(":")[3]: d for d in deliveries("event-reminder")}
    assert "room-9" not in by_label["1d"].body_text + by_label["1d"].body_html
    assert "https://meet.example.org/room-9" in by_label["2h"].body_text
    assert "https://meet.example.org/room-9" in by_label["2h"].body_html


def test_a_pass_missed_while_beat_was_down_is_caught_up_before_the_start():
    _event()
    # Beat was down from before the 7d reminder until 3 days before the start.
    assert _due(START - datetime.timedelta(days=3)) == 1
    assert _labels() == ["7d"]


def test_after_a_long_outage_only_the_latest_missed_reminder_is_sent():
    _event()
    _due(START - datetime.timedelta(hours=5))
    assert _labels() == ["1d"]


def test_nothing_is_sent_once_the_event_has_started():
    _event()
    assert _due(START + datetime.timedelta(minutes=1)) == 0


def test_an_offset_already_past_when_the_event_was_created_is_skipped():
    with time_machine.travel(START - datetime.timedelta(days=3), tick=False):
        event = EventFactory(
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=2),
            reminders_planned_at=START - datetime.timedelta(days=3),
        )
        answer(RSVPFactory(event=event), "yes")
    assert _due(START - datetime.timedelta(days=3) + datetime.timedelta(minutes=1)) == 0
    _due(START - datetime.timedelta(days=1))
    assert _labels() == ["1d"]


def test_someone_who_answered_after_an_offset_fell_due_does_not_get_it():
    event, _, _ = _event()
    late = RSVPFactory(event=event)
    answer(late, "yes", now=START - datetime.timedelta(days=5))
    _due(START - datetime.timedelta(days=5) + datetime.timedelta(minutes=1))
    assert late.email not in {d.to for d in deliveries("event-reminder")}
    _due(START - datetime.timedelta(days=1))
    assert late.email in {d.to for d in deliveries("event-reminder") if ":1d:" in d.key}


def test_moving_an_event_re_plans_its_reminders():
    event, coming, _ = _event()
    _due(START - datetime.timedelta(days=7))
    assert [d.key for d in deliveries("event-reminder")] == [f"event-reminder:{event.pk}:{coming.pk}:7d:s0"]
    new_start = START + datetime.timedelta(days=14)
    with time_machine.travel(START - datetime.timedelta(days=6), tick=False):
        organising.reschedule(
            event_id=event.pk, starts_at=new_start, ends_at=new_start + datetime.timedelta(hours=2), by=None
        )
    # The old 1-day mark passes: nothing, the event is no longer then.
    assert _due(START - datetime.timedelta(days=1)) == 0
    # The new 7-day mark: a new reminder, with a new key.
    assert _due(new_start - datetime.timedelta(days=7)) == 1
    keys = list(Delivery.objects.filter(kind="event-reminder").order_by("pk").values_list("key", flat=True))
    assert keys == [f"event-reminder:{event.pk}:{coming.pk}:7d:s0", f"event-reminder:{event.pk}:{coming.pk}:7d:s1"]
    assert [d.key for d in deliveries("event-reminder")] == keys[1:], "the old schedule's reminder is not written"


def test_a_move_skips_offsets_already_past_at_the_new_date():
    event, _, _ = _event()
    new_start = START - datetime.timedelta(days=10)  # moved earlier, to 2 days after the move
    with time_machine.travel(new_start - datetime.timedelta(days=2), tick=False):
        organising.reschedule(
            event_id=event.pk, starts_at=new_start, ends_at=new_start + datetime.timedelta(hours=2), by=None
        )
    assert _due(new_start - datetime.timedelta(days=2) + datetime.timedelta(minutes=1)) == 0
    assert _due(new_start - datetime.timedelta(days=1)) == 1
    assert _labels() == ["1d"]


def test_organisers_choose_the_offsets_per_event():
    _event(reminder_offsets="3d 30m")
    for offset in (datetime.timedelta(days=7), datetime.timedelta(days=3), datetime.timedelta(minutes=30)):
        _due(START - offset)
    assert _labels() == ["30m", "3d"]


def test_cancelled_events_send_no_reminders():
    event, _, _ = _event()
    organising.cancel(event_id=event.pk, message="Sorry.", by=None)
    assert _due(START - datetime.timedelta(days=1)) == 0


def test_segments_offer_each_upcoming_events_yes_maybe_and_waitlisted():
    event, coming, unsure = _event(capacity=1)
    waiting = RSVPFactory(event=event)
    with time_machine.travel(START - datetime.timedelta(days=20), tick=False):
        answer(waiting, "yes")
        keys = dict(reminders.segment_choices())
    assert {f"event:{event.pk}:yes", f"event:{event.pk}:maybe", f"event:{event.pk}:waitlisted"} <= set(keys)
    emails = {
        s: [r.email for r in reminders.segment_recipients(f"event:{event.pk}:{s}")]
        for s in ("yes", "maybe", "waitlisted")
    }
    assert emails == {"yes": [coming.email], "maybe": [unsure.email], "waitlisted": [waiting.email]}
    assert list(reminders.segment_recipients("event:nonsense")) == []
    assert RSVP.objects.get(pk=waiting.pk).status == "waitlisted"
