"""Visitor codes of the relay module against the real baresip and sipp.

Codes are added with relay_code_add through ctrl_tcp and typed as SIP INFO
digits by sipp; the audit file, the relay's file line and the codes file
show what happened. Also: a TOTP code used before a restart stays used,
and an opening inside unlocked hours does not blip the relay off.
"""
import json
import os
import re
import stat
import time

from harness import Baresip, read_line_file, wait_for
# procs: the fixture stopping each baresip a test started
from test_relay import audit, call_door, door, line, procs  # noqa: F401
from test_totp import SECRET, SECRET_B32, totp
from test_profile import tz_for
from test_bus import door_events


def codes_door(tmp_path, extra=None, **kw):
    cfg = {"relay1_gpio": f"file:{line(tmp_path, 'r1')}",
           "relay1_name": "Front", "relay1_hold": "0.3",
           "relay2_gpio": f"file:{line(tmp_path, 'r2')}",
           "relay2_name": "Garage", "relay2_hold": "0.3",
           "relay3_gpio": f"file:{line(tmp_path, 'r3')}",
           "relay3_type": "chime",
           "relay1_dtmf": "135790",
           "relay_codes_file": line(tmp_path, "codes"),
           "relay_dtmf_timeout": "2", "relay_dtmf_max_fail": "3"}
    cfg.update(extra or {})
    return door(tmp_path, {k: v for k, v in cfg.items() if v is not None},
                **kw)


def code_recs(tmp_path):
    return [r for r in audit(tmp_path) if r["action"].startswith("code")]


def opened(tmp_path):
    return [r["relay"] for r in audit(tmp_path)
            if r["action"] == "open" and r["source"] == "dtmf"]


def add(b, params):
    data = b.ok("relay_code_add", params)
    m = re.fullmatch(r"relay: code (\d+) added\n", data)
    assert m, data
    return int(m.group(1))


def listed(b):
    return json.loads(b.ok("relay_code_list", "json"))["codes"]


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def no_code_anywhere(tmp_path, b, code):
    with open(line(tmp_path, "audit.log")) as f:
        text = f.read()
    assert code not in text
    assert not re.search(r"\b%s\b" % code, b.log())


def test_code_works_once_then_is_gone(tmp_path, procs):
    b = codes_door(tmp_path)
    procs.append(b)
    cid = add(b, "1,2 4711 name=Parcel uses=1 via=http who=10.0.0.9")
    assert listed(b) == [{"id": cid, "name": "Parcel", "relays": [1, 2],
                          "until": None, "uses_left": 1, "hours": None}]
    human = b.ok("relay_code_list")
    assert "Parcel" in human and "4711" not in human
    path = line(tmp_path, "codes")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]

    s = call_door(tmp_path, b, "4711", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: sorted(opened(tmp_path)) == ["1", "2"], 5,
             what="both relays open")
    recs = code_recs(tmp_path)
    assert [(r["action"], r["result"]) for r in recs] == [
        ("code_add", "ok"), ("code", "ok"), ("code_del", "ok")]
    assert recs[0]["source"] == "http" and recs[0]["who"] == "10.0.0.9"
    assert recs[0]["relay"] == "1,2"
    assert recs[1]["detail"] == f"visitor code {cid} (Parcel): 0 uses left"
    assert recs[2]["detail"] == f"visitor code {cid} (Parcel): used up"
    assert listed(b) == []
    with open(path) as f:
        assert "4711" not in f.read()

    # used up: a wrong code now
    s = call_door(tmp_path, b, "4711#", mode="info", name="sipp2")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(code_recs(tmp_path)) == 4, 5, what="judged")
    assert code_recs(tmp_path)[3]["result"] == "denied"
    assert sorted(opened(tmp_path)) == ["1", "2"]
    no_code_anywhere(tmp_path, b, "4711")

    # bus events name the code by id and name, never the code
    evs = [(e, f) for m, e, f, _ in door_events(b) if m == "relay"]
    assert ("code_added", str(cid), "Parcel") in [
        (e, f.get("code_id"), f.get("code_name")) for e, f in evs]
    assert [e for e, _ in evs if e.startswith("code")] == [
        "code_added", "code_ok", "code_removed", "code_bad"]
    # the relays' names, as a config code's events carry its relay's
    assert [f.get("name") for e, f in evs if e == "code_ok"] == [
        "Front,Garage"]
    assert "4711" not in json.dumps(evs)


