"""The built modules: each exports exactly one symbol and loads alone."""
import glob
import os
import shutil
import subprocess

import pytest

from harness import BUILD, Baresip

MODULES = sorted(os.path.basename(p)[:-3]
                 for p in glob.glob(os.path.join(BUILD, "modules", "*.so")))


def test_modules_were_built():
    assert "relay" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_only_exports_is_exported(module):
    out = subprocess.run(
        ["nm", "-D", "--defined-only",
         os.path.join(BUILD, "modules", module + ".so")],
        capture_output=True, text=True, check=True).stdout
    symbols = [l.split()[-1] for l in out.splitlines() if l.strip()]
    assert symbols == ["exports"]


@pytest.mark.parametrize("module", MODULES)
def test_module_loads_alone(tmp_path, module):
    b = Baresip(tmp_path, modules=(module,)).start()
    try:
        assert b.alive()
        assert not [l for l in b.log().splitlines()
                    if module in l and ("fail" in l or "error" in l)]
        ok, _ = b.cmd("help")
        assert ok
    finally:
        assert b.stop() == 0


def _dynamic_symbols(path, defined):
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, path], capture_output=True,
                         text=True, check=True).stdout
    names = set()
    for l in out.splitlines():
        parts = l.split()
        if not parts:
            continue
        # weak undefined symbols (w, v) may stay unresolved
        if not defined and parts[-2] in ("w", "v"):
            continue
        names.add(parts[-1].split("@")[0])
    return names


def _libraries(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True,
                         check=True).stdout
    return [l.split("=>")[1].split("(")[0].strip()
            for l in out.splitlines()
            if "=>" in l and "/" in l.split("=>")[1]]


BARESIP = shutil.which("baresip") or "/usr/bin/baresip"


@pytest.mark.parametrize("module", MODULES)
def test_every_import_exists_in_this_baresip(module):
    """A module only loads if baresip (or a library it or the module
    links) defines every symbol it imports: baresip 1.1.0 lacks
    uag_current and ua_aor, which 1.0.0 has. Checked against the running
    platform's binary, so each platform's make test catches a gap."""
    so = os.path.join(BUILD, "modules", module + ".so")
    provided = _dynamic_symbols(BARESIP, True)
    for lib in set(_libraries(BARESIP)) | set(_libraries(so)):
        provided |= _dynamic_symbols(lib, True)
    missing = sorted(_dynamic_symbols(so, False) - provided)
    assert not missing, f"{module}.so imports what {BARESIP} lacks: " \
        f"{missing}"
