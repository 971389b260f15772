import threading
import uuid

from config.celery import app

ran = {}


@app.task(name="tests.record_run")
def record_run(token: str) -> None:
    ran[token].set()


def test_a_task_sent_through_redis_runs_on_a_real_worker(celery_worker, settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    token = uuid.uuid4().hex
    ran[token] = threading.Event()
    record_run.delay(token)
    assert ran[token].wait(timeout=15), "the worker did not run the task"


def test_mail_tasks_have_their_own_queue(settings):
    assert settings.CELERY_TASK_DEFAULT_QUEUE == "default"
    assert settings.CELERY_TASK_ROUTES["notifications.tasks.*"] == {"queue": "mail"}
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
