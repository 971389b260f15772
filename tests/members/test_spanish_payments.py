"""A treasurer who reads Spanish records a bank transfer by its reference in Spanish, and
an amount's refusal, a sliding plan's hint and members' email kinds read in Spanish."""

import re

import pytest
from django.utils import translation

from members.forms import DuesForm
from members.models import Payment, Plan
from members.money import AmountError, parse_amount
from notifications.kinds import kind_label
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    """A Spanish request leaves Spanish active in the thread; the tests after read English."""
    yield
    translation.deactivate()


def test_the_record_by_reference_page_reads_in_spanish_and_refuses_an_unknown_reference(client, treasurer):
    client.force_login(treasurer)
    client.post("/language/", {"language": "es", "next": "/manage/"})
    page = client.get("/manage/payments/by-reference/").content.decode()
    assert "Registrar una transferencia bancaria por su referencia" in page
    assert "Referencia indicada en la transferencia" in page and "Registrar la transferencia" in page
    assert "Record the transfer" not in page
    refused = client.post(
        "/manage/payments/by-reference/",
        {
            "by-reference-reference": "TK-NONE-NONE",
            "by-reference-amount": "25",
            "by-reference-received_on": "2026-01-05",
        },
    )
    assert refused.status_code == 400
    assert "Ninguna reserva tiene la referencia TK-NONE-NONE." in refused.content.decode()
    assert not Payment.objects.exists()


def test_an_amount_with_too_many_decimals_is_refused_in_spanish():
    with translation.override("es"):
        with pytest.raises(AmountError, match=re.escape("Use como máximo 2 decimales.")):
            parse_amount("25.505", "USD")
        with pytest.raises(AmountError, match=re.escape("Use un número entero.")):
            parse_amount("25.5", "JPY")


def test_a_sliding_plan_on_the_join_form_says_its_range_in_spanish(plan):
    plan.pricing = Plan.Pricing.SLIDING
    plan.minimum_cents = 1000
    plan.save()
    with translation.override("es"):
        form = DuesForm(plan=plan)
        amount = form.fields["amount"]
        assert str(amount.label) == f"Importe que pagará ({plan.currency})"
        assert str(amount.help_text).startswith("Pague lo que pueda: como mínimo ")


def test_members_email_kinds_are_named_in_spanish():
    with translation.override("es"):
        assert str(kind_label("welcome")) == "Bienvenida a la sociedad"
        assert str(kind_label("application-approved")) == "Solicitud aprobada"
    with translation.override("en"):
        assert str(kind_label("welcome")) == "Welcome to the society"


def test_the_staff_roles_page_names_the_roles_in_spanish(client, treasurer):
    root = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    client.force_login(root)
    client.post("/language/", {"language": "es", "next": "/manage/"})
    page = client.get("/manage/roles/").content.decode()
    assert '<span class="badge">Tesorero</span>' in page
    assert '<input type="hidden" name="role" value="Treasurer">' in page, "the form still sends the role's own name"
