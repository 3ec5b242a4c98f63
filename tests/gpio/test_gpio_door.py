"""Door contacts and interlock on a real kernel's GPIO lines: the contact
is an input driven from outside through gpio-sim's pull attribute (each
change an edge on the line's descriptor), the relays are output lines read
back on the chip. A forced door (alarm, alarm command, an interlocked door
refused until it closes) and relock on close."""
import json
import os
import time

from harness import wait_for

SHUT, OPEN = 0, 1     # an NC loop to ground with a pull-up: open is high


def audit(tmp_path):
    try:
        with open(os.path.join(str(tmp_path), "audit.log")) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def alarms(tmp_path):
    return [(r["action"], r["result"]) for r in audit(tmp_path)
            if r["action"].startswith("door_")]


def config(chip, tmp_path, **extra):
    """relay 1 on line 1 with its door contact on line 2 (as-is bias: the
    test's pull is the loop), relay 2 a siren on line 3, relay 3 the inner
    door of an airlock on line 5"""
    n = chip.number
    cfg = {
        "relay1_gpio": f"gpiochip{n}:1", "relay1_name": "Outer",
        "relay1_hold": "30",
        "relay1_contact": f"gpiochip{n}:2",
        "relay1_contact_debounce": "20",
        "relay1_alarm_command": "relay_on 2",
        "relay2_gpio": f"gpiochip{n}:3", "relay2_name": "Siren",
        "relay2_hold": "30",
        "relay3_gpio": f"gpiochip{n}:5", "relay3_name": "Inner",
        "relay3_hold": "30",
        "relay_interlock": "1,3",
        "door_audit_file": os.path.join(str(tmp_path), "audit.log"),
    }
    cfg.update(extra)
    return cfg


def test_forced_door_on_a_kernel_contact(chip, door, tmp_path):
    chip.pull(2, SHUT)
    b = door(config(chip, tmp_path))
    b.wait_log("relays configured")
    assert chip.value(1) == 0 and chip.value(3) == 0

    # opened with no access granted: forced; the alarm command switches
    # the siren on, and the interlocked inner door refuses
    chip.pull(2, OPEN)
    chip.wait_value(3, 1, 5)
    wait_for(lambda: ("door_forced", "alarm") in alarms(tmp_path), 5,
             what="forced alarm audited")
    assert chip.value(1) == 0
    assert "door of relay 1 (Outer) forced" in b.log()
    ok, text = b.cmd("relay_open", "Inner")
    assert not ok and "refused: interlock: door 1 open" in text
    assert chip.value(5) == 0

    # shut again: the alarm ends (audited), the inner door opens
    chip.pull(2, SHUT)
    wait_for(lambda: ("door_forced", "ended") in alarms(tmp_path), 5,
             what="forced alarm ended")
    b.ok("relay_open", "Inner")
    assert chip.value(5) == 1
    b.ok("relay_close", "Inner")
    b.ok("relay_close", "2")


def test_relock_on_a_kernel_contact(chip, door, tmp_path):
    chip.pull(2, SHUT)
    b = door(config(chip, tmp_path, relay1_relock="yes"))
    b.wait_log("relays configured")

    b.ok("relay_open", "Outer")                 # a 30 s pulse
    assert chip.value(1) == 1
    chip.pull(2, OPEN)
    time.sleep(0.3)                             # walked through
    assert chip.value(1) == 1                   # still unlocked: open
    t_shut = time.monotonic()
    chip.pull(2, SHUT)
    t_off = chip.wait_value(1, 0, 5)
    print(f"relock: door shut to lock line off on the kernel line: "
          f"{(t_off - t_shut) * 1000:.0f} ms (debounce 20 ms)")
    assert t_off - t_shut < 2.0                 # not the 30 s hold
    assert not [a for a in alarms(tmp_path) if a[1] == "alarm"]

    # the outer door shut and locked: the inner one may open
    b.ok("relay_open", "Inner")
    assert chip.value(5) == 1
