"""The payment confirmation page turns to "Active" by itself when Stripe's webhook lands,
with no reload by the member."""

from importlib import import_module

from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from members.models import Checkout
from tests.factories import MemberFactory, PlanFactory
from tests.members import stripe_payloads as sp


def test_confirmation_page_updates_by_itself_when_the_webhook_lands(site, page, check_page, settings):
    settings.STRIPE_WEBHOOK_SECRET = sp.SECRET
    member = MemberFactory()
    plan = PlanFactory()
    checkout = Checkout.objects.create(
        member=member, plan=plan, amount_cents=plan.amount_cents, currency=plan.currency, stripe_session_id="cs_test_1"
    )
    # The page answers only the browser that started the checkout: give this one its session.
    session = import_module(django_settings.SESSION_ENGINE).SessionStore()
    session["members.checkouts"] = [str(checkout.public_id)]
    session.save()
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": site.url}]
    )
    page.goto(f"{site.url}/join/done/{checkout.public_id}/")
    status = page.locator("#checkout-status")
    expect(status).to_contain_text("We are confirming your payment")
    check_page(page, "confirming")

    response = sp.post(
        Client(), sp.event("checkout.session.completed", sp.checkout_session(checkout, customer="cus_test_E2E"))
    )
    assert response.status_code == 200
    member.refresh_from_db()
    expect(status).to_contain_text(f"your member number is {member.member_number}")
    expect(status).to_contain_text("Active")
    check_page(page, "confirmed")
