"""Settings the ticket tests share: a test Stripe account and the site's address and currency."""

from tests.members import stripe_payloads as sp

API = "https://api.stripe.com/v1"


def use_test_stripe(settings):
    """Point the site at a test Stripe account; each test file sets its own hold and offer times."""
    settings.STRIPE_SECRET_KEY = "sk_test_51Societas"
    settings.STRIPE_WEBHOOK_SECRET = sp.SECRET
    settings.SITE_URL = "http://testserver"
    settings.CURRENCY = "USD"
