"""An event's cover image: uploaded on the event form with a description, checked, made
into a few sizes by a worker, and shown on the page, the cards, link previews and the invitation."""

import io
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events import covers, notices, organising
from events.models import Event
from notifications import outbox
from tests.events.helpers import deliveries, edit_form, entries, make_organiser
from tests.factories import EventFactory, RSVPFactory

ALT = "The great hall, set out for a lecture"


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def picture(width=2000, height=1200, *, kind="JPEG", name="hall.jpg", exif=None) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new(
        "RGBA" if kind == "PNG" else "RGB", (width, height), (30, 80, 120, 255)[: 4 if kind == "PNG" else 3]
    )
    image.save(buffer, kind, **({"exif": exif} if exif else {}))
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{kind.lower()}")


def _post_edit(client, event, **overrides):
    return client.post(reverse("events:manage-edit", args=[event.slug]), edit_form(event, **overrides))


def _with_cover(event, upload=None) -> Event:
    organising.update_event(
        event_id=event.pk, changes={"cover_image": upload or picture(), "cover_alt": ALT}, by=event.organisers.first()
    )
    covers.make_sizes(event_id=event.pk)
    return Event.objects.get(pk=event.pk)


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_cover_is_made_into_sizes_by_a_worker(client, celery_worker, settings):
    organiser = make_organiser()
    event = EventFactory(organisers=[organiser])
    client.force_login(organiser)
    response = _post_edit(client, event, cover_image=picture(2400, 1350), cover_alt=ALT)
    assert response.status_code == 302
    deadline = time.monotonic() + 20
    while not Event.objects.get(pk=event.pk).cover_sizes and time.monotonic() < deadline:
        time.sleep(0.1)
    event.refresh_from_db()
    assert [size[:2] for size in event.cover_sizes] == [[480, 270], [960, 540], [1600, 900]]
    for width, height, name in event.cover_sizes:
        with default_storage.open(name) as stored, Image.open(stored) as made:
            assert (made.format, made.size) == ("JPEG", (width, height))
    assert event.cover_alt == ALT and event.cover_image.name.startswith("covers/originals/")


def test_sizes_are_never_wider_than_the_picture_and_lose_the_cameras_metadata(db):
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"  # Make
    event = _with_cover(EventFactory(organisers=[make_organiser()]), picture(1000, 750, exif=exif.tobytes()))
    assert [size[:2] for size in event.cover_sizes] == [[480, 360], [960, 720], [1000, 750]]
    with default_storage.open(event.cover_sizes[-1][2]) as stored, Image.open(stored) as made:
        assert not made.getexif()


def test_a_transparent_png_is_laid_on_white(db):
    event = _with_cover(EventFactory(organisers=[make_organiser()]), picture(800, 600, kind="PNG", name="logo.png"))
    with default_storage.open(event.cover_sizes[0][2]) as stored, Image.open(stored) as made:
        assert made.mode == "RGB"


@pytest.mark.django_db
def test_a_cover_without_a_description_is_refused_and_nothing_changes(client, organiser, event):
    client.force_login(organiser)
    response = _post_edit(client, event, cover_image=picture(), cover_alt="  ")
    assert response.status_code == 200
    assert "Describe the picture for people who cannot see it: what does it show?" in response.content.decode()
    event.refresh_from_db()
    assert not event.cover_image and not entries(event, "event.edited")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("hall.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg"), "Upload a valid image"),
        (picture(kind="GIF", name="hall.gif"), "Upload a JPEG, PNG or WebP picture."),
        (picture(400, 300), "This picture is 400 pixels wide; a cover needs at least 640 to look sharp."),
    ],
)
def test_a_file_that_is_no_usable_picture_is_refused_with_a_message(client, organiser, event, upload, message):
    client.force_login(organiser)
    response = _post_edit(client, event, cover_image=upload, cover_alt=ALT)
    assert response.status_code == 200
    assert message in response.content.decode()
    event.refresh_from_db()
    assert not event.cover_image


@pytest.mark.django_db
def test_the_change_of_cover_is_in_the_audit_log(organiser, event):
    event = _with_cover(event)
    [entry] = entries(event, "event.edited")
    assert entry.changes["cover_alt"] == ["", ALT]
    assert entry.changes["cover_image"][1] == event.cover_image.name


@pytest.mark.django_db
def test_clearing_the_cover_removes_it_from_the_page(client, organiser, event):
    event = _with_cover(event)
    client.force_login(organiser)
    assert _post_edit(client, event, **{"cover_image-clear": "on", "cover_alt": ""}).status_code == 302
    event.refresh_from_db()
    assert not event.cover_image and event.cover_sizes == [] and not event.has_cover


@pytest.mark.django_db
def test_the_page_shows_the_cover_with_its_sizes_and_link_previews_carry_it(client, organiser, settings):
    settings.SITE_URL = "https://members.example.org"
    event = _with_cover(EventFactory(organisers=[organiser], title="Lecture on tides"))
    page = client.get(event.get_absolute_url()).content.decode()
    middle = default_storage.url(event.cover_sizes[1][2])
    assert f'<img src="{middle}" srcset="' in page and f'alt="{ALT}" width="960" height="576"' in page
    large = default_storage.url(event.cover_sizes[2][2])
    assert f'<meta property="og:image" content="https://members.example.org{large}">' in page
    assert f'<meta property="og:image:alt" content="{ALT}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page


@pytest.mark.django_db
def test_the_cards_show_the_small_size(client, organiser, django_assert_max_num_queries):
    event = _with_cover(EventFactory(organisers=[organiser]))
    EventFactory.create_batch(3)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("events:list")).content.decode()
    assert f'<img class="card-cover" src="{default_storage.url(event.cover_sizes[0][2])}"' in page


@pytest.mark.django_db
def test_an_upload_waiting_for_its_sizes_shows_no_picture_yet(client, organiser, event):
    organising.update_event(event_id=event.pk, changes={"cover_image": picture(), "cover_alt": ALT}, by=organiser)
    assert "og:image" not in client.get(event.get_absolute_url()).content.decode()
    client.force_login(organiser)
    form = client.get(reverse("events:manage-edit", args=[event.slug])).content.decode()
    assert "The picture is being prepared" in form


@pytest.mark.django_db
def test_the_invitation_carries_the_cover_as_a_linked_image_from_the_site(organiser, settings):
    settings.SITE_URL = "https://members.example.org"
    event = _with_cover(EventFactory(organisers=[organiser]))
    outbox.queue_many([notices.invitation(RSVPFactory(event=event))])
    [email] = deliveries("event-invitation")
    large = default_storage.url(event.cover_sizes[2][2])
    assert f'<img src="https://members.example.org{large}" alt="{ALT}"' in email.body_html
    assert f'<a href="https://members.example.org{event.get_absolute_url()}"><img' in email.body_html


@pytest.mark.django_db
def test_a_copy_of_an_event_keeps_its_cover(organiser, event):
    event = _with_cover(event)
    copy = organising.duplicate(event_id=event.pk, by=organiser)
    assert copy.has_cover and copy.cover_alt == ALT and copy.cover_sizes == event.cover_sizes


@pytest.mark.django_db
def test_the_demo_congress_has_a_cover_ready_to_show():
    from django.core.management import call_command

    call_command("seed_demo")
    congress = Event.objects.get(slug="annual-congress")
    assert congress.has_cover and congress.cover_alt
    assert [size[0] for size in congress.cover_sizes] == [480, 960, 1600]
