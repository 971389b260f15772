"""What Celery beat runs, and when: the periodic passes of every app (config/settings.py)."""

from celery.schedules import crontab


def beat_schedule(*, outbox_sweep_seconds: int) -> dict:
    schedule: dict = {
        # Every minute; a pass that waited longer than that is dropped (the next one
        # catches up), so a stopped worker does not come back to a pile of passes.
        "send-due-reminders": {
            "task": "notifications.tasks.send_due_reminders",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        "apply-waiting-stripe-events": {
            "task": "members.tasks.process_waiting_stripe_events",
            "schedule": 60.0,
            "options": {"expires": 55},
        },
        # Every few seconds: it takes back what a dead worker held once OUTBOX_STALE_SECONDS
        # have passed, so a dead worker's unsent rows go out again within about a minute.
        "sweep-outbox": {
            "task": "notifications.tasks.sweep_outbox",
            "schedule": float(outbox_sweep_seconds),
            "options": {"expires": outbox_sweep_seconds},
        },
    }
    # Each night: expired data downloads deleted, visitors' old answers anonymised, old email
    # bodies removed, erased members' payments deleted after their retention period.
    schedule["apply-retention"] = {
        "task": "members.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3600},
    }
    # Every minute: ticket orders nobody paid for in time give their held seats back.
    schedule["end-ticket-holds"] = {
        "task": "events.tasks.end_ticket_holds",
        "schedule": 60.0,
        "options": {"expires": 55},
    }
    # Every minute: seats freed at sold-out paid events are offered to the first on their waitlists.
    schedule["offer-waitlist-seats"] = {
        "task": "events.tasks.offer_waitlist_seats",
        "schedule": 60.0,
        "options": {"expires": 55},
    }
    return schedule
