"""Shared fixtures. The suite runs against the real services: PostgreSQL, Redis,
a Celery worker started here, and an SMTP server started here.

When CI is set, a missing service fails the run; elsewhere the tests that need
it are skipped with the reason.
"""

import contextlib
import os
import socket
import time
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
from django.conf import settings

IN_CI = bool(os.environ.get("CI"))


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    if url and _answers(url, default_port):
        return
    reason = f"{name} is needed and does not answer at {url or '(not configured)'}"
    if IN_CI:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if IN_CI and "postgresql" not in engine:
        raise pytest.UsageError("CI runs the tests on PostgreSQL: set DATABASE_URL=postgres://…")


def pytest_collection_modifyitems(items):
    """Browser journeys last: Playwright keeps an event loop in the main thread once started."""
    items.sort(key=lambda item: "tests/e2e/" in str(item.fspath))


@pytest.fixture(scope="session", autouse=True)
def _database_service():
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        db = settings.DATABASES["default"]
        require_service("PostgreSQL", f"postgres://{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}", 5432)


@pytest.fixture(scope="session")
def redis_url():
    require_service("Redis", settings.REDIS_URL, 6379)
    return settings.REDIS_URL


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached pages must not leak from one test to the next."""
    from django.core.cache import cache

    # A cache service that is down is reported by the tests that need it, not here.
    with contextlib.suppress(Exception):
        cache.clear()
    yield


@pytest.fixture
def celery_worker(redis_url, transactional_db):
    """A real Celery worker, in this process, consuming the real queues through Redis."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(
        app,
        pool="threads",
        concurrency=2,
        queues=["default", "mail"],
        perform_ping_check=False,
        shutdown_timeout=30,
    ) as worker:
        yield worker


class SMTPRecorder:
    """What a real SMTP server received: envelopes, parsed messages and sessions."""

    def __init__(self):
        self.envelopes = []
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.original_content, policy=policy.default) for e in self.envelopes]

    def wait_for(self, count: int, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while len(self.envelopes) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@pytest.fixture
def smtp_server(settings):
    """An aiosmtpd server on a free local port; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    recorder = SMTPRecorder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    recorder.port = port
    recorder.controller = controller
    yield recorder
    controller.stop()
