"""allauth through our adapter: its emailed links are on SITE_URL whatever Host the request
named, and people are told when their password or address changes."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.adapter import on_site
from notifications.models import Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a long and unusual passphrase"


@pytest.fixture
def forged_host(settings):
    """A Host header the server accepts but that is not the society's address."""
    settings.SITE_URL = "https://members.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "attacker.example"]
    return {"HTTP_HOST": "attacker.example"}


def _verified_user():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _signed_in_again(client, user):
    """Signed in, and the password given again, as allauth asks before account changes."""
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def test_the_confirmation_link_is_on_the_site_address_not_the_requests_host(client, forged_host):
    form = {"full_name": "Nell New", "email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    client.post(reverse("account_signup"), form, **forged_host)
    mail = Delivery.objects.get(to="new@example.org")
    assert "https://members.example.org/accounts/confirm-email/" in mail.body_text
    assert "attacker.example" not in mail.body_text + mail.subject


def test_the_password_reset_link_is_on_the_site_address(client, forged_host):
    user = _verified_user()
    client.post(reverse("account_reset_password"), {"email": user.email}, **forged_host)
    mail = Delivery.objects.get(to=user.email)
    assert "https://members.example.org/accounts/password/reset/key/" in mail.body_text
    assert "attacker.example" not in mail.body_text


def test_links_elsewhere_keep_their_path_and_query_on_the_site_address(settings):
    settings.SITE_URL = "https://members.example.org"
    assert (
        on_site("http://evil.example/accounts/signup/?next=/join/")
        == "https://members.example.org/accounts/signup/?next=/join/"
    )
    assert on_site("/accounts/signup/") == "/accounts/signup/"


def test_changing_the_password_is_told_by_email(client):
    user = _verified_user()
    client.force_login(user)
    form = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(reverse("account_change_password"), form).status_code == 302
    mail = Delivery.objects.get(kind="account-password_changed")
    assert mail.to == user.email and mail.confidential


def test_resetting_the_password_is_told_by_email(client):
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = _verified_user()
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    page = client.get(
        reverse(
            "account_reset_password_from_key", kwargs={"uidb36": key.split("-", 1)[0], "key": key.split("-", 1)[1]}
        ),
        follow=True,
    )
    client.post(page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert Delivery.objects.filter(kind="account-password_reset", to=user.email).exists()


def test_a_new_main_address_is_told_to_the_old_one(client):
    user = _verified_user()
    old = user.email
    EmailAddress.objects.create(user=user, email="second@example.org", verified=True, primary=False)
    _signed_in_again(client, user)
    client.post(reverse("account_email"), {"action_primary": "", "email": "second@example.org"})
    mail = Delivery.objects.get(kind="account-email_changed")
    assert mail.to == old and "second@example.org" in mail.body_text
