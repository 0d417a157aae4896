"""Backup, restore and the restore drill with the real tools, on a throwaway SQLite database of their own: the
commands run as the operator runs them (`shuangfang …` in a process with its own DATABASE_URL), so they never touch
the suite's test database.  The PostgreSQL path (pg_dump, pg_restore, a drill database created and dropped) runs in
CI's restore-drill step against a throwaway PostgreSQL database."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from shuangfang.core.backup import MANIFEST

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def shuangfang(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
        "SHUANGFANG_VAR_DIR": str(workdir / "var"),
        "REDIS_URL": "",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "shuangfang", *args],
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"shuangfang {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


@pytest.fixture(scope="module")
def populated():
    """A migrated database with a small demo province and one uploaded file, made once for the module."""
    workdir = Path(tempfile.mkdtemp(prefix="shuangfang-backup-test-"))
    shuangfang(workdir, "migrate", "-v0")
    shuangfang(workdir, "demo", "--scale", "0.01")
    (workdir / "media" / "photos").mkdir(parents=True, exist_ok=True)
    (workdir / "media" / "photos" / "a.jpg").write_bytes(b"\xff\xd8photo")
    yield workdir
    shutil.rmtree(workdir, ignore_errors=True)


def test_backup_writes_dump_media_and_manifest_and_the_drill_passes(populated):
    backup = populated / "backups" / "one"
    shuangfang(populated, "backup", "--output", str(backup))
    manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["vendor"] == "sqlite"
    assert (backup / manifest["database_file"]).is_file()
    assert manifest["media_files"] >= 1  # the demo's attachments and the photo put here
    assert manifest["event_head"]["seq"] > 0 and manifest["event_head"]["digest"]
    assert manifest["row_counts"]["core_event"] > 0
    drill = shuangfang(populated, "restore-drill", "--backup", str(backup))
    assert "恢复演练通过" in drill.stdout + drill.stderr
    reports = list((populated / "var" / "backups" / "drills").glob("*.json"))
    assert len(reports) == 1
    assert json.loads(reports[0].read_text(encoding="utf-8"))["outcome"] == "success"


def test_the_drill_detects_a_backup_that_does_not_match_its_manifest(populated):
    backup = populated / "backups" / "tampered"
    shuangfang(populated, "backup", "--output", str(backup))
    manifest_path = backup / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["event_head"]["seq"] += 1
    manifest["row_counts"]["core_event"] += 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    drill = shuangfang(populated, "restore-drill", "--backup", str(backup), check=False)
    assert drill.returncode != 0
    assert "恢复演练失败" in drill.stdout + drill.stderr


def test_restore_refuses_a_target_with_data_and_restores_with_force(populated):
    backup = populated / "backups" / "restore"
    shuangfang(populated, "backup", "--output", str(backup))
    refused = shuangfang(populated, "restore", str(backup), check=False)
    assert refused.returncode == 2
    assert "--force" in refused.stdout + refused.stderr
    (populated / "media" / "photos" / "a.jpg").unlink()
    restored = shuangfang(populated, "restore", str(backup), "--force")
    assert "恢复完成" in restored.stdout + restored.stderr
    assert (populated / "media" / "photos" / "a.jpg").read_bytes() == b"\xff\xd8photo"


def test_restore_rejects_a_directory_that_is_not_a_backup(populated):
    empty = populated / "not-a-backup"
    empty.mkdir(exist_ok=True)
    result = shuangfang(populated, "restore", str(empty), "--force", check=False)
    assert result.returncode != 0
    assert MANIFEST in result.stdout + result.stderr
