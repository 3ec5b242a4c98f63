"""The GPIO lane's tests run inside a VM whose kernel has gpio-sim
(make test-gpio); elsewhere they are skipped. They reuse the system
tests' harness: real baresip, sipp and curl on loopback."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "system"))

import gpiosim  # noqa: E402
from harness import Baresip  # noqa: E402

# line names on the simulated chip, as a device tree would give them
NAMES = {4: "DOOR_LOCK", 6: "EXIT_BUTTON"}


def _uapi_problem():
    """None when the root's libgpiod can talk to this kernel, else why."""
    chip = gpiosim.Chip("probe", 1)
    try:
        v2 = gpiosim.tools_version() >= 2
        args = ["gpioinfo", "-c" if v2 else "", chip.chip_name]
        out = subprocess.run([a for a in args if a], capture_output=True,
                             text=True)
    finally:
        chip.close()
    if out.returncode == 0:
        return None
    why = out.stderr.strip()
    if gpiosim.tools_version() == 1:
        # Debian's kernels with gpio-sim are built without
        # CONFIG_GPIO_CDEV_V1, the only interface libgpiod 1.x speaks
        why = f"no GPIO uAPI v1 in this kernel for libgpiod v1 ({why})"
    return f"libgpiod cannot use {os.uname().release}'s GPIO chips: {why}"


def pytest_collection_modifyitems(config, items):
    if not gpiosim.available():
        why = "needs a kernel with gpio-sim: run make test-gpio"
    else:
        why = _uapi_problem()
    if why:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=why))


@pytest.fixture
def chip():
    """A fresh simulated chip of 8 lines for each test."""
    c = gpiosim.Chip(f"door{os.getpid()}", 8, NAMES)
    yield c
    c.close()


@pytest.fixture
def door(chip, tmp_path):
    """Start baresip with our modules on the chip's lines; each is stopped
    (module close runs) after the test, before the chip goes away."""
    started = []

    def start(config, modules=("relay",), name="door"):
        b = Baresip(tmp_path, modules=modules, config=config, name=name)
        started.append(b)
        b.start()
        if "dryio" in modules:
            b.wait_log("dryio: ")
        return b

    yield start
    for b in started:
        b.stop()
