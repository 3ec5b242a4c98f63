"""Door contacts in MQTT and Home Assistant, with the real baresip, a real
mosquitto broker and file-backed contact lines: <base>/door/<n>/state
(closed, open, held, forced; retained), the two binary sensors of each
door (the door, its alarm) in discovery, their removal when the contact
leaves the config, their republication after a broker restart, and the
access event entity on an interlock refusal."""
import json

import jinja2

from harness import Sipp, free_port, read_line_file, wait_for
from mqttbroker import Sub
from sipp_scenarios import uac_call
from test_doormqtt import broker, station  # noqa: F401 (a fixture)
from test_dryio import set_level as write
from test_httpopen import basic, curl, raw, request

BASE = "baresip-door/door1"
HA = "homeassistant/binary_sensor/door1"


def contact_config(d, **kw):
    """relay 1 (a door) with a contact that is shut; relay 2 has none"""
    write(d / "c1", 0)
    cfg = {
        "relay1_contact": f"file:{d / 'c1'}",
        "relay1_contact_debounce": "20",
        "relay1_entry_time": "0.5",
        "relay1_held_alarm": "1",
    }
    cfg.update(kw)
    return cfg


def render(template, value):
    """the template as Home Assistant renders it (Jinja2, value = payload)"""
    return jinja2.Environment().from_string(template).render(
        value=value).strip()


def event(sub, name, since):
    """the first bus event called name on <base>/event since a point"""
    def find():
        for m in sub.messages[since:]:
            if m[1] == f"{BASE}/event" and \
                    json.loads(m[2]).get("event") == name:
                return json.loads(m[2])
        return None
    return wait_for(find, 10, what=f"event {name}")


def start(tmp_path, broker, procs, **kw):
    d = tmp_path / "door1"
    d.mkdir(exist_ok=True)
    b = station(tmp_path, broker, config=contact_config(d, **kw))
    procs.append(b)
    return b


def test_door_discovery_payloads(tmp_path, broker, procs):
    sub = Sub(broker, "homeassistant/#")
    procs.append(sub)
    b = start(tmp_path, broker, procs)
    sub.wait("homeassistant/event/door1/access/config")
    wait_for(lambda: sub.find(f"{HA}/door16_alarm/config"), 5,
             what="the last cleared config")
    configs = {m[1]: m[2] for m in sub.all()}
    live = {t: json.loads(p) for t, p in configs.items() if p}

    door = live[f"{HA}/door1/config"]
    alarm = live[f"{HA}/door1_alarm/config"]
    lock = live["homeassistant/lock/door1/relay1/config"]
    for c in (door, alarm):
        assert c["state_topic"] == f"{BASE}/door/1/state"
        assert c["availability_topic"] == f"{BASE}/availability"
        assert c["device"] == lock["device"]          # the same device
        assert "command_topic" not in c
        assert c["name"] and c["object_id"] == c["unique_id"]
    assert door["device_class"] == "door"
    assert door["unique_id"] == "door1_door1"
    assert alarm["device_class"] == "problem"
    assert alarm["unique_id"] == "door1_door1_alarm"
    assert door["name"] == "Front door contact"
    assert alarm["name"] == "Front door alarm"

    # what Home Assistant shows for each state the door can be in
    for state, on, alarmed in (("closed", "OFF", "OFF"), ("open", "ON", "OFF"),
                               ("held", "ON", "ON"), ("forced", "ON", "ON")):
        assert render(door["value_template"], state) == on, state
        assert render(alarm["value_template"], state) == alarmed, state
        assert on in (door["payload_on"], door["payload_off"])
        assert alarmed in (alarm["payload_on"], alarm["payload_off"])

    # unique ids stay unique with the door entities among the others
    ids = [c["unique_id"] for c in live.values()]
    assert len(ids) == len(set(ids))

    # relay 2 (no contact) has no door entities: empty retained configs
    assert f"{HA}/door2/config" not in live
    assert configs[f"{HA}/door2/config"] == ""
    assert configs[f"{HA}/door2_alarm/config"] == ""
    b.stop()


def test_door_states_published(tmp_path, broker, procs):
    sub = Sub(broker, f"{BASE}/#")
    procs.append(sub)
    b = start(tmp_path, broker, procs)
    c1 = b.lines / "c1"
    sub.wait(f"{BASE}/door/1/state", "closed")
    # relay 2 has no contact: its door topic is cleared, never a state
    wait_for(lambda: sub.find(f"{BASE}/door/2/state"), 5, what="door 2")
    assert all(p == "" for _, t, p, _ in sub.all(f"{BASE}/door/2/state"))

    # forced: opened with no access granted, then shut
    n = len(sub.messages)
    write(c1, 1)
    sub.wait(f"{BASE}/door/1/state", "forced", since=n)
    ev = event(sub, "door_forced", n)
    assert ev["relay"] == "1" and ev["state"] == "forced"
    write(c1, 0)
    sub.wait(f"{BASE}/door/1/state", "closed", since=n)

    # access, open, held past relay1_held_alarm, closed
    n = len(sub.messages)
    b.ok("relay_open", "1")
    sub.wait(f"{BASE}/relay/1/state", "ON", since=n)
    write(c1, 1)
    sub.wait(f"{BASE}/door/1/state", "open", since=n)
    sub.wait(f"{BASE}/door/1/state", "held", since=n, timeout=5)
    assert event(sub, "door_held", n)["state"] == "held"
    write(c1, 0)
    sub.wait(f"{BASE}/door/1/state", "closed", since=n)
    seq = [p for _, t, p, _ in sub.messages[n:]
           if t == f"{BASE}/door/1/state"]
    assert seq == ["open", "held", "closed"]

    # retained: a late subscriber sees the state at once
    late = Sub(broker, f"{BASE}/door/+/state")
    procs.append(late)
    m = late.wait(f"{BASE}/door/1/state", "closed")
    assert m[3] is True
    b.stop()


