"""Faults on a real kernel: a line another process holds, a chip or line
name that does not exist, and what close leaves behind (every output at
its off level, as the kernel's gpio_value trace event shows, and every
line released, as gpioinfo shows)."""
import json
import signal

import pytest

import gpiosim


def enabled(b):
    return {r["relay"]: r["enabled"]
            for r in json.loads(b.ok("relay_status"))["relays"]}


def error_lines(b, key):
    return [line for line in b.log().splitlines() if key in line]


# why a line did not open, in the errno's words or in line_error()'s
BUSY = ("resource busy", "in use by another program")
NO_CHIP = ("no such file", "no such gpio chip")
NO_NAME = ("no such file", "no line of that name")
NO_OFFSET = ("invalid argument", "no such line on the chip")


def says(line, reasons):
    return any(r in line.lower() for r in reasons)


def test_line_held_by_another_process(chip, door):
    holder = gpiosim.hold_line(chip, 3, 1)
    try:
        n = chip.number
        b = door({"relay1_gpio": f"gpiochip{n}:3", "relay1_hold": "30",
                  "relay2_gpio": f"gpiochip{n}:4", "relay2_hold": "30",
                  "dryio_in1_gpio": f"gpiochip{n}:3",
                  "dryio_in2_gpio": f"gpiochip{n}:5"},
                 modules=("relay", "dryio"))
        for key in ("relay1_gpio", "dryio_in1_gpio"):
            lines = error_lines(b, key)
            assert len(lines) == 1, b.log()
            assert says(lines[0], BUSY), lines[0]
        assert enabled(b) == {1: False, 2: True}

        # the holder keeps its line and level; the rest works
        info = gpiosim.line_info(chip, 3)
        assert info["consumer"] == "gpioset", info["text"]
        assert chip.value(3) == 1
        ok, _ = b.cmd("relay_on", "1")
        assert chip.value(3) == 1
        b.ok("relay_on", "2")
        assert chip.value(4) == 1
        assert gpiosim.line_info(chip, 5)["consumer"] == "dryio"
        assert b.alive()
    finally:
        holder.terminate()
        holder.wait()


def test_missing_chip_offset_and_line_name(chip, door):
    n = chip.number
    b = door({"relay1_gpio": "gpiochip99:1",
              "relay2_gpio": "NO_SUCH_LINE",
              "relay3_gpio": f"gpiochip{n}:{chip.num_lines}",
              "relay4_gpio": f"gpiochip{n}:1", "relay4_hold": "30"})
    for r, spec, why in ((1, "gpiochip99:1", NO_CHIP),
                         (2, "NO_SUCH_LINE", NO_NAME),
                         (3, f"gpiochip{n}:{chip.num_lines}", NO_OFFSET)):
        lines = error_lines(b, f"relay{r}_gpio")
        assert len(lines) == 1, b.log()
        assert spec in lines[0] and "cannot open" in lines[0], lines[0]
        assert says(lines[0], why), lines[0]
    assert enabled(b) == {1: False, 2: False, 3: False, 4: True}
    b.ok("relay_open", "4")
    assert chip.value(1) == 1
    assert b.alive()


@pytest.mark.parametrize("how", ["quit", "sigterm"])
def test_close_leaves_outputs_off_and_releases_lines(chip, door, how):
    n = chip.number
    b = door({"relay1_gpio": f"gpiochip{n}:1", "relay1_hold": "30",
              "relay2_gpio": f"gpiochip{n}:2", "relay2_hold": "30",
              "relay2_active_low": "yes",
              "relay3_gpio": "DOOR_LOCK", "relay3_mode": "bistable",
              "dryio_out1_gpio": f"gpiochip{n}:3", "dryio_out1_hold": "0",
              "dryio_in1_gpio": "EXIT_BUTTON"},
             modules=("relay", "dryio"))
    for r in (1, 2, 3):
        b.ok("relay_on", str(r))
    b.ok("dryio_out", "1 on")
    assert [chip.value(o) for o in (1, 2, 4, 3)] == [1, 0, 1, 1]
    used = (1, 2, 3, 4, 6)
    assert all(gpiosim.line_info(chip, o)["used"] for o in used)

    with gpiosim.ValueTrace() as trace:
        if how == "quit":
            b.cmd("quit")
            b.proc.wait(10)
        else:
            b.proc.send_signal(signal.SIGTERM)
            b.proc.wait(10)
        sets = trace.sets(chip)
    assert b.proc.returncode == 0, b.log()

    # the last level each output was set to before release: its off level
    off = {1: 0, 2: 1, 4: 0, 3: 0}
    for o, level in off.items():
        last = [v for _, line, v in sets if line == o]
        assert last and last[-1] == level, (o, sets)
    for o in used:
        info = gpiosim.line_info(chip, o)
        assert not info["used"], info["text"]
