"""allauth's pages in the society's layout and words, and its emails in HTML and text on
the site's email layout, with every link on SITE_URL."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from notifications import sending
from notifications.models import Delivery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a long and unusual passphrase"
# allauth's own wording, which none of its pages here may show.
STOCK = ["Sign Up", "Remember Me", "Menu:", "Sign In", "Two-Factor Authentication", "is an email address for user"]


def _verified_user():
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _in_the_sites_layout(page: str) -> None:
    assert '<header class="site-header">' in page and 'class="brand-logo"' in page
    assert '<div class="account-page' in page
    assert '<footer class="site-footer">' in page
    for words in STOCK:
        assert words not in page, words


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_login", "Sign in"),
        ("account_signup", "Create your account"),
        ("account_request_login_code", "Sign in with a code"),
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Check your email"),
    ],
)
def test_the_entrance_pages_are_in_the_sites_layout_and_sentence_case(client, name, heading):
    page = client.get(reverse(name)).content.decode()
    _in_the_sites_layout(page)
    assert f"<h1>{heading}</h1>" in page
    assert f"<title>{heading} · " in page


def test_sign_in_says_keep_me_signed_in_and_offers_a_code(client):
    page = client.get(reverse("account_login")).content.decode()
    assert re.search(r'<input type="checkbox" name="remember" id="id_remember"[^>]*> <label for="id_remember">'
                     r"Keep me signed in</label>", page)  # fmt: skip
    assert ">Email me a sign-in code</a>" in page
    assert '<button type="submit" class="button">Sign in</button>' in page


def test_sign_up_is_create_your_account_and_then_check_your_email(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert '<button type="submit" class="button">Create your account</button>' in page
    form = {"full_name": "Nell New", "email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    sent = client.post(reverse("account_signup"), form, follow=True).content.decode()
    _in_the_sites_layout(sent)
    assert "<h1>Check your email</h1>" in sent


def test_the_confirmation_page_says_what_confirming_means_in_our_words(client, settings):
    settings.SITE_URL = "http://testserver"
    form = {"full_name": "Nell New", "email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    client.post(reverse("account_signup"), form)
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", Delivery.objects.get().body_text).group(1)
    page = client.get(link).content.decode()
    _in_the_sites_layout(page)
    assert "Press the button to confirm that <strong>new@example.org</strong> is your address." in page
    assert '<button type="submit" class="button">Confirm</button>' in page


def test_an_expired_confirmation_link_says_so_and_how_to_get_another(client):
    page = client.get(reverse("account_confirm_email", args=["not-a-key"])).content.decode()
    _in_the_sites_layout(page)
    assert "This confirmation link has expired or was already used." in page


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        ("account_email", "Your email addresses"),
        ("account_change_password", "Change your password"),
        ("mfa_index", "Two-factor sign-in"),
        ("account_logout", "Sign out"),
    ],
)
def test_the_account_pages_are_in_the_sites_layout_with_their_own_menu(client, name, heading):
    client.force_login(_verified_user())
    page = client.get(reverse(name)).content.decode()
    _in_the_sites_layout(page)
    assert f"<h1>{heading}</h1>" in page
    assert '<nav aria-label="Your account">' in page and reverse("members:membership") in page


def test_the_email_page_names_the_main_address_in_words(client):
    user = _verified_user()
    client.force_login(user)
    page = client.get(reverse("account_email")).content.decode()
    assert '<span class="badge badge-success">Confirmed</span>' in page
    assert '<span class="badge">Main address</span>' in page
    assert ">Make it the main address</button>" in page


def _sent(mailoutbox):
    sending.send_due()
    (message,) = mailoutbox
    return message, {mimetype: body for body, mimetype in message.alternatives}["text/html"]


def test_the_sign_up_confirmation_comes_in_html_and_text_on_the_site_layout(client, mailoutbox, settings):
    settings.SITE_URL = "https://members.example.org"
    form = {"full_name": "Nell New", "email": "new@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    client.post(reverse("account_signup"), form)
    message, html = _sent(mailoutbox)
    assert message.subject == f"Confirm your email address for {settings.ORG_NAME}"
    link = re.search(r"https://members\.example\.org/accounts/confirm-email/\S+/", message.body).group(0)
    assert f'<a href="{link}" style="display:inline-block;' in html and "Confirm my email address</a>" in html
    assert '<img src="https://members.example.org/static/img/logo.png"' in html
    assert settings.ORG_ADDRESS in html and settings.ORG_ADDRESS in message.body
    assert "testserver" not in message.body + html, "no link names the request's host"
    assert "Thank you for using" not in message.body


def test_the_sign_in_code_comes_in_html_and_text(client, mailoutbox):
    user = _verified_user()
    client.post(reverse("account_request_login_code"), {"email": user.email})
    message, html = _sent(mailoutbox)
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", message.body, re.MULTILINE).group(1)
    assert f">{code}</p>" in html
    assert message.subject.startswith("Your sign-in code for ")


def test_the_password_reset_link_comes_in_html_and_text(client, mailoutbox, settings):
    settings.SITE_URL = "https://members.example.org"
    user = _verified_user()
    client.post(reverse("account_reset_password"), {"email": user.email})
    message, html = _sent(mailoutbox)
    link = re.search(r"https://members\.example\.org/accounts/password/reset/key/\S+/", message.body).group(0)
    assert f'href="{link}"' in html and "Choose a new password</a>" in html


def test_a_change_to_the_account_is_told_in_html_and_text_with_what_to_do(client, mailoutbox, settings):
    settings.SITE_URL = "https://members.example.org"
    user = _verified_user()
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    form = {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    client.post(reverse("account_change_password"), form)
    message, html = _sent(mailoutbox)
    assert message.subject == f"Your password at {settings.ORG_NAME} was changed"
    assert "Your password was changed." in message.body and "Your password was changed." in html
    assert "https://members.example.org/accounts/password/reset/" in message.body
    assert 'href="https://members.example.org/accounts/password/reset/"' in html
