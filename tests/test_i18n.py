"""Languages: the society's choice from the environment, a visitor's menu, a member's
language kept and applied, emails written by workers in the recipient's language, money
as the language writes it, and events in a second language."""

import datetime
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation

from config.languages import languages_from_env
from members import reminders
from members.models import Member
from members.money import format_money
from notifications import sending
from notifications.models import Delivery
from tests.e2e.english_left import assert_spanish_mail
from tests.factories import EventFactory, MemberFactory, TermFactory
from tests.mail import run_fan_outs


def test_languages_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LANGUAGES", "en, es")
    monkeypatch.setenv("LANGUAGE_CODE", "es")
    assert languages_from_env() == ([("en", "English"), ("es", "Español")], "es")


def test_the_default_language_is_the_first_offered(monkeypatch):
    monkeypatch.setenv("LANGUAGES", "es,en")
    monkeypatch.delenv("LANGUAGE_CODE", raising=False)
    assert languages_from_env()[1] == "es"


@pytest.mark.parametrize(
    ("languages", "default", "words"),
    [("en,klingon", "", "klingon"), ("en,es", "fr", "not one of LANGUAGES"), ("en,en", "", "twice")],
)
def test_a_language_setting_it_cannot_use_is_refused(monkeypatch, languages, default, words):
    monkeypatch.setenv("LANGUAGES", languages)
    monkeypatch.setenv("LANGUAGE_CODE", default)
    with pytest.raises(ImproperlyConfigured, match=words):
        languages_from_env()


@pytest.mark.django_db
def test_every_page_has_a_language_menu_that_works_without_script(client):
    page = client.get("/").content.decode()
    menu = page.split('class="language-menu"', 1)[1].split("</form>", 1)[0]
    assert 'action="/language/"' in page and 'method="post"' in page
    assert '<option value="es" lang="es">Español</option>' in menu and 'type="submit"' in menu


