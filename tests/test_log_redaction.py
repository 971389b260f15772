"""Link tokens never reach a log: Django's loggers, runserver's access log and gunicorn's."""

import datetime
import io
import logging
import logging.config
from types import SimpleNamespace

import pytest
from django.conf import settings

from config.log_redaction import GunicornLogger, RedactTokens, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /r/AbC-123_xyz/?answer=yes HTTP/1.1" 200', '"GET /r/[token]/?answer=yes HTTP/1.1" 200'),
        ("POST /r/AbC123/ then /r/AbC123/event.ics", "POST /r/[token]/ then /r/[token]/event.ics"),
        ("GET /u/tok3n/preferences/", "GET /u/[token]/preferences/"),
        ("GET /renew/eyJtIjo0fQ:1uX:abc/", "GET /renew/[token]/"),
        ("GET /membership/card/eyJtIjo0fQ:1uX:abc/", "GET /membership/card/[token]/"),
        ("GET /events/my-calendar/Zm9vYmFy.ics", "GET /events/my-calendar/[token].ics"),
        ("GET /manage/events/check-in/42:Xy_z/", "GET /manage/events/check-in/[token]/"),
        ("GET /accounts/confirm-email/MjQ:1uX:key/", "GET /accounts/confirm-email/[token]/"),
        ("GET /accounts/password/reset/key/2s-abc123/", "GET /accounts/password/reset/key/[token]/"),
        ("Referer: https://members.example.org/r/AbC123/", "Referer: https://members.example.org/r/[token]/"),
    ],
)
def test_every_token_carrying_path_is_redacted(line, expected):
    assert redact(line) == expected


@pytest.mark.parametrize(
    "line",
    ["GET /events/ HTTP/1.1", "GET /events/my-calendar/ HTTP/1.1", "GET /accounts/password/reset/key/done/"],
)
def test_paths_without_tokens_are_left_alone(line):
    assert redact(line) == line


def test_djangos_not_found_warning_is_redacted():
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/r/secret/",), None)
    RedactTokens().filter(record)
    assert record.getMessage() == "Not Found: /r/[token]/"


def test_runservers_access_log_writes_the_redacted_line():
    """`django.server` is the logger runserver's request handler writes each request to."""
    [handler] = [h for h in logging.getLogger("django.server").handlers if h.name == "django.server"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info('"%s" %s %s', "GET /r/secret-token/ HTTP/1.1", "200", "512")
    finally:
        handler.setStream(previous)
    assert "/r/[token]/" in stream.getvalue() and "secret-token" not in stream.getvalue()


def test_every_configured_handler_redacts():
    """The handlers LOGGING names (pytest adds capturing handlers of its own; a Celery worker
    started by an earlier test may have set logging up its own way, so set it up as Django does)."""
    logging.config.dictConfig(settings.LOGGING)
    configured = [h for h in logging._handlers.values() if h.name in ("console", "django.server")]
    assert len(configured) == 2
    assert all(any(isinstance(f, RedactTokens) for f in h.filters) for h in configured)


def test_gunicorns_access_log_redacts_the_request_line_path_and_referer():
    logger = GunicornLogger.__new__(GunicornLogger)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/u/secret/?x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/u/secret/",
        "QUERY_STRING": "x=1",
        "HTTP_REFERER": "https://members.example.org/renew/secret/",
        "REMOTE_ADDR": "10.0.0.2",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", "https://members.example.org/renew/secret/")])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=5))
    assert atoms["r"] == "GET /u/[token]/?x=1 HTTP/1.1"
    assert atoms["U"] == "/u/[token]/"
    assert atoms["f"] == atoms["{referer}i"] == "https://members.example.org/renew/[token]/"
    assert not any("secret" in str(value) for value in atoms.values())


def test_the_web_processes_use_the_redacting_gunicorn_logger():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for name in ("Procfile", "Dockerfile"):
        assert "config.log_redaction.GunicornLogger" in (root / name).read_text(), name


@pytest.mark.django_db
def test_a_request_for_an_unknown_link_is_logged_without_its_token(client):
    [handler] = [h for h in logging._handlers.values() if h.name == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        assert client.get("/r/guessed-token-123/").status_code == 404
    finally:
        handler.setStream(previous)
    assert "Not Found: /r/[token]/" in stream.getvalue()
    assert "guessed-token-123" not in stream.getvalue()
