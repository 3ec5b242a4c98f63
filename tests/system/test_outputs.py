"""Outputs of relay and dryio alike, with real baresip and file lines:
a switch-off the line refuses is retried until it takes it, and after
kill -9 the service's off program (baresip-door-off) switches every
configured output off."""

import os
import subprocess
import time

import pytest

from harness import BUILD, Baresip, path, read_line_file, wait_for

OFF = os.path.join(BUILD, "baresip-door-off")


def door(tmp_path, procs, config):
    cfg = {"door_audit_file": os.path.join(str(tmp_path), "audit.log")}
    cfg.update(config)
    b = Baresip(tmp_path, modules=("relay", "dryio"), config=cfg)
    procs.append(b)
    b.start()
    b.wait_log("dryio: ")
    return b


# ---- a switch-off the line refuses ----

@pytest.mark.parametrize("kind", ["relay", "dryio"])
def test_failed_switch_off_is_retried(tmp_path, procs, kind):
    out = path(tmp_path, "out")
    key = "relay1" if kind == "relay" else "dryio_out1"
    b = door(tmp_path, procs, {f"{key}_gpio": f"file:{out}",
                               f"{key}_hold": "0.3"})
    if kind == "relay":
        b.ok("relay_open", "1")
    else:
        b.ok("dryio_out", "1 pulse")
    assert read_line_file(out) == "1"

    # the line writes its next content to out.tmp<pid> first: a folder
    # there fails every write, as a full disk would
    blocker = f"{out}.tmp{b.proc.pid}"
    os.mkdir(blocker)
    b.wait_log("cannot drive line", timeout=3)
    time.sleep(1.2)                       # at least one retry, refused too
    assert read_line_file(out) == "1"
    assert b.log().count("cannot drive line") >= 2

    os.rmdir(blocker)
    wait_for(lambda: read_line_file(out) == "0", timeout=2.5,
             what="the retried switch-off")
    b.wait_log("off at last")
    assert b.alive()


# ---- baresip killed: the off program ----

def outputs_config(tmp_path):
    lines = {name: path(tmp_path, name) for name in
             ("r1", "r2", "r3", "o1", "o2")}
    cfg = {
        "relay1_gpio": f"file:{lines['r1']}", "relay1_hold": "60",
        "relay2_gpio": f"file:{lines['r2']}", "relay2_mode": "bistable",
        "relay2_active_low": "yes",
        "relay3_gpio": f"file:{lines['r3']}", "relay3_hold": "60",
        "dryio_out1_gpio": f"file:{lines['o1']}",
        "dryio_out2_gpio": f"file:{lines['o2']}",
        "dryio_out2_active_low": "yes",
    }
    # the physical level each line has when off
    off = {"r1": "0", "r2": "1", "r3": "0", "o1": "0", "o2": "1"}
    return cfg, lines, off


def all_on(b):
    for n in ("1", "2", "3"):
        b.ok("relay_on", n)
    b.ok("dryio_out", "1 on")
    b.ok("dryio_out", "2 on")


def run_off(b):
    return subprocess.run([OFF, "-f", b.dir], capture_output=True,
                          text=True, timeout=10)


def test_kill_9_then_off_program(tmp_path, procs):
    cfg, lines, off = outputs_config(tmp_path)
    b = door(tmp_path, procs, cfg)
    all_on(b)
    for name, p in lines.items():
        assert read_line_file(p) != off[name], name

    t0 = time.monotonic()
    b.proc.kill()                         # SIGKILL: no module close runs
    b.proc.wait()
    assert all(read_line_file(p) != off[n] for n, p in lines.items())
    res = run_off(b)
    wait_for(lambda: all(read_line_file(p) == off[n]
                         for n, p in lines.items()), timeout=2.0,
             what="every output off")
    elapsed = time.monotonic() - t0
    print(f"\nkill -9 to all {len(lines)} lines off with baresip-door-off:"
          f" {elapsed * 1000:.1f} ms")
    assert res.returncode == 0, res.stderr
    assert elapsed < 2.0
    assert res.stderr == ""
    assert res.stdout.count(" off\n") == len(lines)


def test_off_program_switches_the_others_past_a_bad_line(tmp_path, procs):
    cfg, lines, off = outputs_config(tmp_path)
    cfg["relay4_gpio"] = "file:" + path(tmp_path, "gone/r4")
    cfg["dryio_out3_gpio"] = "gpiochip9:3"
    b = door(tmp_path, procs, cfg)
    all_on(b)
    b.proc.kill()
    b.proc.wait()

    res = run_off(b)
    assert res.returncode == 1
    for name, p in lines.items():
        assert read_line_file(p) == off[name], name
    errors = res.stderr.splitlines()
    assert len(errors) == 2, res.stderr
    assert "relay4_gpio" in errors[0] and "no such file" in errors[0]
    assert "dryio_out3_gpio" in errors[1] and "gpiochip9" in errors[1]


def test_off_program_without_a_config(tmp_path):
    res = subprocess.run([OFF, "-f", path(tmp_path, "none")],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 2
    assert "cannot read" in res.stderr
    res = subprocess.run([OFF, "extra"], capture_output=True, text=True,
                         timeout=10)
    assert res.returncode == 2 and "usage" in res.stderr
