"""Journeys in a real browser: Debian's Chromium driven by Playwright, against a live
server on PostgreSQL, with a real Celery worker and a real SMTP server the test reads.

Without a Chromium these tests are skipped, except under CI, where they fail.
"""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import IN_CI
from tests.e2e.english_left import assert_spanish_page

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Playwright's sync API keeps an event loop running in the main thread for the rest of
# the session; the tests' own ORM calls there are ordinary blocking calls, not async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
SERIOUS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}; install Debian's chromium package"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@dataclass
class Site:
    url: str
    smtp: object
    shots: Path

    def mail_to(self, address: str, subject_contains: str = "", *, timeout: float = 20.0):
        """The newest message to `address` (with `subject_contains` in its subject), waiting for it."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.smtp.messages):
                if address.lower() in str(message["To"]).lower() and subject_contains in str(message["Subject"]):
                    return message
            time.sleep(0.1)
        seen = [(str(m["To"]), str(m["Subject"])) for m in self.smtp.messages]
        raise AssertionError(f"no email to {address} about {subject_contains!r}; received: {seen}")

    def links_in(self, message) -> list[str]:
        body = message.get_body(preferencelist=("plain",)).get_content()
        return re.findall(r"https?://[^\s<>\"')]+", body)

    def link_in(self, message, path_contains: str) -> str:
        links = [link for link in self.links_in(message) if path_contains in link]
        assert links, f"no link containing {path_contains!r} in {self.links_in(message)}"
        return links[0]


@pytest.fixture
def site(live_server, settings, celery_worker, smtp_server, request):
    """The running product: live server, worker and mail server, with links pointing at the live server."""
    settings.SITE_URL = live_server.url
    settings.DEBUG = True  # the local test checkout exists only in a DEBUG run, as in `make run`
    folder = SCREENSHOTS / request.node.originalname
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return Site(url=live_server.url, smtp=smtp_server, shots=folder)


PASSWORD = "a long and unusual passphrase"


@pytest.fixture
def person():
    """A person who can sign in: verified email, PASSWORD, and a term placed in time if asked.

    person("ann@example.org", term_days_ago=30) is active; term_days_ago=500 is lapsed.
    """
    import datetime

    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from tests.factories import MemberFactory, TermFactory

    def make(email: str, *, first_name: str = "", last_name: str = "", term_days_ago=None, role=None):
        member = MemberFactory(
            user__email=email, first_name=first_name or email.split("@")[0].title(), last_name=last_name or "Example"
        )
        member.user.set_password(PASSWORD)
        member.user.save()
        EmailAddress.objects.create(user=member.user, email=email, verified=True, primary=True)
        if role:
            member.user.groups.add(Group.objects.get_or_create(name=role)[0])
        if term_days_ago is not None:
            TermFactory(member=member, start=timezone.localdate() - datetime.timedelta(days=term_days_ago))
        return member

    return make


def sign_in(page, site, email: str) -> None:
    """Sign in through the form, typing, as a person does."""
    page.goto(f"{site.url}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/membership/"))


def tab_to(page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused link, button or field is the one named `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement;
                if (['INPUT', 'SELECT', 'TEXTAREA'].includes(e.tagName) && e.type !== 'submit') {
                    return ((e.labels && e.labels.length ? e.labels[0].innerText : '')
                            || e.getAttribute('aria-label') || '').trim();
                }
                return (e.innerText || e.value || e.getAttribute('aria-label') || '').trim(); }"""
        )
        if focused == name or focused.rstrip(":") == name:
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}")


@pytest.fixture(scope="session")
def axe():
    return Axe()


# Every page is checked as a wide window and as a phone (an iPhone 14 is 390 CSS pixels wide).
WIDTHS = (("1280", {"width": 1280, "height": 800}), ("390", {"width": 390, "height": 844}))

# Scripts run in the page at 390 px: table values with no visible label, and what makes the page scroll sideways.
UNLABELLED_CELLS = (Path(__file__).parent / "unlabelled_cells.js").read_text()
WIDER_THAN_WINDOW = (Path(__file__).parent / "wider_than_window.js").read_text()


@pytest.fixture
def check_page(site, axe):
    """At 1280 and at 390 pixels wide: screenshot the page into var/e2e/<test>/ and assert axe
    finds nothing serious or critical; at 390 also that every table value a person sees has
    a label and that the page does not scroll sideways. A page in Spanish (<html lang="es">)
    must hold none of our English (tests/e2e/english_left.py); `allowed` names organiser
    content that happens to read like one of our strings. The window is then as it was."""
    counter = iter(range(1, 1000))

    def check(page, name: str, *, allowed=()):
        page.wait_for_load_state("load")
        number, original = next(counter), page.viewport_size
        try:
            for width, size in WIDTHS:
                page.set_viewport_size(size)
                page.screenshot(path=str(site.shots / f"{number:02d}-{name}-{width}.png"), full_page=True)
                _assert_accessible(axe, page, width)
                if width == "390":
                    unlabelled = page.evaluate(UNLABELLED_CELLS)
                    assert not unlabelled, f"table values with no label at 390 px on {page.url}: {unlabelled}"
                    wide = page.evaluate(WIDER_THAN_WINDOW)
                    assert not wide, f"{page.url} scrolls sideways at 390 px because of {wide}"
        finally:
            page.set_viewport_size(original)
        if page.locator("html").get_attribute("lang") == "es":
            assert_spanish_page(page, allowed=allowed)

    return check


def _assert_accessible(axe, page, width: str) -> None:
    results = axe.run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert not problems, f"accessibility problems on {page.url} at {width} px:\n" + "\n".join(problems)
