"""RFC 8620 §3.6 and §5, RFC 8621, RFC 9404: the three error tiers, with their exact wire names."""

from __future__ import annotations

from typing import Any, ClassVar

# ---------------------------------------------------------------------------
# Request level (RFC 8620 §3.6.1): an HTTP 4xx with an RFC 7807 problem body.
# ---------------------------------------------------------------------------
ERROR_URN_PREFIX = "urn:ietf:params:jmap:error:"

UNKNOWN_CAPABILITY = ERROR_URN_PREFIX + "unknownCapability"
NOT_JSON = ERROR_URN_PREFIX + "notJSON"
NOT_REQUEST = ERROR_URN_PREFIX + "notRequest"
LIMIT = ERROR_URN_PREFIX + "limit"

REQUEST_ERROR_TYPES: frozenset[str] = frozenset({UNKNOWN_CAPABILITY, NOT_JSON, NOT_REQUEST, LIMIT})


class RequestError(Exception):
    """The whole request is rejected before any method runs (HTTP error, problem JSON)."""

    def __init__(self, type_: str, detail: str, *, status: int = 400, limit: str | None = None) -> None:
        super().__init__(detail)
        self.type = type_
        self.detail = detail
        self.status = status
        self.limit = limit

    @classmethod
    def not_json(cls, detail: str = "The request body is not valid I-JSON.") -> RequestError:
        """The body could not be decoded as UTF-8 I-JSON."""
        return cls(NOT_JSON, detail)

    @classmethod
    def not_request(cls, detail: str = "The request body is not a JMAP Request object.") -> RequestError:
        """The body is JSON, but not shaped like a Request object."""
        return cls(NOT_REQUEST, detail)

    @classmethod
    def unknown_capability(cls, capability: str) -> RequestError:
        """`using` named a capability this server does not implement."""
        return cls(
            UNKNOWN_CAPABILITY,
            f"The Request object used capability '{capability}', which is not supported by this server.",
        )

    @classmethod
    def limit_exceeded(cls, limit: str, detail: str) -> RequestError:
        """A core limit was exceeded; RFC 8620 §3.6.1 requires naming it in `limit`."""
        return cls(LIMIT, detail, limit=limit)

    def to_problem(self) -> dict[str, Any]:
        """Render as the RFC 7807 problem-details object the transport sends back."""
        problem: dict[str, Any] = {"type": self.type, "status": self.status, "detail": self.detail}
        if self.limit is not None:
            problem["limit"] = self.limit
        return problem


# ---------------------------------------------------------------------------
# Method level (RFC 8620 §3.6.2 and the per-method lists of §5, RFC 8621).
# ---------------------------------------------------------------------------
SERVER_UNAVAILABLE = "serverUnavailable"
SERVER_FAIL = "serverFail"
SERVER_PARTIAL_FAIL = "serverPartialFail"
UNKNOWN_METHOD = "unknownMethod"
INVALID_ARGUMENTS = "invalidArguments"
INVALID_RESULT_REFERENCE = "invalidResultReference"
FORBIDDEN = "forbidden"
ACCOUNT_NOT_FOUND = "accountNotFound"
ACCOUNT_NOT_SUPPORTED_BY_METHOD = "accountNotSupportedByMethod"
ACCOUNT_READ_ONLY = "accountReadOnly"
REQUEST_TOO_LARGE = "requestTooLarge"
CANNOT_CALCULATE_CHANGES = "cannotCalculateChanges"
STATE_MISMATCH = "stateMismatch"
ANCHOR_NOT_FOUND = "anchorNotFound"
UNSUPPORTED_SORT = "unsupportedSort"
UNSUPPORTED_FILTER = "unsupportedFilter"
TOO_MANY_CHANGES = "tooManyChanges"
FROM_ACCOUNT_NOT_FOUND = "fromAccountNotFound"
FROM_ACCOUNT_NOT_SUPPORTED_BY_METHOD = "fromAccountNotSupportedByMethod"
# Extensions we implement: RFC 9404 §4.3 (Blob/lookup), registered in its §6.2.
UNKNOWN_DATA_TYPE = "unknownDataType"

METHOD_ERROR_TYPES: frozenset[str] = frozenset(
    {
        SERVER_UNAVAILABLE,
        SERVER_FAIL,
        SERVER_PARTIAL_FAIL,
        UNKNOWN_METHOD,
        INVALID_ARGUMENTS,
        INVALID_RESULT_REFERENCE,
        FORBIDDEN,
        ACCOUNT_NOT_FOUND,
        ACCOUNT_NOT_SUPPORTED_BY_METHOD,
        ACCOUNT_READ_ONLY,
        REQUEST_TOO_LARGE,
        CANNOT_CALCULATE_CHANGES,
        STATE_MISMATCH,
        ANCHOR_NOT_FOUND,
        UNSUPPORTED_SORT,
        UNSUPPORTED_FILTER,
        TOO_MANY_CHANGES,
        FROM_ACCOUNT_NOT_FOUND,
        FROM_ACCOUNT_NOT_SUPPORTED_BY_METHOD,
        UNKNOWN_DATA_TYPE,
    }
)


