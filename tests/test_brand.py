"""The society's brand: an accent colour and a logo, from the environment, strictly read,
shown in the header, as the favicon, and in a stylesheet the strict CSP allows."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import brand
from tests.test_settings import manage

ROOT = Path(__file__).resolve().parent.parent
STATIC = [ROOT / "static"]


def test_an_accent_that_is_not_a_hex_colour_is_refused_at_start_up(tmp_path):
    result = manage("check", env={"ORG_ACCENT": "navy"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ORG_ACCENT='navy' is not a hex colour; write it as # and six hex digits, e.g. #1f4e79." in result.stderr


def test_a_logo_that_is_not_there_is_refused_at_start_up(tmp_path):
    result = manage("check", env={"ORG_LOGO": "img/our-crest.png"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "ORG_LOGO='img/our-crest.png': there is no such file" in result.stderr


def test_a_short_accent_is_read_as_the_long_form(tmp_path):
    result = manage("shell", "-c", "from django.conf import settings; print(settings.ORG_ACCENT)",
                    env={"ORG_ACCENT": "#0A6"}, tmp_path=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "#00aa66"


@pytest.mark.parametrize("raw", ["../secrets.txt", "/etc/passwd", "css/site.css"])
def test_a_logo_outside_static_or_not_an_image_is_refused(raw):
    with pytest.raises(ImproperlyConfigured):
        brand.logo_from_setting("ORG_LOGO", raw, static_dirs=STATIC, media_root=ROOT / "var" / "media")


def test_an_uploaded_logo_is_served_from_the_uploads_folder(tmp_path, settings):
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "crest.png").write_bytes(b"\x89PNG")
    logo = brand.logo_from_setting("ORG_LOGO", "media/brand/crest.png", static_dirs=STATIC, media_root=tmp_path)
    settings.SITE_URL = "https://members.example.org"
    assert logo.url() == "/media/brand/crest.png"
    assert logo.absolute_url() == "https://members.example.org/media/brand/crest.png"
    assert brand.email_logo_for(logo, static_dirs=STATIC, media_root=tmp_path) == logo


def test_an_svg_logo_goes_in_emails_as_its_png_twin():
    logo = brand.logo_from_setting("ORG_LOGO", "img/logo.svg", static_dirs=STATIC, media_root=ROOT)
    assert brand.email_logo_for(logo, static_dirs=STATIC, media_root=ROOT).path == "img/logo.png"


def test_a_light_accent_gets_dark_text_and_links_dark_enough_to_read():
    colours = brand.palette("#f2d16b")
    assert colours.on_accent == brand.INK
    assert brand.contrast(colours.ink, brand.WHITE) >= 4.5
    assert brand.contrast(colours.on_accent, colours.accent) >= 4.5


def test_a_dark_accent_keeps_white_text_and_itself_for_links():
    colours = brand.palette("#1f4e79")
    assert colours.on_accent == brand.WHITE and colours.ink == "#1f4e79"


@pytest.mark.django_db
def test_every_page_shows_the_logo_in_the_header_and_as_its_favicon(client):
    page = client.get("/").content.decode()
    assert '<img class="brand-logo" src="/static/img/logo.svg" alt=""' in page
    assert '<link rel="icon" href="/static/img/logo.svg" type="image/svg+xml">' in page
    assert '<link rel="stylesheet" href="/brand.css?v=1f4e79">' in page


@pytest.mark.django_db
def test_the_brand_stylesheet_carries_the_accent_from_the_site_itself(client, settings):
    settings.ORG_ACCENT = "#7a1f5c"
    response = client.get("/brand.css")
    assert response["Content-Type"].startswith("text/css")
    assert "--brand: #7a1f5c;" in response.content.decode()
    assert "--on-brand: #ffffff;" in response.content.decode()
    assert 'href="/brand.css?v=7a1f5c"' in client.get("/").content.decode()
