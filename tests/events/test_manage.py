"""Organisers' pages under /manage/events/."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from events import organising
from events.models import RSVP, Event
from tests.events.helpers import answer, deliveries, make_member, make_organiser, yes_rsvps
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db

EVENT_PAGES = [
    ("manage-event", "get"),
    ("manage-edit", "get"),
    ("manage-publish", "post"),
    ("manage-duplicate", "post"),
    ("manage-cancel", "get"),
    ("manage-reschedule", "get"),
    ("manage-invite", "post"),
    ("manage-rsvps", "get"),
    ("manage-rsvps-csv", "post"),
    ("check-in", "get"),
]


def _form(**overrides):
    data = {
        "kind": "forum",
        "title": "Autumn forum on rivers",
        "summary": "",
        "description": "",
        "time_zone": "Europe/Paris",
        "starts_at": "2031-10-03T18:30",
        "ends_at": "2031-10-03T21:00",
        "venue_name": "Salle des fêtes",
        "venue_address": "",
        "online_url": "",
        "capacity": "60",
        "guests_allowed": "1",
        "visibility": "members",
        "rsvp_opens_at": "",
        "rsvp_closes_at": "",
        "reminder_offsets": "7d 1d 2h",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(("name", "method"), [*EVENT_PAGES, ("manage-list", "get"), ("manage-create", "get")])
def test_organiser_pages_are_403_for_members(client, member, name, method):
    event = EventFactory()
    client.force_login(member)
    args = [] if name in ("manage-list", "manage-create") else [event.slug]
    assert getattr(client, method)(reverse(f"events:{name}", args=args)).status_code == 403


@pytest.mark.parametrize(("name", "method"), EVENT_PAGES)
def test_another_organisers_event_is_404(client, name, method):
    event = EventFactory(organisers=[make_organiser()])
    client.force_login(make_organiser())
    assert getattr(client, method)(reverse(f"events:{name}", args=[event.slug])).status_code == 404


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("events:manage-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_organiser_creates_a_draft_with_times_in_its_zone_and_publishes_it(client, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:manage-create"), _form())
    event = Event.objects.get()
    assert response["Location"] == reverse("events:manage-event", args=[event.slug])
    assert event.status == Event.Status.DRAFT and event.slug == "autumn-forum-on-rivers"
    assert event.starts_at == datetime.datetime(2031, 10, 3, 16, 30, tzinfo=datetime.UTC)  # 18:30 CEST
    assert list(event.organisers.all()) == [organiser]
    client.post(reverse("events:manage-publish", args=[event.slug]))
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED and event.published_at is not None


def test_a_time_that_the_clocks_skip_is_refused(client, organiser):
    client.force_login(organiser)
    response = client.post(
        reverse("events:manage-create"), _form(starts_at="2031-03-30T02:30", ends_at="2031-03-30T05:00")
    )
    assert response.status_code == 200
    assert "does not exist in Europe/Paris" in response.content.decode()
    assert not Event.objects.exists()


def test_an_event_needs_a_place_or_a_link_and_to_end_after_it_starts(client, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:manage-create"), _form(venue_name="", ends_at="2031-10-03T17:00"))
    page = response.content.decode()
    assert "Give a venue, an online joining link, or both." in page
    assert "The event must end after it starts." in page
    assert not Event.objects.exists()


def test_bad_reminder_times_are_explained(client, organiser):
    client.force_login(organiser)
    response = client.post(reverse("events:manage-create"), _form(reminder_offsets="7 days"))
    assert "is not a reminder time" in response.content.decode()


def test_editing_shows_times_in_the_events_zone(client, organiser):
    event = EventFactory(
        organisers=[organiser],
        time_zone="America/Los_Angeles",
        starts_at=datetime.datetime(2031, 6, 13, 1, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2031, 6, 13, 3, 0, tzinfo=datetime.UTC),
    )
    client.force_login(organiser)
    page = client.get(reverse("events:manage-edit", args=[event.slug])).content.decode()
    assert 'value="2031-06-12T18:00"' in page


def test_raising_the_capacity_promotes_the_waitlist(client, organiser):
    event = EventFactory(organisers=[organiser], capacity=1)
    yes_rsvps(event, 1)
    waiting = RSVPFactory(event=event)
    answer(waiting, "yes")
    client.force_login(organiser)
    data = _form(
        title=event.title,
        time_zone="UTC",
        starts_at=event.starts_at.strftime("%Y-%m-%dT%H:%M"),
        ends_at=event.ends_at.strftime("%Y-%m-%dT%H:%M"),
        venue_name=event.venue_name,
        capacity="2",
        visibility="public",
    )
    response = client.post(reverse("events:manage-edit", args=[event.slug]), data)
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RSVP.Status.YES
    assert deliveries("event-promoted", to=waiting.email)


def test_duplicate_makes_a_draft_copy_without_answers(client, organiser):
    event = EventFactory(organisers=[organiser], title="Annual symposium")
    yes_rsvps(event, 2)
    client.force_login(organiser)
    response = client.post(reverse("events:manage-duplicate", args=[event.slug]))
    copy = Event.objects.exclude(pk=event.pk).get()
    assert response["Location"] == reverse("events:manage-edit", args=[copy.slug])
    assert copy.status == Event.Status.DRAFT and copy.title == "Annual symposium (copy)"
    assert copy.uid != event.uid and not copy.rsvps.exists()
    assert list(copy.organisers.all()) == [organiser]


def test_cancelling_needs_a_message_and_tells_everyone(
    client, organiser, eager_tasks, django_capture_on_commit_callbacks
):
    event = EventFactory(organisers=[organiser])
    coming, invited = RSVPFactory(event=event), RSVPFactory(event=event)
    answer(coming, "yes")
    client.force_login(organiser)
    response = client.post(reverse("events:manage-cancel", args=[event.slug]), {"message": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("events:manage-cancel", args=[event.slug]), {"message": "The speaker is ill."})
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    told = {d.to for d in deliveries("event-cancelled")}
    assert told == {coming.email, invited.email}
    assert "The speaker is ill." in deliveries("event-cancelled", to=coming.email)[0].body_text
    assert "The speaker is ill." in client.get(event.get_absolute_url()).content.decode()


def test_changing_the_date_tells_the_people_coming_with_an_updated_calendar(
    client, organiser, eager_tasks, django_capture_on_commit_callbacks
):
    event = EventFactory(organisers=[organiser], time_zone="America/Los_Angeles")
    coming, declined = RSVPFactory(event=event), RSVPFactory(event=event)
    answer(coming, "yes")
    answer(declined, "no")
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("events:manage-reschedule", args=[event.slug]),
            {"starts_at": "2031-07-01T09:00", "ends_at": "2031-07-01T12:00", "message": "The hall is booked."},
        )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == datetime.datetime(2031, 7, 1, 16, 0, tzinfo=datetime.UTC)
    assert event.sequence == 1 and event.schedule_version == 1
    [email] = deliveries("event-moved")
    assert email.to == coming.email and "The hall is booked." in email.body_text
    assert "Tuesday 1 July 2031, 09:00 to 12:00 PDT" in email.body_text
    assert any(a["filename"] == "event.ics" for a in email.attachments)


def test_a_published_events_times_change_only_through_change_the_date():
    event = EventFactory()
    with pytest.raises(organising.EventChangeRefused, match="Change the date"):
        organising.update_event(
            event_id=event.pk, changes={"starts_at": event.starts_at + datetime.timedelta(hours=1)}, by=None
        )


def test_the_rsvp_list_shows_counts_guests_seats_and_the_waitlist_in_order(client, organiser):
    event = EventFactory(organisers=[organiser], capacity=3, guests_allowed=1)
    answer(RSVPFactory(event=event), "yes", guests=1)
    answer(RSVPFactory(event=event), "yes")
    first, second = RSVPFactory(event=event, name="Zed First"), RSVPFactory(event=event, name="Abe Second")
    answer(first, "yes", guests=1)
    answer(second, "yes")
    answer(RSVPFactory(event=event), "maybe")
    client.force_login(organiser)
    page = client.get(reverse("events:manage-rsvps", args=[event.slug])).content.decode()
    assert "2 yes with 1 guest (3 seats taken, 0 of 3 left), 1 maybe, 0 no, 2 on the waitlist" in page
    waitlist = page.split('id="waitlist"')[1].split("</table>")[0]
    assert waitlist.index("Zed First") < waitlist.index("Abe Second"), "in order of joining, not by name"


def test_the_rsvp_list_takes_the_same_queries_for_many_rsvps(client, organiser, django_assert_max_num_queries):
    event = EventFactory(organisers=[organiser], capacity=5)
    yes_rsvps(event, 7)
    client.force_login(organiser)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("events:manage-rsvps", args=[event.slug]))
    yes_rsvps(event, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("events:manage-rsvps", args=[event.slug]))


def test_csv_export_escapes_formulas_and_gives_local_and_utc_times(client, organiser):
    starts = datetime.datetime(2031, 2, 1, 18, 0, tzinfo=datetime.UTC)
    event = EventFactory(
        organisers=[organiser],
        time_zone="America/Los_Angeles",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    person = RSVPFactory(event=event, name='=HYPERLINK("http://evil.example","click")', email="eve@example.org")
    answered = datetime.datetime(2031, 1, 15, 17, 30, tzinfo=datetime.UTC)  # 09:30 PST
    answer(person, "yes", now=answered)
    client.force_login(organiser)
    response = client.post(reverse("events:manage-rsvps-csv", args=[event.slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{event.slug}-rsvps.csv"' in response["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    record = dict(zip(header, row, strict=True))
    assert record["name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert record["answered (America/Los_Angeles)"] == "2031-01-15 09:30"
    assert record["answered (UTC)"] == "2031-01-15 17:30"
    assert record["answer"] == "Yes"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_escaped(start):
    from events.export import safe_cell

    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("Ann") == "Ann"


def test_the_dashboard_shows_counts_and_actions(client, organiser):
    event = EventFactory(organisers=[organiser], capacity=10)
    yes_rsvps(event, 2)
    client.force_login(organiser)
    page = client.get(reverse("events:manage-event", args=[event.slug])).content.decode()
    assert "8 of 10" in page and "Cancel the event" in page and "Invite more people" in page


@pytest.mark.parametrize(
    ("offsets", "remind_maybe", "shown"),
    [
        ("7d 1d 2h", False, "7 days, 1 day and 2 hours before the start, to yes answers"),
        ("1h 30m", True, "1 hour and 30 minutes before the start, to yes and maybe answers"),
        ("2d", False, "2 days before the start, to yes answers"),
        ("", False, "None: this event sends no reminders"),
    ],
)
def test_the_dashboard_says_when_reminders_go_in_words(client, organiser, offsets, remind_maybe, shown):
    event = EventFactory(organisers=[organiser], reminder_offsets=offsets, remind_maybe=remind_maybe)
    client.force_login(organiser)
    page = client.get(reverse("events:manage-event", args=[event.slug])).content.decode()
    assert f"<dt>Reminders</dt><dd>{shown}</dd>" in page


def test_the_manage_index_has_an_events_card_for_organisers(client, organiser):
    client.force_login(organiser)
    assert reverse("events:manage-list") in client.get("/manage/").content.decode()


def test_publishing_an_event_that_is_over_is_refused():
    event = EventFactory(
        status="draft",
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    with pytest.raises(organising.EventChangeRefused, match="already over"):
        organising.publish(event_id=event.pk, by=None)


def test_a_member_cannot_see_the_organiser_list_even_with_an_rsvp(client):
    person = make_member()
    event = EventFactory()
    answer(RSVPFactory(event=event, email=person.email, user=person), "yes")
    client.force_login(person)
    assert client.get(reverse("events:manage-rsvps", args=[event.slug])).status_code == 403


def test_the_organisers_list_takes_the_same_queries_for_many_events(client, organiser, django_assert_max_num_queries):
    for _ in range(2):
        yes_rsvps(EventFactory(organisers=[organiser]), 2)
    client.force_login(organiser)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("events:manage-list"))
    for _ in range(10):
        yes_rsvps(EventFactory(organisers=[organiser]), 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("events:manage-list")).content.decode()
    assert page.count('<td class="num">2</td>') == 12
