"""FreeScout's "API & Webhooks" module (Manage › Settings › API & Webhooks).

Signature (the module's Modules/ApiWebhooks/Entities/Webhook.php, ``sign`` and
``getSecretKey``, version 1.0.67 as vendored in webfactory/webfactory-de-
freescout at commit 9b6db886)::

    X-FreeScout-Signature: base64(HMAC-SHA1(key, body))

where the key is ``md5(APP_KEY . "webhook_key")``: one per installation,
shown as "Secret Key" on the module's settings page; that text is csat's
secret. No timestamp. The event is the header ``X-FreeScout-Event``; the body
is the conversation as the module formats it (``formatEntity``: Help Scout's
shape with ``firstName``/``lastName`` and ``customer``).

``convo.status`` with status ``closed`` invites, and so does
``convo.agent.reply.created`` with it: before module 1.0.82 "Reply & Close"
sent no ``convo.status`` (FreeScout issue #4305). ``convo.status`` or
``convo.customer.reply.created`` with ``active`` or ``pending`` cancels. The
mailbox is named as for Help Scout (option ``mailboxes``).
"""

from __future__ import annotations

from .helpscout import ConversationAdapter


class FreeScout(ConversationAdapter):
    """FreeScout's module webhooks, signed with the installation's secret key."""

    name = "freescout"
    signature_header = "X-FreeScout-Signature"
    event_header = "X-FreeScout-Event"
    resolving = ("convo.status", "convo.agent.reply.created")
    reopening = ("convo.status", "convo.customer.reply.created")
    first_name, last_name = "firstName", "lastName"
    customer_paths = ("customer.email",)
