"""Dues emails leave through the notifications outbox to a real SMTP server."""

import datetime

import pytest
from django.db import transaction

from members import dues
from notifications import sending
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory


def _first_payment(member, plan):
    return dues.record_payment(
        by=None, member=member, plan=plan, amount_cents=6000, method="cheque", received_on=datetime.date.today()
    )


@pytest.mark.django_db
def test_receipt_and_welcome_arrive_with_both_bodies(smtp_server, member, plan, settings):
    settings.ORG_NAME, settings.ORG_ADDRESS = "The Learned Society", "7 Quay Street, Bristol"
    payment = _first_payment(member, plan)
    member.refresh_from_db()
    for delivery in Delivery.objects.order_by("pk"):
        assert sending.send(delivery.pk)
    messages = {m["Subject"]: m for m in smtp_server.wait_for(2)}
    welcome = messages[f"Welcome to The Learned Society: your member number is {member.member_number}"]
    receipt = messages[f"Receipt {payment.receipt_number} from The Learned Society"]
    assert welcome["To"] == "ann@example.org"
    text = receipt.get_body(("plain",)).get_content()
    html = receipt.get_body(("html",)).get_content()
    for body in (text, html):
        assert payment.receipt_number in body and "$60.00" in body and "Cheque" in body
        assert "7 Quay Street, Bristol" in body
        assert f"http://testserver/membership/receipts/{payment.receipt_number}/" in body


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_the_receipt_after_the_payment_commits(celery_worker, smtp_server, settings):
    settings.SITE_URL = "http://testserver"
    member = MemberFactory(user__email="bea@example.org")
    plan = PlanFactory()
    with transaction.atomic():
        payment = _first_payment(member, plan)
    received = smtp_server.wait_for(2)
    assert {m["To"] for m in received} == {"bea@example.org"}
    assert any(payment.receipt_number in m["Subject"] for m in received)
