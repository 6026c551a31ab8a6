"""POST /jmap/upload and GET /jmap/download (RFC 8620 §6.1, §6.2): transport only, problem JSON on failure."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from jmap_api.deps import principal_for_get, require_principal
from jmap_api.offload import offload
from jmap_api.problems import problem
from mailx.blobs import download, upload
from mailx.limits import LIMITS
from mailx.protocol.errors import LIMIT
from mailx.protocol.validate import is_id


class FileNameConvertor(Convertor[str]):
    """The rest of the path, slashes and line breaks included: `{name}` may hold any file name."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("filename", FileNameConvertor())
router = APIRouter()
# Path values are read from request.path_params rather than typed parameters: any typed parameter
# makes FastAPI probe for pydantic.v1 models, an import of ~17 ms on a cold start.

# Downloads are attachments of any origin: never sniffed, never run as a page of ours.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
# The presigned URL behind a redirect lives minutes, so the redirect itself must not be cached.
REDIRECT_CACHE = "private, no-store"


def _not_found(what: str) -> JSONResponse:
    return problem(404, "Not Found", f"no such {what} in an account you can access")


def _too_large(detail: str) -> JSONResponse:
    return problem(413, "Payload Too Large", detail, type_=LIMIT, limit="maxSizeUpload")


def _too_many(detail: str) -> JSONResponse:
    return problem(429, "Too Many Requests", detail, type_=LIMIT, limit="maxConcurrentUpload")


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it passes maxSizeUpload (counted, whatever Content-Length said)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > LIMITS.max_size_upload:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/jmap/upload/{account_id}/", summary="Upload a blob", status_code=201)
@router.post("/jmap/upload/{account_id}", include_in_schema=False, status_code=201)
async def upload_blob(request: Request) -> JSONResponse:
    account_id: str = request.path_params["account_id"]
    principal = await offload(require_principal, request)
    if account_id != principal.account.account_id:
        return _not_found("account")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > LIMITS.max_size_upload:
        return _too_large(f"the upload is {declared} octets; at most {LIMITS.max_size_upload} are accepted")
    try:
        with upload.UploadSlot(account_id):
            body = await _read_body(request)
            if body is None:
                return _too_large(f"the upload exceeds {LIMITS.max_size_upload} octets")
            stored = await offload(upload.store_upload, account_id, body, request.headers.get("content-type"))
    except upload.TooManyUploads as exc:
        return _too_many(str(exc))
    except upload.UploadTooLarge as exc:
        return _too_large(str(exc))
    return JSONResponse(stored.to_json(), status_code=201)


@router.get("/jmap/download/{account_id}/{blob_id}/{name:filename}", summary="Download a blob")
@router.get("/jmap/download/{account_id}/{blob_id}", include_in_schema=False)
async def download_blob(request: Request) -> Response:
    account_id: str = request.path_params["account_id"]
    blob_id: str = request.path_params["blob_id"]
    name: str = request.path_params.get("name", "")
    principal = await offload(principal_for_get, request, "download")
    if account_id != principal.account.account_id or not is_id(blob_id):
        return _not_found("blob")
    answer = await offload(download.prepare, account_id, blob_id, name, request.query_params.get("type"))
    if answer is None:
        return _not_found("blob")
    if isinstance(answer, download.Redirect):
        return RedirectResponse(answer.url, status_code=302, headers={"Cache-Control": REDIRECT_CACHE})
    headers = {
        **DOWNLOAD_HEADERS,
        # Set directly: Starlette would append "; charset=utf-8" to a text/* media_type.
        "Content-Type": answer.content_type,
        "Content-Disposition": answer.disposition,
        "Cache-Control": download.CACHE_CONTROL,
    }
    return Response(answer.data, status_code=200, headers=headers)
