"""Uploaded photos and PDFs, with real crafted files: what is kept of a photo is its pixels and nothing else, a picture
too big or too broken to decode is refused before it is kept, a PDF with active content is refused, the uploaded name
never reaches the disk, and a download is never rendered by the browser as a page of this site."""

import hashlib
import io
import re
import struct
import time
import zlib
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from shuangfang.core.demo import tiny_pdf
from shuangfang.core.models import Attachment, Event
from shuangfang.core.testing import CastTestCase, tiny_png

ATTACHMENTS = "/api/v1/attachments/"
STORED_NAME = re.compile(r"^attachments/\d+/[0-9a-f]{2}/[0-9a-f]{64}\.(jpg|png|pdf)$")
GPS_LATITUDE = (39.0, 54.0, 27.0)


def photo_with_gps(width: int = 64, height: int = 48, orientation: int = 6) -> bytes:
    """A camera-like JPEG: an EXIF block with an orientation, a camera make and a GPS position, and a comment."""
    picture = Image.new("RGB", (width, height), (200, 40, 40))
    picture.paste((40, 40, 200), (0, 0, width // 4, height // 4))  # a blue corner shows where the top left went
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 23.0, 17.0),
    }
    output = io.BytesIO()
    picture.save(output, format="JPEG", exif=exif, comment=b"home address: secret")
    return output.getvalue()


def png_with_text() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "home address: secret")
    text.add_text("Author", "SecretAuthor")
    output = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 128, 0, 128)).save(output, format="PNG", pnginfo=text)
    return output.getvalue()


