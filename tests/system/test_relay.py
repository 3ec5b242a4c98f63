"""System tests of the relay module against the real baresip binary.

Each test starts baresip with relay.so and a generated config, drives it
through ctrl_tcp and real SIP peers (sipp, a second baresip), and reads the
file-backed GPIO lines the relays drive.
"""
import json
import math
import os
import struct
import time
import wave

import pytest

# line() and audit() are imported by other test files under these names
from harness import Baresip, Sipp, read_line_file, wait_for
from harness import path as line, read_audit as audit
from smallfs import fill, remount, small_tmpfs
from sipp_scenarios import uac_call, uac_ring


def door(tmp_path, config, **kw):
    cfg = {"door_audit_file": line(tmp_path, "audit.log")}
    cfg.update(config)
    return Baresip(tmp_path, modules=("relay",), config=cfg, **kw).start()


def call_door(tmp_path, b, digits, mode="rfc2833", caller="caller",
              name="sipp", **kw):
    s = Sipp(tmp_path, uac_call(digits, mode=mode, caller=caller, **kw),
             f"127.0.0.1:{b.sip_port}", name=name,
             extra_args=["-s", b.user]).start()
    return s


def relay_state(b, n):
    status = json.loads(b.ok("relay_status"))
    for r in status["relays"]:
        if r["relay"] == n:
            return r
    raise KeyError(n)


@pytest.fixture
def procs():
    started = []
    yield started
    for p in started:
        if isinstance(p, Baresip):
            p.stop()


# ---- modes, hold delay, commands ----

def test_monostable_hold_delay_measured_on_the_line(tmp_path, procs):
    r1 = line(tmp_path, "r1")
    b = door(tmp_path, {"relay1_gpio": f"file:{r1}", "relay1_hold": "1.5"})
    procs.append(b)
    assert read_line_file(r1) == "0"

    b.ok("relay_open", "1")
    t_on = wait_for(lambda: read_line_file(r1) == "1" and time.monotonic(),
                    2, interval=0.005, what="relay on")
    t_off = wait_for(lambda: read_line_file(r1) == "0" and time.monotonic(),
                     4, interval=0.005, what="relay off")
    held = t_off - t_on
    print(f"hold 1.5 s measured {held:.3f} s")
    assert abs(held - 1.5) < 0.1
    assert relay_state(b, 1)["state"] == "off"


def test_bistable_changes_state_each_trigger(tmp_path, procs):
    r1 = line(tmp_path, "r1")
    b = door(tmp_path, {"relay1_gpio": f"file:{r1}",
                        "relay1_mode": "bistable", "relay1_hold": "0.2"})
    procs.append(b)
    b.ok("relay_open", "1")
    assert read_line_file(r1) == "1"
    time.sleep(0.5)          # longer than the hold: bistable ignores it
    assert read_line_file(r1) == "1"
    assert relay_state(b, 1)["state"] == "on"
    b.ok("relay_open", "1")
    assert read_line_file(r1) == "0"
    b.ok("relay_toggle", "1")
    assert read_line_file(r1) == "1"
    b.ok("relay_close", "1")
    assert read_line_file(r1) == "0"


def test_active_low_inverts_the_line(tmp_path, procs):
    r1 = line(tmp_path, "r1")
    b = door(tmp_path, {"relay1_gpio": f"file:{r1}",
                        "relay1_active_low": "yes", "relay1_hold": "5"})
    procs.append(b)
    assert read_line_file(r1) == "1"       # off = high on an active-low board
    b.ok("relay_open", "1")
    assert read_line_file(r1) == "0"
    b.stop()
    procs.remove(b)
    assert read_line_file(r1) == "1"       # close leaves it off


