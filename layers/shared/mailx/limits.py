"""The limits this deployment advertises and enforces (RFC 8620 §2), sized for Lambda.

Lambda takes at most 6 MB of synchronous payload and API Gateway base64-encodes binary bodies, so an
upload of more than ~4 MB can never arrive: maxSizeUpload says so instead of promising 50 MB.
"""

from __future__ import annotations

from typing import Any

from mailx.protocol.limits import CoreLimits

MAX_UPLOAD_BYTES = 4_000_000
LIMITS = CoreLimits(
    max_size_upload=MAX_UPLOAD_BYTES,
    max_concurrent_upload=4,
    max_size_request=5_000_000,
    max_concurrent_requests=8,
    max_calls_in_request=32,
    max_objects_in_get=500,
    max_objects_in_set=500,
    # Lambda returns at most 6 MB and escapes the JSON body once more inside its own JSON: 4 MB of
    # method responses always fits. A reference may resolve to no more than a request may carry.
    max_size_response=4_000_000,
    max_size_reference=5_000_000,
)

# RFC 8621 §1.3.1 account capability values.
MAX_MAILBOX_DEPTH = 10
MAX_SIZE_MAILBOX_NAME = 255
MAX_MAILBOXES_PER_EMAIL = 20  # each costs two items of a 100-item DynamoDB transaction at ingest
MAX_SIZE_ATTACHMENTS_PER_EMAIL = 3_500_000

# The largest whole message (RFC 5322 octets) stored: SES receives up to 40 MB, so that is what inbound
# mail, Email/import and Email/set create may reach (RFC 8621 §1.3.1's "server-defined limit").
# Parsing one takes ~5x its size in memory, within the 1 GB functions; a larger SES object is not read
# at all but kept under OVERSIZED_PREFIX and reported (docs/security.md, "Message size").
MAX_MESSAGE_SIZE = 40 * 1024 * 1024

# RFC 9404 §3.1 blob capability values: what Blob/upload enforces is what the Session advertises.
MAX_SIZE_BLOB_SET = MAX_UPLOAD_BYTES
MAX_DATA_SOURCES = 64  # servers MUST allow at least 64


# API Gateway WebSocket APIs take and send messages of at most 128 KB: a larger request never arrives
# and a larger answer cannot be sent, so JMAP over WebSocket (RFC 8887) is bounded by this, locally too.
MAX_SIZE_WEBSOCKET_MESSAGE = 128 * 1024


def advertised() -> dict[str, Any]:
    """The MAILX_LIMITS capability object: every bound beyond the RFCs' own properties."""
    from mailx.mime import bounds  # the mime package stays out of the cold start

    return {
        "maxSizeResponse": LIMITS.max_size_response,
        "maxSizeReference": LIMITS.max_size_reference,
        "maxSizeMessage": MAX_MESSAGE_SIZE,
        "maxSizeWebSocketMessage": MAX_SIZE_WEBSOCKET_MESSAGE,
        "maxMimeParts": bounds.MAX_MIME_PARTS,
        "maxMimeDepth": bounds.MAX_MIME_DEPTH,
        "maxMimeParameters": bounds.MAX_MIME_PARAMETERS,
        "maxParsedFieldOctets": bounds.MAX_PARSED_FIELD_OCTETS,
    }
