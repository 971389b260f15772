"""Every page carries a strict Content-Security-Policy, and no template needs inline script."""

import re
from pathlib import Path

import pytest

from members import roles
from tests.factories import EventFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _assert_strict(response):
    policy = _directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline script, no other origin"
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", ["/", "/events/", "/join/", "/accounts/login/", "/accounts/signup/", "/healthz"])
def test_public_pages_carry_the_policy(client, path):
    _assert_strict(client.get(path))


def test_an_event_page_carries_the_policy(client):
    _assert_strict(client.get(EventFactory().get_absolute_url()))


def test_members_and_staff_pages_carry_the_policy(client, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = False
    client.force_login(UserFactory())
    _assert_strict(client.get("/membership/"))
    client.force_login(StaffFactory(role=roles.ORGANISER))
    _assert_strict(client.get("/manage/"))


def _page_templates():
    for directory in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in directory.rglob("*.html"):
            if "/email/" not in str(path):  # emails are not web pages: they keep inline styles
                yield path


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_page_template_has_inline_script_or_event_handlers():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _page_templates()
        if INLINE_SCRIPT.search(path.read_text()) or EVENT_HANDLER.search(path.read_text())
    ]
    assert offenders == []
