"""Can we reach the database and the broker? Used by /healthz."""

from django.db import connection

from config.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2


def database_answers() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy", with its reason
        return False, exc.__class__.__name__
    return True, "ok"


def broker_answers() -> tuple[bool, str]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
            conn.default_channel  # noqa: B018 - opening a channel proves the broker talks back
    except Exception as exc:
        return False, exc.__class__.__name__
    return True, "ok"
