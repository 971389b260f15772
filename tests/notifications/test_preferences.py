import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from notifications import preferences
from notifications.models import Category, Preference, UnsubscribeLink
from tests.factories import UserFactory
from tests.mail import composed
from tests.notifications.conftest import queue

pytestmark = pytest.mark.django_db


def _token(delivery) -> str:
    return composed(delivery).headers["List-Unsubscribe"].split("/u/")[1].split("/")[0]


def test_one_click_post_unsubscribes_without_session_or_csrf_token():
    token = _token(queue("reminder:1", "attendee@example.org").delivery)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/u/{token}/", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    choice = Preference.objects.get(email="attendee@example.org")
    assert not choice.reminders and choice.invitations and choice.newsletters, "only that category"


def test_get_shows_one_button_and_changes_nothing(client):
    token = _token(queue("reminder:2", "attendee@example.org").delivery)
    for method in (client.get, client.head):
        assert method(f"/u/{token}/").status_code == 200
    page = client.get(f"/u/{token}/").content.decode()
    main = page.split("<main", 1)[1].split("</main>", 1)[0]  # the footer has its language menu
    assert main.count('type="submit"') == 1 and "reminders" in page
    assert not Preference.objects.exists()


def test_an_unknown_token_is_404(client):
    assert client.get("/u/not-a-token/").status_code == 404
    assert client.post("/u/not-a-token/").status_code == 404


def test_unsubscribed_mail_is_not_queued_again_but_receipts_are():
    token = _token(queue("reminder:3", "attendee@example.org").delivery)
    Client(enforce_csrf_checks=True).post(f"/u/{token}/")
    assert queue("reminder:4", "attendee@example.org").delivery.status == "suppressed"
    assert queue("receipt:4", "attendee@example.org", category=Category.TRANSACTIONAL).delivery.status == "queued"


def test_each_address_and_category_has_its_own_unguessable_link():
    ann_reminders = composed(queue("r:ann", "ann@example.org").delivery).headers["List-Unsubscribe"]
    ann_news = composed(queue("n:ann", "ann@example.org", category=Category.NEWSLETTERS).delivery).headers[
        "List-Unsubscribe"
    ]
    bob_reminders = composed(queue("r:bob", "bob@example.org").delivery).headers["List-Unsubscribe"]
    assert len({ann_reminders, ann_news, bob_reminders}) == 3
    assert all(len(link.token) >= 40 for link in UnsubscribeLink.objects.all())


def test_the_footer_carries_the_link_and_the_postal_address(settings):
    mail = composed(queue("reminder:5").delivery)
    link = mail.headers["List-Unsubscribe"].split(">")[0].lstrip("<")
    for body in (mail.body_text, mail.body_html):
        assert link in body and settings.ORG_ADDRESS in body


def test_anyone_with_the_link_chooses_which_emails_they_get(client):
    token = _token(queue("reminder:6", "guest@example.org").delivery)
    page = client.get(f"/u/{token}/preferences/")
    assert page.status_code == 200 and "guest@example.org" in page.content.decode()
    client.post(f"/u/{token}/preferences/", {"reminders": "on"})
    choice = Preference.objects.get(email="guest@example.org")
    assert (choice.invitations, choice.reminders, choice.newsletters) == (False, True, False)


def test_a_signed_in_member_saves_choices_and_returns_to_the_page_they_came_from(client):
    user = UserFactory(email="mira@example.org")
    client.force_login(user)
    response = client.post("/preferences/", {"invitations": "on", "next": "/membership/"})
    assert response.status_code == 302 and response["Location"] == "/membership/"
    choice = Preference.objects.get(email="mira@example.org")
    assert (choice.invitations, choice.reminders, choice.newsletters) == (True, False, False)
    evil = client.post("/preferences/", {"next": "https://evil.example/"})
    assert evil["Location"] == "/preferences/"


def test_choices_need_sign_in_and_a_get_changes_nothing(client):
    assert client.post("/preferences/", {}).status_code == 302
    assert not Preference.objects.exists()
    client.force_login(UserFactory())
    assert client.get("/preferences/").status_code == 200
    assert not Preference.objects.exists()


def test_the_include_renders_the_persons_choices_from_the_context_function():
    Preference.objects.create(email="mira@example.org", reminders=False)
    request = RequestFactory().get("/membership/")
    request.user = UserFactory(email="mira@example.org")
    context = preferences.preferences_context(email="mira@example.org", next_url="/membership/")
    html = render_to_string("notifications/_preferences.html", context, request=request)
    assert 'action="/preferences/"' in html and 'name="next" value="/membership/"' in html
    assert 'name="invitations" id="preferences_invitations" checked' in html
    assert 'id="preferences_reminders">' in html, "unchecked: the person turned reminders off"
    assert "csrfmiddlewaretoken" in html
