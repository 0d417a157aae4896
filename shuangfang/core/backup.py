"""Backup, restore and the restore drill (等保 2.0 §8.1.4.9 a: local backup and recovery, with a recent
restore-test record).

A backup is one directory holding three files:
- the database: `database.dump` (PostgreSQL, `pg_dump --format=custom`) or `database.sqlite3` (SQLite, a
  consistent page copy through SQLite's online backup, safe while the application writes in WAL mode);
- `media.tar.gz`: the uploaded attachments under MEDIA_ROOT;
- `manifest.json`: vendor, time, per-table row counts and the event-log head, all read from the same
  snapshot as the dump, so that a drill can tell whether a restore brought back exactly what was saved.

The drill restores a backup into a fresh database (a temporary file, or a new PostgreSQL database it drops
afterwards), migrates it, compares the figures with the manifest and records the outcome as a
`backup.drill` event and a JSON report.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangfang.core.models import Event

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
DRILL_ALIAS = "backup_drill"
# Tables every migrated database fills by itself: rows there do not make a target "not empty".
BOOKKEEPING_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})


class BackupError(Exception):
    """A backup, restore or drill could not be done; the message says why (in Chinese)."""


class TargetNotEmpty(BackupError):
    """The database to restore into already holds rows (restore refuses unless forced)."""


def default_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def _timestamp() -> str:
    return timezone.now().strftime("%Y%m%dT%H%M%S%fZ")


# ----------------------------------------------------------------------------------------------------------------------
# Figures: row counts and the event-log head
# ----------------------------------------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _figures_from_cursor(cursor, tables: list[str]) -> tuple[dict[str, int], dict | None]:
    counts = {}
    for table in sorted(tables):
        # Table names come from the database's own catalogue and are quoted: not user input.
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    head = None
    event_table = Event._meta.db_table
    if event_table in counts:
        cursor.execute(f"SELECT seq, digest FROM {_quote(event_table)} ORDER BY seq DESC LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
        head = {"seq": row[0], "digest": row[1]} if row else {"seq": None, "digest": None}
    return counts, head


def figures_for_alias(alias: str) -> tuple[dict[str, int], dict | None]:
    """Row counts of every table, and the event-log head, of a configured database."""
    conn = connections[alias]
    with conn.cursor() as cursor:
        # SQLite's own tables (sqlite_stat1, which ANALYZE writes) are the engine's, not rows of the platform.
        tables = [table for table in conn.introspection.table_names(cursor) if not table.startswith("sqlite_")]
        return _figures_from_cursor(cursor, tables)


def _sqlite_figures(path: Path) -> tuple[dict[str, int], dict | None]:
    db = sqlite3.connect(path)
    try:
        cursor = db.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [row[0] for row in cursor.fetchall()]
        return _figures_from_cursor(cursor, tables)
    finally:
        db.close()


def _rows_outside_bookkeeping(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if n and table not in BOOKKEEPING_TABLES}


# ----------------------------------------------------------------------------------------------------------------------
# PostgreSQL helpers
# ----------------------------------------------------------------------------------------------------------------------


def _pg_args(settings_dict: dict, name: str | None = None) -> tuple[list[str], dict]:
    """Connection arguments for the PostgreSQL client tools; the password travels in the environment only."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    args += ["--dbname", name or settings_dict["NAME"], "--no-password"]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict) -> None:
    try:
        # A fixed argument list (no shell): the PostgreSQL client tools with settings-derived arguments.
        result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(_("找不到命令 %(command)s，请安装 PostgreSQL 客户端工具。") % {"command": command[0]})
    if result.returncode != 0:
        raise BackupError(
            _("%(command)s 失败（退出码 %(code)d）：%(error)s")
            % {"command": command[0], "code": result.returncode, "error": result.stderr.strip()[-2000:]}
        )


# ----------------------------------------------------------------------------------------------------------------------
# Backup
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    directory: Path
    manifest: dict


def _backup_sqlite(target: Path) -> tuple[dict[str, int], dict | None]:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        if connection.is_in_memory_db():
            connection.connection.backup(destination)
        else:
            source = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
            try:
                source.backup(destination)
            finally:
                source.close()
    finally:
        destination.close()
    # The figures come from the copy itself, so they describe exactly what was saved.
    return _sqlite_figures(target)


def _backup_postgresql(target: Path) -> tuple[dict[str, int], dict | None]:
    # Count the rows and dump in one snapshot: a repeatable-read transaction exports its snapshot and
    # pg_dump uses it, so writes that land meanwhile are in neither.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        args, env = _pg_args(connection.settings_dict)
        _run(["pg_dump", "--format=custom", "--snapshot", snapshot, "--file", str(target), *args], env)
        tables = connection.introspection.table_names(cursor)
        return _figures_from_cursor(cursor, tables)


