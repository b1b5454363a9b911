"""Where attachment bytes live: Django's `attachments` storage (local files or S3).

Uploads and downloads never pass an object key to the client as something to trust: S3 gets
presigned URLs for exactly one key, the local backend gets our own signed, expiring tokens
(checked by `workflows.attachments.views`).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

CHUNK = 256 * 1024
UPLOAD_SALT = "ruledesk.attachments.upload"
DOWNLOAD_SALT = "ruledesk.attachments.download"


@dataclass(frozen=True)
class UploadTarget:
    url: str
    method: str
    headers: dict[str, str]


def store() -> Storage:
    return storages["attachments"]


def _is_s3(storage: Storage) -> bool:
    return hasattr(storage, "bucket_name") and hasattr(storage, "connection")


def _client(storage: Any) -> Any:
    return storage.connection.meta.client


def _signer(storage: Any) -> Any:
    """A client whose endpoint the browser can reach (signing needs no connectivity)."""
    public = settings.RULEDESK_S3_PUBLIC_ENDPOINT_URL
    if not public or public == storage.endpoint_url:
        return _client(storage)
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=public,
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        region_name=storage.region_name,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def upload_ttl() -> int:
    return int(settings.RULEDESK_ATTACHMENT_UPLOAD_TTL_SECONDS)


def download_ttl() -> int:
    return int(settings.RULEDESK_ATTACHMENT_DOWNLOAD_TTL_SECONDS)


def upload_target(
    *, attachment_id: int, key: str, content_type: str, size: int, sha256: str
) -> UploadTarget:
    """A presigned PUT of exactly this key, size, type and SHA-256 (base64 in the header)."""
    storage = store()
    checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
    if _is_s3(storage):
        url = _signer(storage).generate_presigned_url(
            "put_object",
            Params={
                "Bucket": storage.bucket_name,  # type: ignore[attr-defined]
                "Key": key,
                "ContentType": content_type,
                "ContentLength": size,
                "ChecksumSHA256": checksum,
            },
            ExpiresIn=upload_ttl(),
        )
        headers = {"Content-Type": content_type, "x-amz-checksum-sha256": checksum}
        return UploadTarget(url=url, method="PUT", headers=headers)
    token = signing.dumps({"a": attachment_id, "k": key}, salt=UPLOAD_SALT, compress=True)
    url = reverse("attachment-file-upload") + "?t=" + token
    return UploadTarget(url=url, method="PUT", headers={"Content-Type": content_type})


def read_upload_token(token: str) -> dict[str, Any]:
    """The payload of a local upload token; raises signing.BadSignature (expired included)."""
    return dict(signing.loads(token, salt=UPLOAD_SALT, max_age=upload_ttl()))


def read_download_token(token: str) -> dict[str, Any]:
    return dict(signing.loads(token, salt=DOWNLOAD_SALT, max_age=download_ttl()))


def save(key: str, chunks: Iterator[bytes] | bytes) -> None:
    """Write an object under exactly `key` (never renamed: keys are unique uuids)."""
    storage = store()
    content = chunks if isinstance(chunks, bytes) else b"".join(chunks)
    if _is_s3(storage):
        _client(storage).put_object(
            Bucket=storage.bucket_name,  # type: ignore[attr-defined]
            Key=key,
            Body=content,
        )
        return
    path = storage.path(key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    written = storage.save(key, ContentFile(content))
    if written != key:  # a file was already there: never serve something else under this key
        storage.delete(written)
        raise FileExistsError(key)


def exists(key: str) -> bool:
    return store().exists(key)


def size(key: str) -> int:
    return int(store().size(key))


def chunks(key: str) -> Iterator[bytes]:
    with store().open(key, "rb") as handle:
        while part := handle.read(CHUNK):
            yield part


def delete(key: str) -> None:
    store().delete(key)


def promote(source: str, target: str, content_type: str) -> None:
    """Move a scanned object from quarantine/ to clean/ (server side on S3)."""
    storage = store()
    if _is_s3(storage):
        bucket = storage.bucket_name  # type: ignore[attr-defined]
        _client(storage).copy_object(
            Bucket=bucket,
            Key=target,
            CopySource={"Bucket": bucket, "Key": source},
            ContentType=content_type,
            ContentDisposition="attachment",
            MetadataDirective="REPLACE",
        )
        storage.delete(source)
        return
    destination = storage.path(target)
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    os.replace(storage.path(source), destination)


def disposition(filename: str, inline: bool) -> str:
    """RFC 6266: an ASCII `filename` fallback and, for other names, `filename*` (RFC 5987)."""
    header = content_disposition_header(not inline, filename) or "attachment"
    if "filename*=" in header:
        import unicodedata

        ascii_name = (
            unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode().strip()
        )
        ascii_name = "".join(c for c in ascii_name if c.isprintable() and c not in '"\\') or "file"
        kind, rest = header.split(";", 1)
        header = f'{kind}; filename="{ascii_name}";{rest}'
    return header


def download_url(
    *, attachment_id: int, key: str, filename: str, content_type: str, inline: bool
) -> tuple[str, datetime]:
    """A signed, short-lived URL for one clean object; never logged by us."""
    storage = store()
    ttl = download_ttl()
    expires_at = timezone.now() + timedelta(seconds=ttl)
    if _is_s3(storage):
        url = _signer(storage).generate_presigned_url(
            "get_object",
            Params={
                "Bucket": storage.bucket_name,  # type: ignore[attr-defined]
                "Key": key,
                "ResponseContentDisposition": disposition(filename, inline),
                "ResponseContentType": content_type,
            },
            ExpiresIn=ttl,
        )
        return str(url), expires_at
    token = signing.dumps({"a": attachment_id, "k": key, "i": inline}, salt=DOWNLOAD_SALT)
    return reverse("attachment-file-download") + "?t=" + token, expires_at