def test_door_state_republished_after_broker_restart(tmp_path, broker,
                                                      procs):
    b = start(tmp_path, broker, procs)
    sub = Sub(broker, f"{BASE}/door/1/state")
    procs.append(sub)
    sub.wait(payload="closed")
    write(b.lines / "c1", 1)                  # forced while connected
    sub.wait(payload="forced")

    broker.stop()                             # no persistence: retained
    b.wait_log("lost the broker", 10)         # messages are gone with it
    broker.start()
    wait_for(lambda: b.log().count("doormqtt: connected") >= 2, 15,
             what="reconnect")
    sub2 = Sub(broker, f"{BASE}/door/1/state")
    procs.append(sub2)
    m = sub2.wait(payload="forced")
    assert m[2] == "forced" and m[3] is True
    b.stop()


def test_contact_removed_removes_its_entities(tmp_path, broker, procs):
    b = start(tmp_path, broker, procs)
    b.stop()
    sub = Sub(broker, "#")
    procs.append(sub)
    assert sub.wait(f"{HA}/door1/config")[2] != ""
    assert sub.wait(f"{HA}/door1_alarm/config")[2] != ""
    assert sub.wait(f"{BASE}/door/1/state")[2] == "closed"

    n = len(sub.messages)
    b = station(tmp_path, broker, config={"relay1_contact": None})
    procs.append(b)
    assert sub.wait(f"{HA}/door1/config", since=n)[2] == ""
    assert sub.wait(f"{HA}/door1_alarm/config", since=n)[2] == ""
    assert sub.wait(f"{BASE}/door/1/state", since=n)[2] == ""
    # the lock itself stays
    assert json.loads(sub.wait("homeassistant/lock/door1/relay1/config",
                               since=n)[2])["unique_id"] == "door1_relay1"
    b.stop()


def test_interlock_refusal_is_a_denied_access(tmp_path, broker, procs):
    """relay 1 open (its door open in the access window) refuses relay 2
    of the same interlock group: the access event entity fires denied,
    with the reason, and <base>/event carries relay_refused"""
    d = tmp_path / "door1"
    d.mkdir(exist_ok=True)
    cfg = contact_config(d, relay_interlock="1,2", relay1_held_alarm="0",
                         relay2_type="door")
    b = station(tmp_path, broker, config=cfg)
    procs.append(b)
    sub = Sub(broker, f"{BASE}/#")
    procs.append(sub)
    sub.wait(f"{BASE}/door/1/state", "closed")

    n = len(sub.messages)
    b.ok("relay_open", "1")
    write(b.lines / "c1", 1)
    sub.wait(f"{BASE}/door/1/state", "open", since=n)
    n = len(sub.messages)
    b.cmd("relay_open", "2")
    acc = json.loads(sub.wait(f"{BASE}/access", "denied", since=n)[2])
    assert acc["event_type"] == "denied" and acc["relay"] == "2"
    assert acc["source"] == "command"
    assert acc["detail"] == "interlock: door 1 open"
    ev = event(sub, "relay_refused", n)
    assert ev["relay"] == "2" and ev["detail"] == "interlock: door 1 open"
    assert not sub.find(f"{BASE}/relay/2/state", "ON", since=n)
    write(b.lines / "c1", 0)
    b.stop()


def test_dtmf_code_refused_by_interlock_is_one_denied_access(tmp_path,
                                                             broker, procs):
    """relay 1 on keeps relay 2 shut: its right code fires the access
    entity once, denied with the reason; a wrong code once more"""
    b = station(tmp_path, broker, config={
        "relay_interlock": "1,2", "relay1_mode": "bistable",
        "relay2_type": "door", "relay2_dtmf": "1234"})
    procs.append(b)
    sub = Sub(broker, f"{BASE}/access")
    procs.append(sub)
    b.ok("relay_on", "1")
    s = Sipp(tmp_path, uac_call("1234#9#", mode="info"),
             f"127.0.0.1:{b.sip_port}", extra_args=["-s", b.user]).start()
    assert s.wait() == 0, s.errors()
    sub.wait(payload="wrong code")
    got = [json.loads(m[2]) for m in sub.all()]
    got = [(a["event_type"], a["relay"], a["source"], a["detail"])
           for a in got if a["source"] == "dtmf"]
    assert got == [("denied", "2", "dtmf", "interlock: relay 1 on"),
                   ("denied", "", "dtmf", "wrong code, 1 of 3")]
    assert read_line_file(str(b.lines / "r2")) == "0"
    b.stop()


