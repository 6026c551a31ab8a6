"""POST /webhooks/resend as one function of (body octets, headers): the Lambda handler and the local
runtime's route both call it, so a webhook tried locally runs the code a deployment runs.

The signing secret is read through the stored-override path (Config/set) like every mutable setting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from mailx.mail import status_webhook
from mailx.mail.status_webhook import Reply
from mailx.observe import metrics

logger = logging.getLogger("mailx.webhook")


def receive_resend(body: bytes, headers: Mapping[str, str]) -> Reply:
    """Verify, keep and apply one Resend event; the reply to send and its outcome word."""
    from mailx.store.config_store import effective_settings

    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    reply = status_webhook.receive(body, lowered, effective_settings().resend_webhook_secret)
    logger.info("resend webhook", extra={"svixId": lowered.get("svix-id"), "outcome": reply.outcome})
    metrics.count("WebhookEvents", outcome=reply.outcome)
    return reply