def _archive_media(target: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    files = 0
    with tarfile.open(target, "w:gz") as archive:
        if media_root.is_dir():
            for path in sorted(media_root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                    files += 1
    return files


def make_backup(output: Path | str | None = None) -> BackupResult:
    """Back up the configured database and MEDIA_ROOT into `output` (a new directory under var/backups/
    by default)."""
    vendor = connection.vendor
    directory = Path(output) if output else default_directory() / _timestamp()
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(_("备份目录 %(path)s 不是空的。") % {"path": directory})
    created_at = timezone.now()
    if vendor == "sqlite":
        database_file = SQLITE_COPY
        counts, head = _backup_sqlite(directory / database_file)
    elif vendor == "postgresql":
        database_file = PG_DUMP
        counts, head = _backup_postgresql(directory / database_file)
    else:
        raise BackupError(_("不支持的数据库：%(vendor)s") % {"vendor": vendor})
    media_files = _archive_media(directory / MEDIA_ARCHIVE)
    manifest = {
        "format": 1,
        "vendor": vendor,
        "created_at": created_at.isoformat(),
        "database_name": str(connection.settings_dict["NAME"]),
        "database_file": database_file,
        "media_file": MEDIA_ARCHIVE,
        "media_files": media_files,
        "row_counts": counts,
        "event_head": head,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupResult(directory=directory, manifest=manifest)


def read_manifest(path: Path | str) -> tuple[Path, dict]:
    path = Path(path)
    directory = path.parent if path.name == MANIFEST else path
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(_("%(path)s 不是备份目录：缺少 %(manifest)s。") % {"path": directory, "manifest": MANIFEST})
    except ValueError:
        raise BackupError(_("备份清单 %(path)s 已损坏。") % {"path": directory / MANIFEST})
    if not (directory / manifest.get("database_file", "")).is_file():
        raise BackupError(_("备份 %(path)s 缺少数据库文件。") % {"path": directory})
    return directory, manifest


# ----------------------------------------------------------------------------------------------------------------------
# Restore
# ----------------------------------------------------------------------------------------------------------------------


def _restore_sqlite_file(source: Path, alias: str) -> None:
    """Copy the backup's pages over the database of `alias` through SQLite's backup API (which, unlike a
    file copy, leaves no stale WAL behind)."""
    conn = connections[alias]
    src = sqlite3.connect(source)
    try:
        if conn.is_in_memory_db():
            conn.ensure_connection()
            src.backup(conn.connection)
        else:
            conn.close()
            dest = sqlite3.connect(conn.settings_dict["NAME"], timeout=20)
            try:
                src.backup(dest)
            finally:
                dest.close()
    finally:
        src.close()


def _restore_media(archive_path: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path, "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        archive.extractall(media_root, members=members, filter="data")
    return len(members)


def restore_backup(path: Path | str, *, force: bool = False) -> dict:
    """Restore a backup into the configured database and MEDIA_ROOT.  Refuses a target with data unless
    `force`."""
    directory, manifest = read_manifest(path)
    vendor = connection.vendor
    if manifest["vendor"] != vendor:
        raise BackupError(
            _("备份来自 %(source)s，而当前数据库是 %(target)s。") % {"source": manifest["vendor"], "target": vendor}
        )
    if not force:
        occupied = _rows_outside_bookkeeping(figures_for_alias("default")[0])
        if occupied:
            raise TargetNotEmpty(
                _("目标数据库已有数据（%(tables)s 等 %(count)d 张表），未恢复。确认覆盖请加 --force。")
                % {"tables": "、".join(sorted(occupied)[:3]), "count": len(occupied)}
            )
    if vendor == "sqlite":
        _restore_sqlite_file(directory / manifest["database_file"], "default")
    else:
        connections.close_all()
        args, env = _pg_args(connection.settings_dict)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                *args,
                str(directory / manifest["database_file"]),
            ],
            env,
        )
    connections.close_all()
    media_archive = directory / manifest.get("media_file", MEDIA_ARCHIVE)
    media_files = _restore_media(media_archive) if media_archive.is_file() else 0
    return {"directory": str(directory), "media_files": media_files}


# ----------------------------------------------------------------------------------------------------------------------
# Restore drill
# ----------------------------------------------------------------------------------------------------------------------


@dataclass
class DrillResult:
    backup: str
    vendor: str
    drill_database: str
    started_at: str
    finished_at: str = ""
    outcome: str = "failure"
    tables: int = 0
    rows: int = 0
    event_head_source: dict | None = None
    event_head_restored: dict | None = None
    media_files: int = 0
    mismatches: list[str] = field(default_factory=list)
    report: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "success"


@contextmanager
def _drill_database(vendor: str, source_file: Path):
    """A fresh database holding the restored backup, configured as the DRILL_ALIAS connection; removed
    afterwards (the PostgreSQL database is dropped, the SQLite file deleted)."""
    base = dict(connection.settings_dict)
    workdir = None
    if vendor == "sqlite":
        workdir = Path(tempfile.mkdtemp(prefix="shuangfang-drill-"))
        name = str(workdir / "drill.sqlite3")
        shutil.copyfile(source_file, name)
    else:
        name = f"{base['NAME']}_drill_{_timestamp()}"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {_quote(name)}")
    drill_settings = {**base, "NAME": name, "TEST": {**base.get("TEST", {})}, "CONN_MAX_AGE": 0}
    connections.settings[DRILL_ALIAS] = drill_settings
    settings.DATABASES[DRILL_ALIAS] = drill_settings
    try:
        if vendor == "postgresql":
            args, env = _pg_args(base, name)
            _run(["pg_restore", "--no-owner", "--exit-on-error", *args, str(source_file)], env)
        yield name
    finally:
        try:
            connections[DRILL_ALIAS].close()
        finally:
            del connections[DRILL_ALIAS]
            connections.settings.pop(DRILL_ALIAS, None)
            settings.DATABASES.pop(DRILL_ALIAS, None)
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)}")
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)