def noise_jpeg(size: int = 256) -> bytes:
    output = io.BytesIO()
    Image.frombytes("RGB", (size, size), bytes(range(256)) * (size * size * 3 // 256)).save(output, format="JPEG")
    return output.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width × height, followed by a few bytes of pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def solid_png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("L", (width, height), 128).save(output, format="PNG")
    return output.getvalue()


def pdf_with(*objects: bytes) -> bytes:
    """A one-page PDF whose catalog is followed by `objects` (numbered from 4), with its cross-reference table."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>",
        *objects,
    ]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref_at)
    return out


def object_stream(content: bytes, *, filter_first: bool = False) -> bytes:
    """A compressed object stream (PDF 1.5) holding `content` as object 9."""
    packed = b"9 0 " + content
    data = zlib.compress(packed)
    keys = [b"/Type /ObjStm", b"/N 1", b"/First 4", b"/Filter /FlateDecode", b"/Length %d" % len(data)]
    if filter_first:
        keys.reverse()
    return b"<< " + b" ".join(keys) + b" >>\nstream\n" + data + b"\nendstream"


class UploadTestCase(CastTestCase):
    def upload(self, content: bytes, name: str = "photo.jpg", user=None):
        return self.api(user or self.owner).post(
            ATTACHMENTS, {"file": SimpleUploadedFile(name, content)}, format="multipart"
        )

    def stored(self, attachment_id: int) -> tuple[Attachment, bytes]:
        attachment = Attachment.objects.get(pk=attachment_id)
        with attachment.file.open("rb") as stream:
            return attachment, stream.read()

    def assertRefused(self, content: bytes, name: str, fragment: str):
        events = Event.objects.count()
        response = self.upload(content, name)
        self.assertEqual(response.status_code, 400, response.content)
        message = " ".join(response.json()["file"])
        self.assertIn(fragment, message)
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(Event.objects.count(), events)
        media = Path(settings.MEDIA_ROOT) / "attachments"
        self.assertFalse(media.exists() and any(path.is_file() for path in media.rglob("*")))
        return message


class PhotoMetadataTests(UploadTestCase):
    def test_jpeg_with_gps_is_kept_without_exif_gps_or_comment_and_turned_upright(self):
        original = photo_with_gps(64, 48, orientation=6)
        with Image.open(io.BytesIO(original)) as check:  # the crafted file really carries what must go
            self.assertEqual(check.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef], "N")
            self.assertIn(b"secret", check.info["comment"])
        response = self.upload(original, "现场.jpg")
        self.assertEqual(response.status_code, 201, response.content)
        attachment, kept = self.stored(response.json()["id"])
        self.assertNotIn(b"Exif", kept)
        self.assertNotIn(b"SecretCam", kept)
        self.assertNotIn(b"secret", kept)
        with Image.open(io.BytesIO(kept)) as picture:
            self.assertEqual(picture.format, "JPEG")
            self.assertEqual(dict(picture.getexif()), {})
            self.assertNotIn("comment", picture.info)
            self.assertNotIn("exif", picture.info)
            # Orientation 6 (turn 90° clockwise to view) is applied to the pixels: 64×48 is kept as 48×64.
            self.assertEqual(picture.size, (48, 64))
            # The blue top-left corner of the sensor's image is at the top right once upright.
            red, _green, blue = picture.convert("RGB").getpixel((44, 2))
            self.assertGreater(blue, red)
        # Digest, size and event describe the bytes kept, not the ones uploaded.
        self.assertEqual(attachment.sha256, hashlib.sha256(kept).hexdigest())
        self.assertEqual(attachment.size, len(kept))
        self.assertNotEqual(attachment.sha256, hashlib.sha256(original).hexdigest())
        self.assertEqual(Event.objects.latest("seq").data["sha256"], attachment.sha256)

    def test_png_text_chunks_are_not_kept_and_transparency_is(self):
        response = self.upload(png_with_text(), "scan.png")
        self.assertEqual(response.status_code, 201, response.content)
        _attachment, kept = self.stored(response.json()["id"])
        self.assertNotIn(b"secret", kept)
        self.assertNotIn(b"SecretAuthor", kept)
        self.assertNotIn(b"tEXt", kept)
        with Image.open(io.BytesIO(kept)) as picture:
            self.assertEqual((picture.format, picture.mode, picture.size), ("PNG", "RGBA", (20, 10)))
            self.assertEqual(picture.getpixel((3, 3)), (0, 128, 0, 128))

    def test_the_test_uploads_tiny_png_still_pass(self):
        response = self.upload(tiny_png(), "tiny.png")
        self.assertEqual(response.status_code, 201, response.content)
        _attachment, kept = self.stored(response.json()["id"])
        with Image.open(io.BytesIO(kept)) as picture:
            self.assertEqual(picture.size, (1, 1))


class PictureDecodingTests(UploadTestCase):
    def test_a_decompression_bomb_header_is_refused_before_any_pixel_is_decoded(self):
        bomb = png_declaring(30000, 30000)
        self.assertLess(len(bomb), 200)
        started = time.monotonic()
        with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")) as load:
            message = self.assertRefused(bomb, "bomb.png", "像素过多")
        self.assertLess(time.monotonic() - started, 2.0)
        load.assert_not_called()
        self.assertIn("40", message)

    @override_settings(ATTACHMENT_MAX_PIXELS=400)
    def test_the_pixel_cap_is_the_setting(self):
        # 21 × 20 = 420 pixels, far below the decoder's own bomb limit: only the cap refuses it.
        self.assertRefused(solid_png(21, 20), "a.png", "像素过多")
        self.assertEqual(self.upload(solid_png(20, 20), "b.png").status_code, 201)

    def test_a_truncated_jpeg_is_refused(self):
        whole = noise_jpeg()
        self.assertEqual(self.upload(whole, "whole.jpg").status_code, 201)
        Attachment.objects.all().delete()
        for path in (Path(settings.MEDIA_ROOT) / "attachments").rglob("*"):
            if path.is_file():
                path.unlink()
        self.assertRefused(whole[: len(whole) * 6 // 10], "cut.jpg", "图片已损坏或不完整")

    def test_a_jpeg_signature_over_garbage_is_refused(self):
        self.assertRefused(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8, "fake.jpg", "图片已损坏或不完整")

    def test_a_png_with_a_broken_pixel_stream_is_refused(self):
        self.assertRefused(png_declaring(50, 50)[:-20] + b"\x00" * 8, "broken.png", "图片已损坏或不完整")


class ActivePdfTests(UploadTestCase):
    def test_a_plain_pdf_is_kept_byte_for_byte(self):
        content = tiny_pdf("检验报告")
        response = self.upload(content, "report.pdf")
        self.assertEqual(response.status_code, 201, response.content)
        _attachment, kept = self.stored(response.json()["id"])
        self.assertEqual(kept, content)

    def test_pdfs_with_active_content_are_refused(self):
        cases = {
            "javascript": pdf_with(b"<< /S /JavaScript /JS (app.alert(1)) >>"),
            "js-only": pdf_with(b"<< /S /Named /N /Print /JS 5 0 R >>"),
            "launch": pdf_with(b"<< /S /Launch /F (cmd.exe) >>"),
            "embedded": pdf_with(b"<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream"),
            "escaped name": pdf_with(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"),
            "object stream": pdf_with(object_stream(b"<< /S /JavaScript /JS (app.alert(1)) >>")),
            "object stream, filter first": pdf_with(object_stream(b"<< /S /Launch /F (x) >>", filter_first=True)),
        }
        for case, content in cases.items():
            with self.subTest(case=case):
                self.assertRefused(content, f"{case}.pdf", "活动内容")

    def test_names_that_only_start_like_active_ones_are_accepted(self):
        content = pdf_with(b"<< /Type /Metadata /JSON (x) /Launcher (y) >>")
        self.assertEqual(self.upload(content, "ok.pdf").status_code, 201)


class StoredNameTests(UploadTestCase):
    def test_the_uploaded_name_never_reaches_the_path(self):
        media = Path(settings.MEDIA_ROOT).resolve()
        for content, name in [
            (photo_with_gps(), "../../etc/passwd.jpg"),
            (tiny_png(), "x.php"),
            (tiny_pdf("a"), "..\\..\\windows\\win.ini.pdf"),
            (solid_png(3, 3), "shell.php%00.png"),
        ]:
            with self.subTest(name=name):
                response = self.upload(content, name)
                self.assertEqual(response.status_code, 201, response.content)
                attachment = Attachment.objects.get(pk=response.json()["id"])
                self.assertRegex(attachment.file.name, STORED_NAME)
                for fragment in ("passwd", "etc", "php", "..", "win.ini", "shell"):
                    self.assertNotIn(fragment, attachment.file.name)
                self.assertTrue(Path(attachment.file.path).resolve().is_relative_to(media))
                # The name is kept as data only (the multipart parser has already dropped any directory part).
                self.assertEqual(attachment.original_name, re.split(r"[\\/]", name)[-1])


class DownloadHeaderTests(UploadTestCase):
    def assertSafeDownload(self, response, content_type: str):
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"), response["Content-Disposition"])
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        policy = response["Content-Security-Policy"]
        self.assertIn("sandbox", [part.strip() for part in policy.split(";")])
        self.assertIn("default-src 'none'", policy)
        self.assertEqual(response["Content-Type"], content_type)
        b"".join(response.streaming_content)  # read to the end: the client then closes the file

    def test_api_and_web_session_downloads(self):
        attachment_id = self.upload(tiny_pdf("x"), "<svg onload=alert(1)>.pdf").json()["id"]
        url = f"{ATTACHMENTS}{attachment_id}/download/"
        self.assertSafeDownload(self.api(self.member).get(url), "application/pdf")
        # The web pages link their photos and documents to the same endpoint, fetched with the session.
        self.assertSafeDownload(self.web(self.member).get(url), "application/pdf")

    def test_site_plan_image(self):
        response = self.web(self.owner).post(
            "/risks/map/", {"name": "厂区平面图", "image": SimpleUploadedFile("plan.png", solid_png(40, 30))}
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:1000])
        image_url = response["Location"].rstrip("/") + "/image/"
        self.assertSafeDownload(self.web(self.owner).get(image_url), "image/png")
