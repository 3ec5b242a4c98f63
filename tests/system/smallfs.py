"""A small tmpfs for tests of files on a full or read-only filesystem.

Mounting needs root (CI runs as root); without it the tests that use it
are skipped, with the reason shown.
"""
import contextlib
import errno
import os
import subprocess

import pytest


@contextlib.contextmanager
def small_tmpfs(path, size="256k"):
    """A tmpfs of `size` at `path` (created), unmounted afterwards."""
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755",
                        "tmpfs", path], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def remount(path, readonly):
    subprocess.run(["mount", "-o", "remount," + ("ro" if readonly else "rw"),
                    path], check=True)


def fill(path):
    """Write into `path`/fill until the filesystem is full."""
    chunk = b"x" * 4096
    with open(os.path.join(path, "fill"), "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
    # smaller pieces, until not even one byte fits
    with open(os.path.join(path, "fill2"), "wb", buffering=0) as f:
        while True:
            try:
                f.write(b"x")
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                return