def _compare(manifest: dict, counts: dict[str, int], head: dict | None) -> list[str]:
    mismatches = []
    expected = manifest["row_counts"]
    for table in sorted(set(expected) | set(counts)):
        if table not in counts:
            mismatches.append(_("表 %(table)s 恢复后不存在") % {"table": table})
        elif table not in expected:
            if counts[table]:
                mismatches.append(
                    _("表 %(table)s 不在备份中，恢复后却有 %(rows)d 行") % {"table": table, "rows": counts[table]}
                )
        elif counts[table] != expected[table]:
            mismatches.append(
                _("表 %(table)s：备份 %(expected)d 行，恢复后 %(actual)d 行")
                % {"table": table, "expected": expected[table], "actual": counts[table]}
            )
    if head != manifest.get("event_head"):
        mismatches.append(
            _("事件日志头不一致：备份 %(expected)s，恢复后 %(actual)s")
            % {"expected": manifest.get("event_head"), "actual": head}
        )
    return mismatches


def run_drill(backup: Path | str | None = None, *, report_dir: Path | str | None = None, after_restore=None):
    """Restore a backup (a fresh one when none is given) into a fresh database, migrate it, compare its
    figures with the manifest, and record the outcome (a JSON report and a `backup.drill` event).
    `after_restore(alias)` runs between the restore and the comparison (tests use it to tamper)."""
    from shuangfang.core.events import record_event

    if backup is None:
        backup = make_backup().directory
    directory, manifest = read_manifest(backup)
    vendor = connection.vendor
    result = DrillResult(backup=str(directory), vendor=vendor, drill_database="", started_at=timezone.now().isoformat())
    try:
        if manifest["vendor"] != vendor:
            raise BackupError(
                _("备份来自 %(source)s，而当前数据库是 %(target)s。") % {"source": manifest["vendor"], "target": vendor}
            )
        with _drill_database(vendor, directory / manifest["database_file"]) as name:
            result.drill_database = name
            call_command("migrate", database=DRILL_ALIAS, interactive=False, verbosity=0)
            if after_restore is not None:
                after_restore(DRILL_ALIAS)
            counts, head = figures_for_alias(DRILL_ALIAS)
        result.tables = len(counts)
        result.rows = sum(counts.values())
        result.event_head_source = manifest.get("event_head")
        result.event_head_restored = head
        result.mismatches = _compare(manifest, counts, head)
        media_archive = directory / manifest.get("media_file", MEDIA_ARCHIVE)
        if media_archive.is_file():
            with tarfile.open(media_archive, "r:gz") as archive:
                result.media_files = sum(1 for m in archive.getmembers() if m.isfile())
        if result.media_files != manifest.get("media_files", 0):
            result.mismatches.append(
                _("附件：备份清单 %(expected)d 个，归档中 %(actual)d 个")
                % {"expected": manifest.get("media_files", 0), "actual": result.media_files}
            )
    except (BackupError, tarfile.TarError, OSError) as error:
        result.mismatches.append(str(error))
    except Exception as error:  # a failed migrate or a database error is a failed drill, recorded as such
        result.mismatches.append(f"{type(error).__name__}: {error}")
    result.outcome = "failure" if result.mismatches else "success"
    result.finished_at = timezone.now().isoformat()
    reports = Path(report_dir) if report_dir else default_directory() / "drills"
    reports.mkdir(parents=True, exist_ok=True)
    report_path = reports / f"drill-{_timestamp()}.json"
    result.report = str(report_path)
    report_path.write_text(json.dumps(asdict(result), ensure_ascii=False, indent=2), encoding="utf-8")
    with transaction.atomic():
        record_event(
            "backup.drill",
            outcome=result.outcome,
            data={
                "backup": result.backup,
                "vendor": result.vendor,
                "tables": result.tables,
                "rows": result.rows,
                "event_head_source": result.event_head_source,
                "event_head_restored": result.event_head_restored,
                "media_files": result.media_files,
                "mismatches": result.mismatches[:20],
                "report": result.report,
            },
        )
    return result
