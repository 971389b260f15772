from celery import shared_task

from notifications import outbox


@shared_task(name="notifications.tasks.send_delivery")
def send_delivery(delivery_id: int) -> None:
    outbox.send(delivery_id)
