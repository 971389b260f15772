"""/privacy/: what is kept, why and for how long, in plain words, with the numbers set."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_page_gives_the_numbers_the_settings_hold(client, settings):
    settings.PAYMENT_RETENTION_YEARS = 9
    settings.RSVP_RETENTION_MONTHS = 18
    settings.OUTBOX_BODY_RETENTION_DAYS = 45
    settings.DATA_EXPORT_LINK_DAYS = 5
    settings.ACCOUNT_CLOSURE_LINK_HOURS = 36
    response = client.get("/privacy/")
    assert response.status_code == 200
    text = response.content.decode()
    for words in ("for 9 years", "18 months after the event", "45 days after it was sent", "for 5 days", "36 hours"):
        assert words in text


def test_the_page_says_one_of_each_in_the_singular(client, settings):
    settings.PAYMENT_RETENTION_YEARS = settings.RSVP_RETENTION_MONTHS = settings.DATA_EXPORT_LINK_DAYS = 1
    text = client.get("/privacy/").content.decode()
    assert "for 1 year," in text and "1 month after the event" in text and "for 1 day," in text


def test_every_page_links_to_it_in_its_footer(client, member):
    assert 'href="/privacy/"' in client.get("/").content.decode()
    client.force_login(member.user)
    assert 'href="/privacy/"' in client.get("/membership/").content.decode()


def test_the_membership_page_offers_both_requests_as_buttons_that_post(client, member):
    client.force_login(member.user)
    page = client.get("/membership/").content.decode()
    assert 'method="post" action="/membership/data/"' in page
    assert 'method="post" action="/membership/close/"' in page
