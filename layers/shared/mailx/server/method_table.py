"""The one explicit list of JMAP methods this server implements, loaded method by method.

Each entry names its handler as `module:function` and the module is imported on the method's first
call, not when the registry is built: a cold Lambda that answers the Session and an inbox request
imports the Mailbox and Email query/get code and nothing for submission, vacation or blobs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mailx.protocol.capabilities import BLOB, CORE, MAIL, QUOTA, SUBMISSION, VACATION_RESPONSE
from mailx.protocol.context import CallContext
from mailx.protocol.registry import Handler, MethodOutput, MethodSpec, Registry


@dataclass(frozen=True)
class LazyHandler:
    """A handler named by `module:function`, imported the first time it is called."""

    target: str
    _resolved: list[Handler] = field(default_factory=list, compare=False, repr=False)

    def resolve(self) -> Handler:
        """The real handler function (imported once, then cached)."""
        if not self._resolved:
            module_name, _, attribute = self.target.partition(":")
            self._resolved.append(getattr(importlib.import_module(module_name), attribute))
        return self._resolved[0]

    def __call__(self, context: CallContext, arguments: dict[str, Any]) -> MethodOutput:
        return self.resolve()(context, arguments)


_M = "mailx.methods."
# (name, capability, handler, writes).
METHODS: tuple[tuple[str, str, str, bool], ...] = (
    ("Core/echo", CORE, _M + "core.echo:echo", False),
    ("Mailbox/get", MAIL, _M + "mailbox.get:mailbox_get", False),
    ("Mailbox/changes", MAIL, _M + "mailbox.changes:mailbox_changes", False),
    ("Mailbox/query", MAIL, _M + "mailbox.query:mailbox_query", False),
    ("Mailbox/queryChanges", MAIL, _M + "mailbox.query_changes:mailbox_query_changes", False),
    ("Mailbox/set", MAIL, _M + "mailbox.set:mailbox_set", True),
    ("Blob/copy", CORE, _M + "blob.copy:blob_copy", True),
    ("Blob/upload", BLOB, _M + "blob.upload:blob_upload", True),
    ("Blob/get", BLOB, _M + "blob.get:blob_get", False),
    ("Blob/lookup", BLOB, _M + "blob.lookup:blob_lookup", False),
    ("Email/get", MAIL, _M + "email.get:email_get", False),
    ("Email/changes", MAIL, _M + "email.changes:email_changes", False),
    ("Email/query", MAIL, _M + "email.query:email_query", False),
    ("Email/queryChanges", MAIL, _M + "email.query_changes:email_query_changes", False),
    ("Email/set", MAIL, _M + "email.set:email_set", True),
    ("Email/copy", MAIL, _M + "email.copy:email_copy", True),
    ("Email/import", MAIL, _M + "email.import_:email_import", True),
    ("Email/parse", MAIL, _M + "email.parse:email_parse", False),
    ("Thread/get", MAIL, _M + "thread.get:thread_get", False),
    ("Thread/changes", MAIL, _M + "thread.changes:thread_changes", False),
    ("SearchSnippet/get", MAIL, _M + "search_snippet.get:search_snippet_get", False),
    ("Identity/get", SUBMISSION, _M + "identity.get:identity_get", False),
    ("Identity/changes", SUBMISSION, _M + "identity.changes:identity_changes", False),
    ("Identity/set", SUBMISSION, _M + "identity.set:identity_set", True),
    ("EmailSubmission/get", SUBMISSION, _M + "email_submission.get:email_submission_get", False),
    ("EmailSubmission/changes", SUBMISSION, _M + "email_submission.changes:email_submission_changes", False),
    ("EmailSubmission/query", SUBMISSION, _M + "email_submission.query:email_submission_query", False),
    (
        "EmailSubmission/queryChanges",
        SUBMISSION,
        _M + "email_submission.query_changes:email_submission_query_changes",
        False,
    ),
    ("EmailSubmission/set", SUBMISSION, _M + "email_submission.set:email_submission_set", True),
    ("VacationResponse/get", VACATION_RESPONSE, _M + "vacation.get:vacation_get", False),
    ("VacationResponse/set", VACATION_RESPONSE, _M + "vacation.set:vacation_set", True),
    ("Quota/get", QUOTA, _M + "quota.get:quota_get", False),
    ("Quota/changes", QUOTA, _M + "quota.changes:quota_changes", False),
    ("Quota/query", QUOTA, _M + "quota.query:quota_query", False),
    ("Quota/queryChanges", QUOTA, _M + "quota.query:quota_query_changes", False),
    ("PushSubscription/get", CORE, _M + "push_subscription.get:push_subscription_get", False),
    ("PushSubscription/set", CORE, _M + "push_subscription.set:push_subscription_set", True),
)
# Methods that take no `accountId`: Core/echo, and PushSubscription's, which belong to the credentials.
NO_ACCOUNT = frozenset({"Core/echo", "PushSubscription/get", "PushSubscription/set"})


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every method, registered once per process; handler modules load on first use."""
    result = Registry()
    for name, capability, target, writes in METHODS:
        result.register(
            MethodSpec(
                name, capability, LazyHandler(target), needs_account=name not in NO_ACCOUNT, writes=writes
            )
        )
    return result
