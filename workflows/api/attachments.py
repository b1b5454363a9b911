"""REST endpoints: start/finish an upload, list a ticket's attachments, get a download link."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ruledesk import errors
from ruledesk.api.base import ApiView, ListApiView, StrictSerializer, UserRefSerializer, user_ref
from ruledesk.api.fields import BooleanField
from ruledesk.api.parsers import StrictJSONParser
from workflows import selectors as ticket_selectors
from workflows.attachments import selectors, services, types
from workflows.attachments.models import VISIBILITIES, Attachment, ScanStatus
from workflows.models import Comment, Ticket

_SHA256 = r"^[0-9a-fA-F]{64}$"


class AttachmentOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    ticket = serializers.IntegerField()
    comment = serializers.IntegerField(allow_null=True)
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    visibility = serializers.ChoiceField(choices=VISIBILITIES)
    uploaded = BooleanField(help_text="True once `complete` verified the bytes.")
    scan_status = serializers.ChoiceField(choices=ScanStatus.choices)
    uploader = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class AttachmentStartInput(StrictSerializer):
    filename = serializers.CharField(max_length=1000, trim_whitespace=False)
    content_type = serializers.CharField(max_length=127)
    size = serializers.IntegerField(min_value=1)
    sha256 = serializers.RegexField(_SHA256, help_text="Hex SHA-256 of the file's bytes.")
    visibility = serializers.ChoiceField(choices=VISIBILITIES, default="public")
    comment = serializers.IntegerField(required=False, allow_null=True)


class AttachmentFileInput(StrictSerializer):
    file = serializers.FileField()
    visibility = serializers.ChoiceField(choices=VISIBILITIES, default="public")


class UploadOutput(serializers.Serializer):  # type: ignore[type-arg]
    url = serializers.CharField()
    method = serializers.CharField()
    headers = serializers.DictField(child=serializers.CharField())


class AttachmentStartOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    upload = UploadOutput()
    expires_at = serializers.DateTimeField()


class DownloadOutput(serializers.Serializer):  # type: ignore[type-arg]
    url = serializers.CharField()
    expires_at = serializers.DateTimeField()


def attachment_out(attachment: Attachment, viewer: Any) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "ticket": attachment.ticket_id,
        "comment": attachment.comment_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type or attachment.declared_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "visibility": attachment.visibility,
        "uploaded": attachment.uploaded_at is not None,
        "scan_status": attachment.scan_status,
        "uploader": user_ref(attachment.uploader, viewer),
        "created_at": attachment.created_at,
    }


def _comment(actor: Any, ticket: Ticket, comment_id: int | None) -> Comment | None:
    if comment_id is None:
        return None
    comment = ticket_selectors.comments_visible_to(actor, ticket).filter(pk=comment_id).first()
    if comment is None:
        raise errors.ValidationFailed.on("comment", _("No such comment on this ticket."))
    return comment


class TicketAttachmentsApi(ListApiView):
    ordering = ("created_at", "id")
    parser_classes = (StrictJSONParser, MultiPartParser)

    @extend_schema(responses={200: AttachmentOutput(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = ticket_selectors.access_ticket(self.actor, pk)
        rows = selectors.attachments_visible_to(self.actor, ticket)
        return self.paginate(request, rows, lambda a: attachment_out(a, self.actor))

    @extend_schema(
        request={
            "application/json": AttachmentStartInput,
            "multipart/form-data": AttachmentFileInput,
        },
        responses={
            201: PolymorphicProxySerializer(
                component_name="AttachmentCreated",
                serializers=[AttachmentStartOutput, AttachmentOutput],
                resource_type_field_name=None,
            )
        },
        description=(
            "JSON: a presigned upload of exactly the declared size, type and SHA-256 "
            "(send `headers` with the body, then call `complete`). Multipart with a "
            "`file` part (small files): stored and verified at once; answers the attachment."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = ticket_selectors.access_ticket(self.actor, pk)
        if (request.content_type or "").startswith("multipart/"):
            return self._direct(request, ticket)
        data = AttachmentStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        comment = _comment(self.actor, ticket, values.pop("comment", None))
        started = services.attachment_begin(
            actor=self.actor, ticket=ticket, comment=comment, **values
        )
        body = {
            "id": started.attachment.pk,
            "upload": {
                "url": started.upload.url,
                "method": started.upload.method,
                "headers": started.upload.headers,
            },
            "expires_at": started.expires_at,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def _direct(self, request: Request, ticket: Ticket) -> Response:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > types.hard_limit() + 64 * 1024:  # the file part plus the form around it
            raise errors.PayloadTooLarge(_("The file is too large."))
        data = AttachmentFileInput(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_upload(
            actor=self.actor,
            ticket=ticket,
            upload=data.validated_data["file"],
            visibility=data.validated_data["visibility"],
        )
        return Response(attachment_out(attachment, self.actor), status=status.HTTP_201_CREATED)


class AttachmentDetailApi(ApiView):
    @extend_schema(responses={200: AttachmentOutput})
    def get(self, request: Request, pk: int) -> Response:
        attachment = selectors.access_attachment(self.actor, pk)
        return Response(attachment_out(attachment, self.actor))

    @extend_schema(responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request: Request, pk: int) -> Response:
        attachment = selectors.access_attachment(self.actor, pk)
        services.attachment_delete(actor=self.actor, attachment=attachment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentCompleteApi(ApiView):
    # The stored bytes may be too large for, or not of, an allowed type (object deleted).
    error_statuses: ClassVar[dict[str, tuple[int, ...]]] = {"post": (413, 415)}

    @extend_schema(request=None, responses={200: AttachmentOutput})
    def post(self, request: Request, pk: int) -> Response:
        attachment = selectors.access_attachment(self.actor, pk)
        attachment = services.attachment_complete(actor=self.actor, attachment=attachment)
        return Response(attachment_out(attachment, self.actor))


class AttachmentDownloadApi(ApiView):
    # `not_scanned`: quarantined, infected or failed scans are never served.
    error_statuses: ClassVar[dict[str, tuple[int, ...]]] = {"get": (409,)}

    @extend_schema(responses={200: DownloadOutput})
    def get(self, request: Request, pk: int) -> Response:
        attachment = selectors.access_attachment(self.actor, pk)
        link = services.attachment_download(actor=self.actor, attachment=attachment)
        return Response({"url": link.url, "expires_at": link.expires_at})
