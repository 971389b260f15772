"""Plans that need approval: apply with an answer, wait in the treasurers' queue, be
approved (then pay as anyone joins) or declined with a reason; told by email either way."""

import pytest
from django.contrib.messages import get_messages

from audit.models import Entry
from members import applications
from members.models import Application, Checkout, Payment, Standing
from notifications import sending
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory
from tests.mail import composed

pytestmark = pytest.mark.django_db

QUESTION = "Where do you study, and what is your student number?"


@pytest.fixture
def student_plan(db):
    return PlanFactory(
        slug="student", name="Student", amount_cents=2000, needs_approval=True, approval_question=QUESTION
    )


def _apply(client, member, plan, statement="I study chemistry at Bristol, number 4711."):
    client.force_login(member.user)
    return client.post(f"/join/apply/{plan.slug}/", {"statement": statement})


def _mail(kind: str):
    return composed(Delivery.objects.get(kind=kind))


def _messages(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_join_page_asks_for_an_application_before_any_payment(client, member, plan, student_plan):
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    student_card = page[page.index('id="plan-student"') :]
    assert "Apply for this plan" in student_card and "/join/apply/student/" in student_card
    assert 'name="plan" value="student"' not in student_card, "no way to pay before approval"
    assert 'name="plan" value="regular"' in page, "other plans are paid for as before"


def test_the_application_page_shows_the_plans_question(client, member, student_plan):
    client.force_login(member.user)
    page = client.get("/join/apply/student/").content.decode()
    assert QUESTION in page and "Send my application" in page
    assert not Application.objects.exists(), "a GET changes nothing"


def test_applying_records_the_answer_tells_the_applicant_and_logs_it_masked(client, member, student_plan):
    response = _apply(client, member, student_plan)
    assert response.status_code == 302 and response["Location"] == "/membership/"
    application = Application.objects.get()
    assert (application.member, application.plan, application.status) == (member, student_plan, "pending")
    received = _mail("application-received")
    assert received.to == "ann@example.org" and "“Student”" in received.subject
    entry = Entry.objects.get(action="application.submitted")
    assert entry.changes["statement"] == ["(changed)", "(changed)"], "the answer stays out of the log"
    assert "Ann" not in entry.target_label and entry.target_label == f"Application {application.pk} to Student"
    page = client.get("/membership/").content.decode()
    assert "Waiting for approval" in page


def test_an_empty_answer_or_a_second_application_is_refused(client, member, student_plan):
    response = _apply(client, member, student_plan, statement="   ")
    assert response.status_code == 200 and not Application.objects.exists()
    _apply(client, member, student_plan)
    response = _apply(client, member, student_plan, statement="Once more")
    assert "is waiting for the treasurer" in response.content.decode()
    assert Application.objects.count() == 1


def test_paying_before_approval_is_refused_and_nothing_is_started(client, member, student_plan, settings):
    settings.DEBUG = True  # the local test checkout would take the card
    _apply(client, member, student_plan)
    response = client.post("/join/", {"plan": "student", "pay": "card"})
    assert "needs approval first" in response.content.decode()
    response = client.post("/join/", {"plan": "student", "pay": "offline", "student-offline_method": "cheque"})
    assert "needs approval first" in response.content.decode()
    assert not Checkout.objects.exists() and not member.promises.exists()


def test_the_queue_is_for_treasurers_and_its_buttons_only_post(client, member, organiser, student_plan):
    _apply(client, member, student_plan)
    client.force_login(organiser)
    assert client.get("/manage/dues/applications/").status_code == 403
    application = Application.objects.get()
    assert client.post(f"/manage/dues/applications/{application.pk}/approve/").status_code == 403
    client.force_login(member.user)
    assert client.post(f"/manage/dues/applications/{application.pk}/approve/").status_code == 403
    application.refresh_from_db()
    assert application.is_pending


def test_the_queue_lists_each_answer_in_a_fixed_number_of_queries(
    client, treasurer, student_plan, django_assert_max_num_queries
):
    for index in range(12):
        applicant = MemberFactory(user__email=f"applicant{index}@example.org")
        applications.apply(member=applicant, plan=student_plan, statement=f"Answer number {index}")
    decided = Application.objects.order_by("pk")[:6]
    for application in decided:
        applications.decline(application=application, reason="Not a student", by=treasurer)
    client.force_login(treasurer)
    with django_assert_max_num_queries(8):
        page = client.get("/manage/dues/applications/").content.decode()
    assert "Answer number 11" in page and QUESTION in page and "Not a student" in page
    assert client.get(f"/manage/dues/applications/{decided[0].pk}/approve/").status_code == 405


def test_approval_emails_a_link_to_pay_and_payment_follows_the_normal_join(
    client, member, treasurer, student_plan, settings, smtp_server
):
    settings.DEBUG = True
    _apply(client, member, student_plan)
    application = Application.objects.get()
    client.force_login(treasurer)
    response = client.post(f"/manage/dues/applications/{application.pk}/approve/")
    assert response.status_code == 302 and "Approved" in _messages(response)
    application.refresh_from_db()
    assert application.is_approved and application.decided_by == treasurer
    assert Entry.objects.filter(action="application.approved", by=treasurer).count() == 1

    for delivery in Delivery.objects.order_by("pk"):
        assert sending.send(delivery.pk)
    received = {m["Subject"].strip(): m for m in smtp_server.wait_for(2)}
    approved = received["You are approved for “Student”: you can pay now"]
    assert approved["To"] == "ann@example.org"
    assert "http://testserver/join/?plan=student" in approved.get_body(("plain",)).get_content()

    client.force_login(member.user)
    page = client.get("/join/?plan=student").content.decode()
    assert "Your application is approved: you can pay now." in page
    response = client.post("/join/", {"plan": "student", "pay": "card"})
    checkout = Checkout.objects.get()
    assert response["Location"] == f"/join/test-checkout/{checkout.public_id}/"
    client.post(response["Location"])  # "Pay" on the local test checkout: Stripe's events, through the webhook
    payment = Payment.objects.get(member=member)
    assert payment.plan == student_plan and member.standing() == Standing.ACTIVE
    page = client.get("/membership/").content.decode()
    assert "Approved" in page and "Pay your dues now" not in page


def test_declining_needs_a_reason_which_the_applicant_is_emailed_and_sees(client, member, treasurer, student_plan):
    _apply(client, member, student_plan)
    application = Application.objects.get()
    client.force_login(treasurer)
    response = client.post(f"/manage/dues/applications/{application.pk}/decline/", {"reason": " "})
    assert "Say why" in _messages(response)
    application.refresh_from_db()
    assert application.is_pending and not Delivery.objects.filter(kind="application-declined").exists()

    client.post(
        f"/manage/dues/applications/{application.pk}/decline/", {"reason": "We could not confirm your studies."}
    )
    application.refresh_from_db()
    assert application.status == "declined"
    entry = Entry.objects.get(action="application.declined")
    assert entry.reason == "We could not confirm your studies." and entry.changes["status"] == ["pending", "declined"]
    declined = _mail("application-declined")
    assert "We could not confirm your studies." in declined.body_text
    assert "We could not confirm your studies." in declined.body_html

    response = client.post(f"/manage/dues/applications/{application.pk}/approve/")
    assert "declined already" in _messages(response), "a decision is made once"

    client.force_login(member.user)
    page = client.get("/membership/").content.decode()
    assert "Declined" in page and "We could not confirm your studies." in page and "Apply again" in page
    _apply(client, member, student_plan, statement="Here is my new student card number: 5812.")
    assert Application.objects.filter(status="pending").count() == 1


def test_a_member_who_holds_the_plan_renews_on_it_without_applying_again(member, student_plan):
    from tests.factories import TermFactory

    TermFactory(member=member, plan=student_plan)
    assert applications.may_pay(member, student_plan)
    with pytest.raises(applications.ApplicationRefused, match="approved for this plan already"):
        applications.apply(member=member, plan=student_plan, statement="Again")
