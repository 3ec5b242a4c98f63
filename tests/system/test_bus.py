"""Door events on baresip's own event bus: a ctrl_tcp client and baresip's
own mqtt module see them like any other baresip event."""
import os
import urllib.parse

from harness import Baresip, read_line_file, wait_for
from mqttbroker import Broker, Sub


def door_events(b, name=None):
    """The door events ctrl_tcp delivered: (module, event, fields)."""
    out = []
    for ev in list(b.events):
        prm = ev.get("param", "")
        if ev.get("type") not in ("MODULE", "?") or prm.count(",") < 2:
            continue
        module, event, fields = prm.split(",", 2)
        if name is None or event == name:
            out.append((module, event, dict(urllib.parse.parse_qsl(
                fields, keep_blank_values=True)), ev))
    return out


def wait_door_event(b, name, **match):
    def find():
        for m, e, f, ev in door_events(b, name):
            if all(f.get(k) == v for k, v in match.items()):
                return (m, e, f, ev)
        return None
    return wait_for(find, 5, what=f"door event {name}")


def test_ctrl_tcp_sees_relay_events(tmp_path):
    line = tmp_path / "r1"
    b = Baresip(tmp_path, modules=("relay",), config={
        "relay1_gpio": f"file:{line}", "relay1_name": "Front door",
        "relay1_hold": "0.3"}).start()
    try:
        b.ok("relay_open", "1")
        m, e, f, ev = wait_door_event(b, "relay_open", relay="1")
        assert m == "relay"
        assert f["name"] == "Front door" and f["source"] == "command"
        assert ev["class"] == "other"
        # the access decision is on the bus too, as its audit record
        m, e, f, ev = wait_door_event(b, "audit", relay="1")
        assert m == "relay" and f["result"] == "ok"
        wait_door_event(b, "relay_close", relay="1")
        assert read_line_file(str(line)) == "0"
    finally:
        b.stop()


def test_no_code_on_the_bus(tmp_path):
    """A relay_list or a wrong code never puts a code on the bus."""
    line = tmp_path / "r1"
    b = Baresip(tmp_path, modules=("relay",), config={
        "relay1_gpio": f"file:{line}", "relay1_code": "4711",
        "relay1_hold": "0.3"}).start()
    try:
        b.ok("relay_open", "1")
        wait_door_event(b, "relay_close", relay="1")
        for ev in b.events:
            assert "4711" not in str(ev)
    finally:
        b.stop()


class NoAccount(Baresip):
    """baresip with no user agent at all"""

    def _write_config(self):
        super()._write_config()
        with open(self.path("accounts"), "w") as f:
            f.write("")


def mqtt_door(tmp_path, broker, base, cls=Baresip):
    """a relay on a file line, and baresip's mqtt module on broker"""
    line = tmp_path / "r1"
    b = cls(tmp_path, modules=("relay",), system_modules=("mqtt",),
            config={"relay1_gpio": f"file:{line}", "relay1_hold": "0.2",
                    "mqtt_broker_host": "127.0.0.1",
                    "mqtt_broker_port": str(broker.port),
                    "mqtt_basetopic": base}).start()
    wait_for(lambda: "mqtt: connected" in b.log(), 10, what="mqtt connected")
    return b


def test_no_user_agent_no_crash(tmp_path):
    """ctrl_tcp and mqtt take a door event raised with no user agent."""
    broker = Broker(tmp_path).start()
    sub = Sub(broker, "/door0/#")
    b = mqtt_door(tmp_path, broker, "door0", NoAccount)
    try:
        b.ok("relay_open", "1")
        wait_door_event(b, "relay_close", relay="1")
        sub.wait(payload="relay,relay_open,relay=1")
        assert b.alive()
        assert "accountaor" not in str(door_events(b)[0][3])
    finally:
        b.stop()
        sub.stop()
        broker.stop()


def test_baresip_mqtt_module_publishes_door_events(tmp_path):
    """baresip's own mqtt.so publishes door events as JSON on its
    <base>/event topic."""
    assert os.path.exists("/usr/lib/baresip/modules/mqtt.so")
    broker = Broker(tmp_path).start()
    sub = Sub(broker, "#")
    b = mqtt_door(tmp_path, broker, "door1")
    try:
        b.ok("relay_open", "1")
        m = sub.wait(payload="relay,relay_open,relay=1")
        assert m[1] == "/door1/event"
        assert '"accountaor":"sip:door@' in m[2]
        sub.wait(payload="relay,relay_close,relay=1")
    finally:
        b.stop()
        sub.stop()
        broker.stop()


def test_ctrl_tcp_sees_dryio_events(tmp_path):
    """inputs triggered and released, outputs on and off, and their audit
    records, as door events"""
    in1, out1 = tmp_path / "in1", tmp_path / "out1"
    in1.write_text("1\n")
    b = Baresip(tmp_path, modules=("dryio",), config={
        "dryio_in1_gpio": f"file:{in1}", "dryio_in1_name": "Gate",
        "dryio_in1_debounce": "0", "dryio_in1_output": "1",
        "dryio_out1_gpio": f"file:{out1}", "dryio_out1_name": "Light",
        "dryio_out1_hold": "0.3"}).start()
    try:
        in1.write_text("0\n")
        m, e, f, ev = wait_door_event(b, "input", input="1")
        assert m == "dryio" and f["name"] == "Gate" and f["state"] == "on"
        m, e, f, ev = wait_door_event(b, "output_on", output="1")
        assert f["source"] == "input" and f["peer"] == "in1"
        wait_door_event(b, "audit", action="output_on", result="ok")
        in1.write_text("1\n")
        wait_door_event(b, "input_released", input="1", state="off")
        wait_door_event(b, "output_off", output="1")
    finally:
        b.stop()
