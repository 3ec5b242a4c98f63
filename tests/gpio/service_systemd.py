"""The packaged service under systemd, on a real kernel's GPIO lines.

make test-gpio boots a VM whose PID 1 is systemd (tests/gpio/vm.sh,
GPIO_INIT=systemd) on a writable overlay of Debian 12's root and runs this
file there, alone: the Debian package is installed with dpkg -i, its unit
runs baresip with a relay and a dryio output on gpio-sim lines, and baresip
is killed with kill -9. The unit's ExecStopPost= (baresip-door-off) must
switch both off within 2 s, and its ExecStartPre= must have switched them
off before baresip started.

gpio-sim puts a line nobody holds back to its pull. Both lines are pulled
up, so a released line reads on, as a relay board that keeps its last
level would: after kill -9 the kernel releases baresip's lines and they
stay on until baresip-door-off drives them off. The gpio_value trace
event shows that level being set, by whom and when.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

import gpiosim
from harness import wait_for

PKG = "baresip-door"
CONF = f"/etc/{PKG}"
DEB = os.environ.get("DOOR_DEB", "")
CTRL = ("127.0.0.1", 4444)
SIP_PORT = 5060
RELAY, OUT = 1, 2           # the chip's offsets of relay 1 and dryio out 1
OFF_TASK = "baresip-door-of"    # the kernel cuts process names to 15
RESULT = "/run/out/result"


def pid1_is_systemd():
    try:
        return os.path.basename(os.readlink("/proc/1/exe")) == "systemd"
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not pid1_is_systemd() or not os.path.isfile(DEB),
    reason="needs systemd as PID 1 and the package (DOOR_DEB): make "
           "test-gpio runs it in its systemd VM")


def run(*argv):
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"{' '.join(argv)}: {out.stdout}{out.stderr}"
    return out.stdout


def show(prop):
    return run("systemctl", "show", "-p", prop, "--value",
               f"{PKG}.service").strip()


def exec_status(prop):
    """(pid, code, status) of the last run of ExecStartPre=/ExecStopPost=,
    as systemctl show reports it: pid 0 when it has not run."""
    fields = dict(f.strip().split("=", 1) for f in
                  show(prop).strip("{} ").split(";") if "=" in f)
    return int(fields.get("pid", 0)), fields.get("code"), fields.get("status")


def ctrl(command, params):
    """One command through baresip's ctrl_tcp; its response's ok flag."""
    with socket.create_connection(CTRL, timeout=10) as s:
        req = json.dumps({"command": command, "params": params,
                          "token": "1"}).encode()
        s.sendall(str(len(req)).encode() + b":" + req + b",")
        buf = b""
        while True:
            data = s.recv(65536)
            assert data, f"ctrl_tcp closed before answering {command}"
            buf += data
            while b":" in buf:
                size, rest = buf.split(b":", 1)
                if len(rest) < int(size) + 1:
                    break
                msg = json.loads(rest[:int(size)])
                buf = rest[int(size) + 1:]
                if msg.get("response") and msg.get("token") == "1":
                    return msg.get("ok"), msg.get("data", "")


def ctrl_up():
    try:
        socket.create_connection(CTRL, timeout=1).close()
        return True
    except OSError:
        return False


def off_sets(trace, chip, since):
    """{offset: (time, pid)} of the first off level baresip-door-off set
    on the relay's and the output's line from since on, once both are."""
    first = {}
    for t, task, pid, off, value in trace.timed_sets(chip):
        if t >= since and task == OFF_TASK and value == 0 and \
                off in (RELAY, OUT):
            first.setdefault(off, (t, pid))
    return first if len(first) == 2 else None


def write_config(chip):
    n = chip.number
    config = f"""\
