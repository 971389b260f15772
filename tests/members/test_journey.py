"""The whole journey in a real browser against a live server: a new person joins and pays
on the local test checkout; a treasurer records a cheque and finds it in the list and CSV."""

import csv
import os
import re
import shutil

import pytest
from django.core import mail
from django.db import connections

from members.models import Member, Payment, Standing
from notifications import outbox
from tests.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long and unusual passphrase"


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        if os.environ.get("CI"):
            pytest.fail("chromium is needed for the browser journeys", pytrace=False)
        pytest.skip("chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs use their own connection: close it,
        # or PostgreSQL refuses to drop the test database at the end.
        connections.close_all()


@pytest.fixture
def local_site(live_server, settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""
    settings.SITE_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return live_server.url


def test_a_new_person_joins_pays_and_sees_their_number_and_receipt(browser_page, local_site, plan):
    page = browser_page
    page.goto(f"{local_site}/join/")
    page.locator("#plan-regular").get_by_role("button", name="Continue with this plan").click()
    page.get_by_label("Email:").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    outbox.send_due()  # what the mail worker does with the queued confirmation
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/join/\?plan=regular"))

    page.locator("#plan-regular").get_by_role("button", name="Pay by card").click()
    page.wait_for_url(re.compile(r"/join/test-checkout/"))
    assert "No money moves here" in page.content()
    page.get_by_role("button", name="Pay $60.00").click()
    page.wait_for_url(re.compile(r"/join/done/"))

    member = Member.objects.get(user__email="newcomer@example.org")
    assert member.standing() == Standing.ACTIVE
    assert f"your member number is {member.member_number}" in page.locator("#checkout-status").inner_text()
    page.get_by_role("link", name="Go to my membership").click()
    receipt_number = Payment.objects.get(member=member).receipt_number
    page.get_by_role("link", name=receipt_number).click()
    assert f"Receipt {receipt_number}" in page.locator("h1").inner_text()
    assert "$60.00" in page.content()


def test_confirmation_page_updates_by_itself_when_the_webhook_lands(browser_page, local_site, plan, make_checkout):
    from tests.members import stripe_payloads as sp

    member = MemberFactory()
    checkout = make_checkout(member, plan)
    page = browser_page
    page.goto(f"{local_site}/join/done/{checkout.public_id}/")
    assert "We are confirming your payment" in page.locator("#checkout-status").inner_text()
    from django.test import Client

    sp.post(Client(), sp.event("checkout.session.completed", sp.checkout_session(checkout, customer="cus_test_E2E")))
    member.refresh_from_db()
    status = page.locator("#checkout-status")
    status.get_by_text(f"your member number is {member.member_number}").wait_for()
    assert "Active" in status.inner_text()


def test_treasurer_records_a_cheque_and_finds_it_in_the_list_and_csv(browser_page, local_site, plan, treasurer):
    treasurer.set_password(PASSWORD)
    treasurer.save()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=treasurer, email=treasurer.email, verified=True, primary=True)
    bob = MemberFactory(first_name="Bob", last_name="Cheque", user__email="bob@example.org")
    page = browser_page
    page.goto(f"{local_site}/accounts/login/")
    page.fill("input[name=login]", treasurer.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/membership/"))

    page.goto(f"{local_site}/manage/members/?q=bob")
    page.get_by_role("link", name="Bob Cheque").click()
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Method").select_option("cheque")
    page.get_by_label("Amount (USD)").fill("60")
    page.get_by_label("Reference").fill("Cheque 000321")
    page.get_by_role("button", name="Record the payment").click()
    assert "Payment recorded" in page.content()

    page.goto(f"{local_site}/manage/members/")
    page.get_by_label("Standing").select_option("active")
    page.get_by_role("button", name="Filter").click()
    assert "Bob Cheque" in page.locator("table").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these members as CSV").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.reader(exported))
    bob.refresh_from_db()
    assert [str(bob.member_number), "Bob", "Cheque", "bob@example.org", "Active"] in [row[:5] for row in rows]
