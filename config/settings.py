"""Societas settings: one file, every deployment difference read from the environment.

`.env.example` lists each variable. With nothing set, this is the local run: SQLite
under var/, a file-based Celery broker, email readable at /dev/mailbox/, DEBUG on.
"""

import os
import secrets
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.beat import beat_schedule
from config.brand import email_logo_for, logo_from_setting
from config.env import (
    email_settings_from_url,
    env_bool,
    env_hex_colour,
    env_int,
    env_int_item,
    env_list,
    env_str,
    env_url,
)
from config.languages import languages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Local runs only: generate once and keep it, so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")

SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "", schemes=("http", "https"))
if not SITE_URL:
    raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off, e.g. https://members.example.org.")
CSRF_TRUSTED_ORIGINS = [SITE_URL]
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, the
# app is reached directly). Rate limits key on the address they report (config/client_ip.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

ORG_NAME = env_str("ORG_NAME", "Societas Demo Society")
ORG_ADDRESS = env_str("ORG_ADDRESS", "1 Example Street, Springfield")
# Uploaded files (event covers, an uploaded logo), served under MEDIA_URL (config/urls.py).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# The brand: an accent colour (header, buttons, links; config/brand.py keeps text on it
# readable) and a logo for the header, the favicon and the emails: a file under static/,
# or `media/…` for one uploaded under MEDIA_ROOT. An SVG logo's PNG twin goes in emails.
ORG_ACCENT = env_hex_colour("ORG_ACCENT", "#1f4e79")
_LOGO_FOLDERS = [BASE_DIR / "static", VAR_DIR / "static"]
ORG_LOGO = logo_from_setting(
    "ORG_LOGO", env_str("ORG_LOGO", "img/logo.svg"), static_dirs=_LOGO_FOLDERS, media_root=MEDIA_ROOT
)
ORG_EMAIL_LOGO = email_logo_for(ORG_LOGO, static_dirs=_LOGO_FOLDERS, media_root=MEDIA_ROOT)
MEMBERSHIP_GRACE_DAYS = env_int("MEMBERSHIP_GRACE_DAYS", 30, minimum=0)
# How long starting a ticket checkout holds its seats: 30 minutes is Stripe's shortest Checkout expiry.
TICKET_HOLD_MINUTES = env_int("TICKET_HOLD_MINUTES", 30, minimum=30)
# How long a seat freed for the first on a paid event's waitlist is held for them to pay.
TICKET_OFFER_HOURS = env_int("TICKET_OFFER_HOURS", 48, minimum=1)
CURRENCY = env_str("CURRENCY", "USD").upper()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "anymail",
    "config",
    "audit",
    "notifications",
    "members",
    "events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A signed-in member reads the site in the language on their profile.
    "config.language_views.MemberLanguageMiddleware",
    "members.two_factor.StaffTwoFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.society",
            ],
        },
    },
]

# Database -------------------------------------------------------------------

SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so two requests never interleave
    # a read-then-write (seat counts, term extensions) on the embedded database.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _database() -> dict:
    url = env_str("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "societas.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL I understand: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = SQLITE_OPTIONS
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, Celery ----------------------------------------------------------------

REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A file cache is shared by every local process, so allauth's rate limits hold.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # The embedded broker: messages are files under var/broker/, no service needed.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

# Tasks are idempotent: acknowledge after running, so a killed worker's task is
# redelivered rather than lost, and take one message at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "notifications.tasks.*": {"queue": "mail"},
    # Finding what is due and sweeping the outbox touch only the database: they run on
    # `default`, so they go on even when the mail workers are stuck or dead.
    "notifications.tasks.send_due_reminders": {"queue": "default"},
    "notifications.tasks.sweep_outbox": {"queue": "default"},
    "notifications.tasks.run_fan_out": {"queue": "default"},
    "members.tasks.*": {"queue": "default"},
}
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 15, minimum=5)
CELERY_BEAT_SCHEDULE = beat_schedule(outbox_sweep_seconds=OUTBOX_SWEEP_SECONDS)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Email --------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{ORG_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
MAILBOX_DIR = VAR_DIR / "mailbox"

if env_str("EMAIL_URL"):
    globals().update(email_settings_from_url("EMAIL_URL", env_str("EMAIL_URL")))
else:
    EMAIL_BACKEND = env_str(
        "EMAIL_BACKEND",
        "notifications.mailbox.MailboxBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
    )
    EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# The outbox: messages per worker batch (one connection each); seconds without a
# sign of life after which a worker's claimed rows are judged abandoned (see
# notifications/outbox.py); delays before each retry of a transient failure.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 200, minimum=1)
# A claim with no sign of life for this long belongs to a dead worker (the sweep takes it back).
OUTBOX_STALE_SECONDS = env_int("OUTBOX_STALE_SECONDS", 45, minimum=10)
# A fan-out whose batches stopped beating for this long is started again.
FANOUT_STALE_SECONDS = env_int("FANOUT_STALE_SECONDS", 60, minimum=10)
OUTBOX_RETRY_DELAYS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600]
# The mailto in List-Unsubscribe; empty: the address of DEFAULT_FROM_EMAIL. Mail to it
# unsubscribes by itself when an ESP's inbound webhook posts to /anymail/<esp>/inbound/.
UNSUBSCRIBE_EMAIL = env_str("UNSUBSCRIBE_EMAIL")

