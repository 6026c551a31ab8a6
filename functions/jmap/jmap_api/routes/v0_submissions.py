"""/v0/submissions: an EmailSubmission's relay delivery events (Resend webhooks), for its own account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from jmap_api.deps import PrincipalDep
from jmap_api.problems import HttpProblem

router = APIRouter(prefix="/v0/submissions", tags=["submissions"])


@router.get("/{submission_id}/events", summary="The delivery events of one EmailSubmission, oldest first")
def events(submission_id: str, principal: PrincipalDep) -> dict[str, Any]:
    from mailx.mail import delivery  # only this route needs it: keep the app's import cheap

    found = delivery.history(principal.account.account_id, submission_id)
    if found is None:
        raise HttpProblem(404, "Not Found", "no such submission")
    return {"submissionId": submission_id, "events": found}
