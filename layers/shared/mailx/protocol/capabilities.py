"""RFC 8620 §2, RFC 8621 §1.3 and RFC 9404 §3.1: the capability URNs clients name in `using`."""

from __future__ import annotations

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
SUBMISSION = "urn:ietf:params:jmap:submission"
VACATION_RESPONSE = "urn:ietf:params:jmap:vacationresponse"
BLOB = "urn:ietf:params:jmap:blob"
QUOTA = "urn:ietf:params:jmap:quota"
# mailx's own server capability: the limits it enforces beyond the RFCs' own properties. Clients
# that do not know it ignore it; it has no methods and no account capability.
MAILX_LIMITS = "urn:x-mailx:limits"
# RFC 8887 §3: JMAP over WebSocket, a session capability only (no methods, nothing to name in `using`).
WEBSOCKET = "urn:ietf:params:jmap:websocket"
# RFC 9749: the server signs its Web Push requests with VAPID (RFC 8292); the session capability
# carries `applicationServerKey`. It has no methods and no account capability.
WEBPUSH_VAPID = "urn:ietf:params:jmap:webpush-vapid"
