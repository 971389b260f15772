"""A member who reads Spanish walks joining, the local test checkout, the done page, their
membership page and a renewal link in Spanish, from members' own catalogue."""

import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from members import data_export, dues
from members.models import Checkout, Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_run(settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""


@pytest.fixture
def lector(client, plan):
    """A member who reads Spanish, signed in."""
    member = MemberFactory(user__email="ana@example.org", first_name="Ana", last_name="Ejemplo", language="es")
    client.force_login(member.user)
    return member


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_join_page_reads_in_spanish(client, lector, plan):
    page = _page(client.get("/join/"))
    assert '<html lang="es">' in page
    assert "Hágase socio de" in page and "Regular member" in page, "the plan keeps the name the society gave it"
    assert "al año" in page and "Pagar con cheque, transferencia bancaria o en efectivo" in page
    assert "Pagaré de esta forma" in page and "Cómo pagará" in page
    assert "Pay by cheque" not in page and "a year" not in page


def test_a_form_error_on_the_join_page_reads_in_spanish(client, lector, plan):
    page = _page(client.post("/join/", {"plan": plan.slug, "pay": "offline"}))
    assert "Elija cómo pagará: cheque, transferencia bancaria o efectivo." in page
    assert not Checkout.objects.exists()


def test_the_local_checkout_and_done_page_read_in_spanish(client, lector, plan, local_run):
    started = client.post("/join/", {"plan": plan.slug, "pay": "card"})
    checkout_page = _page(client.get(started["Location"]))
    assert "Pasarela local de prueba" in checkout_page and "Aquí no se mueve dinero." in checkout_page
    assert "Cancelar y volver" in checkout_page and "No money moves" not in checkout_page
    paid = client.post(started["Location"], {"action": "pay"})
    lector.refresh_from_db()
    done = _page(client.get(paid["Location"]))
    assert "Gracias" in done and "Ir a mi afiliación" in done
    assert f"Bienvenido, ya es socio: su número de socio es {lector.member_number}." in done


def test_the_membership_page_reads_in_spanish(client, lector):
    page = _page(client.get("/membership/"))
    assert "Mi afiliación" in page and "Situación" in page and "Sesión iniciada como" in page
    assert "Tiene una cuenta pero todavía no ha pagado la cuota." in page
    assert "Todavía no hay pagos." in page and "Guardar mis datos" in page
    assert "My membership" not in page and "Standing" not in page


def test_a_broken_renewal_link_says_why_in_spanish(client):
    client.cookies["django_language"] = "es"
    page = client.get("/renew/not-a-token/").content.decode()
    assert "Este enlace no funciona" in page
    assert "Este enlace de renovación no es válido. Compruebe que lo copió completo." in page


def test_an_english_reader_still_reads_english(client, plan):
    member = MemberFactory(language="en")
    client.force_login(member.user)
    page = _page(client.get("/join/"))
    assert "Join " in page and "Pay by cheque, bank transfer or cash instead" in page
    assert Member.objects.get(pk=member.pk).language == "en"


def _members_for(client, plan, count):
    for _index in range(count):
        MemberFactory(language="en")
    with CaptureQueriesContext(connection) as captured:
        page = _page(client.get("/manage/members/"))
    return page, len(captured)


def test_a_treasurer_who_reads_spanish_sees_the_member_list_and_its_csv_in_spanish(client, treasurer, plan):
    client.force_login(treasurer)
    client.post("/language/", {"language": "es", "next": "/manage/"})
    page, few = _members_for(client, plan, 3)
    assert "Socios" in page and "Filtrar" in page and "Descargar estos socios en CSV" in page
    assert "Renovación automática" in page and "Pagado hasta" in page and "Paid through" not in page
    _page_again, many = _members_for(client, plan, 30)
    assert few == many, "the list costs the same queries in Spanish for 3 or 33 members"
    response = client.get("/manage/members/", {"format": "csv"})
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header.startswith("Número de socio,Nombre,Apellidos,Correo electrónico,Situación,Modalidad")


def test_the_download_of_a_member_who_reads_spanish_explains_itself_in_spanish(lector, plan):
    dues.record_payment(
        by=None, member=lector, plan=plan, amount_cents=6000, method="cheque", received_on=timezone.localdate()
    )
    before = translation.get_language()
    with zipfile.ZipFile(io.BytesIO(data_export.archive(lector, now=timezone.now()))) as archive:
        readme = archive.read("README.txt").decode()
        receipt = next(archive.read(name).decode() for name in archive.namelist() if name.startswith("receipts/"))
    assert "Archivos de esta descarga:" in readme and "Las horas están en UTC." in readme
    assert "Files in this download" not in readme
    assert "Forma de pago: Cheque" in receipt and "Recibido de:" in receipt
    assert translation.get_language() == before, "the worker's own language is left as it was"
