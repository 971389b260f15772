"""Mail people send us, as an ESP's inbound webhook posts it to /anymail/<esp>/inbound/.

Each app that reads some of it registers a handler (`registry.register_inbound_handler`):
events reads calendar programs' replies to invitations. notifications reads the
unsubscribe mailto itself (suppression.on_inbound). Only a webhook protected by
ANYMAIL_WEBHOOK_SECRET is heard: anyone can post to an unprotected one.
"""

import logging

from notifications import registry, suppression

logger = logging.getLogger(__name__)


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's inbound signal: hand the message to every registered handler. One
    handler's failure is logged, not raised: the ESP would post the message again."""
    if not suppression.webhooks_protected(esp_name):
        return
    for name, handle in registry.inbound_handlers.items():
        try:
            handle(event.message)
        except Exception:
            logger.exception("The %s handler failed on an inbound email from %s", name, esp_name)