poll_method		epoll
sip_listen		127.0.0.1:{SIP_PORT}
module_path		/usr/lib/baresip/modules
audio_player		alsa,null
audio_source		alsa,null
audio_alert		alsa,null
module			alsa.so
module			g711.so
module			account.so
module			relay.so
module			dryio.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		{CTRL[0]}:{CTRL[1]}
door_audit_file		/var/log/{PKG}/audit.log
relay1_gpio		gpiochip{n}:{RELAY}
relay1_mode		monostable
relay1_hold		600
dryio_out1_gpio		gpiochip{n}:{OUT}
dryio_out1_hold		0
"""
    # the package's files, written in place: mode and group stay its own
    with open(f"{CONF}/config", "w") as f:
        f.write(config)
    with open(f"{CONF}/accounts", "w") as f:
        f.write(f"<sip:door@127.0.0.1:{SIP_PORT}>;regint=0;"
                "answermode=auto\n")


def test_kill_9_outputs_off_by_the_unit(chip):
    t = time.monotonic()
    run("dpkg", "-i", DEB)
    installed = time.monotonic() - t
    assert show("LoadState") == "loaded"
    assert show("UnitFileState") == "disabled"     # never enabled by dpkg
    write_config(chip)
    # the package's udev rule, applied by hand: this root runs no udev
    dev = f"/dev/{chip.chip_name}"
    shutil.chown(dev, group="gpio")
    os.chmod(dev, 0o660)
    for off in (RELAY, OUT):
        chip.pull(off, 1)           # left on, as far as anyone can see
        assert chip.value(off) == 1

    with gpiosim.ValueTrace() as trace:
        t_start = time.monotonic()
        run("systemctl", "start", f"{PKG}.service")
        wait_for(ctrl_up, 20, 0.01, "ctrl_tcp of the service")

        # ExecStartPre=: its process set both lines off before baresip
        # set any
        pre_pid, code, status = exec_status("ExecStartPre")
        assert pre_pid and (code, status) == ("exited", "0"), show(
            "ExecStartPre")
        off = off_sets(trace, chip, t_start)
        assert off, trace.timed_sets(chip)
        first_baresip = min(t for t, task, _, _, _ in trace.timed_sets(chip)
                            if task == "baresip")
        assert all(pid == pre_pid and t < first_baresip
                   for t, pid in off.values()), (pre_pid, off)
        # the modules hold their lines off against the pull-up
        assert (chip.value(RELAY), chip.value(OUT)) == (0, 0)
        assert gpiosim.line_info(chip, RELAY)["consumer"] == \
            "baresip-door relay"

        assert ctrl("relay_open", "1")[0]
        assert ctrl("dryio_out", "1 on")[0]
        assert (chip.value(RELAY), chip.value(OUT)) == (1, 1)

        main_pid = int(show("MainPID"))
        assert main_pid > 0
        t_kill = time.monotonic()
        os.kill(main_pid, signal.SIGKILL)
        # the restart (RestartSec=5s) runs ExecStartPre= again: not before
        off = wait_for(lambda: off_sets(trace, chip, t_kill), 3, 0.01,
                       "both lines off after kill -9")
        after_ms = (max(t for t, _ in off.values()) - t_kill) * 1000
        post_pid = wait_for(lambda: exec_status("ExecStopPost")[0], 3, 0.01,
                            "ExecStopPost= has run")

    # ExecStopPost='s process, no other, switched them off
    assert all(pid == post_pid for _, pid in off.values()), (post_pid, off)
    _, code, status = exec_status("ExecStopPost")
    assert (code, status) == ("exited", "0"), show("ExecStopPost")
    assert show("Result") == "signal"
    # its lines, in the journal: once before start, once after the kill
    line = f"baresip-door-off: relay1_gpio 'gpiochip{chip.number}:{RELAY}' off"
    journal = wait_for(
        lambda: (lambda j: j if j.count(line) >= 2 else None)(
            run("journalctl", "-q", "-o", "cat", "-u", f"{PKG}.service")),
        10, 0.01, "baresip-door-off's lines in the journal")
    assert f"dryio_out1_gpio 'gpiochip{chip.number}:{OUT}' off" in journal

    # Restart=on-failure: the door comes back, its lines held off
    wait_for(lambda: show("ActiveState") == "active" and
             int(show("MainPID")) not in (0, main_pid), 15, 0.01,
             "the service restarted")
    back_s = time.monotonic() - t_kill
    wait_for(ctrl_up, 20, 0.01, "ctrl_tcp after the restart")
    assert (chip.value(RELAY), chip.value(OUT)) == (0, 0)
    run("systemctl", "stop", f"{PKG}.service")

    version = run("systemctl", "--version").split("\n")[0].split(" (")[0]
    print(f"\n{version}: dpkg -i {installed:.1f} s; both off "
          f"{after_ms:.0f} ms after kill -9; back after {back_s:.1f} s")
    assert after_ms < 2000
    with open(RESULT, "w") as f:
        f.write(f"{version} as PID 1, package installed by dpkg -i in "
                f"{installed:.1f} s: relay and dryio output off "
                f"{after_ms:.0f} ms after kill -9 (ExecStopPost=), both off "
                f"before baresip (ExecStartPre=), back in {back_s:.1f} s\n")
