"""Interlocked doors (relay_interlock): while one door of a group is open
or its relay is on, the other relays of the group refuse to open, by
command, by DTMF, over HTTP (409) and MQTT; a right code refused so is
not a wrong code. The real baresip, sipp, curl and mosquitto, file-backed
relay lines."""
import json
import os

from harness import Baresip, Sipp, free_port, read_line_file, wait_for
from mqttbroker import Broker, pub
from sipp_scenarios import uac_call
from test_bus import door_events, wait_door_event
from test_dryio import set_level
from test_httpopen import curl, launch
from test_profile import tz_for

USER, PASS = "admin", "airlock-Pass1"


def path(d, name):
    return os.path.join(str(d), name)


def airlock(d, extra=None):
    """relay 1 'Outer' bistable (stays on: an unlocked outer door), relay 2
    'Inner' monostable with DTMF code 1234, interlocked"""
    cfg = {
        "relay1_gpio": f"file:{path(d, 'r1')}", "relay1_name": "Outer",
        "relay1_mode": "bistable",
        "relay2_gpio": f"file:{path(d, 'r2')}", "relay2_name": "Inner",
        "relay2_hold": "0.5", "relay2_dtmf": "1234",
        "relay_interlock": "1,2",
        "door_audit_file": path(d, "audit.log"),
    }
    cfg.update(extra or {})
    return cfg


def audit(d):
    try:
        with open(path(d, "audit.log")) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def level(d, name):
    return read_line_file(path(d, name))


def contacts(d, relock="no"):
    """door contacts on both doors (file lines, shut), the outer one a
    monostable relay held 20 s unless relock ends its pulse at once"""
    cfg = {"relay1_mode": "monostable", "relay1_hold": "20",
           "relay1_relock": relock}
    for n in (1, 2):
        set_level(path(d, f"c{n}"), 0)
        cfg[f"relay{n}_contact"] = f"file:{path(d, f'c{n}')}"
        cfg[f"relay{n}_contact_debounce"] = "20"
    return cfg


def door_state(b, n, state):
    wait_door_event(b, "door_status", relay=str(n), state=state)


def start(tmp_path, procs, extra=None, modules=("relay",)):
    b = Baresip(tmp_path, modules=modules, config=airlock(tmp_path, extra))
    procs.append(b.start())
    return b


# ---- commands ----

def test_relay_on_refuses_the_other_by_command(tmp_path, procs):
    b = start(tmp_path, procs)
    b.wait_log("relays configured")
    assert "relay_interlock" not in b.log()      # a good config: no word
    b.ok("relay_on", "1")
    assert level(tmp_path, "r1") == "1"

    for cmd in ("relay_open", "relay_on", "relay_toggle"):
        ok, text = b.cmd(cmd, "2 via=command who=tester")
        assert not ok
        assert text.strip() == \
            "relay: relay 2 (Inner) refused: interlock: relay 1 on"
        assert level(tmp_path, "r2") == "0"

    denied = [r for r in audit(tmp_path) if r["result"] == "denied"]
    assert [(r["action"], r["relay"], r["detail"]) for r in denied] == [
        ("open", "2", "interlock: relay 1 on"),
        ("on", "2", "interlock: relay 1 on"),
        ("toggle", "2", "interlock: relay 1 on")]
    assert all(r["who"] == "tester" for r in denied)
    _, _, fields, _ = wait_door_event(b, "relay_refused", relay="2",
                                      action="toggle")
    assert fields["detail"] == "interlock: relay 1 on"
    assert len(door_events(b, "relay_refused")) == 3
    assert not door_events(b, "relay_open") or all(
        f["relay"] == "1" for _, _, f, _ in door_events(b, "relay_open"))

    # switching off is never refused; the relay itself may switch again
    b.ok("relay_close", "2")
    b.ok("relay_open", "1")                      # bistable: now off
    assert level(tmp_path, "r1") == "0"

    # once relay 1 is off, relay 2 opens; while its pulse lasts, relay 1
    # (a change from off to on) is refused in turn
    b.ok("relay_open", "2")
    assert level(tmp_path, "r2") == "1"
    ok, text = b.cmd("relay_on", "Outer")
    assert not ok and "refused: interlock: relay 2 on" in text
    assert level(tmp_path, "r1") == "0"
    wait_for(lambda: level(tmp_path, "r2") == "0", 3, what="pulse end")
    b.ok("relay_on", "Outer")
    assert level(tmp_path, "r1") == "1"


