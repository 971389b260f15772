"""An extra address cannot be one that another account uses."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _signed_in_again(client, user):
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def test_an_address_of_another_account_is_refused_with_a_message(client):
    owner = UserFactory(email="taken@example.org")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    claimant = UserFactory()
    _signed_in_again(client, claimant)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "Taken@Example.org"})
    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()
    assert not EmailAddress.objects.filter(
        user=claimant, email__in=["taken@example.org", "pending@example.org"]
    ).exists()


def test_an_unverified_address_of_another_account_is_refused_too(client):
    other = UserFactory()
    EmailAddress.objects.create(user=other, email="pending@example.org", verified=False, primary=False)
    claimant = UserFactory()
    _signed_in_again(client, claimant)
    client.post(reverse("account_email"), {"action_add": "", "email": "pending@example.org"})
    assert not EmailAddress.objects.filter(
        user=claimant, email__in=["taken@example.org", "pending@example.org"]
    ).exists()


def test_a_free_address_is_added_and_sent_a_confirmation(client):
    person = UserFactory()
    _signed_in_again(client, person)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "mine@example.org"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=person, email="mine@example.org", verified=False).exists()
