"""Calls followed by identity: per-call state after baresip frees a call.

baresip 1.0.0 frees a call without CALL_CLOSED when a transfer fails (the
peer sends REFER, then answers baresip's NOTIFY with an error) and on quit.
The modules must then neither touch the freed call (valgrind watches
baresip) nor keep its state: call-state outputs go off, and the next call
starts with fresh DTMF state. Also: baresip's UA event numbers, resolved
by name, match this platform's binary.
"""
import json
import re
import signal

import pytest

from harness import (VALGRIND_ERROR, Baresip, Sipp, path, read_audit,
                     read_line_file, wait_for)
from sipp_scenarios import uac_call, uac_refer_fail

# uag_event_str()'s order in each baresip release (include/baresip.h)
EVENTS = {
    "1.0.0": ["REGISTERING", "REGISTER_OK", "REGISTER_FAIL", "UNREGISTERING",
              "MWI_NOTIFY", "SHUTDOWN", "EXIT", "CALL_INCOMING",
              "CALL_RINGING", "CALL_PROGRESS", "CALL_ESTABLISHED",
              "CALL_CLOSED", "TRANSFER", "TRANSFER_FAILED",
              "CALL_DTMF_START", "CALL_DTMF_END", "CALL_RTPESTAB",
              "CALL_RTCP", "CALL_MENC", "VU_TX_REPORT", "VU_RX_REPORT",
              "AUDIO_ERROR", "CALL_LOCAL_SDP", "CALL_REMOTE_SDP"],
    "1.1.0": ["REGISTERING", "REGISTER_OK", "REGISTER_FAIL", "FALLBACK_OK",
              "FALLBACK_FAIL", "UNREGISTERING", "MWI_NOTIFY", "SHUTDOWN",
              "EXIT", "CALL_INCOMING", "CALL_RINGING", "CALL_PROGRESS",
              "CALL_ANSWERED", "CALL_ESTABLISHED", "CALL_CLOSED", "TRANSFER",
              "TRANSFER_FAILED", "CALL_DTMF_START", "CALL_DTMF_END",
              "CALL_RTPESTAB", "CALL_RTCP", "CALL_MENC", "VU_TX_REPORT",
              "VU_RX_REPORT", "AUDIO_ERROR", "CALL_LOCAL_SDP",
              "CALL_REMOTE_SDP", "MODULE", "CUSTOM"],
}


def baresip_version(b):
    m = re.search(r"baresip v(\d+\.\d+\.\d+)", b.log())
    return m.group(1) if m else None


# ---- event numbers, by name, on this platform's binary ----

@pytest.mark.parametrize("module", ["relay", "dryio"])
def test_event_map_matches_this_baresip(tmp_path, procs, module):
    b = Baresip(tmp_path, modules=(module,), verbose=True).start()
    procs.append(b)
    b.wait_log("door: baresip UA events:")
    version = baresip_version(b)
    assert version in EVENTS, f"no event table for baresip {version}"
    text = [l for l in b.log().splitlines()
            if "door: baresip UA events:" in l][0]
    pairs = dict(p.split("=") for p in
                 text.split("door: baresip UA events:")[1].split())
    assert pairs, text
    order = EVENTS[version]
    for name, number in pairs.items():
        if name == "MODULE" and name not in order:
            # baresip 1.0.0 has no MODULE event: the door bus takes the
            # first number it has no name for
            assert int(number) == len(order), (name, number, version)
            continue
        assert order[int(number)] == name, (name, number, version)
    # every event the modules need was found
    for need in ("CALL_INCOMING", "CALL_ESTABLISHED", "CALL_CLOSED",
                 "CALL_DTMF_START", "CALL_DTMF_END"):
        assert need in pairs
    assert ("CALL_ANSWERED" in pairs) == ("CALL_ANSWERED" in order)


# ---- a failed transfer frees the call without CALL_CLOSED ----

def door_config(tmp_path):
    return {
        "door_audit_file": path(tmp_path, "audit.log"),
        "relay1_gpio": f"file:{path(tmp_path, 'r1')}",
        "relay1_dtmf": "1234", "relay1_hold": "10",
        "relay2_gpio": f"file:{path(tmp_path, 'r2')}",
        "relay2_type": "event", "relay2_event": "call",
        "relay_dtmf_timeout": "5", "relay_dtmf_max_fail": "2",
        "dryio_out1_gpio": f"file:{path(tmp_path, 'o1')}",
        "dryio_out1_call": "established",
        "dryio_out2_gpio": f"file:{path(tmp_path, 'o2')}",
        "dryio_out2_dtmf": "1234", "dryio_out2_hold": "10",
        "dryio_dtmf_max_fail": "2",
    }