def test_bad_additions_change_nothing(tmp_path, procs):
    # under valgrind: every error path of the commands, then a use
    b = codes_door(tmp_path, {
        "door_profile1": "office Mo-Fr 08:00-18:00"}, valgrind=True)
    add(b, "Garage 24680 name=Cleaner hours=office")
    cases = [
        ("", "usage"),
        ("1", "usage"),
        ("9 4711", "no relay '9'"),
        ("Nowhere 4711", "no relay 'Nowhere'"),
        ("3 4711", "relay 3 is not a door relay"),
        ("1 47", "a code is 4 to 16"),
        ("1 4711#", "a code is 4 to 16"),
        ("1 4711 name=a\"b", "a name is"),
        ("1 4711 name=123", "a name is"),
        ("1 4711 until=tomorrow", "until: 'tomorrow' is not"),
        ("1 4711 until=2020-01-01T00:00Z", "is past"),
        ("1 4711 uses=0", "uses: a number"),
        ("1 4711 hours=night", "no door_profileN named 'night'"),
        ("1 4711 colour=red", "usage"),
        ("1 135790", "in use by a config code"),
        ("1 1357", "in use by a config code"),          # a prefix of it
        ("1 24680", "in use by visitor code 1"),
        ("1 2468012", "in use by visitor code 1"),
        ("1 4711 name=Cleaner", "name 'Cleaner' is in use by code 1"),
    ]
    before = open(line(tmp_path, "codes")).read()
    for params, why in cases:
        ok, data = b.cmd("relay_code_add", params)
        assert not ok, params
        assert data.startswith("relay: ") and why in data, (params, data)
        assert data.count("\n") == 1, data
    assert [c["id"] for c in listed(b)] == [1]
    assert open(line(tmp_path, "codes")).read() == before

    ok, data = b.cmd("relay_code_del", "7")
    assert not ok and data == "relay: no code '7'\n"
    ok, data = b.cmd("relay_code_del", "Nobody")
    assert not ok and data == "relay: no code 'Nobody'\n"
    assert b.ok("relay_code_del", "Cleaner") == "relay: code 1 removed\n"
    assert listed(b) == []
    # an id is never given again
    assert add(b, "1 24680 until=+1h uses=2") == 2
    s = call_door(tmp_path, b, "24680", mode="info")
    assert s.wait(60) == 0, s.errors()
    wait_for(lambda: opened(tmp_path) == ["1"], 20, what="opened")
    assert listed(b)[0]["uses_left"] == 1
    assert b.stop() == 0, open(b.valgrind_log).read()


def test_code_expires_while_baresip_runs(tmp_path, procs):
    b = codes_door(tmp_path)
    procs.append(b)
    until = int(time.time()) + 3
    cid = add(b, f"Front 97531 name=Soon until={utc(until)}")
    keep = add(b, "1 86420 until=+2h")
    assert listed(b)[0]["until"] == utc(until)
    assert abs(time.mktime(time.strptime(listed(b)[1]["until"],
                                         "%Y-%m-%dT%H:%M:%SZ"))
               - time.mktime(time.gmtime(time.time() + 7200))) < 5

    wait_for(lambda: any(r["action"] == "code_expire"
                         for r in code_recs(tmp_path)), 6,
             interval=0.05, what="expiry audited")
    t = time.time()
    assert until - 0.05 <= t < until + 1.5
    assert [c["id"] for c in listed(b)] == [keep]
    expired = [r for r in code_recs(tmp_path) if r["action"] == "code_expire"]
    assert expired[0]["detail"] == f"visitor code {cid} (Soon)"
    with open(line(tmp_path, "codes")) as f:
        assert "97531" not in f.read()

    s = call_door(tmp_path, b, "97531#86420", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 1, 5, what="the kept code")
    judged = [r for r in code_recs(tmp_path) if r["action"] == "code"]
    assert [r["result"] for r in judged] == ["denied", "ok"]


def test_code_limited_to_hours(tmp_path, procs, monkeypatch):
    # local 12:00: "morning" is over, "noon" is now
    zone, _ = tz_for("12:00:00", 0)
    monkeypatch.setenv("TZ", zone)
    b = codes_door(tmp_path, {
        "door_profile1": "morning Mo-Su 08:00-10:00",
        "door_profile2": "noon Mo-Su 11:00-13:00"})
    procs.append(b)
    early = add(b, "1 97531 name=Early hours=morning")
    add(b, "2 86420 name=Lunch hours=noon")
    assert listed(b)[0]["hours"] == "morning"

    s = call_door(tmp_path, b, "97531#86420", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: opened(tmp_path) == ["2"], 5, what="the noon code")
    refused = [r for r in code_recs(tmp_path)
               if r["action"] == "code_refused"]
    assert len(refused) == 1 and refused[0]["result"] == "denied"
    assert refused[0]["detail"] == \
        f"visitor code {early} (Early): outside hours morning"
    assert read_line_file(line(tmp_path, "r1")) == "0"


def test_restart_keeps_codes_and_totp_steps(tmp_path, procs):
    extra = {"relay1_totp": SECRET}
    b = codes_door(tmp_path, extra)
    add(b, "1 97531 name=Kept")
    code = totp(SECRET_B32)
    s = call_door(tmp_path, b, code + "#", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 1, 5, what="TOTP opens")
    assert b.stop() == 0

    b = codes_door(tmp_path, extra)
    procs.append(b)
    b.wait_log("1 visitor code from")
    assert [(c["id"], c["name"]) for c in listed(b)] == [(1, "Kept")]
    assert add(b, "2 86420") == 2

    # the same TOTP code after the restart: a replay; the visitor code
    # still opens
    s = call_door(tmp_path, b, code + "#97531", mode="info", name="sipp2")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 2, 5, what="visitor code")
    judged = [r for r in code_recs(tmp_path) if r["action"] == "code"]
    assert judged[-2]["detail"] == \
        "TOTP code already used, wrong code, 1 of 3"
    assert judged[-1]["result"] == "ok"