def test_commands_by_name_and_bad_arguments(tmp_path, procs):
    r1 = line(tmp_path, "r1")
    b = door(tmp_path, {"relay1_gpio": f"file:{r1}",
                        "relay1_name": "Front door", "relay1_hold": "5"})
    procs.append(b)
    listing = b.ok("relay_list")
    assert "Front door" in listing and "monostable" in listing
    b.ok("relay_open", "front door")
    assert read_line_file(r1) == "1"
    b.ok("relay_close", "Front door")
    assert read_line_file(r1) == "0"
    for bad in ("", "9", "0", "-1", "99999999999", "nosuch", "1 2 3",
                "x" * 600):
        ok, text = b.cmd("relay_open", bad)
        assert not ok, bad
        assert text.count("\n") <= 1
    assert read_line_file(r1) == "0"
    ok, text = b.cmd("unlock")
    assert not ok and "no call" in text
    assert b.alive()
    # via/who only feed the audit record
    b.ok("relay_on", "1 via=http who=admin@127.0.0.1")
    rec = audit(tmp_path)[-1]
    assert rec["action"] == "on" and rec["source"] == "http"
    assert rec["who"] == "admin@127.0.0.1" and rec["result"] == "ok"


# ---- chime and event relays ----

def test_chime_rings_on_incoming_and_stops_on_cancel(tmp_path, procs):
    bell = line(tmp_path, "bell")
    b = door(tmp_path, {"relay1_gpio": f"file:{bell}",
                        "relay1_type": "chime", "relay1_hold": "20"},
             answermode="manual")
    procs.append(b)
    s = Sipp(tmp_path, uac_ring(ring_ms=1500, then="cancel"),
             f"127.0.0.1:{b.sip_port}", extra_args=["-s", "door"]).start()
    wait_for(lambda: read_line_file(bell) == "1", 5, what="chime on")
    wait_for(lambda: read_line_file(bell) == "0", 5, what="chime off")
    assert s.wait() == 0, s.errors()


def test_chime_stops_on_answer(tmp_path, procs):
    bell = line(tmp_path, "bell")
    b = door(tmp_path, {"relay1_gpio": f"file:{bell}",
                        "relay1_type": "chime", "relay1_hold": "20"},
             answermode="manual")
    procs.append(b)
    s = Sipp(tmp_path, uac_ring(then="answer"), f"127.0.0.1:{b.sip_port}",
             extra_args=["-s", "door"]).start()
    b.wait_event("CALL_INCOMING")
    wait_for(lambda: read_line_file(bell) == "1", 5, what="chime on")
    b.ok("accept")
    wait_for(lambda: read_line_file(bell) == "0", 5, what="chime off")
    assert s.wait() == 0, s.errors()


def test_chime_hold_caps_an_unanswered_call(tmp_path, procs):
    bell = line(tmp_path, "bell")
    b = door(tmp_path, {"relay1_gpio": f"file:{bell}",
                        "relay1_type": "chime", "relay1_hold": "0.5"},
             answermode="manual")
    procs.append(b)
    s = Sipp(tmp_path, uac_ring(ring_ms=2500, then="cancel"),
             f"127.0.0.1:{b.sip_port}", extra_args=["-s", "door"]).start()
    wait_for(lambda: read_line_file(bell) == "1", 5, what="chime on")
    t0 = time.monotonic()
    wait_for(lambda: read_line_file(bell) == "0", 3, what="chime off")
    assert time.monotonic() - t0 < 1.5     # the hold, not the cancel
    assert s.wait() == 0, s.errors()


def test_event_relays_follow_call_states(tmp_path, procs):
    est, anycall, inc = (line(tmp_path, n) for n in ("est", "any", "inc"))
    b = door(tmp_path, {
        "relay1_gpio": f"file:{est}", "relay1_type": "event",
        "relay1_event": "established",
        "relay2_gpio": f"file:{anycall}", "relay2_type": "event",
        "relay2_event": "call",
        "relay3_gpio": f"file:{inc}", "relay3_type": "event",
        "relay3_event": "incoming"}, answermode="manual")
    procs.append(b)
    s = Sipp(tmp_path, uac_ring(then="answer"), f"127.0.0.1:{b.sip_port}",
             extra_args=["-s", "door"]).start()
    b.wait_event("CALL_INCOMING")
    wait_for(lambda: read_line_file(inc) == "1", 5, what="incoming on")
    assert read_line_file(anycall) == "1"
    assert read_line_file(est) == "0"
    b.ok("accept")
    wait_for(lambda: read_line_file(est) == "1", 5, what="established on")
    assert read_line_file(inc) == "0"      # incoming ended on answer
    assert s.wait() == 0, s.errors()
    wait_for(lambda: read_line_file(est) == "0", 5, what="established off")
    assert read_line_file(anycall) == "0"