def test_failed_transfer_leaves_no_state(tmp_path, procs):
    b = Baresip(tmp_path, modules=("relay", "dryio"),
                config=door_config(tmp_path), valgrind=True).start()
    procs.append(b)
    r1, r2, o1, o2 = (path(tmp_path, n) for n in ("r1", "r2", "o1", "o2"))

    # two wrong codes lock the call's DTMF, then the transfer fails
    s = Sipp(tmp_path, uac_refer_fail("5#6#", retrans_ms=4000),
             f"127.0.0.1:{b.sip_port}", extra_args=["-s", b.user]).start()
    b.wait_event("CALL_ESTABLISHED", timeout=30)
    wait_for(lambda: read_line_file(r2) == "1", 10, what="event relay on")
    wait_for(lambda: read_line_file(o1) == "1", 10, what="call output on")
    assert s.wait(90) == 0, s.errors()
    b.wait_event("TRANSFER_FAILED", timeout=30)
    first = [e for e in b.events if e.get("type") == "CALL_ESTABLISHED"][0]
    closed = [e for e in b.events if e.get("type") == "CALL_CLOSED" and
              e.get("id") == first.get("id")]
    print(f"baresip {baresip_version(b)}: CALL_CLOSED for the transferred"
          f" call: {len(closed)}")

    # whatever announced the end, nothing of that call is left on
    wait_for(lambda: read_line_file(r2) == "0", 10, what="event relay off")
    wait_for(lambda: read_line_file(o1) == "0", 10, what="call output off")
    locked = [r for r in read_audit(tmp_path) if r["result"] == "locked"]
    assert len(locked) == 2          # relay and dryio, in that call

    # a new call starts afresh: the right code opens (SIP INFO, which
    # baresip 1.1.0 delivers whole; resent late, as valgrind slows it)
    since = len(b.events)
    s = Sipp(tmp_path, uac_call("1234", mode="info", retrans_ms=4000),
             f"127.0.0.1:{b.sip_port}", name="sipp2",
             extra_args=["-s", b.user]).start()
    wait_for(lambda: read_line_file(r1) == "1", 30, what="door open")
    wait_for(lambda: read_line_file(o2) == "1", 30, what="dryio code")
    assert s.wait(90) == 0, s.errors()
    b.wait_event("CALL_CLOSED", timeout=30, since=since)
    wait_for(lambda: read_line_file(r2) == "0", 10, what="event relay off")
    assert read_line_file(o1) == "0"

    rc = b.stop()
    assert rc != VALGRIND_ERROR, open(b.valgrind_log).read()
    assert rc == 0


# ---- quit while unlock sends the remote relay code ----

def unlocking(tmp_path, procs, valgrind=False):
    """A monitor in a call with a door phone, sending a 16-digit remote
    relay code that takes about 4 s; returns both once the first digit
    has arrived."""
    phone = Baresip(tmp_path, modules=("relay",), name="doorphone").start()
    procs.append(phone)
    monitor = Baresip(tmp_path, modules=("relay",), name="monitor",
                      user="monitor", valgrind=valgrind,
                      config={"relay_remote_dtmf": "1234567890ABCD*#"}
                      ).start()
    procs.append(monitor)
    # under valgrind on a loaded machine the monitor's call setup has
    # taken over 30 s (CI, with the suite running in parallel elsewhere)
    slow = 90 if valgrind else 30
    monitor.ok("dial", phone.uri)
    monitor.wait_event("CALL_ESTABLISHED", timeout=slow)
    phone.wait_event("CALL_ESTABLISHED", timeout=slow)
    assert "remote relay code sent" in monitor.ok("unlock")
    phone.wait_event("CALL_DTMF_START", timeout=slow)
    return monitor, phone


def _netstring(obj):
    data = json.dumps(obj).encode()
    return str(len(data)).encode() + b":" + data + b","


@pytest.mark.parametrize("how", ["sigterm", "quit"])
def test_quit_during_unlock(tmp_path, procs, how):
    monitor, _ = unlocking(tmp_path, procs, valgrind=True)
    if how == "sigterm":
        monitor.proc.send_signal(signal.SIGTERM)
    else:
        monitor.sock.sendall(_netstring({"command": "quit", "token": "q"}))
    rc = monitor.proc.wait(90)
    assert rc != VALGRIND_ERROR, open(monitor.valgrind_log).read()
    assert rc == 0


def test_unlock_stops_when_the_call_ends(tmp_path, procs):
    monitor, phone = unlocking(tmp_path, procs)
    phone.ok("hangup")
    monitor.wait_log("the call ended before the remote relay code was sent",
                     timeout=10)
    digits = [e.get("param") for e in phone.events
              if e.get("type") == "CALL_DTMF_START"]
    assert len(digits) < 16
    assert monitor.alive()
    # the monitor places the next call as usual
    since = len(phone.events)
    monitor.ok("dial", phone.uri)
    phone.wait_event("CALL_ESTABLISHED", timeout=10, since=since)
