import pytest
from django.db import transaction
from django.utils import translation

from audit import log
from audit.models import AppendOnly, Entry
from events import question_setup  # noqa: F401 (it describes actions read below)
from members import applications, dues, plans, roster_edit  # noqa: F401 (as events)
from tests.factories import PaymentFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_and_the_change_but_not_personal_values():
    staff = UserFactory(email="treasurer@example.org", is_staff=True)
    target = UserFactory(email="vera@example.net")
    before = log.snapshot(target, ("email", "is_active", "date_joined"))
    target.email = "vera@new.example.net"
    target.is_active = False
    with transaction.atomic():
        entry = log.record(staff, "member.edited", target, changes=log.diff(before, target), reason="asked by phone")
    entry.refresh_from_db()
    assert entry.by == staff and "treasurer@example.org" in entry.by_label
    assert entry.changes == {"email": [log.CHANGED, log.CHANGED], "is_active": [True, False]}
    assert entry.reason == "asked by phone"
    assert "vera" not in entry.target_label
    assert list(log.history(target)) == [entry]


def test_an_entry_is_never_changed_or_deleted():
    with transaction.atomic():
        entry = log.record(None, "system.thing", label="Nightly retention")
    entry.reason = "rewritten"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    assert Entry.objects.get().reason == ""


def test_record_outside_a_transaction_is_refused(monkeypatch):
    monkeypatch.setattr(log.transaction, "get_connection", lambda: type("C", (), {"in_atomic_block": False})())
    with pytest.raises(RuntimeError):
        log.record(None, "system.thing")


def test_actions_are_read_and_sorted_in_the_active_language():
    with translation.override("es"):
        actions = log.actions()
        assert log.label_of("payment.voided") == "Anuló un pago"
    labels = [label for _code, label in actions]
    assert dict(actions)["plan.created"] == "Creó una modalidad"
    # Accents aside: "Añadió…" comes among the A's, before "Aprobó…", not after the Z's.
    assert labels.index("Añadió un socio a mano") < labels.index("Aprobó una solicitud de modalidad")
    assert labels.index("Anuló un pago") < labels.index("Borró una pregunta de inscripción que nadie había respondido")
    assert log.label_of("payment.voided") == "Voided a payment"


@pytest.mark.parametrize(("society", "stored"), [("en", "Account {} (for themselves)"), ("es", "Cuenta {} (para sí)")])
def test_a_member_acting_for_themselves_is_named_in_the_society_language(settings, society, stored):
    settings.LANGUAGE_CODE = society
    member_user = UserFactory()
    with translation.override("es" if society == "en" else "en"), transaction.atomic():
        entry = log.record(member_user, "member.data_exported", member_user)
    assert entry.by_label == stored.format(member_user.pk)


def _recorded(target, changes) -> Entry:
    with transaction.atomic():
        return Entry.objects.get(pk=log.record(None, "system.thing", target, changes=changes).pk)


def test_a_changed_field_is_named_by_its_verbose_name_in_the_active_language():
    entry = _recorded(PaymentFactory(), {"amount_cents": [None, 6000], "method": [None, "cash"]})
    assert log.field_label(entry, "amount_cents") == "amount"
    with translation.override("es"):
        assert log.field_label(entry, "amount_cents") == "importe"
        assert log.field_label(entry, "method") == "forma de pago"


def test_a_model_may_name_a_field_for_the_log_otherwise_than_its_form_does():
    entry = _recorded(PlanFactory(), {"amount_cents": [6000, 6500]})
    assert log.field_label(entry, "amount_cents") == "dues"
    with translation.override("es"):
        assert log.field_label(entry, "amount_cents") == "cuota"


def test_a_name_that_is_no_field_reads_in_words():
    payment = PaymentFactory()
    entry = _recorded(payment, {"term_cancelled_on": [None, "2026-03-01"], "terms": [0, 1]})
    assert log.field_label(entry, "term_cancelled_on") == "term cancelled on"
    assert log.field_label(entry, "terms") == "terms", "a reverse relation has no verbose name"
    assert log.changed_field(entry, "term_cancelled_on") is None
    nothing = _recorded(None, {"price_cents": [1, 2]})
    assert log.field_label(nothing, "price_cents") == "price" and log.changed_field(nothing, "price_cents") is None


def test_naming_the_fields_of_many_entries_asks_the_database_nothing_more(django_assert_num_queries):
    entries = [_recorded(PaymentFactory(), {"status": ["paid", "voided"]}) for _ in range(3)]
    log.field_label(entries[0], "status")  # Django reads a content type once, then keeps it
    with django_assert_num_queries(0):
        assert [log.field_label(entry, "status") for entry in entries] == ["status"] * 3
        assert all(log.changed_field(entry, "status").choices for entry in entries)
