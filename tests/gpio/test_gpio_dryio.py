"""dryio on a real kernel's GPIO lines: inputs driven from outside through
gpio-sim's pull attribute (each change an edge on the line's descriptor),
bias set on the kernel line, debounce, long press, linked output, command
and the ALERT message; outputs read back on the chip."""
import os
import time

import gpiosim
from harness import Sipp, wait_for

# the scenario the system tests use for a guard's phone receiving alerts
from test_dryio import uas_message

DRYIO = ("dryio",)
PRESS, RELEASE = 0, 1         # a contact to ground, with a pull-up


def press(chip, offset, output, timeout):
    """Press the input; seconds until the output's kernel line is on."""
    t0 = time.monotonic()
    chip.pull(offset, PRESS)
    return chip.wait_value(output, 1, timeout) - t0


def line_fds(pid):
    """The GPIO line requests a process holds (anonymous inodes)."""
    out = []
    fddir = f"/proc/{pid}/fd"
    for fd in os.listdir(fddir):
        try:
            target = os.readlink(os.path.join(fddir, fd))
        except OSError:
            continue
        if target.startswith("anon_inode:") and "gpio" in target:
            out.append(target)
    return out


def test_edges_bias_and_both_trigger_levels(chip, door):
    n = chip.number
    b = door(modules=DRYIO, config={
        # a button to ground: pull-up, triggers low, drives out1
        "dryio_in1_gpio": f"gpiochip{n}:1",
        "dryio_in1_bias": "pull-up",
        "dryio_in1_output": "1",
        # a sensor driving high: pull-down, triggers high, runs a command
        "dryio_in2_gpio": "EXIT_BUTTON",
        "dryio_in2_bias": "pull-down",
        "dryio_in2_trigger": "high",
        "dryio_in2_command": "dryio_out 2 on",
        "dryio_out1_gpio": f"gpiochip{n}:2",
        "dryio_out1_hold": "30",
        "dryio_out2_gpio": f"gpiochip{n}:3",
    })

    # the kernel holds the bias each input asked for
    for off, bias in ((1, "pull-up"), (6, "pull-down")):
        info = gpiosim.line_info(chip, off)
        assert info["consumer"] == "dryio", info["text"]
        assert not info["output"], info["text"]
        assert info["bias"] == bias, info["text"]
        assert chip.get_pull(off) == bias
    assert chip.value(2) == 0 and chip.value(3) == 0
    # each input waits on its own line request's descriptor
    assert len(line_fds(b.proc.pid)) >= 2, line_fds(b.proc.pid)
    assert "triggered" not in b.log()

    took = press(chip, 1, 2, 3)
    print(f"in1 edge to out1 on the kernel line: {took * 1000:.0f} ms"
          " (debounce 50 ms)")
    b.wait_log("in1 (Input 1) triggered")
    chip.pull(1, RELEASE)
    b.wait_log("in1 (Input 1) released")

    chip.pull(6, 1)
    chip.wait_value(3, 1, 3)
    b.wait_log("in2: command 'dryio_out' done")
    assert chip.value(2) == 1        # out1 holds for its 30 s


def chatter(chip, offset, levels):
    """Edges 25 ms apart; returns how long they took."""
    t0 = time.monotonic()
    for level in levels:
        chip.pull(offset, level)
        time.sleep(0.025)
    return time.monotonic() - t0


def test_debounce_drops_chatter(chip, door):
    b = door(modules=DRYIO, config={
        "dryio_in1_gpio": f"gpiochip{chip.number}:1",
        "dryio_in1_bias": "pull-up",
        "dryio_in1_debounce": "1000",
        "dryio_in1_output": "1",
        "dryio_out1_gpio": f"gpiochip{chip.number}:2",
        "dryio_out1_hold": "30",
    })
    # chatter ending released: nothing
    took = chatter(chip, 1, (PRESS, RELEASE) * 3)
    assert took < 0.9, f"chatter took {took:.3f} s: too slow to test"
    time.sleep(1.5)
    assert chip.value(2) == 0
    assert "triggered" not in b.log()

    # chatter ending pressed: the debounce time runs from the last edge,
    # so every edge reached dryio (one seen late would end it sooner)
    took = chatter(chip, 1, (PRESS, RELEASE) * 3 + (PRESS,))
    t_last = time.monotonic() - 0.025
    assert took < 0.9, f"chatter took {took:.3f} s: too slow to test"
    after = chip.wait_value(2, 1, 4) - t_last
    print(f"last edge to out1 with debounce 1000 ms: {after * 1000:.0f} ms")
    assert after >= 0.95


def test_long_press_hold(chip, door):
    b = door(modules=DRYIO, config={
        "dryio_in1_gpio": f"gpiochip{chip.number}:1",
        "dryio_in1_bias": "pull-up",
        "dryio_in1_hold": "1",
        "dryio_in1_command": "dryio_out 1 on",
        "dryio_out1_gpio": f"gpiochip{chip.number}:2",
    })
    chip.pull(1, PRESS)                  # a short press: nothing
    time.sleep(0.4)
    chip.pull(1, RELEASE)
    time.sleep(1.2)
    assert chip.value(2) == 0
    assert "triggered" not in b.log()

    took = press(chip, 1, 2, 4)          # a long press: the command
    print(f"long press to command, hold 1 s: {took * 1000:.0f} ms")
    assert took >= 1.0
    # the line moves inside the command; its "done" line is logged after
    wait_for(lambda: "in1: command 'dryio_out' done" in b.log(), 5,
             what="the command's done line")


def test_alert_message_on_input(chip, door, tmp_path):
    uas = Sipp(tmp_path, uas_message("^ALERT=Door forced"), None,
               name="guard").start()
    b = door(modules=DRYIO, config={
        "dryio_in1_gpio": "EXIT_BUTTON",
        "dryio_in1_name": "Door contact",
        "dryio_in1_trigger": "high",
        "dryio_in1_bias": "pull-down",
        "dryio_in1_alert": "Door forced",
        "dryio_alert_uri": f"sip:guard@127.0.0.1:{uas.port}",
    })
    chip.pull(6, 1)
    assert uas.wait(20) == 0, uas.errors()
    assert "\nALERT=Door forced" in uas.messages()
    wait_for(lambda: "alert delivered to sip:guard@" in b.log(),
             5, what="alert delivered")
