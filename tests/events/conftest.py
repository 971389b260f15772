import pytest

from tests.events.helpers import make_member, make_organiser
from tests.factories import EventFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The factories give every user a password; a slow hash makes no test truer here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organiser(db):
    return make_organiser()


@pytest.fixture
def member(db):
    return make_member()


@pytest.fixture
def lapsed_member(db):
    return make_member(lapsed=True)


@pytest.fixture
def event(organiser):
    return EventFactory(organisers=[organiser])


@pytest.fixture
def eager_tasks():
    """Celery tasks run in place, when queued: for tests of what a task does, not of the worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


@pytest.fixture
def stripe_api():
    """Stripe's API answered only as a test tells it to; a request no test expected fails the test."""
    import responses

    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def settle(client, django_capture_on_commit_callbacks, eager_tasks):
    """Deliver a webhook and run what its transaction left for workers once it commits (the refund)."""
    from tests.members import stripe_payloads as sp

    def deliver(evt):
        with django_capture_on_commit_callbacks(execute=True):
            sp.post(client, evt)

    return deliver


@pytest.fixture
def paid_ticket(congress):
    """A 90.00 ticket for anyone, on the `congress` fixture of the test's own file."""
    from events.ticket_records import TicketType

    return TicketType.objects.create(event=congress, name="Non-member", price_cents=9000)


@pytest.fixture
def workers(django_capture_on_commit_callbacks, eager_tasks):
    """Run what a transaction left for workers once it commits (the refunds), as a worker would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
