import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import Member, User
from notifications import sending
from notifications.models import Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def _send_queued() -> None:
    """What a mail worker does: send what allauth queued in the outbox (into `mailoutbox`)."""
    sending.send_due()


def _link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_signup_sends_confirmation_and_the_link_confirms_and_signs_in(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {"full_name": "New Person", "email": "New.Person@Example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert Member.objects.filter(user=user).exists()
    assert not EmailAddress.objects.get(user=user).verified
    assert mailoutbox == [], "queued in the outbox, for a worker to send"
    delivery = Delivery.objects.get()
    assert delivery.to == "new.person@example.org" and delivery.confidential and delivery.user_id == user.pk
    _send_queued()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.person@example.org"]

    client.logout()
    link = _link_in(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user).verified, "a GET must not confirm"
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(reverse("account_login"), {"login": "new.person@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("members:membership")).status_code == 200


def test_unverified_account_cannot_sign_in_with_password(client):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(reverse("account_login"), {"login": user.email, "password": "correct horse battery"})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_sign_in_by_emailed_code(client, mailoutbox):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(reverse("account_request_login_code"), {"email": user.email})
    assert response.status_code == 302
    _send_queued()
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mailoutbox[0].body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_is_rate_limited_with_429(client, redis_url, settings):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    statuses = [
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"}).status_code for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_every_user_gets_a_member_profile_from_the_manager():
    user = User.objects.create_user(email="Someone@Example.org", password=PASSWORD)
    assert user.email == "someone@example.org"
    assert user.member.user_id == user.pk


def test_password_reset_email_goes_through_the_outbox_and_its_link_works(client, mailoutbox):
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert Delivery.objects.get().kind == "account-password_reset_key"
    _send_queued()
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", mailoutbox[0].body).group(0)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    client.post(form_page.redirect_chain[-1][0], {"password1": PASSWORD, "password2": PASSWORD})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
