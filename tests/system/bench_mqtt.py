"""make bench-mqtt: 20 door stations on one mosquitto broker (loopback).

Prints, over the 20 stations, p50/p99 of
  - relay change -> its state message at a subscriber (the relay_open
    door event reaching a ctrl_tcp client, to the retained ON state
    reaching mosquitto_sub; ctrl_tcp sends without TCP_NODELAY, so its
    stamp can be late and this figure low), and the whole path from the
    ctrl_tcp relay_open command to that state message;
  - MQTT OPEN -> line: a bare client's PUBLISH leaving, to the relay's
    relay_open event (raised once the line is set) at the ctrl_tcp client;
    beside the same with the ctrl_tcp relay_open command instead of MQTT.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from harness import wait_for                     # noqa: E402
from mqttbroker import Broker, RawPub, Sub       # noqa: E402
from stations import start_stations, stop_stations   # noqa: E402

COUNT = 20
ROUNDS = 5


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def door_event_at(b, since, name):
    def find():
        for ev in b.events[since:]:
            if ev.get("param", "").startswith(f"relay,{name},relay=1"):
                return ev["_rx"]
        return None
    return wait_for(find, 5, what=f"{b.door_id} {name}")


def fmt(label, ms):
    return (f"{label:<44} p50 {pct(ms, 50):7.2f} ms  p99 {pct(ms, 99):7.2f}"
            f" ms  (n={len(ms)})")


def main():
    tmp = tempfile.mkdtemp(prefix="bench-mqtt-")
    broker = Broker(tmp).start()
    doors = []
    try:
        doors = start_stations(tmp, broker, COUNT)
        sub = Sub(broker, "baresip-door/+/relay/1/state")
        raw = RawPub(broker)
        to_state, cmd_state, mqtt_line, cmd_line = [], [], [], []
        for _ in range(ROUNDS):
            for b in doors:
                # relay change -> state message
                n, e = len(sub.messages), len(b.events)
                tc = time.monotonic()
                b.ok("relay_open", "1")
                t0 = door_event_at(b, e, "relay_open")
                m = sub.wait(f"baresip-door/{b.door_id}/relay/1/state",
                             "ON", since=n)
                to_state.append((m[0] - t0) * 1000)
                cmd_state.append((m[0] - tc) * 1000)
                door_event_at(b, e, "relay_close")

                # ctrl_tcp command -> line, the comparison
                e = len(b.events)
                t0 = time.monotonic()
                b.cmd("relay_open", "1")
                cmd_line.append((door_event_at(b, e, "relay_open") - t0)
                                * 1000)
                door_event_at(b, e, "relay_close")

                # MQTT OPEN -> line
                e = len(b.events)
                t0 = time.monotonic()
                raw.publish(f"baresip-door/{b.door_id}/relay/1/set", "OPEN")
                mqtt_line.append((door_event_at(b, e, "relay_open") - t0)
                                 * 1000)
                door_event_at(b, e, "relay_close")
        raw.close()
        sub.stop()
        print(f"bench-mqtt: {COUNT} stations, {ROUNDS} rounds, one"
              " mosquitto on loopback")
        print(fmt("relay change -> state message at subscriber", to_state))
        print(fmt("ctrl_tcp relay_open -> state message", cmd_state))
        print(fmt("MQTT OPEN -> line (relay on)", mqtt_line))
        print(fmt("ctrl_tcp relay_open -> line (comparison)", cmd_line))
    finally:
        stop_stations(doors)
        broker.stop()


if __name__ == "__main__":
    main()
