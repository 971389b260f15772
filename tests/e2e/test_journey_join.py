"""Journey 1: a newcomer signs up, confirms the email from the received message, joins on the
sliding-scale plan above the minimum, pays on the local test checkout, and sees "active" with a
member number and a receipt."""

import re

from playwright.sync_api import expect

from members.models import Member, Payment, Standing
from tests.e2e.conftest import PASSWORD
from tests.factories import PlanFactory, SlidingPlanFactory


def test_newcomer_joins_on_the_sliding_scale_and_pays(site, page, check_page):
    PlanFactory(slug="regular", name="Regular member", amount_cents=6000, display_order=0)
    SlidingPlanFactory(slug="pay-what-you-can", name="Pay what you can", display_order=1)

    page.goto(site.url)
    check_page(page, "front-page")
    page.get_by_role("link", name="Become a member").click()
    check_page(page, "join")
    plan = page.locator("#plan-pay-what-you-can")
    plan.get_by_label("Amount you will pay (USD):").fill("45.00")
    plan.get_by_role("button", name="Continue with this plan").click()

    page.get_by_label("Full name:").fill("Nova Newcomer")
    page.get_by_label("Email:").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    check_page(page, "signup")
    page.get_by_role("button", name="Create your account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_page(page, "verify-sent")

    # The confirmation goes through the outbox, a real worker and a real SMTP server.
    confirmation = site.mail_to("newcomer@example.org", "Confirm")
    page.goto(site.link_in(confirmation, "/accounts/confirm-email/"))
    check_page(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()

    # Back on the join page with the choice kept: pay on the local test checkout.
    plan = page.locator("#plan-pay-what-you-can")
    expect(plan.get_by_label("Amount you will pay (USD):")).to_have_value("45.00")
    plan.get_by_role("button", name="Pay by card").click()
    page.wait_for_url(re.compile(r"/join/test-checkout/"))
    expect(page.get_by_text("No money moves")).to_be_visible()
    check_page(page, "local-checkout")
    page.get_by_role("button", name="Pay $45.00").click()
    page.wait_for_url(re.compile(r"/join/done/"))

    # The worker applies the webhook's payment in its own time: the page says when it has.
    expect(page.locator("#checkout-status")).to_have_attribute("data-confirmed", "true", timeout=20_000)
    member = Member.objects.get(user__email="newcomer@example.org")
    expect(page.locator("#checkout-status")).to_contain_text(f"your member number is {member.member_number}")
    check_page(page, "payment-confirmed")
    assert member.standing() == Standing.ACTIVE

    page.get_by_role("link", name="Go to my membership").click()
    expect(page.locator(".badge-active")).to_have_text("Active")
    expect(page.get_by_text(str(member.member_number), exact=True)).to_be_visible()
    check_page(page, "membership")
    payment = Payment.objects.get(member=member)
    assert payment.amount_cents == 4500
    page.get_by_role("link", name=payment.receipt_number).click()
    expect(page.get_by_role("heading", name=f"Receipt {payment.receipt_number}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("$45.00")
    check_page(page, "receipt")

    receipt = site.mail_to("newcomer@example.org", "Receipt")
    text = receipt.get_body(preferencelist=("plain",)).get_content()
    assert payment.receipt_number in text and "Dear Nova Newcomer," in text and "Received from: Nova Newcomer" in text
