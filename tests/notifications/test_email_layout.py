"""Every email is laid out with the society's brand: its logo (an image on SITE_URL) and colour."""

import pytest

from notifications import sending
from tests.notifications.conftest import queue

pytestmark = pytest.mark.django_db


def test_the_email_layout_carries_the_logo_from_the_site_address_and_the_accent(smtp_server, settings):
    settings.SITE_URL = "https://members.example.org"
    settings.ORG_ACCENT = "#7a1f5c"
    delivery = queue("layout-1").delivery
    assert sending.send(delivery.pk)
    (message,) = smtp_server.wait_for(1)
    html = message.get_body(("html",)).get_content()
    assert '<img src="https://members.example.org/static/img/logo.png" alt="" width="40" height="40"' in html
    assert "background:#7a1f5c;color:#ffffff" in html
    assert '<a href="https://members.example.org/"' in html


def test_without_a_logo_for_emails_the_header_shows_the_name_alone(smtp_server, settings):
    settings.ORG_EMAIL_LOGO = None
    delivery = queue("layout-2").delivery
    assert sending.send(delivery.pk)
    (message,) = smtp_server.wait_for(1)
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html and settings.ORG_NAME in html
