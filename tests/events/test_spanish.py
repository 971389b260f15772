"""A Spanish reader sees events in Spanish: the list, an event's page, the answer link's page,
the register page, and the emails a worker writes for them."""

import base64
import datetime

import pytest

from events import notices
from events.ticket_records import TicketType
from notifications.outbox import queue_notice
from tests.events.helpers import answer
from tests.factories import EventFactory, MemberFactory, RSVPFactory
from tests.mail import mails

pytestmark = pytest.mark.django_db


def _in_spanish(client):
    client.post("/language/", {"language": "es", "next": "/"})


def test_the_event_list_and_an_events_page_read_in_spanish(client):
    event = EventFactory(title="Forum on clean rivers", guests_allowed=2)
    english = client.get(event.get_absolute_url()).content.decode()
    assert "Will you come?" in english and "Email me the link" in english
    _in_spanish(client)
    listing = client.get("/events/").content.decode()
    assert "Próximos" in listing and "Eventos pasados" in listing and "Upcoming" not in listing
    assert "Quedan 50 plazas" in listing  # the plural as Spanish writes it
    page = client.get(event.get_absolute_url()).content.decode()
    assert "¿Asistirá?" in page and "Cuándo" in page and "Dónde" in page
    assert "Quedan 50 de 50" in page and "Puede traer hasta 2" in page
    assert "Foro" in page  # the kind of event, a model choice
    assert "Enviarme el enlace" in page and "Will you come?" not in page and "Email me the link" not in page


def test_a_visitor_reading_spanish_gets_the_confirmation_link_in_spanish(client):
    event = EventFactory(title="Forum on clean rivers")
    _in_spanish(client)
    response = client.post(
        f"/events/{event.slug}/rsvp/", {"name": "Ana", "email": "ana@example.org", "answer": "yes", "guests": "0"}
    )
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    assert "Casi listo: hemos enviado un enlace a ana@example.org" in shown
    [mail] = mails(kind="event-rsvp-link")
    assert mail.language == "es"
    assert mail.subject == "Confirme su respuesta: Forum on clean rivers"
    assert "pidió responder «sí» a Forum on clean rivers" in mail.body_text
    assert "Confirmar mi respuesta" in mail.body_html and "Confirm my answer" not in mail.body_html


def test_a_spanish_member_gets_the_yes_and_the_reminder_in_spanish(client):
    member = MemberFactory(language="es")
    event = EventFactory(title="Forum on clean rivers")
    person = RSVPFactory(event=event, user=member.user, email=member.user.email, name="Ana Ejemplo")
    answer(person, "yes")
    [yes] = mails(kind="event-yes")
    assert yes.subject == "Asistirá: Forum on clean rivers"
    assert "Hola, Ana Ejemplo:" in yes.body_text and "Su respuesta es sí. ¡Nos vemos allí!" in yes.body_text
    assert "Añádalo a su calendario:" in yes.body_text and "Your answer" not in yes.body_text
    [entry] = [a for a in yes.attachments if a["filename"] == "event.ics"]
    calendar = base64.b64decode(entry["content"]).decode().replace("\r\n ", "")
    assert "Detalles: " in calendar and "Details: " not in calendar
    queue_notice(notices.reminder(person, event=event, label="1d", offset=datetime.timedelta(days=1)))
    [reminder] = mails(kind="event-reminder")
    assert reminder.subject == "Recordatorio: Forum on clean rivers mañana"


def test_the_answer_links_page_reads_in_spanish(client):
    person = RSVPFactory(event=EventFactory())
    _in_spanish(client)
    page = client.get(f"/r/{person.token}/").content.decode()
    assert "Su respuesta" in page and "Ninguna todavía" in page and "Sí, asistiré" in page
    chosen = client.get(f"/r/{person.token}/?answer=yes").content.decode()
    assert "Confirmar: sí, asistiré" in chosen and "Confirm:" not in chosen


def test_the_register_page_reads_in_spanish(client):
    event = EventFactory()
    TicketType.objects.create(event=event, name="General", price_cents=0)
    _in_spanish(client)
    page = client.get(f"/events/{event.slug}/register/").content.decode()
    assert "Inscribirse" in page and "Gratis" in page and "Indicar los asistentes" in page
    assert "Register" not in page and "Name the attendees" not in page


def test_a_spanish_members_invitation_names_the_day_as_spanish_writes_it():
    member = MemberFactory(language="es")
    event = EventFactory(title="Forum on clean rivers")
    person = RSVPFactory(event=event, user=member.user, email=member.user.email)
    queue_notice(notices.invitation(person))
    [invitation] = mails(kind="event-invitation")
    day = event.starts_local
    assert invitation.subject.startswith(f"Invitación: Forum on clean rivers, {day.day} de ")
    assert invitation.subject.endswith(f" de {day.year}")
    assert (
        "Le invitamos a" in invitation.body_text and "¿Asistirá? Responda con un solo enlace:" in invitation.body_text
    )
