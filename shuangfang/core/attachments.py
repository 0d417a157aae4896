"""Uploading attachments: the type is decided by the file's first bytes, never by its name.

Photos are decoded and written again before they are kept (等保 2.0 三级 8.1.4.4 恶意代码防范; OWASP ASVS 5.0
V5 文件处理): a picture bigger than the pixel cap is refused from its header, before any pixel is decoded (a
decompression bomb declares 30000×30000 in a few hundred bytes); a file the decoder cannot read is refused; the
picture is turned upright by its EXIF orientation and re-encoded, so that what is kept carries no EXIF, GPS
position, comment or any other bytes of the upload — nor whatever a polyglot file hid in them.  PDFs are kept as
uploaded, but one that declares active content (scripts, launch actions, embedded files) is refused.
"""

import hashlib
import io
import re
import warnings
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from shuangfang.accounts.roles import Action

from .events import record_event
from .models import Attachment
from .services import PermissionDenied

MAGIC_NUMBERS = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)

# Width × height above which a picture is refused unread: 40 megapixels is above any phone camera's photo and
# below what one decode may allocate (four bytes a pixel, 160 MB).
DEFAULT_MAX_PIXELS = 40_000_000
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
JPEG_QUALITY = 90
# The policy an uploaded file is served under: no script, no plugin, no request to anywhere, a unique origin.
ATTACHMENT_CSP = "sandbox; default-src 'none'"

# PDF names that make a document act rather than show: scripts, launching programs, files carried inside.
ACTIVE_PDF_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles"}
# A PDF name: a slash and the regular characters after it (PDF 32000-1:2008 7.3.5); #xx is an escaped byte.
PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Objects may sit compressed inside object streams (PDF 1.5): those streams are inflated to be read, up to a budget.
# An object and the dictionary before its stream's data (up to a few kilobytes of it).
PDF_STREAM = re.compile(rb"\bobj\b(.{0,4096}?)\bstream\r?\n", re.DOTALL)
PDF_OBJECT_STREAMS_MAX_BYTES = 32 * 1024 * 1024


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in MAGIC_NUMBERS:
        if head.startswith(magic):
            return content_type
    return None


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


# Photos -------------------------------------------------------------------------------------------------------------


def _max_pixels() -> int:
    return getattr(settings, "ATTACHMENT_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def _unreadable_image() -> ValidationError:
    return _file_error(_("图片已损坏或不完整，无法读取。请重新拍摄或导出后上传。"))


def _open_within_pixel_cap(content: bytes, content_type: str) -> Image.Image:
    """The picture with only its header read, refused if it declares more pixels than the cap."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[PILLOW_FORMATS[content_type]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        image = None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as unreadable:
        raise _unreadable_image() from unreadable
    limit = _max_pixels()
    if image is None or image.width * image.height > limit:
        raise _file_error(
            _("图片像素过多：最多 %(megapixels)d 百万像素，请缩小后上传。") % {"megapixels": max(limit // 1_000_000, 1)}
        )
    return image


def _in_srgb(image: Image.Image) -> Image.Image:
    """The picture's colours in sRGB, so that its embedded colour profile (arbitrary bytes) need not be kept."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        return ImageCms.profileToProfile(
            image,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a broken profile is dropped with the rest: the colours stay as decoded


def _reencoded_image(content: bytes, content_type: str) -> bytes:
    """The picture decoded, turned upright and written again: nothing of the upload's bytes but its pixels."""
    image = _open_within_pixel_cap(content, content_type)
    try:
        with image:
            image.load()
            upright = _in_srgb(ImageOps.exif_transpose(image))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, zlib.error) as unreadable:
        raise _unreadable_image() from unreadable
    # Only the transparency of a palette or grey PNG is pixel data; every other entry (EXIF, comments, text chunks,
    # colour profile, XMP) is left behind.
    transparency = upright.info.get("transparency")
    upright.info = {}
    output = io.BytesIO()
    if content_type == "image/jpeg":
        if upright.mode not in ("L", "RGB", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(output, format="JPEG", quality=JPEG_QUALITY)
    else:
        options = {"transparency": transparency} if transparency is not None else {}
        upright.save(output, format="PNG", optimize=True, **options)
    return output.getvalue()


# PDFs ---------------------------------------------------------------------------------------------------------------


def _pdf_names(data: bytes) -> set[bytes]:
    return {PDF_NAME_ESCAPE.sub(lambda escaped: bytes([int(escaped[1], 16)]), name) for name in PDF_NAME.findall(data)}


def _inflated_object_streams(content: bytes):
    """The contents of the PDF's compressed object streams, inflated up to PDF_OBJECT_STREAMS_MAX_BYTES in all."""
    budget = PDF_OBJECT_STREAMS_MAX_BYTES
    whole = memoryview(content)
    for match in PDF_STREAM.finditer(content):
        dictionary = match[1]
        if b"/ObjStm" not in dictionary or b"/FlateDecode" not in dictionary:
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(whole[match.end() :], budget + 1)
        except zlib.error:
            continue  # not a stream a reader could inflate either
        budget -= len(inflated)
        if budget < 0:
            raise _file_error(_("PDF 文件结构异常（压缩内容过大），已拒绝。"))
        yield inflated


def _check_pdf(content: bytes) -> None:
    names = _pdf_names(content)
    for inflated in _inflated_object_streams(content):
        names |= _pdf_names(inflated)
    if names & ACTIVE_PDF_NAMES:
        raise _file_error(
            _("PDF 文件含有脚本、启动程序或嵌入文件等活动内容，已拒绝。请“打印为 PDF”或另存为普通 PDF 后上传。")
        )


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
    if content_type in PILLOW_FORMATS:
        content = _reencoded_image(content, content_type)
    else:
        _check_pdf(content)
    # What is kept, and what its digest and size describe, is the re-encoded picture.
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
