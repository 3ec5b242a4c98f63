"""System tests of the wrong-code budget across calls (door guard), with
the real baresip, relay.so and dryio.so, and sipp callers that redial.

The back-off is shortened (door_dtmf_lockout_base 1.5 s) so each test
takes seconds; the defaults are in the README.
"""
import time

import pytest

from harness import Baresip, Sipp, path, read_audit, read_line_file, wait_for
from sipp_scenarios import uac_call

RELAY_CODE = "135790"
DRYIO_CODE = "246801"
WRONG = "111111#"


def start_door(tmp_path, modules=("relay",), extra=None):
    cfg = {"door_audit_file": path(tmp_path, "audit.log"),
           "relay1_gpio": f"file:{path(tmp_path, 'r1')}",
           "relay1_dtmf": RELAY_CODE, "relay1_hold": "0.3",
           "relay_dtmf_max_fail": "10",
           "door_dtmf_budget": "3", "door_dtmf_budget_total": "100",
           "door_dtmf_lockout_base": "1.5", "door_dtmf_lockout_max": "3"}
    if "dryio" in modules:
        cfg.update({"dryio_out1_gpio": f"file:{path(tmp_path, 'o1')}",
                    "dryio_out1_dtmf": DRYIO_CODE, "dryio_out1_hold": "0.3",
                    "dryio_dtmf_max_fail": "10"})
    cfg.update(extra or {})
    return Baresip(tmp_path, modules=modules, config=cfg).start()


def call(tmp_path, b, digits, name, caller="caller", calls=1, ip="127.0.0.1",
         callid=None):
    """calls > 1: sipp redials that many times, one call after another;
    callid: every call uses this Call-ID"""
    scen = uac_call(digits, mode="info", caller=caller, gap_ms=50,
                    lead_ms=100, hold_ms=200)
    s = Sipp(tmp_path, scen,
             f"127.0.0.1:{b.sip_port}", name=name,
             extra_args=["-s", b.user, "-m", str(calls), "-l", "1",
                         "-i", ip, "-mi", ip] +
             (["-cid_str", callid] if callid else []))
    s.start()
    assert s.wait(60) == 0, s.errors()


def opened(tmp_path, line):
    """Wait until the line went on (a short hold may already be over)."""
    return any(r["action"] in ("open", "output_on") and r["result"] == "ok"
               and r["source"] == "dtmf" and
               r["relay"] in (line, "out1") for r in read_audit(tmp_path))


def results(tmp_path, action):
    return [r for r in read_audit(tmp_path) if r["action"] == action]


@pytest.fixture
def procs():
    started = []
    yield started
    for p in started:
        p.stop()


def no_code_written(tmp_path, b):
    text = b.log()
    with open(path(tmp_path, "audit.log")) as f:
        text += f.read()
    for code in (RELAY_CODE, DRYIO_CODE, "111111"):
        assert code not in text


def test_redialling_guesser_is_suspended(tmp_path, procs):
    b = start_door(tmp_path)
    procs.append(b)
    # three calls, one wrong code each: the budget of 3 is spent
    call(tmp_path, b, WRONG, "guesser", calls=3)
    sus = results(tmp_path, "suspend")
    assert len(sus) == 1 and sus[0]["who"] == "127.0.0.1"
    assert sus[0]["result"] == "locked"
    assert "DTMF unlocking suspended for 127.0.0.1" in b.log()

    # the right code is refused while suspended, and says nothing; the
    # first refusal is written at once, the next ones summed up later
    call(tmp_path, b, RELAY_CODE + "#" + RELAY_CODE, "right-too-early")
    assert not opened(tmp_path, "1")
    refused = [r for r in results(tmp_path, "code")
               if r["result"] == "locked" and "suspended" in r["detail"]]
    assert len(refused) == 1 and "caller" in refused[0]["who"]
    assert b.log().count("DTMF code from") == 1

    # the end is audited, then the right code opens again
    wait_for(lambda: results(tmp_path, "resume"), 5, what="resume record")
    assert "DTMF unlocking resumed for 127.0.0.1" in b.log()
    call(tmp_path, b, RELAY_CODE, "right-later")
    wait_for(lambda: opened(tmp_path, "1"), 5, what="door open")

    # the success forgave this address's count, not its back-off step:
    # the budget again, then a suspension twice as long
    call(tmp_path, b, WRONG, "guesser2", calls=3)
    sus = results(tmp_path, "suspend")
    assert len(sus) == 2 and "3 s" in sus[1]["detail"]
    b.stop()
    summary = [r for r in results(tmp_path, "code")
               if "1 more like it" in r.get("detail", "")]
    assert len(summary) == 1 and summary[0]["result"] == "locked"
    no_code_written(tmp_path, b)


def test_reused_call_id_does_not_bypass(tmp_path, procs):
    b = start_door(tmp_path, modules=("relay", "dryio"))
    procs.append(b)
    # each call reuses one Call-ID: its count must not merge with the last
    for i in range(3):
        call(tmp_path, b, WRONG, f"reuser{i}", callid="same-id@x")
    sus = results(tmp_path, "suspend")
    assert len(sus) == 1 and sus[0]["who"] == "127.0.0.1"


def test_forged_from_does_not_bypass(tmp_path, procs):
    b = start_door(tmp_path, extra={"relay_dtmf_allow": "monitor"})
    procs.append(b)
    # a guesser forging the allowed From on 127.0.0.2, three calls
    call(tmp_path, b, WRONG, "forger", caller="monitor", calls=3,
         ip="127.0.0.2")
    sus = results(tmp_path, "suspend")
    assert len(sus) == 1 and sus[0]["who"] == "127.0.0.2"
    # the forged From does not help it: the right code is refused
    call(tmp_path, b, RELAY_CODE, "forger-right", caller="monitor",
         ip="127.0.0.2")
    assert not opened(tmp_path, "1")
    # the real monitor, at another address, still opens
    call(tmp_path, b, RELAY_CODE, "monitor", caller="monitor")
    wait_for(lambda: opened(tmp_path, "1"), 5, what="monitor opens")