def test_unreadable_file_keeps_config_codes(tmp_path, procs):
    path = line(tmp_path, "codes")
    text = "version 1\ncode 1 relays=1 code=97531\n"      # cut: no end
    with open(path, "w") as f:
        f.write(text)
    b = codes_door(tmp_path, {"relay1_totp": SECRET})
    procs.append(b)
    b.wait_log("relay_codes_file")
    assert b.log().count("unreadable or malformed") == 1
    ok, data = b.cmd("relay_code_add", "1 86420")
    assert not ok and "could not be read at start" in data
    assert "could not be read" in b.ok("relay_code_list")
    assert listed(b) == []

    # the TOTP code of now may have been used before: refused
    s = call_door(tmp_path, b, "97531#" + totp(SECRET_B32) + "#135790",
                  mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: opened(tmp_path) == ["1"], 5, what="config code")
    recs = code_recs(tmp_path)
    assert [r["result"] for r in recs] == ["denied", "denied", "ok"]
    assert recs[1]["detail"].startswith("TOTP code already used")
    with open(path) as f:
        assert f.read() == text


def test_default_file_in_the_config_folder(tmp_path, procs):
    b = codes_door(tmp_path, {"relay_codes_file": None})
    procs.append(b)
    add(b, "1 97531")
    path = os.path.join(b.dir, "relay_codes")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_opening_in_unlocked_hours_does_not_blip(tmp_path, procs,
                                                 monkeypatch):
    zone, _ = tz_for("12:00:00", 0)
    monkeypatch.setenv("TZ", zone)
    b = codes_door(tmp_path, {"door_profile1": "noon Mo-Su 11:00-13:00",
                              "relay2_unlocked_hours": "noon"})
    procs.append(b)
    wait_for(lambda: read_line_file(line(tmp_path, "r2")) == "1", 3,
             what="relay 2 on in its hours")
    b.ok("relay_open", "2")
    time.sleep(0.8)                         # hold 0.3 s
    assert read_line_file(line(tmp_path, "r2")) == "1"
    assert "Garage (2) off" not in b.log()


def test_visitor_code_is_no_wrong_code_for_dryio(tmp_path, procs):
    b = Baresip(tmp_path, modules=("relay", "dryio"), config={
        "door_audit_file": line(tmp_path, "audit.log"),
        "relay_codes_file": line(tmp_path, "codes"),
        "relay1_gpio": f"file:{line(tmp_path, 'r1')}", "relay1_hold": "0.3",
        "dryio_out1_gpio": f"file:{line(tmp_path, 'o1')}",
        "dryio_out1_dtmf": "4711", "dryio_out1_hold": "0.3"}).start()
    procs.append(b)
    ok, data = b.cmd("relay_code_add", "1 4711")
    assert not ok and "in use by a config code" in data
    add(b, "1 97531")
    s = call_door(tmp_path, b, "97531#4711", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 1 and any(
        r["module"] == "dryio" and r["result"] == "ok"
        for r in audit(tmp_path)), 5, what="relay and dryio open")
    time.sleep(0.3)
    assert not [r for r in audit(tmp_path) if r["result"] == "denied"]


def test_same_rules_as_config_codes(tmp_path, procs):
    # max_fail 2: two wrong entries lock the call, the visitor code too
    b = codes_door(tmp_path, {"relay_dtmf_max_fail": "2",
                              "relay_dtmf_allow": "sip:caller@*"})
    procs.append(b)
    add(b, "1 97531 name=Guest")
    s = call_door(tmp_path, b, "1111#2222#97531", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(code_recs(tmp_path)) == 3, 5, what="locked")
    time.sleep(0.5)
    assert [r["result"] for r in code_recs(tmp_path)][1:] == \
        ["denied", "locked"]
    assert opened(tmp_path) == []

    # a caller outside relay_dtmf_allow: refused, the code unused
    s = call_door(tmp_path, b, "97531", mode="info", caller="stranger",
                  name="sipp2")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(code_recs(tmp_path)) == 4, 5, what="refused")
    assert code_recs(tmp_path)[3]["detail"] == "caller not allowed"
    assert opened(tmp_path) == []

    # a new call from the allowed caller starts afresh; '#' after the
    # code is harmless, the inter-digit timeout judges a part typed
    s = call_door(tmp_path, b, "97531#975", mode="info", name="sipp3",
                  hold_ms=3000)
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(code_recs(tmp_path)) == 6, 6, what="timeout")
    assert opened(tmp_path) == ["1"]
    assert [r["result"] for r in code_recs(tmp_path)][4:] == ["ok", "denied"]