# An ESP through django-anymail: EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend
# and its credentials as ANYMAIL_<NAME> variables (ANYMAIL_MAILGUN_API_KEY=…).
ANYMAIL = {key.removeprefix("ANYMAIL_"): value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
# The address whose mail the ESP's inbound webhook posts to us, to read the replies of
# calendar programs (Accept, Decline) to event invitations; empty: replies are not read,
# and the invitations in yes emails offer none (events/calendars.py).
CALENDAR_REPLY_EMAIL = env_str("CALENDAR_REPLY_EMAIL")
if CALENDAR_REPLY_EMAIL and (CALENDAR_REPLY_EMAIL.count("@") != 1 or "+" in CALENDAR_REPLY_EMAIL):
    raise ImproperlyConfigured(
        f"CALENDAR_REPLY_EMAIL={CALENDAR_REPLY_EMAIL!r} must be one plain address such as rsvp@example.org "
        "(each invitation replies to rsvp+<code>@example.org)."
    )
if CALENDAR_REPLY_EMAIL and not ANYMAIL.get("WEBHOOK_SECRET"):
    raise ImproperlyConfigured(
        "CALENDAR_REPLY_EMAIL needs ANYMAIL_WEBHOOK_SECRET: replies are read only from a protected webhook."
    )

# Stripe ---------------------------------------------------------------------------

STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
# With DEBUG on and no secret key, the join and renew buttons go to a local test
# checkout that posts signed, Stripe-shaped events through the real webhook handler
# (members/local_checkout.py); it cannot be reached with DEBUG off. It signs with a
# fixed local secret. An empty value (as in a copied .env.example) means "not set".
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET") or (
    "whsec_local_test_checkout" if DEBUG and not STRIPE_SECRET_KEY else ""
)
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is.")
if STRIPE_SECRET_KEY and not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
    raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_… or sk_live_…).")
# Seconds a webhook signature stays acceptable (Stripe's own default).
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300, minimum=1)
# A Stripe-compatible server (a mock such as localstripe or stripe-mock) instead of api.stripe.com.
STRIPE_API_BASE = env_url("STRIPE_API_BASE", schemes=("http", "https"))
# What a chargeback does to the term it disputes until it is settled: "keep" it, or "suspend" it.
DUES_DISPUTE_POLICY = env_str("DUES_DISPUTE_POLICY", "keep")
if DUES_DISPUTE_POLICY not in ("keep", "suspend"):
    raise ImproperlyConfigured('DUES_DISPUTE_POLICY must be "keep" or "suspend".')

# Dues ------------------------------------------------------------------------------

# Renewal reminders: days before a term ends (0 = on the day), and days after the grace period ends.
RENEWAL_REMINDER_DAYS_BEFORE_END = [
    env_int_item("RENEWAL_REMINDER_DAYS_BEFORE_END", item)
    for item in env_list("RENEWAL_REMINDER_DAYS_BEFORE_END", ["30", "7", "0"])
]
RENEWAL_REMINDER_DAYS_AFTER_GRACE = [
    env_int_item("RENEWAL_REMINDER_DAYS_AFTER_GRACE", item)
    for item in env_list("RENEWAL_REMINDER_DAYS_AFTER_GRACE", ["14", "60"])
]
# Days before Stripe charges an auto-renewing member that they are told so.
AUTO_RENEW_NOTICE_DAYS = env_int("AUTO_RENEW_NOTICE_DAYS", 7, minimum=1)
# How long the one-step renewal link in a reminder keeps working.
RENEWAL_LINK_MAX_AGE_DAYS = env_int("RENEWAL_LINK_MAX_AGE_DAYS", 60, minimum=1)
# Shown to members who choose to pay by cheque, bank transfer or cash (payee, account details…),
# in the society's own words; unset, members read a default in their language (members/emails.py).
DUES_OFFLINE_INSTRUCTIONS = env_str("DUES_OFFLINE_INSTRUCTIONS", "")
# The society's bank account, shown to ticket buyers who pay later by bank transfer.
ORG_BANK_ACCOUNT_NAME = env_str("ORG_BANK_ACCOUNT_NAME") or ORG_NAME
ORG_BANK_IBAN = env_str("ORG_BANK_IBAN", "")
ORG_BANK_BIC = env_str("ORG_BANK_BIC", "")
ORG_BANK_NAME = env_str("ORG_BANK_NAME", "")

