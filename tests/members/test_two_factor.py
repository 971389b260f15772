"""Two-factor for staff: required (STAFF_REQUIRE_TWO_FACTOR) before any staff page opens,
set up with an authenticator app and recovery codes, then asked for at every sign-in."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from members import roles
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def required(settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = True


def _staff(role=roles.ORGANISER, **kwargs):
    user = StaffFactory(role=role, **kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def _sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _set_up_page(client):
    """The set-up page, after allauth asks for the password again (it guards account changes)."""
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    return client.get(reverse("mfa_activate_totp"))


@pytest.mark.parametrize("path", ["/manage/", "/manage/events/", "/manage/outbox/"])
def test_staff_without_two_factor_are_sent_to_set_it_up_with_the_reason(client, required, path):
    client.force_login(_staff())
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    page = client.get(response["Location"], follow=True)
    assert "every staff account needs two-factor sign-in" in page.content.decode()


def test_a_superuser_without_two_factor_cannot_open_the_admin(client, required):
    client.force_login(_staff(role=None, is_staff=True, is_superuser=True))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_members_pages_do_not_ask_staff_for_two_factor(client, required):
    client.force_login(_staff())
    assert client.get(reverse("members:membership")).status_code == 200


def test_people_without_a_staff_role_are_not_asked(client, required):
    client.force_login(UserFactory())
    assert client.get("/manage/").status_code == 403


def test_with_the_setting_off_staff_pages_open_without_two_factor(client, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = False
    client.force_login(_staff())
    assert client.get("/manage/").status_code == 200


def test_the_setting_is_on_in_production(settings):
    from config.settings import DEBUG, STAFF_REQUIRE_TWO_FACTOR

    assert STAFF_REQUIRE_TWO_FACTOR is (not DEBUG)


def test_after_setting_up_an_authenticator_the_staff_page_opens(client, required):
    organiser = _staff()
    _sign_in(client, organiser)
    page = _set_up_page(client)
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_view_recovery_codes")
    types = set(Authenticator.objects.filter(user=organiser).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    assert client.get("/manage/").status_code == 200


def test_the_set_up_page_shows_a_qr_code_the_policy_allows(client, required):
    _sign_in(client, _staff())
    page = _set_up_page(client)
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    assert "data:" in page["Content-Security-Policy"].split("img-src", 1)[1].split(";", 1)[0]


def test_a_staff_sign_in_then_asks_for_the_second_factor(client, required):
    organiser = _staff()
    TOTP.activate(organiser, generate_totp_secret())
    RecoveryCodes.activate(organiser)
    codes = RecoveryCodes(Authenticator.objects.get(user=organiser, type=Authenticator.Type.RECOVERY_CODES))
    response = _sign_in(client, organiser)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": codes.get_unused_codes()[0]})
    assert client.session["_auth_user_id"] == str(organiser.pk)
    assert client.get("/manage/").status_code == 200


def test_the_staff_front_page_links_to_two_factor_settings(client):
    client.force_login(_staff())
    assert reverse("mfa_index") in client.get("/manage/").content.decode()
