import pytest
from django.contrib.auth.models import Group
from django.db.models import Q

from notifications import access, announcements, fanout, registry
from notifications.models import Announcement, Category, Delivery, FanOut, Preference, Suppression
from notifications.registry import Recipient, SegmentSource
from tests.factories import UserFactory

PEOPLE = [Recipient(f"member{n}@example.org", f"Member {n}", cursor=n + 1) for n in range(7)]
# The first person twice (a source may list someone in two ways): still one email.
IN_THE_CLUB = [*PEOPLE, Recipient(PEOPLE[0].email, PEOPLE[0].name, cursor=8)]


@pytest.fixture
def segments(monkeypatch):
    """A "club" audience that organisers may write to."""
    monkeypatch.setattr(registry, "segment_sources", {})
    club = access.Scope(deliveries=lambda user: Q(pk__in=[]), segments=lambda user: ["club:all", "club:none"])
    monkeypatch.setitem(access.scopes, "Organiser", club)
    registry.register_segment_source(
        "club",
        SegmentSource(
            choices=lambda: [("all", "Everyone in the club"), ("none", "Nobody")],
            recipients=lambda key, after=0: [p for p in IN_THE_CLUB if p.cursor > after] if key == "all" else [],
        ),
    )


@pytest.fixture
def organiser(client):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="Organiser")[0])
    client.force_login(user)
    return user


FORM = {"subject": "General meeting", "body": "Come on **Friday**.", "category": "newsletters", "segment": "club:all"}


@pytest.mark.django_db
def test_preview_shows_the_email_and_saves_nothing(client, organiser, segments):
    response = client.post("/manage/announcements/new/", {**FORM, "preview": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and "Preview (not saved)" in page
    assert "&lt;strong&gt;Friday&lt;/strong&gt;" in page, "the rendered HTML, inside the preview frame"
    assert "Unsubscribe" in page and not Announcement.objects.exists()


@pytest.mark.django_db
def test_the_preview_cannot_run_script_on_the_staff_page(client, organiser, segments):
    body = "<script>alert(1)</script> plain"
    page = client.post("/manage/announcements/new/", {**FORM, "body": body, "preview": "1"}).content.decode()
    assert "<script>alert(1)</script>" not in page


@pytest.mark.django_db
def test_markdown_is_sanitised():
    html = announcements.markdown_to_html(
        "Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://a.example)"
    )
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert '<a href="https://a.example" rel="noopener noreferrer">ok</a>' in html


@pytest.mark.django_db
def test_bad_input_is_refused_with_a_message(client, organiser, segments):
    response = client.post("/manage/announcements/new/", {**FORM, "segment": "club:gone", "body": "<script></script>"})
    page = response.content.decode()
    assert "Select a valid choice" in page and "Write the message" in page
    assert not Announcement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sending_fans_out_to_the_segment_honouring_choices_and_shows_progress(
    client, organiser, segments, celery_worker, smtp_server
):
    Preference.objects.create(email="member1@example.org", newsletters=False)
    Suppression.objects.create(email="member2@example.org", reason=Suppression.Reason.COMPLAINED)
    client.post("/manage/announcements/new/", FORM)
    announcement = Announcement.objects.get()
    page = client.get(f"/manage/announcements/{announcement.pk}/").content.decode()
    assert "Send to 7 addresses" in page
    assert client.get(f"/manage/announcements/{announcement.pk}/send/").status_code == 405
    client.post(f"/manage/announcements/{announcement.pk}/send/")
    messages = smtp_server.wait_for(5)
    assert sorted(str(m["To"]) for m in messages) == [p.email for p in PEOPLE if p.email[6] not in "12"]
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in messages)
    html = messages[0].get_body(preferencelist=("html",)).get_content()
    assert "<strong>Friday</strong>" in html
    announcement.refresh_from_db()
    assert announcement.status == Announcement.Status.SENT and announcement.recipient_count == 7
    assert announcements.progress(announcement) == {
        "queued": 0,
        "sending": 0,
        "sent": 5,
        "failed": 0,
        "suppressed": 2,
        "uncertain": 0,
    }
    page = client.get(f"/manage/announcements/{announcement.pk}/").content.decode()
    assert "Queued to 7 addresses" in page
    again = client.post(f"/manage/announcements/{announcement.pk}/send/", follow=True)
    assert "already been sent" in again.content.decode()


@pytest.mark.django_db
def test_running_the_fan_out_again_queues_nobody_twice(segments, monkeypatch):
    monkeypatch.setitem(fanout.sources, announcements.FAN_OUT_SOURCE, fanout.Source(announcements.next_batch, 3))
    announcement = Announcement.objects.create(subject="Hi", body="Hello", category=Category.NEWSLETTERS,
                                               segment="club:all")  # fmt: skip
    announcements.start_sending(announcement_id=announcement.pk, by=None)
    job = FanOut.objects.get(key=announcements.job_key(announcement.pk))
    assert fanout.run_batch(job.pk), "batches of 3: more to come"
    fanout.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.people, job.queued, job.skipped, job.batches) == ("done", 8, 7, 1, 3)
    # As if a worker died after queuing and before recording its cursor: the job runs again from the start.
    Announcement.objects.filter(pk=announcement.pk).update(status="sending")
    FanOut.objects.filter(pk=job.pk).update(status="running", cursor="")
    fanout.run(job.pk)
    assert FanOut.objects.get(pk=job.pk).queued == 7
    assert Delivery.objects.filter(announcement=announcement).count() == 7


@pytest.mark.django_db
def test_announcements_are_for_staff_only(client, segments):
    client.force_login(UserFactory())
    assert client.get("/manage/announcements/").status_code == 403
    assert client.post("/manage/announcements/new/", FORM).status_code == 403
    assert not Announcement.objects.exists()


@pytest.mark.django_db
def test_the_sweep_resumes_a_fan_out_whose_worker_died(segments, monkeypatch):
    import datetime

    import time_machine
    from django.utils import timezone

    from notifications import tasks

    started = []
    monkeypatch.setattr(tasks.run_fan_out, "delay", lambda pk: started.append(pk))
    announcement = Announcement.objects.create(subject="Hi", body="Hello", category=Category.NEWSLETTERS,
                                               segment="club:all")  # fmt: skip
    announcements.start_sending(announcement_id=announcement.pk, by=None)
    job = FanOut.objects.get(key=announcements.job_key(announcement.pk))
    started.clear()  # the first nudge, lost with the broker
    assert fanout.resume_stalled() == 0, "still fresh: its fan-out may be running"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        assert fanout.resume_stalled() == 1
    assert started == [job.pk]
    fanout.run(job.pk)
    assert Delivery.objects.filter(announcement=announcement).count() == 7
