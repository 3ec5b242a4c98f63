"""Packaging checks fast enough for `make test`: the conf/ examples load in
the real baresip with the built modules, the door-station example opens a
relay through httpopen, `make install`/`make uninstall` into a DESTDIR,
and the systemd unit verifies. The full package cycle (.deb install and
removal, arm64 under qemu) is `make package-test`."""
import os
import shutil
import subprocess
import sys

import pytest

from harness import BUILD, SYSTEM_MODULES

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUNNER = os.path.join(ROOT, "tests", "package", "run_packaged.py")
EXAMPLES = sorted(d for d in os.listdir(os.path.join(ROOT, "conf"))
                  if os.path.isfile(os.path.join(ROOT, "conf", d, "config")))


@pytest.fixture
def moddir(tmp_path):
    """baresip's modules with the built ones in place of any installed"""
    d = tmp_path / "modules"
    d.mkdir()
    built = {so for so in os.listdir(os.path.join(BUILD, "modules"))
             if so.endswith(".so")}
    for so in os.listdir(SYSTEM_MODULES):
        if so not in built:
            os.symlink(os.path.join(SYSTEM_MODULES, so), d / so)
    for so in built:
        os.symlink(os.path.join(BUILD, "modules", so), d / so)
    return str(d)


def run_example(name, moddir, work, *extra):
    r = subprocess.run([sys.executable, RUNNER, "--conf",
                        os.path.join(ROOT, "conf", name), "--modules",
                        moddir, "--work", str(work)] + list(extra),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_loads_cleanly(name, moddir, tmp_path):
    out = run_example(name, moddir, tmp_path / name, "--load-only")
    assert "ok:   no config or load errors in the log" in out
    assert "ok:   baresip exit status 0 after SIGTERM" in out


def test_door_station_opens_through_httpopen(moddir, tmp_path):
    if not os.path.exists(os.path.join(BUILD, "modules", "httpopen.so")):
        pytest.skip("httpopen module not built")
    out = run_example("door-station", moddir, tmp_path / "door")
    assert "ok:   wrong password: HTTP 401, relay 1 stays off" in out
    assert "ok:   relay 1 line file reads 1" in out
    assert "ok:   relay 1 back off after" in out


def test_install_uninstall_destdir(tmp_path):
    dest = tmp_path / "root"
    make = ["make", "-s", "-C", ROOT, f"BUILD={BUILD}", f"DESTDIR={dest}",
            "PREFIX=/usr"]
    subprocess.run(make + ["install"], check=True, capture_output=True)
    mods = dest / "usr/lib/baresip/modules"
    built = sorted(so for so in os.listdir(os.path.join(BUILD, "modules"))
                   if so.endswith(".so"))
    assert sorted(os.listdir(mods)) == built
    for name in EXAMPLES:
        assert (dest / "usr/share/baresip-door/conf" / name / "config").is_file()
    assert (dest / "usr/share/doc/baresip-door/README.md").is_file()
    assert (dest / "usr/lib/systemd/system/baresip-door.service").is_file()
    off = dest / "usr/lib/baresip-door/baresip-door-off"
    assert off.is_file() and os.access(off, os.X_OK)
    config = dest / "etc/baresip-door/config"
    assert oct(config.stat().st_mode & 0o777) == "0o640"

    # an edited config survives a second install and the uninstall
    config.write_text("# edited\n")
    subprocess.run(make + ["install"], check=True, capture_output=True)
    assert config.read_text() == "# edited\n"
    subprocess.run(make + ["uninstall"], check=True, capture_output=True)
    left = sorted(str(p.relative_to(dest)) for p in dest.rglob("*")
                  if p.is_file())
    assert left == ["etc/baresip-door/accounts", "etc/baresip-door/config"]
    assert config.read_text() == "# edited\n"


def test_unit_verifies():
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze not installed (make package-test has it)")
    unit = os.path.join(ROOT, "packaging", "systemd", "baresip-door.service")
    r = subprocess.run(["systemd-analyze", "verify", unit],
                       capture_output=True, text=True)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr


def test_unit_switches_outputs_off_around_baresip():
    """The off program runs before baresip and after it, however it
    stopped, on the config baresip reads (test_outputs.py runs it)."""
    unit = os.path.join(ROOT, "packaging", "systemd", "baresip-door.service")
    with open(unit) as f:
        lines = [l.strip() for l in f]
    start = [l for l in lines if l.startswith("ExecStart=")]
    assert start == ["ExecStart=/usr/bin/baresip -f /etc/baresip-door"]
    off = "/usr/lib/baresip-door/baresip-door-off -f /etc/baresip-door"
    assert f"ExecStartPre=-{off}" in lines
    assert f"ExecStopPost=-{off}" in lines
