"""What an uploaded .xlsx must pass before a spreadsheet parser reads it (等保 2.0 三级 8.1.4.4 恶意代码防范; OWASP ASVS
5.0 V5.2 文件上传, V1.5 安全反序列化).

An .xlsx is a zip of XML parts.  The zip's central directory says how many parts there are and how big each one
unpacks, so a zip bomb is refused from the directory alone, before anything is inflated.  A workbook carrying a VBA
project (macros) is refused.  Every XML part must be free of a document type declaration: a DTD is where entity
attacks live (external entities reading server files, "billion laughs" expansion), and a DTD can only stand before
the root element.  The small parts (content types, the workbook, the relationships) are parsed whole with defusedxml;
of the large ones (sheets, shared strings) only the head is inflated, up to the root element, so that a sheet of a
hundred thousand rows is not parsed twice.

Each refusal is a ValidationError on "file" whose message says what was wrong; nothing is parsed after it.
"""

import io
import posixpath
import struct
import zipfile
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml_safely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
# The end-of-central-directory record: its signature, fixed size, and the longest comment that may follow it.
END_OF_DIRECTORY = b"PK\x05\x06"
END_OF_DIRECTORY_SIZE = 22
MAX_ZIP_COMMENT = 0xFFFF

# A workbook saved by Excel or WPS has a few dozen parts; one with images and many sheets a few hundred.
MAX_ZIP_ENTRIES = 2000
# The central directory is read whole before its entries can be counted: bounded first (2,000 entries with long
# names fit in a fraction of this).
MAX_CENTRAL_DIRECTORY_BYTES = 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
# Spreadsheet XML compresses 10 to 30 times, rarely 100; past this an entry is a bomb, not a sheet.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024

# Parts parsed whole with defusedxml when no bigger than this; bigger ones have their head read only.
SMALL_PART_BYTES = 4 * 1024 * 1024
SMALL_PART_NAMES = ("[Content_Types].xml", "xl/workbook.xml")
# How much of a part's inflated head may come before its root element; a real prolog is a line.
MAX_PROLOG_BYTES = 1024 * 1024
HEAD_CHUNK_BYTES = 64 * 1024

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
MACRO_PART = "vbaproject.bin"
MACRO_CONTENT_TYPE_MARKERS = ("macroenabled", "vbaproject")

SHOWN_NAME_LENGTH = 80


