"""Uploading attachments: the type is decided by the file's first bytes, never by its name."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from shuangfang.accounts.roles import Action

from .events import record_event
from .models import Attachment
from .services import PermissionDenied

MAGIC_NUMBERS = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in MAGIC_NUMBERS:
        if head.startswith(magic):
            return content_type
    return None


def do_upload_attachment(*, actor, uploaded) -> Attachment:
    if not actor.may(Action.UPLOAD_ATTACHMENT) or actor.organization is None:
        raise PermissionDenied(_("您的角色不能上传附件。"))
    if uploaded is None:
        raise ValidationError({"file": _("请选择文件。")})
    if uploaded.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"file": _("文件过大：最大 %(mb)d MB。") % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}}
        )
    content = uploaded.read()
    content_type = sniff_content_type(content[:16])
    if content_type is None:
        raise ValidationError({"file": _("只接受 JPEG、PNG 图片或 PDF 文件。")})
    digest = hashlib.sha256(content).hexdigest()
    organization = actor.organization
    attachment = Attachment(
        organization=organization,
        region_id=organization.region_id,
        original_name=(uploaded.name or "")[:255],
        sha256=digest,
        content_type=content_type,
        size=len(content),
        uploaded_by=actor,
    )
    with transaction.atomic():
        attachment.file.save("upload", ContentFile(content), save=False)
        attachment.save()
        record_event(
            "attachment.uploaded",
            actor=actor,
            obj=attachment,
            data={"sha256": digest, "content_type": content_type, "size": len(content)},
        )
    return attachment