# ---- DTMF unlock ----

DTMF_DOOR = {"relay_dtmf_timeout": "5", "relay_dtmf_max_fail": "3"}


def dtmf_door(tmp_path, extra=None, **kw):
    cfg = {"relay1_gpio": f"file:{line(tmp_path, 'r1')}",
           "relay1_dtmf": "1234", "relay1_hold": "10"}
    cfg.update(DTMF_DOOR)
    cfg.update(extra or {})
    return door(tmp_path, cfg, **kw)


@pytest.mark.parametrize("mode", ["rfc2833", "info"])
def test_right_code_opens(tmp_path, procs, mode):
    b = dtmf_door(tmp_path)
    procs.append(b)
    s = call_door(tmp_path, b, "1234", mode=mode)
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 10,
             what="door open")
    assert s.wait() == 0, s.errors()
    recs = audit(tmp_path)
    assert any(r["action"] == "open" and r["source"] == "dtmf" and
               r["result"] == "ok" and "caller" in r["who"] for r in recs)
    with open(line(tmp_path, "audit.log")) as f:
        assert "1234" not in f.read()      # never the code itself
    assert "1234" not in b.log()


# sipp replays each key's pcap with the same RTP sequence numbers, so the
# door drops a key repeated within one call as a duplicate packet: RFC 2833
# tests use distinct keys, SIP INFO tests may repeat them.

def test_wrong_code_does_not_open(tmp_path, procs):
    b = dtmf_door(tmp_path)
    procs.append(b)
    s = call_door(tmp_path, b, "9876#")
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"
    recs = [r for r in audit(tmp_path) if r["action"] == "code"]
    assert [r["result"] for r in recs] == ["denied"]


def test_hash_submits_and_counts_a_failure(tmp_path, procs):
    b = dtmf_door(tmp_path)
    procs.append(b)
    s = call_door(tmp_path, b, "12#1234#", mode="info")
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 10,
             what="door open")
    assert s.wait() == 0, s.errors()
    results = [r["result"] for r in audit(tmp_path) if r["action"] == "code"]
    assert results == ["denied", "ok"]


def test_interdigit_timeout_submits(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_timeout": "0.8"})
    procs.append(b)
    # "12", a pause longer than the timeout, then "34": never 1234
    s = call_door(tmp_path, b, "12 34", hold_ms=1500)
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"
    results = [r["result"] for r in audit(tmp_path) if r["action"] == "code"]
    assert results == ["denied", "denied"]


def test_lockout_after_max_fail(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_max_fail": "2"})
    procs.append(b)
    s = call_door(tmp_path, b, "5#6#1234", mode="info")
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"
    results = [r["result"] for r in audit(tmp_path) if r["action"] == "code"]
    assert results == ["denied", "locked"]
    # the lock-out is per call: a new call may try again
    s = call_door(tmp_path, b, "1234", name="sipp2")
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 10,
             what="door open on the next call")
    assert s.wait() == 0, s.errors()


def test_caller_allowlist(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_allow": "alice, sip:bob@*"})
    procs.append(b)
    s = call_door(tmp_path, b, "1234", caller="mallory")
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"
    denied = [r for r in audit(tmp_path) if r["result"] == "denied"]
    assert len(denied) == 1 and "mallory" in denied[0]["who"]
    s = call_door(tmp_path, b, "1234", caller="alice", name="sipp2")
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 10,
             what="alice opens")
    assert s.wait() == 0, s.errors()
    b.ok("relay_close", "1")
    # the second pattern, after a comma and a space, counts too
    s = call_door(tmp_path, b, "1234", caller="bob", name="sipp3")
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 10,
             what="bob opens")
    assert s.wait() == 0, s.errors()