# Members' own data (members/data_export.py, members/erasure.py, members/retention.py) ------

# Days the link to download "everything Societas holds about me" works; the file is then deleted.
DATA_EXPORT_LINK_DAYS = env_int("DATA_EXPORT_LINK_DAYS", 7, minimum=1)
# Hours the emailed link that confirms closing an account works.
ACCOUNT_CLOSURE_LINK_HOURS = env_int("ACCOUNT_CLOSURE_LINK_HOURS", 48, minimum=1)
# Years an erased member's payments are kept (amounts, dates, receipt numbers) for the accounts.
PAYMENT_RETENTION_YEARS = env_int("PAYMENT_RETENTION_YEARS", 7, minimum=1)
# Months after an event that the answers of visitors without an account are anonymised.
RSVP_RETENTION_MONTHS = env_int("RSVP_RETENTION_MONTHS", 12, minimum=1)
# Days the outbox keeps the text of each email sent (the log of what was sent stays).
OUTBOX_BODY_RETENTION_DAYS = env_int("OUTBOX_BODY_RETENTION_DAYS", 90, minimum=1)
# Days the text of an uploaded member list is kept when it is never imported (an applied one is cleared then).
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 30, minimum=1)

# Accounts (django-allauth) -----------------------------------------------------

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Subjects name the society in their own words (templates/account/email/*_subject.txt).
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Failed passwords: per client address, and per email address so that many addresses
# cannot share the guessing. Only password sign-in is slowed: the owner can always sign
# in with a code sent to their address, which has limits of its own.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key"),
}
# allauth reads the client address through the adapter (members/adapter.py), which asks
# config/client_ip.py; the same count keeps allauth's own reader in agreement.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Tell people when their password or email addresses change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS = {
    "add_email": "members.account_forms.AddEmailForm",
    "signup": "members.account_forms.SignupForm",
    "login": "members.account_forms.LoginForm",
}
# The link that invites an imported person to claim their account fills in their address.
ACCOUNT_FORMS["request_login_code"] = "members.account_forms.RequestLoginCodeForm"
LOGIN_REDIRECT_URL = "/membership/"
LOGIN_URL = "account_login"

# Two-factor (allauth.mfa): an authenticator app, with recovery codes for a lost phone.
MFA_ADAPTER = "members.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = ORG_NAME
# Staff (organisers, treasurers, superusers) must set up two-factor before any staff
# page opens. Off by default only in the local run, so the demo logins work.
STAFF_REQUIRE_TWO_FACTOR = env_bool("STAFF_REQUIRE_TWO_FACTOR", not DEBUG)

# Internationalisation, static files ------------------------------------------------

# The languages offered and the society's default (config/languages.py): LANGUAGES=en,es.
LANGUAGES, LANGUAGE_CODE = languages_from_env()
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as each language writes them: {{ day|date:"DATE_FORMAT" }} (config/formats/<code>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
# A visitor's choice from the footer's menu, kept a year; a member's is kept on their profile too.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone such as Europe/Paris.") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks for it at start-up, before any collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: production behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles and images from this site only;
# no inline script anywhere. Style attributes stay allowed because the email previews
# (staff outbox, local mailbox) are srcdoc frames, which inherit this policy, and emails
# must carry their styles inline. Forms may post to Stripe's checkout and portal, to
# which the join, renew and billing forms redirect.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"],
    }
}

# Link tokens are keys (to an RSVP, a renewal, a calendar, a password reset): every
# handler passes through the filter that writes them as [token] (config/log_redaction.py).
# `django.server` is runserver's access log; gunicorn's uses the same filter through
# its logger class (Procfile, Dockerfile).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "config.log_redaction.RedactTokens"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["redact_tokens"]},
    },
    "loggers": {
        # Django's default handlers for these would write unfiltered lines: replace them.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
