"""/v0/submissions: an EmailSubmission's relay delivery events (Resend webhooks), for its own account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jmap_api.deps import PrincipalDep
from jmap_api.openapi_docs import ACCOUNT_CREDENTIALS, STR, obj, responses
from jmap_api.problems import HttpProblem

router = APIRouter(prefix="/v0/submissions", tags=["submissions"])

EVENT = obj(
    {
        "type": STR,
        "createdAt": STR,
        "svixId": STR,
        "receivedAt": {"type": "integer"},
        "data": {"type": "object"},
    }
)
EVENTS = obj({"submissionId": STR, "events": {"type": "array", "items": EVENT}})


@router.get(
    "/{submission_id}/events",
    summary="The delivery events of one EmailSubmission, oldest first",
    response_model=None,
    responses=responses(200, EVENTS, 401, 404, 429),
    openapi_extra=ACCOUNT_CREDENTIALS,
)
def events(submission_id: str, principal: PrincipalDep) -> dict[str, Any]:
    from mailx.mail import status_webhook  # only this route needs it: keep the app's import cheap

    found = status_webhook.history(principal.account.account_id, submission_id)
    if found is None:
        raise HttpProblem(404, "Not Found", "no such submission")
    return {"submissionId": submission_id, "events": found}
