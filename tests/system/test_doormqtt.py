"""doormqtt with the real baresip on a real mosquitto broker: topics,
Home Assistant discovery, commands and their safety rules, a broker that
comes and goes, passwords and ACLs, TLS."""
import json
import os
import subprocess
import time

import pytest

from harness import Baresip, Sipp, read_audit, read_line_file, wait_for
from mqttbroker import Broker, Sub, pub
from sipp_scenarios import uac_ring
from test_dryio import set_level

MODULES = ("relay", "dryio", "doormqtt")


def station(tmp_path, broker, door_id="door1", config=None, name=None,
            url=None, wait=True, modules=MODULES, **kw):
    """a door: relay 1 (door), relay 2 (chime), input 1, output 1"""
    d = tmp_path / (name or door_id)
    d.mkdir(exist_ok=True)
    cfg = {
        "relay1_gpio": f"file:{d / 'r1'}", "relay1_name": "Front door",
        "relay1_hold": "0.3",
        "relay2_gpio": f"file:{d / 'r2'}", "relay2_type": "chime",
        "relay2_hold": "0.3",
        "dryio_in1_gpio": f"file:{d / 'in1'}", "dryio_in1_name": "Contact",
        "dryio_in1_debounce": "0", "dryio_in1_class": "door",
        "dryio_out1_gpio": f"file:{d / 'out1'}",
        "dryio_out1_name": "Light", "dryio_out1_hold": "0.3",
        "door_audit_file": str(d / "audit.log"),
        "doormqtt_broker": url or f"mqtt://127.0.0.1:{broker.port}",
        "doormqtt_id": door_id,
    }
    set_level(d / "in1", 1)          # triggers on low, by default
    cfg.update(config or {})
    cfg = {k: v for k, v in cfg.items() if v is not None}
    b = Baresip(tmp_path, modules=modules, config=cfg, name=name or door_id,
                **kw).start()
    b.lines = d
    if wait:
        b.wait_log("doormqtt: connected", 10)
    return b