def test_open_door_refuses_the_other_until_it_closes(tmp_path, procs):
    """door 1 forced open: no relay on, the door alone refuses relay 2"""
    b = start(tmp_path, procs, contacts(tmp_path))
    b.wait_log("relays configured")
    set_level(path(tmp_path, "c1"), 1)
    door_state(b, 1, "forced")
    assert level(tmp_path, "r1") == "0"

    ok, text = b.cmd("relay_open", "Inner")
    assert not ok
    assert text.strip() == \
        "relay: relay 2 (Inner) refused: interlock: door 1 open"
    assert level(tmp_path, "r2") == "0"
    rec = [r for r in audit(tmp_path) if r["result"] == "denied"]
    assert [(r["action"], r["relay"], r["detail"]) for r in rec] == [
        ("open", "2", "interlock: door 1 open")]

    # relay 1 may still open (its own door), and an open door is named
    # before a relay that is on
    b.ok("relay_open", "1")
    ok, text = b.cmd("relay_on", "2")
    assert not ok and text.strip().endswith("interlock: door 1 open")

    b.ok("relay_close", "1")
    set_level(path(tmp_path, "c1"), 0)
    door_state(b, 1, "closed")
    b.ok("relay_open", "2")
    assert level(tmp_path, "r2") == "1"


def test_airlock_cycle_with_relock(tmp_path, procs):
    """the outer door opened by access, walked through, shut: relock ends
    its pulse, and the inner door opens at once, not 20 s later"""
    b = start(tmp_path, procs, contacts(tmp_path, relock="yes"))
    b.wait_log("relays configured")
    b.ok("relay_open", "Outer")
    set_level(path(tmp_path, "c1"), 1)
    door_state(b, 1, "open")
    ok, text = b.cmd("relay_open", "Inner")
    assert not ok and "interlock: door 1 open" in text

    set_level(path(tmp_path, "c1"), 0)
    door_state(b, 1, "closed")
    wait_for(lambda: level(tmp_path, "r1") == "0", 3, what="relock")
    b.ok("relay_open", "Inner")
    assert level(tmp_path, "r2") == "1"

    # and the other way round: the inner door open keeps the outer shut
    set_level(path(tmp_path, "c2"), 1)
    door_state(b, 2, "open")
    ok, text = b.cmd("relay_open", "Outer")
    assert not ok and "interlock: door 2 open" in text
    assert not [r for r in audit(tmp_path)
                if r["action"] in ("door_forced", "door_held")]


# ---- DTMF ----

