"""A newcomer signs up and confirms the address from the email they receive."""

from playwright.sync_api import expect

from members.models import User


def test_newcomer_signs_up_and_confirms_from_the_email(site, page, check_page):
    page.goto(site.url)
    check_page(page, "front-page")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_role("link", name="sign up").click()
    check_page(page, "signup")
    page.get_by_label("Email:").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Password (again):").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    check_page(page, "verify-sent")

    message = site.mail_to("newcomer@example.org", "Confirm")
    page.goto(site.link_in(message, "/accounts/confirm-email/"))
    check_page(page, "confirm")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="My membership")).to_be_visible()
    check_page(page, "membership")
    assert User.objects.get(email="newcomer@example.org").emailaddress_set.get().verified
