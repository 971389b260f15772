"""Which outbox mail is a treasurer's: members' mail (welcome, receipts, dues and
renewals, failed charges), account mail, and announcements to member segments.

Told to notifications from MembersConfig.ready(): it never imports members.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members import roles, segments
from members.plan_emails import KINDS as PLAN_KINDS
from notifications.access import register_scope
from notifications.kinds import describe_kind

SEGMENT_SOURCE = "members"  # the name members/apps.py registers its announcement audiences under
ACCOUNT_KINDS = "account-"  # allauth's emails (members/adapter.py): "account-<template>"

KINDS = {
    "welcome": _("Welcome to the society"),
    "receipt": _("Receipt"),
    "renewal-receipt": _("Renewal receipt"),
    "refund-receipt": _("Refund receipt"),
    "payment-failed": _("Card payment failed"),
    "auto-renew-cancelled": _("Auto-renew turned off"),
    "auto-renew-notice": _("Auto-renew charge coming"),
    "renewal-reminder": _("Renewal reminder"),
    "promise-noted": _("Promise to pay noted"),
    "promise-confirm": _("Confirm a promise to pay"),
    "dispute-opened": _("Card payment disputed"),
    **PLAN_KINDS,
    "member-added": _("Welcome of a member added by hand"),
    "email-changed": _("Email address changed"),
    "claim-invite": _("Invitation to claim an imported account"),
}


def treasurer_deliveries(user) -> Q:
    return Q(kind__in=sorted(KINDS)) | Q(kind__startswith=ACCOUNT_KINDS)


def treasurer_segments(user) -> list[str]:
    return [f"{SEGMENT_SOURCE}:{key}" for key, _label in segments.segment_choices()]


def register() -> None:
    for kind, label in KINDS.items():
        describe_kind(kind, label)
    describe_kind(ACCOUNT_KINDS, _("Account email"))
    # Members' own-data mail, named in words in the outbox's filter too (superusers see it).
    describe_kind("data-export-ready", _("Your data, ready to download"))
    describe_kind("account-closure-confirm", _("Account email: confirm closing the account"))
    register_scope(roles.TREASURER, deliveries=treasurer_deliveries, segments=treasurer_segments)
