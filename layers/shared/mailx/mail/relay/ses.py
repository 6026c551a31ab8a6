"""The Amazon SES relay: SESv2 `SendEmail` with raw content, our MIME byte for byte (RFC 5321 envelope).

The caller has already removed Bcc (`mailx.mime.strip_bcc`); the envelope recipients travel in
`Destination`, so hidden recipients get their copy without appearing in any header. Errors map by code:
throttling, quota pauses, 5xx and connection failures are transient; MessageRejected, an unverified
MAIL FROM domain, a suspended account and other 4xx are permanent.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from mailx.mail.relay.base import (
    OutboundMessage,
    PermanentRelayError,
    RelayError,
    RelayResult,
    TransientRelayError,
)

_TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",
        "SendingPausedException",
        "ServiceUnavailable",
        "InternalFailure",
        "RequestTimeout",
    }
)
_REPLIES = {
    "MessageRejected": "554 5.6.0",
    "MailFromDomainNotVerifiedException": "550 5.7.1",
    "AccountSuspendedException": "554 5.7.1",
}


def error_for(exc: ClientError | BotoCoreError) -> RelayError:
    """The relay error a botocore exception means."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        detail = " ".join(f"SES {code}: {error.get('Message', '')}".split())
        if code in _TRANSIENT_CODES or status >= 500:
            return TransientRelayError(detail)
        return PermanentRelayError(detail, reply=f"{_REPLIES.get(code, '554 5.0.0')} {detail}"[:500])
    if isinstance(exc, ParamValidationError):  # a request SES would never take, however often sent
        return PermanentRelayError(f"SES request invalid: {exc}", reply="554 5.0.0 SES request invalid")
    # Other BotoCoreErrors: endpoint unreachable, read or connect timeout, retries exhausted on a connection.
    return TransientRelayError(f"SES unreachable: {exc}")


class SesRelay:
    """Raw sending through SESv2; the client comes from `mailx.aws` unless a test hands one in."""

    name = "ses"

    def __init__(self, boto3_client: Any = None) -> None:
        self._client = boto3_client

    def _ses(self) -> Any:
        if self._client is None:
            from mailx import aws

            self._client = aws.sesv2()
        return self._client

    def send(self, message: OutboundMessage) -> RelayResult:
        """Send MESSAGE.raw unchanged to the envelope recipients; returns SES's MessageId."""
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": list(message.rcpt_to)},
            "Content": {"Raw": {"Data": message.raw}},
        }
        if message.mail_from:  # the null reverse-path (bounces, auto-replies) lets SES use From
            request["FromEmailAddress"] = message.mail_from
        try:
            answer = self._ses().send_email(**request)
        except (ClientError, BotoCoreError) as exc:
            raise error_for(exc) from exc
        return RelayResult(str(answer.get("MessageId") or "") or None, tuple(message.rcpt_to))
