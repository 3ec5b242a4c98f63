"""System tests of the audit log (door_audit_file) with the real baresip:
a folder missing at start, and a full filesystem (no half line, and the
next record that is written says how many were lost)."""
import json
import os

from harness import Baresip, read_line_file
from smallfs import fill, small_tmpfs


def door(tmp_path, audit_file):
    r1 = os.path.join(str(tmp_path), "r1")
    b = Baresip(tmp_path, modules=("relay",), config={
        "relay1_gpio": f"file:{r1}", "relay1_hold": "0.05",
        "door_audit_file": audit_file}).start()
    return b, r1


def records(path):
    with open(path) as f:
        text = f.read()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_missing_folder_is_created_at_start(tmp_path):
    path = os.path.join(str(tmp_path), "log", "audit.log")
    b, _ = door(tmp_path, path)
    try:
        assert os.path.exists(path)          # before any record
        assert "not being recorded" not in b.log()
        b.ok("relay_open", "1")
        assert [r["action"] for r in records(path)] == ["open"]
    finally:
        b.stop()


def test_unopenable_audit_log_is_one_error_at_start(tmp_path):
    path = os.path.join(str(tmp_path), "no", "such", "audit.log")
    b, r1 = door(tmp_path, path)
    try:
        assert b.log().count("cannot be opened") == 1
        # the door still opens (documented): losing the record is
        # reported, not a reason to keep people out
        b.ok("relay_open", "1")
        b.ok("relay_open", "1")
        assert b.log().count("not being recorded") == 1
        assert b.alive()
    finally:
        b.stop()


def test_full_filesystem_no_half_line_then_loss_count(tmp_path):
    with small_tmpfs(os.path.join(str(tmp_path), "fs"), size="64k") as fs:
        path = os.path.join(fs, "audit.log")
        b, r1 = door(tmp_path, path)
        try:
            b.ok("relay_open", "1")
            assert len(records(path)) == 1

            # the file's last page still has room for some records: 40
            # records cross into a page the full filesystem cannot give
            fill(fs)
            for _ in range(40):
                b.ok("relay_open", "1")
            lines = records(path)            # whole lines only
            assert len(lines) < 41
            lost = 41 - len(lines)
            assert b.log().count("not being recorded") == 1

            os.unlink(os.path.join(fs, "fill"))
            b.ok("relay_open", "1")
            lines = records(path)
            assert lines[-1]["lost"] == lost
            assert "lost" not in lines[0]
            assert "written again" in b.log()
            b.ok("relay_open", "1")
            assert "lost" not in records(path)[-1]
        finally:
            b.stop()
