"""The local backend's upload and download endpoints (S3 serves presigned URLs itself).

Both are authorised only by a signed, expiring token in the query string (Django signing,
purpose salt, `max_age`): no session is needed, so links work like S3's. Access logs drop
query strings (see ruledesk/runner.py), so the signature is never logged.
"""

from __future__ import annotations

from django.core import signing
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from workflows.attachments import storage
from workflows.attachments.models import Attachment, ScanStatus

_CHUNK = 256 * 1024


def _refused(status: int) -> HttpResponse:
    response = HttpResponse(status=status, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


# CSRF protects session-authenticated forms; this PUT carries no session and is
# authorised only by its signed, expiring, single-object token (like S3's presigned URL).
@csrf_exempt
@require_http_methods(["PUT"])
def upload(request: HttpRequest) -> HttpResponse:
    token = request.GET.get("t", "")
    if not token:
        return _refused(404)
    try:
        payload = storage.read_upload_token(token)
    except signing.SignatureExpired:
        return _refused(403)
    except signing.BadSignature:
        return _refused(404)
    attachment = Attachment.objects.filter(
        pk=int(payload["a"]), key=str(payload["k"]), uploaded_at__isnull=True
    ).first()
    if attachment is None:
        return _refused(404)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length != attachment.size:  # the signed size, as S3 would demand
        return _refused(400)
    if request.content_type != attachment.declared_type:
        return _refused(400)
    data = bytearray()
    while len(data) < length:
        part = request.read(min(_CHUNK, length - len(data)))
        if not part:
            break
        data += part
    if len(data) != length:
        return _refused(400)
    if storage.exists(attachment.key):
        storage.delete(attachment.key)  # a second PUT replaces the first, as on S3
    storage.save(attachment.key, bytes(data))
    return _refused(200)


@require_GET
def download(request: HttpRequest) -> HttpResponseBase:
    token = request.GET.get("t", "")
    if not token:
        return _refused(404)
    try:
        payload = storage.read_download_token(token)
    except signing.SignatureExpired:
        return _refused(403)
    except signing.BadSignature:
        return _refused(404)
    attachment = Attachment.objects.filter(
        pk=int(payload["a"]), key=str(payload["k"]), scan_status=ScanStatus.CLEAN
    ).first()
    if attachment is None or not attachment.downloadable:
        return _refused(404)
    inline = bool(payload.get("i"))
    response = FileResponse(
        storage.store().open(attachment.key, "rb"), content_type=attachment.content_type
    )
    response["Content-Disposition"] = storage.disposition(attachment.filename, inline)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