@pytest.mark.django_db
def test_a_visitor_who_picks_espanol_reads_the_site_in_spanish_and_keeps_it(client):
    response = client.post("/language/", {"language": "es", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "es"
    page = client.get("/").content.decode()
    assert '<html lang="es">' in page
    assert "Hágase socio" in page and "Próximos eventos" in page and "Become a member" not in page
    assert "Iniciar sesión" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_choosing_a_language_is_a_post(client):
    assert client.get("/language/?language=es").status_code == 405
    assert "django_language" not in client.cookies


@pytest.mark.django_db
def test_a_language_not_offered_changes_nothing(client):
    client.post("/language/", {"language": "de", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_members_choice_is_saved_on_their_profile(client):
    member = MemberFactory()
    client.force_login(member.user)
    client.post("/language/", {"language": "es", "next": "/membership/"})
    member.refresh_from_db()
    assert member.language == "es"


@pytest.mark.django_db
def test_a_members_language_is_applied_when_they_sign_in_whatever_the_browser_says(client):
    member = MemberFactory(language="es")
    client.force_login(member.user)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in page and "Cerrar sesión" in page


@pytest.mark.django_db
def test_a_member_changes_their_language_on_their_profile(client):
    member = MemberFactory()
    client.force_login(member.user)
    client.post("/membership/", {"full_name": "Ana Ejemplo", "language": "es"})
    member.refresh_from_db()
    assert member.language == "es"
    assert '<html lang="es">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_new_and_imported_members_get_the_societys_default_language(settings):
    settings.LANGUAGE_CODE = "es"
    assert MemberFactory().language == "es"
    assert Member().language == "es"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_newcomer_keeps_the_language_they_signed_up_in(client, language):
    client.post("/language/", {"language": language, "next": "/"})
    password = "a long and unusual passphrase"
    form = {"full_name": "Lucía Ejemplo", "email": "lucia@example.org", "password1": password, "password2": password}
    assert client.post("/accounts/signup/", form).status_code == 302
    assert Member.objects.get(user__email="lucia@example.org").language == language


def _spanish_member_whose_term_ends_in_a_week():
    end = timezone.localdate() + datetime.timedelta(days=7)
    member = MemberFactory(language="es", full_name="Ana Ejemplo")
    return TermFactory(member=member, start=end - datetime.timedelta(days=364), end=end)


@pytest.mark.django_db(transaction=True)
def test_a_spanish_member_gets_the_renewal_reminder_in_spanish_from_a_real_worker(celery_worker, smtp_server):
    term = _spanish_member_whose_term_ends_in_a_week()
    reminders.queue_renewal_reminders(timezone.now())
    run_fan_outs()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == term.member.user.email
    subject = str(message["Subject"]).strip()  # a header of non-ASCII words may come folded
    assert subject.startswith("Su afiliación a") and subject.endswith("termina dentro de 7 días")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Estimado/a Ana Ejemplo:" in text and "Renueve en un solo paso" in text
    assert "Darse de baja o cambiar los correos que recibe" in text
    assert term.end.strftime("%Y") in text and " de " in text  # "15 de junio de 2026"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="es">' in html and "Renovar" in html
    assert Delivery.objects.get(kind="renewal-reminder").language == "es"
    assert_spanish_mail(message)  # no line, no subject, no HTML text left in our English


@pytest.mark.django_db
def test_an_english_member_gets_it_in_english_and_the_delivery_says_so(smtp_server):
    term = _spanish_member_whose_term_ends_in_a_week()
    Member.objects.filter(pk=term.member_id).update(language="en")
    reminders.queue_renewal_reminders(timezone.now())
    run_fan_outs()
    delivery = Delivery.objects.get(kind="renewal-reminder")
    assert sending.send(delivery.pk) is True
    [message] = smtp_server.messages
    assert "membership ends in 7 days" in str(message["Subject"])
    delivery.refresh_from_db()
    assert delivery.language == "en" and "Dear Ana Ejemplo," in delivery.body_text


def test_money_is_written_as_each_language_writes_it():
    with translation.override("en"):
        assert format_money(150000, "USD") == "$1,500.00"
    with translation.override("es"):
        spanish = format_money(150000, "USD")
    assert re.fullmatch(r"1[\s\u00a0.]?500,00[\s\u00a0](US)?\$", spanish), spanish


@pytest.mark.django_db
def test_an_event_in_a_second_language_is_shown_to_those_who_read_it(client):
    event = EventFactory(
        title="Spring forum on soil",
        summary="Soil in spring.",
        second_language="es",
        title_second="Foro de primavera sobre el suelo",
        summary_second="El suelo en primavera.",
        description_second="Una **tarde** de charlas.",
    )
    english = client.get(event.get_absolute_url()).content.decode()
    assert "Spring forum on soil" in english and "Foro de primavera" not in english
    client.post("/language/", {"language": "es", "next": "/"})
    spanish = client.get(event.get_absolute_url()).content.decode()
    assert "<h1>Foro de primavera sobre el suelo</h1>" in spanish and "El suelo en primavera." in spanish
    assert "<strong>tarde</strong>" in spanish
    assert "Foro de primavera sobre el suelo" in client.get("/events/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "own", "words"),
    [
        ("es", "", "Extienda los cheques a nombre de"),
        ("en", "", "Make cheques payable to"),
        ("es", "Transferencia a la cuenta 0049 1234.", "Transferencia a la cuenta 0049 1234."),
    ],
)
def test_how_to_pay_offline_reads_in_the_members_language_unless_the_society_wrote_its_own(
    settings, django_capture_on_commit_callbacks, language, own, words
):
    from members import arrears
    from members.models import PaymentPromise
    from tests.factories import PlanFactory
    from tests.mail import composed

    settings.DUES_OFFLINE_INSTRUCTIONS = own
    member = MemberFactory(language=language)
    with django_capture_on_commit_callbacks(execute=True):
        arrears.promise_payment(
            member=member, plan=PlanFactory(), amount_cents=6000, method=PaymentPromise.Method.CHEQUE
        )
    mail = composed(Delivery.objects.get(kind="promise-noted"))
    assert words in mail.body_text
