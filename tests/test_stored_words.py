"""Words kept in a record are written once in the society's language (settings.LANGUAGE_CODE),
whatever language the request or worker writing them was in; what another server answered
is kept as it came."""

import smtplib

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from audit import log
from config.languages import in_society_language
from notifications import sending
from notifications.composing import Skip
from notifications.delivery_errors import classify
from notifications.models import Delivery, Preference, Suppression
from tests.factories import MemberFactory, UserFactory
from tests.notifications.conftest import queue


@pytest.fixture
def spanish_society(settings):
    settings.LANGUAGE_CODE = "es"
    return settings


def test_a_text_is_written_in_the_societys_language_not_the_active_one(spanish_society):
    with translation.override("en"):
        stored = in_society_language(gettext_lazy("Not sent: %(reason)s"), reason="x")
        assert stored == "No enviado: x"
        assert translation.get_language() == "en", "the active language is left as it was"


def test_a_plural_text_takes_its_number_from_the_params(spanish_society):
    gave_up = ngettext_lazy(
        "Gave up after %(count)s attempt. %(error)s", "Gave up after %(count)s attempts. %(error)s", "count"
    )
    assert in_society_language(gave_up, count=1, error="") == "Se abandonó tras 1 intento. "
    assert in_society_language(gave_up, count=4, error="") == "Se abandonó tras 4 intentos. "


def test_an_english_society_keeps_english_whoever_writes(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("es"):
        assert in_society_language(gettext_lazy("Refunded in Stripe.")) == "Refunded in Stripe."


def test_a_mail_servers_answer_is_kept_as_it_came(spanish_society):
    with translation.override("en"):
        _permanent, _lost, text = classify(smtplib.SMTPDataError(554, b"Message rejected: spam"))
    assert text == "El servidor de correo respondió 554 Message rejected: spam"


@pytest.mark.django_db
def test_a_suppressed_delivery_says_why_in_the_societys_language(spanish_society, smtp_server):
    waiting = queue("before:es", "gone@example.org").delivery
    Suppression.objects.create(email="gone@example.org", reason=Suppression.Reason.BOUNCED)
    Preference.objects.create(email="ann@example.org", reminders=False)
    chose = queue("reminder:es").delivery
    with translation.override("en"):
        sending.send_due()
    waiting.refresh_from_db()
    assert waiting.last_error == "Dirección bloqueada (rebote permanente)."
    assert Delivery.objects.get(pk=chose.pk).last_error.startswith("El destinatario eligió no recibir: ")


@pytest.mark.django_db
def test_an_audit_row_names_its_object_in_the_societys_language(spanish_society):
    member = MemberFactory(member_number=42)
    with translation.override("en"), transaction.atomic():
        entry = log.record(UserFactory(is_staff=True), "member.note_added", member)
    assert entry.target_label == "Socio 42"


def test_why_a_composer_skipped_an_email_is_kept_in_the_societys_language(spanish_society):
    skipped = Skip(gettext_lazy("the order no longer exists."))
    with translation.override("en"):
        stored = in_society_language(gettext_lazy("Not sent: %(reason)s"), reason=skipped)
    assert stored == "No enviado: el pedido ya no existe."