HTTP_USER, HTTP_PASS = "admin", "mqtt-Door1"


def http_station(tmp_path, broker, procs, **config):
    """a station with httpopen (HTTP_USER, HTTP_PASS) and a subscriber on
    <base>/access: (baresip, its HTTP port, the subscriber)"""
    cfg = {"httpopen_listen": f"127.0.0.1:{free_port()}",
           "httpopen_user": HTTP_USER, "httpopen_pass": HTTP_PASS}
    cfg.update(config)
    b = station(tmp_path, broker, config=cfg,
                modules=("relay", "dryio", "doormqtt", "httpopen"))
    procs.append(b)
    sub = Sub(broker, f"{BASE}/access")
    procs.append(sub)
    return b, int(cfg["httpopen_listen"].rsplit(":", 1)[1]), sub


def test_http_open_is_one_access_event(tmp_path, broker, procs):
    """an OpenDoor request fires the access entity once: denied with the
    interlock's reason (409) while relay 1 is on, granted once it is off;
    digest's 401 challenges fire nothing"""
    b, port, sub = http_station(tmp_path, broker, procs,
                                relay_interlock="1,2",
                                relay1_mode="bistable", relay2_type="door")
    url = f"http://127.0.0.1:{port}/fcgi/OpenDoor?action=OpenDoor&DoorNum=2"
    auth = ["--digest", "-u", f"{HTTP_USER}:{HTTP_PASS}"]

    b.ok("relay_on", "1")
    assert curl(url, *auth)[0] == 409
    sub.wait(payload="interlock")
    b.ok("relay_close", "1")
    n = len(sub.messages)
    assert curl(url, *auth)[0] == 200
    sub.wait(payload="granted", since=n)
    wait_for(lambda: read_line_file(str(b.lines / "r2")) == "0", 5,
             what="relay 2 closed again")
    got = [json.loads(m[2]) for m in sub.all()]
    got = [(a["event_type"], a["relay"], a["source"], a["detail"])
           for a in got if a["source"] == "http"]
    assert got == [("denied", "2", "http", "interlock: relay 1 on"),
                   ("granted", "2", "http", "")]
    b.stop()


def test_http_access_events_follow_decisions_only(tmp_path, broker, procs):
    """With commands and httpopen: a refused /api/codes request (a 415, a
    duplicate code's 400, a chunked body's 411, a bad Content-Length) and
    a 401 asking for credentials fire no access event; a wrong password
    on /api/codes fires one denied (however long the user name it gives),
    and an OpenDoor granted one granted, from the relay's record"""
    user, password = HTTP_USER, HTTP_PASS
    b, port, sub = http_station(tmp_path, broker, procs,
                                doormqtt_commands="yes",
                                relay_codes_file=str(tmp_path / "codes"))
    auth = basic(user, password)
    codes = "/api/codes"
    js = {"Content-Type": "application/json"}

    def post(body, headers):
        return request(port, codes, method="POST", body=body,
                       headers=headers)[0]

    code = json.dumps({"relay": 1, "code": "864209"})
    assert post(code, dict(auth, **{"Content-Type": "text/plain"})) == 415
    assert post(code, dict(auth, **js)) == 201
    assert post(code, dict(auth, **js)) == 400            # a duplicate
    head = (b"POST /api/codes HTTP/1.1\r\nHost: x\r\nAuthorization: " +
            auth["Authorization"].encode() +
            b"\r\nContent-Type: application/json\r\n")
    assert raw(port, head + b"Transfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{...}\r\n0\r\n\r\n") == 411
    assert raw(port, head + b"Content-Length: 1x\r\n\r\n") == 400
    assert request(port, codes, method="PUT", headers=auth)[0] == 405
    assert request(port, codes)[0] == 401                 # a challenge
    assert request(port, codes, headers=basic(user, "guess"))[0] == 401
    # a user name that fills the bus event's 255 characters (from another
    # address: a second refusal alike from one is summarised later)
    assert request(port, codes, headers=basic("+" * 63, "guess"),
                   source="127.0.0.2")[0] == 401
    url = f"http://127.0.0.1:{port}/fcgi/OpenDoor?action=OpenDoor&DoorNum=1"
    assert curl(url, "--digest", "-u", f"{user}:{password}")[0] == 200
    sub.wait(payload="granted")

    got = [json.loads(m[2]) for m in sub.all()]
    got = [(a["event_type"], a["relay"], a["source"], a["detail"])
           for a in got]
    assert got == [("denied", "", "http", "401 wrong credentials"),
                   ("denied", "", "http", "401 wrong credentials"),
                   ("granted", "1", "http", "")]
    b.stop()