def test_total_budget_covers_every_address(tmp_path, procs):
    b = start_door(tmp_path, extra={
        "door_dtmf_budget_total": "4",
        "relay2_gpio": f"file:{path(tmp_path, 'r2')}", "relay2_dtmf": "4711"})
    procs.append(b)
    log = b.log()
    assert "relay2_dtmf: a code of 4 digits can be guessed" in log
    assert "relay1_dtmf" not in log and "4711" not in log
    call(tmp_path, b, WRONG, "g2", calls=2, ip="127.0.0.2")
    call(tmp_path, b, WRONG, "g3", calls=2, ip="127.0.0.3")
    sus = results(tmp_path, "suspend")
    assert [r["who"] for r in sus] == ["all callers"]
    # a caller never seen before is refused too
    call(tmp_path, b, RELAY_CODE, "newcomer", ip="127.0.0.4")
    assert not opened(tmp_path, "1")


def test_dryio_codes_under_the_same_budget(tmp_path, procs):
    b = start_door(tmp_path, modules=("relay", "dryio"))
    procs.append(b)
    # two wrong codes, judged by both modules, count twice, not four times
    call(tmp_path, b, "111111#222222#", "two-wrong")
    assert not results(tmp_path, "suspend")
    # the third wrong code suspends dryio's codes as well as the relay's
    call(tmp_path, b, WRONG, "third")
    assert len(results(tmp_path, "suspend")) == 1
    call(tmp_path, b, DRYIO_CODE, "dryio-refused")
    refused = [r for r in read_audit(tmp_path) if r["module"] == "dryio" and
               r["result"] == "locked" and "suspended" in r["detail"]]
    assert refused
    assert not opened(tmp_path, "out1")
    wait_for(lambda: results(tmp_path, "resume"), 5, what="resume record")
    call(tmp_path, b, DRYIO_CODE, "dryio-right")
    wait_for(lambda: opened(tmp_path, "out1"), 5, what="dryio output on")
    no_code_written(tmp_path, b)


def test_relay_and_dryio_codes_in_one_call(tmp_path, procs):
    b = start_door(tmp_path, modules=("relay", "dryio"))
    procs.append(b)
    call(tmp_path, b, RELAY_CODE + DRYIO_CODE, "both")
    wait_for(lambda: opened(tmp_path, "1") and opened(tmp_path, "out1"), 5,
             what="both open")
    assert not [r for r in read_audit(tmp_path) if r["result"] == "denied"]
    # and the other order, with '#' after each
    call(tmp_path, b, DRYIO_CODE + "#" + RELAY_CODE + "#", "both2")
    assert not [r for r in read_audit(tmp_path) if r["result"] == "denied"]
    assert len([r for r in read_audit(tmp_path) if r["action"] == "open"]) == 2
    no_code_written(tmp_path, b)


def test_dryio_settings(tmp_path, procs):
    b = start_door(tmp_path, modules=("dryio",),
                   extra={"dryio_dtmf_max_fail": "0",
                          "dryio_dtmf_allow": "alice",
                          "dryio_out1_dtmf": "4711"})
    procs.append(b)
    log = b.log()
    assert "dryio_dtmf_max_fail" in log          # 0 is refused
    assert "dryio_out1_dtmf: a code of 4 digits can be guessed" in log
    assert "4711" not in log
    call(tmp_path, b, "4711", "mallory", caller="mallory")
    assert not opened(tmp_path, "out1")
    denied = [r for r in read_audit(tmp_path) if r["result"] == "denied"]
    assert denied and "mallory" in denied[0]["who"]
    call(tmp_path, b, "4711", "alice", caller="alice")
    wait_for(lambda: opened(tmp_path, "out1"), 5, what="alice switches")


def test_control_bytes_from_the_peer_are_not_logged(tmp_path, procs):
    b = start_door(tmp_path)
    procs.append(b)
    call(tmp_path, b, "1#", "esc", caller="esc\x1bZx")
    wait_for(lambda: "wrong code from" in b.log(), 5, what="wrong code line")
    with open(b.logfile, "rb") as f:
        raw = f.read()
    # baresip colours its own warning lines: that escape is not the peer's
    raw = raw.replace(b"\x1b[31m", b"").replace(b"\x1b[;m", b"")
    lines = [l for l in raw.split(b"\n") if b"relay:" in l]
    assert any(b"esc?Zx" in l for l in lines)
    assert not any(b"\x1b" in l for l in lines)


def test_suspension_alarm_reaches_webrelay(tmp_path, procs):
    from httprec import HttpRec
    srv = HttpRec().start()
    try:
        b = start_door(tmp_path, modules=("relay", "webrelay"), extra={
            "webrelay_on_code_bad": srv.url("/alarm?peer=$peer&state=$state")})
        procs.append(b)
        call(tmp_path, b, WRONG, "guesser", calls=3)
        call(tmp_path, b, RELAY_CODE, "refused")
        wait_for(lambda: results(tmp_path, "resume"), 5, what="resume")
        want = ["state=suspended", "state=refused", "state=resumed"]
        wait_for(lambda: all(any(w in r.target for r in srv.got())
                             for w in want), 5, what="alarm requests")
        sus = [r.target for r in srv.got() if "state=suspended" in r.target]
        assert sus == ["/alarm?peer=127.0.0.1&state=suspended"]
    finally:
        srv.stop()