def test_dtmf_right_code_refused_is_not_a_wrong_code(tmp_path, procs):
    b = start(tmp_path, procs, {"relay_dtmf_max_fail": "2",
                                "door_dtmf_budget": "2",
                                **contacts(tmp_path),
                                "relay1_mode": "bistable"})
    b.ok("relay_on", "1")

    # three right codes refused, then one wrong code: were the refusals
    # counted, max_fail 2 would lock the call out before the wrong code,
    # and the guard's budget of 2 would suspend this address
    s = Sipp(tmp_path, uac_call("1234#1234#1234#9#", mode="info"),
             f"127.0.0.1:{b.sip_port}", extra_args=["-s", b.user]).start()
    assert s.wait() == 0, s.errors()
    assert level(tmp_path, "r2") == "0"

    codes = [r for r in audit(tmp_path) if r["action"] == "code"]
    assert [(r["result"], r.get("detail")) for r in codes] == [
        ("denied", "interlock: relay 1 on")] * 3 + [
        ("denied", "wrong code, 1 of 2")]
    assert all(r["relay"] == "2" for r in codes[:3])
    opens = [r for r in audit(tmp_path) if r["action"] == "open"]
    assert [(r["result"], r["source"]) for r in opens] == \
        [("denied", "dtmf")] * 3
    _, _, fields, _ = wait_door_event(b, "code_refused", relay="2")
    assert fields["detail"] == "interlock: relay 1 on"
    assert "1234" not in b.log()
    with open(path(tmp_path, "audit.log")) as f:
        assert "1234" not in f.read()

    # relay 1 off but door 1 open: refused; shut: the same code opens
    b.ok("relay_close", "1")
    set_level(path(tmp_path, "c1"), 1)
    door_state(b, 1, "open")            # within relay 1's entry time
    s = Sipp(tmp_path, uac_call("1234", mode="info"),
             f"127.0.0.1:{b.sip_port}", name="sipp2",
             extra_args=["-s", b.user]).start()
    assert s.wait() == 0, s.errors()
    assert level(tmp_path, "r2") == "0"
    rec = audit(tmp_path)[-2]
    assert (rec["action"], rec["result"], rec["detail"]) == (
        "code", "denied", "interlock: door 1 open")

    set_level(path(tmp_path, "c1"), 0)
    door_state(b, 1, "closed")
    s = Sipp(tmp_path, uac_call("1234", mode="info"),
             f"127.0.0.1:{b.sip_port}", name="sipp3",
             extra_args=["-s", b.user]).start()
    wait_for(lambda: level(tmp_path, "r2") == "1", 10, what="inner opens")
    assert s.wait() == 0, s.errors()
    assert audit(tmp_path)[-1]["result"] == "ok"


# ---- HTTP ----

def test_http_answers_409_while_the_other_relay_is_on(tmp_path, procs):
    d = str(tmp_path)
    b, port = launch(d, ("relay", "httpopen"), lambda port: airlock(d, {
        "httpopen_listen": f"127.0.0.1:{port}",
        "httpopen_user": USER, "httpopen_pass": PASS,
        **contacts(d), "relay1_mode": "bistable"}))
    procs.append(b)
    base = f"http://127.0.0.1:{port}"
    auth = ["--digest", "-u", f"{USER}:{PASS}"]

    b.ok("relay_on", "1")
    for _ in range(2):
        status, doc = curl(
            f"{base}/fcgi/OpenDoor?action=OpenDoor&DoorNum=2", *auth)
        assert status == 409
        assert doc == {"success": False, "error": "interlock: relay 1 on"}
    status, doc = curl(f"{base}/api/relay/ctrl?relay=2&action=on", *auth)
    assert status == 409 and doc["error"] == "interlock: relay 1 on"
    assert level(d, "r2") == "0"

    # digest's challenges aside; the same refusal again is summarised
    # (per action); the relay module decided each, and recorded it
    wait_for(lambda: [r for r in audit(d) if r["module"] == "httpopen" and
                      r["action"] == "on"], 2, what="the last record")
    recs = [r for r in audit(d) if r["module"] == "httpopen" and
            r["result"] != "challenge"]
    assert [(r["action"], r["result"], r["detail"], r["decided_by"])
            for r in recs] == [
        ("open", "denied", "409 interlock: relay 1 on", "relay"),
        ("on", "denied", "409 interlock: relay 1 on", "relay")]
    assert [(r["action"], r["detail"]) for r in audit(d)
            if r["module"] == "relay" and r["source"] == "http"] == [
        ("open", "interlock: relay 1 on")] * 2 + [
        ("on", "interlock: relay 1 on")]

    # switching off is never refused; door 1 standing open refuses too
    status, _ = curl(f"{base}/api/relay/ctrl?relay=1&action=off", *auth)
    assert status == 200
    set_level(path(d, "c1"), 1)
    door_state(b, 1, "open")            # within relay 1's entry time
    status, doc = curl(f"{base}/fcgi/OpenDoor?action=OpenDoor&DoorNum=2",
                       *auth)
    assert status == 409 and doc["error"] == "interlock: door 1 open"
    set_level(path(d, "c1"), 0)
    door_state(b, 1, "closed")
    status, doc = curl(f"{base}/fcgi/OpenDoor?action=OpenDoor&DoorNum=2",
                       *auth)
    assert status == 200 and doc == {"success": True, "door": 2}
    assert level(d, "r2") == "1"

    def granted():
        return [(r["action"], r["relay"], r["detail"], r["decided_by"])
                for r in audit(d) if r["module"] == "httpopen" and
                r["result"] == "ok"]
    wait_for(lambda: len(granted()) == 2, 2, what="the last record")
    assert granted() == [("close", "1", "200", "relay"),
                         ("open", "2", "200", "relay")]


