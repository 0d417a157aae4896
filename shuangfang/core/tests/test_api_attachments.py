"""Attachments through the API: the type comes from the content, downloads are never rendered inline."""

import hashlib
import struct

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from shuangfang.core.models import Attachment, Event
from shuangfang.core.testing import CastTestCase, tiny_png

ATTACHMENTS = "/api/v1/attachments/"


def tiny_jpeg() -> bytes:
    """A valid 1×1 grey baseline JPEG: one 8×8 block whose only coefficient is a zero DC difference.

    Both Huffman tables hold a single one-bit code "0" (DC: difference category 0; AC: end of block),
    so the whole scan is the two bits "00", padded with ones."""

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">HH", marker, len(payload) + 2) + payload

    one_code_table = bytes([1] + [0] * 15) + b"\x00"
    return (
        b"\xff\xd8"
        + segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + segment(0xFFDB, b"\x00" + bytes([1] * 64))
        + segment(0xFFC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
        + segment(0xFFC4, b"\x00" + one_code_table)
        + segment(0xFFC4, b"\x10" + one_code_table)
        + segment(0xFFDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9"
    )


def tiny_pdf() -> bytes:
    """A valid one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return out


WINDOWS_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
)


class AttachmentTests(CastTestCase):
    def upload(self, user, content: bytes, name: str, **headers):
        return self.api(user).post(
            ATTACHMENTS, {"file": SimpleUploadedFile(name, content)}, format="multipart", **headers
        )

    def test_jpeg_png_pdf_accepted_by_their_bytes(self):
        for content, name, content_type in [
            (tiny_jpeg(), "现场照片.jpg", "image/jpeg"),
            (tiny_png(), "scan.png", "image/png"),
            (tiny_pdf(), "检验报告.pdf", "application/pdf"),
            # The name does not decide: a PNG called .pdf is a PNG.
            (tiny_png(), "misnamed.pdf", "image/png"),
        ]:
            with self.subTest(name=name):
                before = Event.objects.count()
                response = self.upload(self.owner, content, name)
                self.assertEqual(response.status_code, 201, response.content)
                body = response.json()
                self.assertEqual(body["content_type"], content_type)
                self.assertEqual(Event.objects.count(), before + 1)
                self.assertEqual(Event.objects.latest("seq").type, "attachment.uploaded")
                attachment = Attachment.objects.get(pk=body["id"])
                # Pictures are kept re-encoded (core.attachments): digest and size describe what is kept.
                with attachment.file.open("rb") as stored:
                    kept = stored.read()
                if content_type == "application/pdf":
                    self.assertEqual(kept, content)
                self.assertEqual(body["size"], len(kept))
                self.assertEqual(body["sha256"], hashlib.sha256(kept).hexdigest())
                self.assertEqual(attachment.organization, self.unit_a)
                # The stored name is the server's, never the uploaded one.
                self.assertNotIn(name.rsplit(".", 1)[0], attachment.file.name)

    def test_anything_else_is_400(self):
        for content, name in [
            (WINDOWS_EXE, "photo.jpg"),
            (b"<html><script>alert(1)</script></html>", "image.png"),
            (b"GIF89a\x01\x00\x01\x00", "anim.gif"),
            (b"", "empty.pdf"),
        ]:
            with self.subTest(name=name):
                response = self.upload(self.owner, content, name)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn("file", response.json())
        self.assertFalse(Attachment.objects.exists())

    @override_settings(ATTACHMENT_MAX_BYTES=100)
    def test_too_large_is_400(self):
        response = self.upload(self.owner, tiny_pdf() + b"%" * 200, "big.pdf")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("file", response.json())

    def test_operator_may_upload_but_platform_admins_may_not(self):
        self.assertEqual(self.upload(self.member, tiny_png(), "a.png").status_code, 201)
        self.assertEqual(self.upload(self.agency_user, tiny_png(), "a.png").status_code, 201)
        for user in (self.system_admin, self.audit_admin, self.province_leader):
            with self.subTest(user=user.username):
                self.assertEqual(self.upload(user, tiny_png(), "a.png").status_code, 403)

    def test_download_is_an_attachment_with_nosniff(self):
        content = tiny_jpeg()
        attachment_id = self.upload(self.owner, content, "<script>.jpg").json()["id"]
        response = self.api(self.member).get(f"{ATTACHMENTS}{attachment_id}/download/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"), response["Content-Disposition"])
        self.assertNotIn("script", response["Content-Disposition"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Type"], "image/jpeg")
        with Attachment.objects.get(pk=attachment_id).file.open("rb") as stored:
            self.assertEqual(b"".join(response.streaming_content), stored.read())

    def test_insiders_read_outsiders_get_404(self):
        attachment_id = self.upload(self.owner, tiny_pdf(), "report.pdf").json()["id"]
        for path in (f"{ATTACHMENTS}{attachment_id}/", f"{ATTACHMENTS}{attachment_id}/download/"):
            with self.subTest(path=path):
                for user in (self.owner, self.member, self.county_inspector, self.city_inspector):
                    response = self.api(user).get(path)
                    self.assertEqual(response.status_code, 200, user.username)
                    if response.streaming:
                        # Read to the end: the test client then closes the file without closing the database.
                        self.assertEqual(b"".join(response.streaming_content), tiny_pdf())
                self.assertNotFoundForOutsiders("get", path)

    def test_anonymous_is_refused(self):
        self.assertEqual(self.upload(None, tiny_png(), "a.png").status_code, 401)