@pytest.fixture
def broker(tmp_path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()


@pytest.fixture
def procs():
    running = []
    yield running
    for p in running:
        p.stop()


def test_states_availability_events(tmp_path, broker, procs):
    sub = Sub(broker)
    procs.append(sub)
    b = station(tmp_path, broker)
    procs.append(b)
    base = "baresip-door/door1"
    sub.wait(f"{base}/availability", "online")
    sub.wait(f"{base}/relay/1/state", "OFF")

    n = len(sub.messages)
    b.ok("relay_open", "1")
    m = sub.wait(f"{base}/relay/1/state", "ON", since=n)
    ev = json.loads(sub.wait(f"{base}/event", "relay_open", since=n)[2])
    assert ev == {"module": "relay", "event": "relay_open", "relay": "1",
                  "name": "Front door", "source": "command", "peer": ""}
    sub.wait(f"{base}/relay/1/state", "OFF", since=n)
    # the access decision fires the access event entity
    acc = json.loads(sub.wait(f"{base}/access", since=n)[2])
    assert acc["event_type"] == "granted" and acc["source"] == "command"

    # an input, then an output
    set_level(b.lines / "in1", 0)
    sub.wait(f"{base}/input/1/state", "ON", since=n)
    set_level(b.lines / "in1", 1)
    sub.wait(f"{base}/input/1/state", "OFF", since=n)
    b.ok("dryio_out", "1 on")
    sub.wait(f"{base}/output/1/state", "ON", since=n)

    # the states are retained: a late subscriber sees them at once
    late = Sub(broker, f"{base}/+/+/state")
    procs.append(late)
    m = late.wait(f"{base}/output/1/state", "ON")
    assert m[3] is True

    # a clean stop says offline, and nothing about a lost broker
    assert b.stop() == 0
    sub.wait(f"{base}/availability", "offline", since=n)
    assert "lost the broker" not in b.log()


def test_discovery_payloads(tmp_path, broker, procs):
    sub = Sub(broker, "homeassistant/#")
    procs.append(sub)
    b = station(tmp_path, broker, config={"doormqtt_name": "Main entrance"})
    procs.append(b)
    sub.wait("homeassistant/event/door1/access/config")
    time.sleep(0.5)
    configs = {m[1]: m[2] for m in sub.all()}
    live = {t: json.loads(p) for t, p in configs.items() if p}
    assert set(live) == {
        "homeassistant/lock/door1/relay1/config",
        "homeassistant/switch/door1/relay2/config",
        "homeassistant/switch/door1/output1/config",
        "homeassistant/binary_sensor/door1/input1/config",
        "homeassistant/event/door1/doorbell/config",
        "homeassistant/event/door1/access/config",
    }
    ids = [c["unique_id"] for c in live.values()]
    assert len(ids) == len(set(ids))
    for topic, c in live.items():
        for key in ("name", "unique_id", "availability_topic", "device"):
            assert key in c, (topic, key)
        assert c["availability_topic"] == "baresip-door/door1/availability"
        assert c["device"]["identifiers"] == ["baresip-door_door1"]
        assert c["device"]["name"] == "Main entrance"
        assert c["device"]["model"] and c["device"]["sw_version"]
        assert "state_topic" in c
        assert c["state_topic"].startswith("baresip-door/door1/")
    lock = live["homeassistant/lock/door1/relay1/config"]
    assert lock["command_topic"] == "baresip-door/door1/relay/1/set"
    assert lock["state_topic"] == "baresip-door/door1/relay/1/state"
    assert lock["payload_unlock"] == "OPEN"
    assert lock["state_unlocked"] == "ON" and lock["name"] == "Front door"
    sensor = live["homeassistant/binary_sensor/door1/input1/config"]
    assert sensor["device_class"] == "door"
    assert "command_topic" not in sensor
    bell = live["homeassistant/event/door1/doorbell/config"]
    assert bell["event_types"] == ["ring"]
    # what is not configured is cleared: relay 3 has an empty config
    assert configs["homeassistant/lock/door1/relay3/config"] == ""
    assert configs["homeassistant/switch/door1/relay1/config"] == ""
    # no password in any payload
    b.stop()


def test_removed_relay_loses_its_entity(tmp_path, broker, procs):
    b = station(tmp_path, broker)
    b.stop()
    sub = Sub(broker, "homeassistant/switch/door1/relay2/config")
    procs.append(sub)
    assert sub.wait()[2] != ""
    n = len(sub.messages)
    b = station(tmp_path, broker, config={"relay2_gpio": None})
    procs.append(b)
    assert sub.wait(since=n)[2] == ""


def test_doorbell_rings_on_incoming_call(tmp_path, broker, procs):
    sub = Sub(broker, "baresip-door/door1/doorbell")
    procs.append(sub)
    b = station(tmp_path, broker, answermode="manual")
    procs.append(b)
    s = Sipp(tmp_path, uac_ring(ring_ms=500), f"127.0.0.1:{b.sip_port}",
             extra_args=["-s", "door"]).start()
    m = sub.wait("baresip-door/door1/doorbell")
    assert json.loads(m[2]) == {"event_type": "ring"}
    assert m[3] is False                     # events are not retained
    assert s.wait() == 0, s.errors()


def test_commands_off_by_default(tmp_path, broker, procs):
    b = station(tmp_path, broker)
    procs.append(b)
    pub(broker, "baresip-door/door1/relay/1/set", "OPEN")
    b.wait_log("doormqtt_commands is off")
    time.sleep(0.3)
    assert read_line_file(str(b.lines / "r1")) == "0"
    rec = [r for r in read_audit(b.lines)
           if r["module"] == "doormqtt"]
    assert rec and rec[-1]["result"] == "denied"
    assert rec[-1]["source"] == "mqtt"


def test_lock_and_switch_round_trip(tmp_path, broker, procs):
    sub = Sub(broker, "baresip-door/#")
    procs.append(sub)
    b = station(tmp_path, broker, config={"doormqtt_commands": "yes"})
    procs.append(b)
    base = "baresip-door/door1"
    sub.wait(f"{base}/relay/1/state", "OFF")
    n = len(sub.messages)
    pub(broker, f"{base}/relay/1/set", "OPEN")
    sub.wait(f"{base}/relay/1/state", "ON", since=n)
    wait_for(lambda: read_line_file(str(b.lines / "r1")) == "1", 5)
    sub.wait(f"{base}/relay/1/state", "OFF", since=n)   # a pulse
    ev = json.loads(sub.wait(f"{base}/event", "relay_open", since=n)[2])
    assert ev["source"] == "mqtt"

    pub(broker, f"{base}/output/1/set", "ON")
    sub.wait(f"{base}/output/1/state", "ON", since=n)
    assert read_line_file(str(b.lines / "out1")) == "1"
    pub(broker, f"{base}/output/1/set", "OFF")
    sub.wait(f"{base}/output/1/state", "OFF", since=n)

    rec = [r for r in read_audit(b.lines)
           if r["module"] == "doormqtt"]
    assert [r["action"] for r in rec] == ["relay_open", "output_on",
                                          "output_off"]
    assert all(r["source"] == "mqtt" and r["result"] == "ok" for r in rec)

    # malformed topics and payloads change nothing
    for topic, payload in ((f"{base}/relay/1/set", "open"),
                           (f"{base}/relay/01/set", "OPEN"),
                           (f"{base}/relay/17/set", "OPEN"),
                           (f"{base}/relay/1/set", "OPEN "),
                           (f"{base}/door/1/set", "OPEN")):
        pub(broker, topic, payload)
    time.sleep(0.5)
    assert read_line_file(str(b.lines / "r1")) == "0"
    assert len([r for r in read_audit(b.lines)
                if r["module"] == "doormqtt"]) == 3
    assert b.alive()


def test_retained_command_never_opens(tmp_path, broker, procs):
    base = "baresip-door/door1"
    # a stale retained OPEN sits on the broker before the door connects
    pub(broker, f"{base}/relay/1/set", "OPEN", retain=True)
    b = station(tmp_path, broker, config={"doormqtt_commands": "yes"})
    procs.append(b)
    b.wait_log("a retained command never acts")
    time.sleep(0.3)
    assert read_line_file(str(b.lines / "r1")) == "0"
    rec = [r for r in read_audit(b.lines)
           if r["module"] == "doormqtt"]
    assert rec[-1]["result"] == "denied"
    assert rec[-1]["detail"] == "retained command"


def test_broker_absent_at_start_then_restarted(tmp_path, procs):
    broker = Broker(tmp_path)          # not started yet
    b = station(tmp_path, broker, wait=False)
    procs.append(b)
    b.wait_log("cannot connect; retrying")
    b.ok("relay_open", "1")            # the door works without it
    wait_for(lambda: read_line_file(str(b.lines / "r1")) == "1", 5)
    broker.start()
    try:
        b.wait_log("doormqtt: connected", 10)
        sub = Sub(broker, "baresip-door/#")
        procs.append(sub)
        sub.wait("baresip-door/door1/availability", "online")
        sub.wait("baresip-door/door1/relay/1/state", "OFF")

        # the broker restarts: the door comes back, republishes
        broker.stop()
        b.wait_log("lost the broker", 10)
        assert b.alive()
        broker.start()
        wait_for(lambda: b.log().count("doormqtt: connected") >= 2, 15,
                 what="reconnect")
        sub2 = Sub(broker, "baresip-door/#")
        procs.append(sub2)
        sub2.wait("baresip-door/door1/availability", "online")
        sub2.wait("baresip-door/door1/relay/1/state")
    finally:
        broker.stop()


def test_password_and_acl(tmp_path, procs):
    secret = "s3cr3t pass"
    broker = Broker(tmp_path, passwd={"door1": secret, "watch": "w"},
                    acl=["user door1", "topic readwrite baresip-door/door1/#",
                         "topic write homeassistant/#",
                         "user watch", "topic read #"]).start()
    try:
        # a wrong password: refused, logged once, baresip runs on
        bad = station(tmp_path, broker, name="bad", wait=False,
                      config={"doormqtt_user": "door1",
                              "doormqtt_pass": "wrong"})
        procs.append(bad)
        bad.wait_log("refused the connection", 10)
        assert bad.alive()
        bad.stop()

        sub = Sub(broker, "#", user="watch", password="w")
        procs.append(sub)
        b = station(tmp_path, broker, config={"doormqtt_user": "door1",
                                              "doormqtt_pass": secret})
        procs.append(b)
        sub.wait("baresip-door/door1/availability", "online")
        b.ok("relay_open", "1")
        sub.wait("baresip-door/door1/relay/1/state", "ON")
        b.stop()
        for m in sub.all():
            assert "s3cr3t" not in m[2]
        assert "s3cr3t" not in b.log() and "s3cr3t" not in bad.log()
        assert "s3cr3t" not in open(b.lines / "audit.log").read()
    finally:
        broker.stop()


def make_ca(d, cn, alt="IP:127.0.0.1"):
    """a CA and a server certificate for alt (127.0.0.1) signed by it"""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={cn}", "-keyout", "ca.key", "-out", "ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "srv.key", "-out", "srv.csr")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write(f"subjectAltName={alt}\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey",
        "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext",
        "-out", "srv.crt")
    return os.path.join(d, "ca.crt")


