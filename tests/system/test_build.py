"""The built modules: each exports exactly one symbol and loads alone."""
import glob
import os
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
