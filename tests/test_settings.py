"""Settings come from the environment and refuse what they cannot understand."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-secret-that-is-long-enough-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "members.example.org",
    "SITE_URL": "https://members.example.org",
    "DATABASE_URL": "postgres://societas@db.example.org/societas",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def manage(*args: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    inherited = set(PRODUCTION) | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited and not k.startswith("EMAIL_")}
    clean.update(env, VAR_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_malformed_debug_is_refused_with_a_clear_error(tmp_path):
    result = manage("check", env={"DEBUG": "maybe"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a yes/no value" in result.stderr


def test_malformed_number_is_refused(tmp_path):
    result = manage("check", env={"MEMBERSHIP_GRACE_DAYS": "thirty"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "MEMBERSHIP_GRACE_DAYS='thirty' is not a whole number" in result.stderr


def test_unknown_dispute_policy_is_refused(tmp_path):
    result = manage("check", env={"DUES_DISPUTE_POLICY": "sometimes"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert 'DUES_DISPUTE_POLICY must be "keep" or "suspend"' in result.stderr


def test_stripe_api_base_that_is_not_a_web_address_is_refused(tmp_path):
    result = manage("check", env={"STRIPE_API_BASE": "localhost:8420"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "STRIPE_API_BASE='localhost:8420' is not a URL" in result.stderr


def test_unknown_time_zone_is_refused(tmp_path):
    result = manage("check", env={"TIME_ZONE": "Mars/Olympus"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "is not an IANA time zone" in result.stderr


def test_production_without_secret_key_stops_with_a_message(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_without_allowed_hosts_or_site_url_stops(tmp_path):
    for missing, message in [("ALLOWED_HOSTS", "ALLOWED_HOSTS must be set"), ("SITE_URL", "SITE_URL must be set")]:
        env = {k: v for k, v in PRODUCTION.items() if k != missing}
        result = manage("check", env=env, tmp_path=tmp_path)
        assert result.returncode != 0
        assert message in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_email_url_configures_smtp():
    from config.env import email_settings_from_url

    config = email_settings_from_url("EMAIL_URL", "smtp+tls://mailer:p%40ss@smtp.example.org:587")
    assert config["EMAIL_HOST"] == "smtp.example.org"
    assert config["EMAIL_PORT"] == 587
    assert config["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert config["EMAIL_USE_TLS"] is True
