"""factory_boy factories for the whole suite, one per model."""

import datetime

import factory
from django.utils import timezone

from members.models import Member, MembershipTerm, Payment, PaymentPromise, Plan, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def member(user, create, extracted, **kwargs):
        if create:
            user.save()
            if extracted is not False:  # MemberFactory makes the profile itself, with its names
                Member.objects.get_or_create(user=user)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory, member=False)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ["slug"]

    name = "Regular member"
    slug = factory.Sequence(lambda n: f"plan-{n}")
    amount_cents = 6000


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    member = factory.SubFactory(MemberFactory)
    amount_cents = 6000
    method = Payment.Method.CHEQUE
    received_on = factory.LazyFunction(timezone.localdate)
    receipt_number = factory.Sequence(lambda n: f"T-{n:06d}")


class TermFactory(factory.django.DjangoModelFactory):
    """A yearly term; pass `start` (and `end`) to place it in time."""

    class Meta:
        model = MembershipTerm

    member = factory.SubFactory(MemberFactory)
    plan = factory.SubFactory(PlanFactory)
    start = factory.LazyFunction(timezone.localdate)
    end = factory.LazyAttribute(lambda term: term.start + datetime.timedelta(days=364))
    payment = factory.SubFactory(PaymentFactory, member=factory.SelfAttribute("..member"))


# Members and dues ----------------------------------------------------------------


class SlidingPlanFactory(PlanFactory):
    name = "Pay what you can"
    pricing = Plan.Pricing.SLIDING
    amount_cents = 3000
    minimum_cents = 1000


class LifetimePlanFactory(PlanFactory):
    name = "Lifetime member"
    period = Plan.Period.LIFETIME
    amount_cents = 90000
    auto_renew_offered = False


class StaffFactory(UserFactory):
    """A user holding a staff role: StaffFactory(role="Treasurer")."""

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            user.groups.add(Group.objects.get_or_create(name=extracted)[0])


class PromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentPromise

    member = factory.SubFactory(MemberFactory)
    plan = factory.SubFactory(PlanFactory)
    amount_cents = 6000
    currency = "USD"
    method = PaymentPromise.Method.CHEQUE


# Events ---------------------------------------------------------------------------


class EventFactory(factory.django.DjangoModelFactory):
    """A published public forum a month from now, two hours long, with room for 50."""

    class Meta:
        model = "events.Event"
        skip_postgeneration_save = True

    kind = "forum"
    title = factory.Sequence(lambda n: f"Spring forum {n}")
    slug = factory.Sequence(lambda n: f"spring-forum-{n}")
    time_zone = "UTC"
    starts_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + datetime.timedelta(days=30))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + datetime.timedelta(hours=2))
    venue_name = "Town Hall"
    venue_address = "1 Market Square, Springfield"
    capacity = 50
    status = "published"
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    reminders_planned_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))

    @factory.post_generation
    def organisers(event, create, extracted, **kwargs):
        if create and extracted:
            event.organisers.set(extracted)


class RSVPFactory(factory.django.DjangoModelFactory):
    """An invitation with no answer yet; answer through events.rsvp.respond."""

    class Meta:
        model = "events.RSVP"

    event = factory.SubFactory(EventFactory)
    email = factory.Sequence(lambda n: f"guest{n}@example.org")
    name = factory.Faker("name")