# ---- config ----

def test_bad_groups_are_one_line_each_and_good_members_stay(tmp_path, procs):
    b = start(tmp_path, procs, {
        "relay3_gpio": f"file:{path(tmp_path, 'r3')}",
        "relay3_type": "chime",
        "relay_interlock": "1, Inner ,3,9,x",
        "relay_interlock2": "2",
        "relay_interlock3": "1,1,2"})
    log = b.log()
    assert "config relay_interlock: relay 3 is of type chime; only door" \
        " relays are interlocked" in log
    assert "config relay_interlock: no relay '9'" in log
    assert "config relay_interlock: no relay 'x'" in log
    assert "config relay_interlock2: an interlock needs two door relays" \
        " or more; not applied" in log
    assert "config relay_interlock3: relay 1 named twice" in log
    assert "the interlock settings named above were not all applied" in log

    # 1 and 2 (by name) stay interlocked; the chime relay is not
    b.ok("relay_on", "3")
    b.ok("relay_on", "1")
    ok, text = b.cmd("relay_open", "2")
    assert not ok and "refused: interlock: relay 1 on" in text
    assert b.alive()


def test_restore_is_interlocked_too(tmp_path, procs):
    """Two bistable relays saved on (say, the interlock was added since):
    the first restored stays on, the second is refused and audited."""
    state = path(tmp_path, "state")
    cfg = airlock(tmp_path, {"relay2_mode": "bistable",
                             "relay_state_file": state})
    del cfg["relay_interlock"]
    b = Baresip(tmp_path, modules=("relay",), config=cfg).start()
    b.ok("relay_on", "1")
    b.ok("relay_on", "2")
    b.stop()

    cfg["relay_interlock"] = "1,2"
    b = Baresip(tmp_path, modules=("relay",), config=cfg, name="again")
    procs.append(b.start())
    assert level(tmp_path, "r1") == "1"
    assert level(tmp_path, "r2") == "0"
    rec = [r for r in audit(tmp_path) if r["source"] == "restore"]
    assert [(r["relay"], r["result"], r.get("detail")) for r in rec] == [
        ("1", "ok", None), ("2", "denied", "interlock: relay 1 on")]


# ---- MQTT ----

def test_mqtt_command_refused_is_audited_denied(tmp_path, procs):
    broker = Broker(tmp_path).start()
    procs.append(broker)
    b = start(tmp_path, procs, {
        "doormqtt_broker": f"mqtt://127.0.0.1:{broker.port}",
        "doormqtt_id": "airlock", "doormqtt_commands": "yes"},
        modules=("relay", "doormqtt"))
    b.wait_log("doormqtt: connected", 10)
    b.ok("relay_on", "1")
    pub(broker, "baresip-door/airlock/relay/2/set", "OPEN")
    b.wait_log("doormqtt: relay 2 refused: interlock: relay 1 on")
    assert level(tmp_path, "r2") == "0"
    rec = [r for r in audit(tmp_path) if r["module"] == "doormqtt"]
    assert [(r["action"], r["result"], r["detail"]) for r in rec] == [
        ("relay_open", "denied", "interlock: relay 1 on")]

    b.ok("relay_close", "1")
    pub(broker, "baresip-door/airlock/relay/2/set", "OPEN")
    wait_for(lambda: level(tmp_path, "r2") == "1", 5, what="inner opens")


