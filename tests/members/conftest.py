import pytest

from members import roles
from members.models import Checkout
from tests.factories import LifetimePlanFactory, MemberFactory, PlanFactory, SlidingPlanFactory, StaffFactory
from tests.members import stripe_payloads


@pytest.fixture(autouse=True)
def _stripe_events_applied_on_commit(monkeypatch, request):
    """The webhook hands each event to a worker; here the worker's function runs right after
    the webhook answers, in this process (tests marked `real_worker` leave it to a real worker)."""
    if request.node.get_closest_marker("real_worker"):
        return
    from members import stripe_webhooks

    receive = stripe_webhooks.receive

    def receive_then_apply(**delivery):
        outcome = receive(**delivery)
        stripe_webhooks.process_waiting()
        return outcome

    monkeypatch.setattr(stripe_webhooks, "receive", receive_then_apply)


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    """No Stripe keys and a known webhook secret, unless a test says otherwise."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = stripe_payloads.SECRET
    settings.SITE_URL = "http://testserver"
    settings.MEMBERSHIP_GRACE_DAYS = 30
    settings.CURRENCY = "USD"
    # Factories set a password on every user; the production hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_51Societas"


@pytest.fixture
def plan(db):
    return PlanFactory(slug="regular", name="Regular member", amount_cents=6000)


@pytest.fixture
def sliding_plan(db):
    return SlidingPlanFactory(slug="pay-what-you-can")


@pytest.fixture
def lifetime_plan(db):
    return LifetimePlanFactory(slug="lifetime")


@pytest.fixture
def member(db):
    return MemberFactory(user__email="ann@example.org", first_name="Ann", last_name="Example")


@pytest.fixture
def treasurer(db):
    return StaffFactory(email="treasurer@example.org", role=roles.TREASURER)


@pytest.fixture
def organiser(db):
    return StaffFactory(email="organiser@example.org", role=roles.ORGANISER)


@pytest.fixture
def make_checkout(db):
    """A Checkout row as `stripe.start_checkout` leaves it after Stripe created the session."""

    def make(member, plan, *, amount_cents=None, auto_renew=False):
        return Checkout.objects.create(
            member=member,
            plan=plan,
            amount_cents=amount_cents or plan.amount_cents,
            currency=plan.currency,
            auto_renew=auto_renew,
            stripe_session_id=stripe_payloads._id("cs"),
        )

    return make
