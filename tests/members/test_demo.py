import io

import pytest
from django.core.management import call_command

from members import households
from members.demo import DEMO_PASSWORD
from members.models import CoveredPerson, FailedPayment, Member, Payment, PaymentPromise, Plan, Standing

pytestmark = pytest.mark.django_db


def test_demo_has_every_standing_method_and_queue_and_is_safe_to_run_twice():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Member.objects.count(), Payment.objects.count(), Plan.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Member.objects.count(), Payment.objects.count(), Plan.objects.count()) == counts
    assert set(Plan.objects.values_list("slug", flat=True)) == {
        "regular",
        "pay-what-you-can",
        "sustaining",
        "lifetime",
        "household",
        "calendar-year",
    }
    standings = {m.standing() for m in Member.objects.prefetch_related("terms")}
    assert standings == set(Standing)
    # "Imported" comes only from importing a member list, which the demo does not do.
    offline_and_card = set(Payment.Method.values) - {Payment.Method.IMPORTED}
    assert set(Payment.objects.values_list("method", flat=True)) == offline_and_card
    assert Payment.objects.filter(status=Payment.Status.REFUNDED).exists()
    assert Member.objects.filter(auto_renew=True, renews_on__isnull=False).exists()
    assert FailedPayment.objects.filter(resolved_at__isnull=True).exists()
    assert PaymentPromise.objects.filter(status=PaymentPromise.Status.OPEN).exists()
    numbers = sorted(Member.objects.exclude(member_number=None).values_list("member_number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_demo_has_a_household_with_one_person_covered_and_a_calendar_year_member():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    covered = Member.objects.get(user__email="covered@example.org")
    assert households.covering(covered).payer.user.email == "household@example.org"
    assert CoveredPerson.objects.count() == 1 and covered.in_good_standing()
    assert covered.user.check_password(DEMO_PASSWORD), "the covered person signs in like every demo login"
    calendar = Member.objects.get(user__email="calendar@example.org").current_term()
    assert (calendar.plan.slug, calendar.end.month, calendar.end.day) == ("calendar-year", 12, 31)


def test_the_demo_has_a_spanish_reader_whose_renewal_reminder_is_written_in_spanish(settings, smtp_server):
    from django.utils import timezone

    from members import reminders
    from notifications import sending
    from notifications.models import Delivery
    from tests.mail import run_fan_outs

    settings.LANGUAGES = [("en", "English"), ("es", "Español")]
    call_command("seed_demo", stdout=io.StringIO())
    lucia = Member.objects.get(user__email="socia@example.org")
    assert lucia.language == "es" and lucia.in_good_standing()
    reminders.queue_renewal_reminders(timezone.now())
    run_fan_outs()
    delivery = Delivery.objects.get(kind="renewal-reminder", to="socia@example.org")
    assert sending.send(delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.language == "es"
    assert delivery.subject.startswith("Su afiliación a") and "Estimado/a Lucía Socia:" in delivery.body_text
