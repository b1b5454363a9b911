"""Ticket attachments: presigned uploads, verification, scanning, visibility and signed downloads.

Objects live in Django's `attachments` storage under server-generated keys:
`quarantine/<org>/<uuid>` until a scan says clean, then `clean/<org>/<uuid>`. Only clean
keys are ever signed for download, and only after the visibility check.
"""
