"""Signing in behind the reverse proxy: one attacker cannot lock everyone out, the owner
of an attacked address still gets in by code, and the admin signs in through allauth."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from notifications import sending
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER, SECOND_ATTACKER, OWNER = "203.0.113.5", "203.0.113.9", "198.51.100.7"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings, redis_url):
    settings.TRUSTED_PROXY_COUNT = 1


def _login(client, email, password, client_address, forwarded=None):
    forwarded = forwarded or client_address
    form = {"login": email, "password": password}
    return client.post(reverse("account_login"), form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def _owner():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_one_attacker_is_stopped_without_locking_out_others_behind_the_same_proxy(client):
    owner = _owner()
    statuses = [_login(client, f"guess{n}@example.org", "wrong", ATTACKER).status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]
    assert _login(client, "guess@example.org", "wrong", SECOND_ATTACKER).status_code == 200
    response = _login(client, owner.email, PASSWORD, OWNER)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)


def test_an_attacker_cannot_dodge_the_limit_by_sending_their_own_forwarded_for(client):
    for n in range(10):
        _login(client, f"guess{n}@example.org", "wrong", ATTACKER, forwarded=f"192.0.2.{n}, {ATTACKER}")
    assert _login(client, "g@example.org", "wrong", ATTACKER, forwarded=f"192.0.2.99, {ATTACKER}").status_code == 429


def test_the_owner_of_an_attacked_address_still_signs_in_by_code(client, mailoutbox):
    owner = _owner()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"):
        _login(client, owner.email, "wrong", address)
    locked = _login(client, owner.email, PASSWORD, OWNER)
    assert locked.status_code == 429
    assert reverse("account_request_login_code") in locked.content.decode(), "the page offers sign-in by code"

    extra = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": OWNER}
    client.post(reverse("account_request_login_code"), {"email": owner.email}, **extra)
    sending.send_due()
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[0].body, re.MULTILINE).group(1)
    assert client.post(reverse("account_confirm_login_code"), {"code": code}, **extra).status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_the_admin_login_page_sends_people_to_the_societys_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_admin_password_form_cannot_be_used_to_guess_passwords(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_the_admin_sign_in_is_rate_limited_like_every_sign_in(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    login = client.get("/admin/", follow=True).redirect_chain[-1][0]
    statuses = [
        client.post(login, {"login": admin.email, "password": "wrong"}, REMOTE_ADDR=PROXY).status_code for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]