class _TypedError(Exception):
    """Shared shape of MethodError and SetError: a wire `type`, a description, extra properties."""

    kind: ClassVar[str] = "error"

    def __init__(self, type_: str, description: str | None = None, **extra: Any) -> None:
        super().__init__(f"{type_}: {description}" if description else type_)
        self.type = type_
        self.description = description
        self.extra: dict[str, Any] = extra

    def _wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"type": self.type}
        if self.description is not None:
            wire["description"] = self.description
        wire.update(self.extra)
        return wire

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._wire() == other._wire()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.type, self.description))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._wire()!r})"


class MethodError(_TypedError):
    """A method call fails as a whole: rendered as `["error", {...}, callId]`, HTTP 200."""

    def to_response_args(self) -> dict[str, Any]:
        """The arguments object of the `error` response (description omitted when None)."""
        return self._wire()

    @classmethod
    def invalid_arguments(cls, description: str) -> MethodError:
        """Wrong type, invalid value or missing argument; the description names the argument."""
        return cls(INVALID_ARGUMENTS, description)

    @classmethod
    def invalid_result_reference(cls, description: str) -> MethodError:
        """A `#name` result reference could not be resolved (RFC 8620 §3.7)."""
        return cls(INVALID_RESULT_REFERENCE, description)


# ---------------------------------------------------------------------------
# SetError (RFC 8620 §5.3, §5.4; RFC 8621 §2.5, §4.6, §6.3, §7.5).
# ---------------------------------------------------------------------------
SET_FORBIDDEN = "forbidden"
OVER_QUOTA = "overQuota"
TOO_LARGE = "tooLarge"
RATE_LIMIT = "rateLimit"
NOT_FOUND = "notFound"
INVALID_PATCH = "invalidPatch"
WILL_DESTROY = "willDestroy"
INVALID_PROPERTIES = "invalidProperties"
SINGLETON = "singleton"
ALREADY_EXISTS = "alreadyExists"
MAILBOX_HAS_CHILD = "mailboxHasChild"
MAILBOX_HAS_EMAIL = "mailboxHasEmail"
BLOB_NOT_FOUND = "blobNotFound"
TOO_MANY_KEYWORDS = "tooManyKeywords"
TOO_MANY_MAILBOXES = "tooManyMailboxes"
INVALID_EMAIL = "invalidEmail"
TOO_MANY_RECIPIENTS = "tooManyRecipients"
NO_RECIPIENTS = "noRecipients"
INVALID_RECIPIENTS = "invalidRecipients"
FORBIDDEN_MAIL_FROM = "forbiddenMailFrom"
FORBIDDEN_FROM = "forbiddenFrom"
FORBIDDEN_TO_SEND = "forbiddenToSend"
CANNOT_UNSEND = "cannotUnsend"

SET_ERROR_TYPES: frozenset[str] = frozenset(
    {
        SET_FORBIDDEN,
        OVER_QUOTA,
        TOO_LARGE,
        RATE_LIMIT,
        NOT_FOUND,
        INVALID_PATCH,
        WILL_DESTROY,
        INVALID_PROPERTIES,
        SINGLETON,
        ALREADY_EXISTS,
        MAILBOX_HAS_CHILD,
        MAILBOX_HAS_EMAIL,
        BLOB_NOT_FOUND,
        TOO_MANY_KEYWORDS,
        TOO_MANY_MAILBOXES,
        INVALID_EMAIL,
        TOO_MANY_RECIPIENTS,
        NO_RECIPIENTS,
        INVALID_RECIPIENTS,
        FORBIDDEN_MAIL_FROM,
        FORBIDDEN_FROM,
        FORBIDDEN_TO_SEND,
        CANNOT_UNSEND,
    }
)


class SetError(_TypedError):
    """One create/update/destroy failed; it goes into notCreated/notUpdated/notDestroyed."""

    def to_json(self) -> dict[str, Any]:
        """The SetError object as it appears on the wire."""
        return self._wire()

    @classmethod
    def invalid_properties(cls, properties: list[str], description: str | None = None) -> SetError:
        """RFC 8620 §5.3: SHOULD list *all* invalid properties."""
        return cls(INVALID_PROPERTIES, description, properties=list(properties))

    @classmethod
    def already_exists(cls, existing_id: str, description: str | None = None) -> SetError:
        """RFC 8620 §5.4: `existingId` MUST be included."""
        return cls(ALREADY_EXISTS, description, existingId=existing_id)

    @classmethod
    def blob_not_found(cls, blob_ids: list[str], description: str | None = None) -> SetError:
        """RFC 8621 §4.6: `notFound` MUST list every missing blobId."""
        return cls(BLOB_NOT_FOUND, description, notFound=list(blob_ids))

    @classmethod
    def not_found(cls, description: str | None = None) -> SetError:
        """The id to update/destroy does not exist (RFC 8620 §5.3)."""
        return cls(NOT_FOUND, description)