def test_tls_verified_and_wrong_ca_refused(tmp_path, procs):
    good = tmp_path / "ca_good"
    other = tmp_path / "ca_other"
    good.mkdir()
    other.mkdir()
    ca = make_ca(str(good), "test CA")
    wrong = make_ca(str(other), "other CA")
    broker = Broker(tmp_path, tls=(ca, str(good / "srv.crt"),
                                   str(good / "srv.key"))).start()
    try:
        url = f"mqtts://127.0.0.1:{broker.port}"
        bad = station(tmp_path, broker, name="bad", url=url, wait=False,
                      config={"doormqtt_cafile": wrong})
        procs.append(bad)
        time.sleep(2.5)
        assert "doormqtt: connected" not in bad.log()
        assert bad.alive()
        bad.stop()

        b = station(tmp_path, broker, url=url,
                    config={"doormqtt_cafile": ca})
        procs.append(b)
        b.ok("relay_open", "1")
        b.wait_log("relay: Front door (1) on")
    finally:
        broker.stop()


def test_no_broker_configured_is_idle(tmp_path, procs):
    b = Baresip(tmp_path, modules=MODULES, config={}).start()
    procs.append(b)
    b.wait_log("doormqtt: no doormqtt_broker")
    assert b.alive()


def test_bad_broker_url_is_one_line(tmp_path, procs):
    b = Baresip(tmp_path, modules=("relay", "doormqtt"), config={
        "doormqtt_broker": "http://127.0.0.1:1883"}).start()
    procs.append(b)
    b.wait_log("doormqtt: config doormqtt_broker")
    assert b.alive()