def _refused(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _shown(name: str) -> str:
    return name if len(name) <= SHOWN_NAME_LENGTH else name[:SHOWN_NAME_LENGTH] + "…"


def _not_xlsx() -> ValidationError:
    return _refused(
        _("文件不是 Excel 2007 及以上版本的 .xlsx 文件，请用导入模板填写后上传（.xls 和 .csv 请先另存为 .xlsx）。")
    )


def _damaged() -> ValidationError:
    return _refused(_("文件已损坏，不是有效的 .xlsx 文件。"))


def _not_a_workbook() -> ValidationError:
    return _refused(_("无法读取文件：它不是用 Excel 或 WPS 保存的 .xlsx 工作簿，或已损坏。请用导入模板填写后上传。"))


def _too_many_entries(count: int) -> ValidationError:
    return _refused(_("文件结构异常（包含 %(count)d 个部件），已拒绝。") % {"count": count})


def _dtd_refused(name: str) -> ValidationError:
    return _refused(
        _(
            "文件中的部件“%(name)s”含有文档类型定义（DOCTYPE 或 ENTITY），可被用于 XML 实体攻击，已拒绝。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
        )
        % {"name": _shown(name)}
    )


def _macros_refused() -> ValidationError:
    return _refused(
        _("文件包含宏（VBA 工程），不接受含宏的工作簿。请在 Excel 或 WPS 中另存为“Excel 工作簿（*.xlsx）”后上传。")
    )


def max_uncompressed_bytes() -> int:
    return getattr(settings, "WORKBOOK_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)


# The zip's directory ------------------------------------------------------------------------------------------------


def _directory_record(uploaded) -> tuple[int, int]:
    """(entry count, central directory size) as the end-of-central-directory record declares them."""
    uploaded.seek(0, io.SEEK_END)
    size = uploaded.tell()
    tail_length = min(size, END_OF_DIRECTORY_SIZE + MAX_ZIP_COMMENT)
    uploaded.seek(size - tail_length)
    tail = uploaded.read(tail_length)
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < END_OF_DIRECTORY_SIZE:
        raise _damaged()
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    return entries, directory_size


def _check_end_record(uploaded) -> None:
    uploaded.seek(0)
    if uploaded.read(len(ZIP_MAGIC)) != ZIP_MAGIC:
        raise _not_xlsx()
    # The record's counts are checked before zipfile reads the directory into one object per entry.  A zip64
    # archive marks its 16-bit count 0xFFFF, which is over the limit too.
    declared_entries, directory_size = _directory_record(uploaded)
    if declared_entries > MAX_ZIP_ENTRIES:
        raise _too_many_entries(declared_entries)
    if directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise _refused(_("文件结构异常（压缩包目录过大），已拒绝。"))


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
    """Count, declared sizes, compression ratios and macros, from the central directory alone."""
    # The directory itself may hold more entries than its end record admits.
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _too_many_entries(len(entries))
    names = set()
    for entry in entries:
        # Two parts of one name: which one a parser reads is its own choice, and not necessarily the checked one.
        if entry.filename in names:
            raise _refused(_("文件结构异常（部件“%(name)s”重复出现），已拒绝。") % {"name": _shown(entry.filename)})
        names.add(entry.filename)
    limit = max_uncompressed_bytes()
    if sum(entry.file_size for entry in entries) > limit:
        raise _refused(_("文件解压后超过 %(size)d MB，已拒绝。") % {"size": limit // (1024 * 1024)})
    for entry in entries:
        ratio_exceeded = entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECKED_ABOVE_BYTES and ratio_exceeded:
            raise _refused(
                _("文件中的部件“%(name)s”压缩比异常（超过 %(ratio)d:1），疑似压缩炸弹，已拒绝。")
                % {"name": _shown(entry.filename), "ratio": MAX_COMPRESSION_RATIO}
            )
    if any(posixpath.basename(entry.filename).lower() == MACRO_PART for entry in entries):
        raise _macros_refused()


# The XML parts ------------------------------------------------------------------------------------------------------


class _DoctypeFound(Exception):
    """The part's prolog declares a DTD: stop reading, the part is refused."""


class _RootReached(Exception):
    """The root element has started: no DTD can follow, stop reading."""


def _head_declares_dtd(stream) -> bool:
    """Whether the XML read from `stream` declares a DTD before its root element; reads no further than that root."""
    parser = expat.ParserCreate()

    def doctype(*_args):
        raise _DoctypeFound

    def root(*_args):
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    read = 0
    try:
        while read <= MAX_PROLOG_BYTES:
            chunk = stream.read(HEAD_CHUNK_BYTES)
            read += len(chunk)
            parser.Parse(chunk, not chunk)
            if not chunk:
                break
    except _DoctypeFound:
        return True
    except _RootReached:
        return False
    except expat.ExpatError:
        raise _damaged() from None
    raise _damaged()  # no root element where a prolog should end


def _parsed_small_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo):
    try:
        return parse_xml_safely(archive.read(entry), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _dtd_refused(entry.filename) from None
    except ParseError:
        raise _damaged() from None


def _declared_content_types(content_types) -> tuple[dict[str, str], dict[str, str]]:
    """The content type of each part named in [Content_Types].xml, and the default by extension."""
    by_part, by_extension = {}, {}
    for element in content_types:
        kind = element.get("ContentType", "").lower()
        if any(marker in kind for marker in MACRO_CONTENT_TYPE_MARKERS):
            raise _macros_refused()
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "Override":
            by_part[element.get("PartName", "").lstrip("/")] = kind
        elif tag == "Default":
            by_extension[element.get("Extension", "").lower()] = kind
    return by_part, by_extension


def _is_xml_part(name: str, by_part: dict[str, str], by_extension: dict[str, str]) -> bool:
    """Whether a parser may read the part as XML: by its name, or by the content type the package gives it.
    Pictures (an SVG is XML too) are never parsed, and an SVG drawn in Illustrator carries a harmless DTD."""
    base = posixpath.basename(name)
    # By its last dot, not splitext's: "_rels/.rels" has the extension "rels".
    extension = base.rsplit(".", 1)[1].lower() if "." in base else ""
    kind = by_part.get(name) or by_extension.get(extension, "")
    if kind.startswith("image/"):
        return False
    return kind.endswith("xml") or extension in ("xml", "rels", "vml")


def _check_xml_parts(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    by_name = {entry.filename: entry for entry in entries}
    if CONTENT_TYPES not in by_name or WORKBOOK not in by_name:
        raise _not_a_workbook()
    by_part, by_extension = _declared_content_types(_parsed_small_part(archive, by_name[CONTENT_TYPES]))
    for entry in entries:
        if entry.is_dir() or entry.filename == CONTENT_TYPES or not _is_xml_part(entry.filename, by_part, by_extension):
            continue
        small = entry.filename in SMALL_PART_NAMES or entry.filename.lower().endswith(".rels")
        if small and entry.file_size <= SMALL_PART_BYTES:
            _parsed_small_part(archive, entry)
            continue
        with archive.open(entry) as stream:
            if _head_declares_dtd(stream):
                raise _dtd_refused(entry.filename)


def check_workbook(uploaded) -> None:
    """Raise ValidationError({"file": ...}) unless `uploaded` is an .xlsx that is safe to hand to a parser.

    Leaves the file at its start, for the parser."""
    try:
        _check_end_record(uploaded)
        uploaded.seek(0)
        try:
            with zipfile.ZipFile(uploaded) as archive:
                entries = archive.infolist()
                _check_entries(entries)
                _check_xml_parts(archive, entries)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
            RuntimeError,
            struct.error,
        ):
            # Damaged data, an unsupported compression method or an encrypted entry: nothing a parser should try.
            raise _damaged() from None
    finally:
        uploaded.seek(0)