# ---- unlocked hours ----

def test_unlocked_hours_hold_the_group_shut_and_say_so(tmp_path, procs,
                                                       monkeypatch):
    """a relay held on by its unlocked hours keeps the others of its group
    shut; the config says so at start"""
    zone, _ = tz_for("12:00:00", 0)
    monkeypatch.setenv("TZ", zone)
    b = start(tmp_path, procs, {"door_profile1": "noon Mo-Su 11:00-13:00",
                                "relay1_mode": "monostable",
                                "relay1_hold": "1",
                                "relay1_unlocked_hours": "noon"})
    b.wait_log("relays configured")
    assert "config relay1_unlocked_hours: relay 1 is interlocked: while" \
        " it is held on, the others of its group never open" in b.log()
    wait_for(lambda: level(tmp_path, "r1") == "1", 3, what="hours on")
    ok, text = b.cmd("relay_open", "2")
    assert not ok and "interlock: relay 1 on" in text


# ---- dryio ----

def test_exit_button_refused_while_the_other_relay_is_on(tmp_path, procs):
    """an exit button (dryio input running relay_open) is interlocked like
    any other open; dryio audits the refusal as denied, not as an error"""
    set_level(path(tmp_path, "in1"), 1)
    b = start(tmp_path, procs, {
        "dryio_in1_gpio": f"file:{path(tmp_path, 'in1')}",
        "dryio_in1_name": "Exit button", "dryio_in1_debounce": "0",
        "dryio_in1_command": "relay_open 2 via=input who=in1"},
        modules=("relay", "dryio"))
    b.wait_log("dryio: ")
    b.ok("relay_on", "1")
    set_level(path(tmp_path, "in1"), 0)
    b.wait_log("dryio: in1: command 'relay_open' refused: interlock: relay"
               " 1 on")
    assert level(tmp_path, "r2") == "0"
    rec = [r for r in audit(tmp_path) if r["module"] == "dryio" and
           r["action"] == "command"]
    assert [(r["result"], r["detail"]) for r in rec] == [
        ("denied", "relay_open: interlock: relay 1 on")]
    assert [(r["source"], r["who"], r["result"]) for r in audit(tmp_path)
            if r["module"] == "relay" and r["relay"] == "2"] == [
        ("input", "in1", "denied")]

    set_level(path(tmp_path, "in1"), 1)
    b.ok("relay_close", "1")
    set_level(path(tmp_path, "in1"), 0)
    wait_for(lambda: level(tmp_path, "r2") == "1", 3, what="exit opens")


# ---- memory ----

def test_refusals_under_valgrind(tmp_path):
    """interlock.c's paths once with valgrind watching memory: a bad group,
    refusals by relay and by door (command and HTTP 409, the answer's
    reason read back), then a clean exit"""
    d = str(tmp_path)
    port = free_port()
    b = Baresip(d, modules=("relay", "httpopen"), valgrind=True,
                config=airlock(d, {
                    "httpopen_listen": f"127.0.0.1:{port}",
                    "httpopen_user": USER, "httpopen_pass": PASS,
                    "relay_interlock2": "1,9",
                    **contacts(d), "relay1_mode": "bistable"})).start()
    try:
        b.wait_log("httpopen: serving", 60)
        assert "relay_interlock2: no relay '9'" in b.log()
        b.ok("relay_on", "1")
        ok, text = b.cmd("relay_toggle", "2")
        assert not ok and "interlock: relay 1 on" in text
        b.ok("relay_close", "1")
        set_level(path(d, "c1"), 1)
        door_state(b, 1, "open")
        status, doc = curl(f"http://127.0.0.1:{port}/fcgi/OpenDoor?"
                           "action=OpenDoor&DoorNum=2", "--digest", "-u",
                           f"{USER}:{PASS}")
        assert status == 409 and doc["error"] == "interlock: door 1 open"
    finally:
        rc = b.stop()
    assert rc == 0, open(b.valgrind_log).read() + b.log()
