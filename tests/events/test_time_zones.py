"""The event form's time zone: a list to search, current names only, the society's zone first."""

import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation

from config.language_views import SESSION_KEY
from events import time_zones
from events.forms import EventForm
from events.models import Event
from tests.events.test_manage import _form
from tests.factories import EventFactory

OLD_NAMES = ("US/Pacific", "Asia/Calcutta", "GB", "Europe/Kiev", "Etc/GMT+5", "Africa/Asmera")


def test_the_list_holds_current_zones_only():
    zones = time_zones.current_zones()
    assert {"UTC", "Europe/Paris", "Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "Europe/Kyiv"} <= set(zones)
    assert not set(OLD_NAMES) & set(zones)
    assert set(zones) <= zoneinfo.available_timezones() and len(zones) < 450


def test_the_societys_zone_comes_first(settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    offered = time_zones.choices()
    assert offered[0] == "Europe/Lisbon" and offered.count("Europe/Lisbon") == 1


def test_a_zone_is_labelled_by_its_city_and_country_to_search_by():
    with translation.override("en"):
        assert time_zones.label("America/Argentina/Buenos_Aires") == "Buenos Aires (Argentina)"
        assert time_zones.label("America/New_York") == "New York (United States)"
        assert time_zones.label("UTC") == "UTC"


def test_a_spanish_reader_finds_the_city_and_country_in_spanish():
    with translation.override("es"):
        assert time_zones.label("America/New_York") == "Nueva York (Estados Unidos)"
        assert time_zones.label("Europe/London") == "Londres (Reino Unido)"
        assert time_zones.label("Asia/Singapore") == "Singapur"  # a city that is its country is named once


def test_an_old_name_kept_on_an_event_still_has_a_label():
    with translation.override("en"):
        assert time_zones.label("US/Pacific") == "Los Angeles"


@pytest.mark.django_db
def test_the_spanish_form_offers_spanish_labels_searched_by_the_iana_name(client, organiser):
    client.force_login(organiser)
    _read_spanish(client)
    page = client.get(reverse("events:manage-create")).content.decode()
    assert re.search(r'<option value="America/New_York"[^>]*>\s*Nueva York \(Estados Unidos\)', page)


@pytest.mark.django_db
def test_a_new_event_starts_in_the_societys_zone_with_a_searchable_list(client, organiser, settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    client.force_login(organiser)
    page = client.get(reverse("events:manage-create")).content.decode()
    field = re.search(r'<input[^>]*name="time_zone"[^>]*>', page).group(0)
    assert 'value="Europe/Lisbon"' in field and 'list="id_time_zone-zones"' in field
    options = re.findall(r'<option value="([^"]+)">', page[page.index('<datalist id="id_time_zone-zones">') :])
    assert options[0] == "Europe/Lisbon" and "Africa/Abidjan" in options[1:]
    assert "US/Pacific" not in options


@pytest.mark.django_db
def test_a_typed_zone_is_read_whatever_its_case_and_spaces(client, organiser):
    client.force_login(organiser)
    client.post(reverse("events:manage-create"), _form(time_zone="america/new york"))
    assert Event.objects.get().time_zone == "America/New_York"


@pytest.mark.django_db
def test_an_old_name_is_answered_with_the_current_one_and_nothing_is_saved(client, organiser):
    client.force_login(organiser)
    page = client.post(reverse("events:manage-create"), _form(time_zone="US/Pacific")).content.decode()
    assert "US/Pacific is an old name for a time zone: choose America/Los_Angeles." in page
    page = client.post(reverse("events:manage-create"), _form(time_zone="Moon/Base")).content.decode()
    assert "Choose a time zone from the list" in page
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_an_event_saved_with_an_old_name_can_still_be_edited():
    event = EventFactory(time_zone="US/Pacific")
    form = EventForm(data={**_form(), "time_zone": "US/Pacific", "organisers": []}, instance=event)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["time_zone"] == "US/Pacific"


def _read_spanish(client) -> None:
    """The signed-in person chose Spanish (their choice rides in the session)."""
    session = client.session
    session[SESSION_KEY] = "es"
    session.save()
