"""The Stripe and dues settings refuse what they cannot understand."""

from tests.test_settings import PRODUCTION, manage


def test_a_bad_reminder_offset_is_refused_naming_the_variable(tmp_path):
    result = manage("check", env={"RENEWAL_REMINDER_DAYS_BEFORE_END": "30,a week"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "RENEWAL_REMINDER_DAYS_BEFORE_END holds 'a week', which is not a whole number." in result.stderr


def test_a_publishable_key_in_place_of_the_secret_key_is_refused(tmp_path):
    env = {"STRIPE_SECRET_KEY": "pk_test_123", "STRIPE_WEBHOOK_SECRET": "whsec_1"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY must be a Stripe secret key" in result.stderr


def test_production_stripe_without_a_webhook_secret_stops(tmp_path):
    result = manage("check", env={**PRODUCTION, "STRIPE_SECRET_KEY": "sk_live_123"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET must be set" in result.stderr


def test_an_empty_webhook_secret_in_a_local_run_keeps_the_local_one(tmp_path):
    command = "from django.conf import settings; print(settings.STRIPE_WEBHOOK_SECRET)"
    result = manage("shell", "-c", command, env={"STRIPE_WEBHOOK_SECRET": ""}, tmp_path=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "whsec_local_test_checkout"
