"""A plan's name and description in its second language: set on the treasurer's plan form,
shown to a member who reads that language on /join/, /membership/ and in the emails a
worker composes for them; everyone else reads the plan as it was written."""

import datetime

import pytest
from django.utils import translation

from members import dues
from members.forms import PlanForm
from members.models import Plan
from tests.factories import MemberFactory, PlanFactory
from tests.mail import mails

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_after():
    """A Spanish request leaves Spanish active in the thread; the tests after read English."""
    yield
    translation.deactivate()


@pytest.fixture
def bilingual_plan(db):
    return PlanFactory(
        slug="regular",
        name="Regular member",
        description="Votes at the general meeting.",
        second_language="es",
        name_second="Socio ordinario",
        description_second="Voto en la asamblea general.",
    )


def _plan_form(**overrides) -> dict:
    data = {
        "name": "Student",
        "slug": "",
        "pricing": "fixed",
        "amount_cents": "30",
        "period": "yearly",
        "display_order": "1",
    }
    data.update(overrides)
    return data


def test_a_spanish_reader_sees_the_plans_spanish_name_on_the_join_page(client, bilingual_plan):
    member = MemberFactory(language="es")
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert "Socio ordinario" in page and "Voto en la asamblea general." in page
    assert "Regular member" not in page and "Votes at the general meeting." not in page


def test_an_english_reader_sees_the_plan_as_written(client, bilingual_plan):
    member = MemberFactory(language="en")
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert "Regular member" in page and "Votes at the general meeting." in page
    assert "Socio ordinario" not in page


def test_the_receipt_a_worker_writes_names_the_plan_in_the_members_language(bilingual_plan):
    spanish = MemberFactory(user__email="ana@example.org", language="es")
    english = MemberFactory(user__email="ann@example.org", language="en")
    for member in (spanish, english):
        dues.record_payment(
            by=None, member=member, plan=bilingual_plan, amount_cents=6000, method="cheque",
            received_on=datetime.date.today(),
        )  # fmt: skip
    [ana] = mails(kind="receipt", to="ana@example.org")
    [ann] = mails(kind="receipt", to="ann@example.org")
    assert "Socio ordinario" in ana.body_text and "Socio ordinario" in ana.body_html
    assert "Regular member" not in ana.body_text
    assert "Regular member" in ann.body_text and "Socio ordinario" not in ann.body_text


def test_the_membership_page_names_the_plan_in_spanish(client, bilingual_plan):
    member = MemberFactory(language="es")
    dues.record_payment(
        by=None, member=member, plan=bilingual_plan, amount_cents=6000, method="cheque",
        received_on=datetime.date.today(),
    )  # fmt: skip
    client.force_login(member.user)
    page = client.get("/membership/").content.decode()
    assert "Socio ordinario" in page and "Regular member" not in page


def test_the_treasurer_gives_a_plan_its_spanish_name(client, treasurer):
    client.force_login(treasurer)
    data = _plan_form(second_language="es", name_second="Estudiante", description_second="Para estudiantes.")
    assert client.post("/manage/plans/new/", data).status_code == 302
    plan = Plan.objects.get(slug="student")
    assert (plan.second_language, plan.name_second, plan.description_second) == (
        "es",
        "Estudiante",
        "Para estudiantes.",
    )
    with translation.override("es"):
        assert plan.shown_name == "Estudiante"
    with translation.override("en"):
        assert plan.shown_name == "Student"


def test_a_second_name_without_its_language_is_refused():
    form = PlanForm(_plan_form(name_second="Estudiante"))
    assert not form.is_valid()
    assert form.errors["second_language"] == ["Choose which language these second texts are written in."]
    assert not Plan.objects.exists()


def test_a_second_language_without_a_name_in_it_is_refused():
    form = PlanForm(_plan_form(second_language="es"))
    assert not form.is_valid()
    assert form.errors["name_second"] == ["Give the plan its name in the second language, or choose none."]


def test_a_language_the_society_does_not_offer_is_refused():
    form = PlanForm(_plan_form(second_language="fr", name_second="Étudiant"))
    assert not form.is_valid() and "second_language" in form.errors


def test_a_society_with_one_language_is_not_asked_for_a_second(settings):
    settings.LANGUAGES = [("en", "English")]
    form = PlanForm(_plan_form())
    assert "second_language" not in form.fields and "name_second" not in form.fields
    assert form.is_valid(), form.errors
