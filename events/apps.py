from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = gettext_lazy("Events")

    def ready(self):
        # The modules of staff actions describe their audit codes when imported.
        from events import (  # noqa: F401
            audiences,
            calendar_replies,
            checkin,
            door_helpers,
            export,
            invitations,
            mail_scope,
            merging,
            notices,
            organising,
            reminders,
            retention,
            ticket_audiences,
            ticket_cancel,
            ticket_checkout,
            ticket_pay_later,
            ticket_sections,
            ticket_types,
        )
        from notifications.registry import (
            SegmentSource,
            register_inbound_handler,
            register_reminder_source,
            register_segment_source,
        )

        notices.register()
        invitations.register()
        organising.register()
        reminders.register()
        mail_scope.register()  # which outbox mail is an organiser's
        retention.register()
        merging.register()  # moving answers when two records of one person are merged
        ticket_checkout.register()  # ticket orders' Stripe sessions, handed over by members' webhook
        ticket_sections.register()  # a buyer's ticket orders on /membership/
        ticket_pay_later.register()  # bank transfers for reservations, recorded on the treasurer's page
        ticket_cancel.register()  # the treasurer's refund of a ticket payment cancels its order
        ticket_audiences.register()  # messages to attendees by ticket type

        register_reminder_source("events", reminders.queue_due_reminders)
        register_inbound_handler("events", calendar_replies.on_inbound)  # calendar programs' replies
        register_segment_source(
            "events",
            SegmentSource(
                choices=reminders.segment_choices, recipients=reminders.segment_recipients, page=audiences.page_of
            ),
        )
