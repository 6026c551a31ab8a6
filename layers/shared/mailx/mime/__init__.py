"""Pure MIME for JMAP Mail: RFC 5322/2045/2231 parsing into the RFC 8621 §4.1 Email representation."""

from mailx.mime.compose import Blob, BlobNotFound, ComposedEmail, ComposeError, compose_email
from mailx.mime.content import ExtractedPart, body_values, extract_part
from mailx.mime.headers import HeaderProperty, parse_header_property
from mailx.mime.message import ParsedMessage, parse_message
from mailx.mime.outgoing import strip_bcc
from mailx.mime.render import (
    DEFAULT_BODY_PROPERTIES,
    EMAIL_PROPERTIES,
    body_value_part_ids,
    email_properties,
    is_body_property,
    split_part_blob_id,
)
from mailx.mime.subject import base_subject
from mailx.mime.summary import ThreadKeys, email_summary, thread_keys

__all__ = [
    "DEFAULT_BODY_PROPERTIES",
    "EMAIL_PROPERTIES",
    "Blob",
    "BlobNotFound",
    "ComposeError",
    "ComposedEmail",
    "ExtractedPart",
    "HeaderProperty",
    "ParsedMessage",
    "ThreadKeys",
    "base_subject",
    "body_value_part_ids",
    "body_values",
    "compose_email",
    "email_properties",
    "email_summary",
    "extract_part",
    "is_body_property",
    "parse_header_property",
    "parse_message",
    "split_part_blob_id",
    "strip_bcc",
    "thread_keys",
]