def test_unreadable_allowlist_turns_dtmf_off(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_allow": "alice " + "x" * 3000})
    procs.append(b)
    assert "relay_dtmf_allow" in b.log()
    s = call_door(tmp_path, b, "1234", caller="alice")
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"


def test_remote_no_ignores_dtmf(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay1_remote": "no"})
    procs.append(b)
    s = call_door(tmp_path, b, "1234#")
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"


def test_transport_none_ignores_event_dtmf(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_transport": "inband"})
    procs.append(b)
    s = call_door(tmp_path, b, "1234")
    assert s.wait() == 0, s.errors()
    assert read_line_file(line(tmp_path, "r1")) == "0"


# ---- inband tones from a second baresip ----

DTMF_FREQS = {"1": (697, 1209), "2": (697, 1336), "3": (697, 1477),
              "4": (770, 1209), "5": (770, 1336), "6": (770, 1477),
              "7": (852, 1209), "8": (852, 1336), "9": (852, 1477),
              "0": (941, 1336), "*": (941, 1209), "#": (941, 1477)}


def dtmf_wav(path, digits, rate=8000):
    frames = bytearray()

    def silence(ms):
        frames.extend(b"\0\0" * (rate * ms // 1000))

    silence(1500)
    for d in digits:
        lo, hi = DTMF_FREQS[d]
        for i in range(rate * 120 // 1000):
            t = i / rate
            v = 0.35 * math.sin(2 * math.pi * lo * t) + \
                0.35 * math.sin(2 * math.pi * hi * t)
            frames.extend(struct.pack("<h", int(v * 32767 * 0.8)))
        silence(150)
    silence(3000)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


def inband_call(tmp_path, b):
    wav = line(tmp_path, "tones.wav")
    dtmf_wav(wav, "1234")
    caller = Baresip(tmp_path, modules=(), name="caller", user="visitor",
                     audio_source=f"aufile,{wav}").start()
    caller.ok("dial", b.uri)
    b.wait_event("CALL_ESTABLISHED", timeout=10)
    return caller


def test_inband_tones_open_when_allowed(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_transport": "inband,event"})
    procs.append(b)
    procs.append(inband_call(tmp_path, b))
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 12,
             what="door open by inband tones")


def test_inband_tones_ignored_with_event_only(tmp_path, procs):
    b = dtmf_door(tmp_path, {"relay_dtmf_transport": "event"})
    procs.append(b)
    procs.append(inband_call(tmp_path, b))
    time.sleep(4)              # the whole tone sequence has played
    assert read_line_file(line(tmp_path, "r1")) == "0"
    assert not [r for r in audit(tmp_path) if r["action"] == "code"]


# ---- remote relay: unlock sends the code to the door phone ----

def test_unlock_sends_remote_code_to_peer(tmp_path, procs):
    # the door phone: a baresip whose relay opens on 5678
    door_line = line(tmp_path, "door")
    phone = Baresip(tmp_path, modules=("relay",), name="doorphone",
                    config={"relay1_gpio": f"file:{door_line}",
                            "relay1_dtmf": "5678", "relay1_hold": "10"}
                    ).start()
    procs.append(phone)
    # the indoor monitor: calls the door phone, then the user taps unlock
    monitor = Baresip(tmp_path, modules=("relay",), name="monitor",
                      user="monitor",
                      config={"relay_remote_dtmf": "5678"}).start()
    procs.append(monitor)
    monitor.ok("dial", phone.uri)
    monitor.wait_event("CALL_ESTABLISHED", timeout=10)
    phone.wait_event("CALL_ESTABLISHED", timeout=10)
    text = monitor.ok("unlock")
    assert "remote relay code sent" in text
    wait_for(lambda: read_line_file(door_line) == "1", 10,
             what="door phone relay open")
    digits = [e.get("param") for e in phone.events
              if e.get("type") == "CALL_DTMF_START"]
    assert "".join(digits) == "5678"
    # by RFC 4733 telephone-event, which the door modules read from the
    # RTP themselves (baresip no longer sees them), not by SIP INFO
    log = phone.log()
    assert "starting mediaenc 'door_dtmf'" in log
    assert "received DTMF" not in log


# ---- bad config, restart, shutdown ----

def test_bad_config_is_reported_and_baresip_runs(tmp_path, procs):
    good = line(tmp_path, "good")
    b = door(tmp_path, {
        "relay1_gpio": f"file:{line(tmp_path, 'missing/dir/r1')}",
        "relay2_gpio": f"file:{line(tmp_path, 'r2')}",
        "relay2_mode": "sometimes",
        "relay3_gpio": f"file:{good}",
        "relay4_gpio": "gpiochip9:7",
        "relay5_gpio": f"file:{line(tmp_path, 'r5')}",
        "relay5_dtmf": "12x4",
        "relay6_gpio": f"file:{line(tmp_path, 'r6')}",
        "relay6_hold": "soon",
        "relay7_gpio": f"file:{line(tmp_path, 'r7')}",
        "relay7_hold": "0"})
    procs.append(b)
    log = b.log()
    assert "relay1_gpio: cannot open line" in log
    assert "relay2_mode: unknown value 'sometimes'" in log
    assert "relay4_gpio: cannot open line 'gpiochip9:7' (no such GPIO chip)" \
        in log
    assert "relay5_dtmf" in log and "12x4" not in log
    assert "relay6_hold" in log
    assert "relay7_hold: a monostable door relay needs a hold delay" in log
    ok, text = b.cmd("relay_open", "1")
    assert not ok and "disabled" in text
    ok, text = b.cmd("relay_open", "2")
    assert not ok and "no relay" in text
    b.ok("relay_open", "3")                 # the good relay still works
    assert read_line_file(good) == "1"
    assert b.alive()


def test_restart_restores_bistable_state(tmp_path, procs):
    r1, r2 = line(tmp_path, "r1"), line(tmp_path, "r2")
    cfg = {"relay1_gpio": f"file:{r1}", "relay1_mode": "bistable",
           "relay2_gpio": f"file:{r2}", "relay2_mode": "bistable",
           "relay_state_file": line(tmp_path, "state")}
    b = door(tmp_path, cfg)
    b.ok("relay_open", "1")
    assert read_line_file(r1) == "1"
    assert b.stop() == 0
    assert read_line_file(r1) == "0"        # fail-secure while stopped
    b = door(tmp_path, cfg)
    procs.append(b)
    assert read_line_file(r1) == "1"
    assert read_line_file(r2) == "0"
    assert relay_state(b, 1)["state"] == "on"
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]
    # a restore that switches a line on is audited as such
    restored = [r for r in audit(tmp_path) if r["source"] == "restore"]
    assert [(r["relay"], r["action"], r["result"]) for r in restored] == \
        [("1", "on", "ok")]


def bistable(tmp_path, state):
    r1 = line(tmp_path, "r1")
    return r1, {"relay1_gpio": f"file:{r1}", "relay1_mode": "bistable",
                "relay_state_file": state}


def log_since(b, offset):
    return b.log()[offset:]


def test_state_unsaved_on_readonly_fs_is_not_restored(tmp_path, procs):
    with small_tmpfs(line(tmp_path, "fs")) as fs:
        state = os.path.join(fs, "state")
        r1, cfg = bistable(tmp_path, state)
        b = door(tmp_path, cfg)
        b.ok("relay_on", "1")
        assert open(state).read() == "relay1 1\n"

        remount(fs, readonly=True)
        # the change stands, and the answer says it will not survive
        assert "state not saved" in b.ok("relay_close", "1")
        assert read_line_file(r1) == "0"
        saves = [r for r in audit(tmp_path) if r["action"] == "save"]
        assert [(r["source"], r["result"]) for r in saves] == \
            [("store", "error")]
        assert b.stop() == 0

        # the stale "on" is still in the file: it must not come back
        assert open(state).read() == "relay1 1\n"
        offset = len(b.log())
        b = door(tmp_path, cfg)
        procs.append(b)
        assert read_line_file(r1) == "0"
        assert relay_state(b, 1)["state"] == "off"
        new = log_since(b, offset)
        assert new.count("relay_state_file") == 1, new
        assert "cannot be rewritten" in new
        restores = [r for r in audit(tmp_path) if r["source"] == "restore"]
        assert [(r["relay"], r["action"], r["result"]) for r in restores] \
            == [("1", "on", "denied")]

        # writable again while running: the stale "on" is rewritten off,
        # so a start after that cannot restore it either
        remount(fs, readonly=False)
        b.wait_log("saved again", timeout=8)
        assert open(state).read() == "relay1 0\n"


def test_state_save_retried_until_it_succeeds(tmp_path, procs):
    with small_tmpfs(line(tmp_path, "fs")) as fs:
        state = os.path.join(fs, "state")
        r1, cfg = bistable(tmp_path, state)
        b = door(tmp_path, cfg)
        procs.append(b)
        b.ok("relay_on", "1")
        remount(fs, readonly=True)
        assert "state not saved" in b.ok("relay_close", "1")
        remount(fs, readonly=False)
        b.wait_log("saved again", timeout=8)
        assert open(state).read() == "relay1 0\n"
        assert "state not saved" not in b.ok("relay_on", "1")


def test_state_unsaved_on_full_fs_is_removed(tmp_path, procs):
    with small_tmpfs(line(tmp_path, "fs"), size="64k") as fs:
        state = os.path.join(fs, "state")
        r1, cfg = bistable(tmp_path, state)
        b = door(tmp_path, cfg)
        b.ok("relay_on", "1")
        assert open(state).read() == "relay1 1\n"

        fill(fs)
        assert "state not saved" in b.ok("relay_close", "1")
        assert read_line_file(r1) == "0"
        # the old "on" is gone, and no temporary file is left
        assert sorted(os.listdir(fs)) == ["fill", "fill2"]
        assert b.stop() == 0

        b = door(tmp_path, cfg)
        procs.append(b)
        assert read_line_file(r1) == "0"
        assert relay_state(b, 1)["state"] == "off"
        assert not [r for r in audit(tmp_path) if r["source"] == "restore"]


@pytest.mark.parametrize("text", ["relay1 1\ngarbage\n", "relay1 1",
                                  "relay1 1\nrelay1 1\n", "x" * 5000])
def test_malformed_state_file_leaves_relays_off(tmp_path, procs, text):
    state = line(tmp_path, "state")
    with open(state, "w") as f:
        f.write(text)
    r1, cfg = bistable(tmp_path, state)
    b = door(tmp_path, cfg)
    procs.append(b)
    assert read_line_file(r1) == "0"
    assert b.log().count("relay_state_file") == 1
    assert "unreadable or malformed" in b.log()
    assert not [r for r in audit(tmp_path) if r["source"] == "restore"]


def test_module_close_leaves_every_relay_off(tmp_path, procs):
    lines = [line(tmp_path, f"r{i}") for i in range(1, 4)]
    b = door(tmp_path, {
        "relay1_gpio": f"file:{lines[0]}", "relay1_hold": "30",
        "relay2_gpio": f"file:{lines[1]}", "relay2_mode": "bistable",
        "relay3_gpio": f"file:{lines[2]}", "relay3_active_low": "yes"})
    for i in (1, 2, 3):
        b.ok("relay_on", str(i))
    assert [read_line_file(p) for p in lines] == ["1", "1", "0"]
    assert b.stop() == 0
    assert [read_line_file(p) for p in lines] == ["0", "0", "1"]
