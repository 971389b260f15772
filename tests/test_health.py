import pytest
from django.db import connection

from config.celery import app


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client, redis_url):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_it_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] != "ok"


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_fails(client, redis_url, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "OperationalError"


@pytest.mark.django_db
def test_healthz_never_changes_anything(client):
    assert client.post("/healthz").status_code == 405
