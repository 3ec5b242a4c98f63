"""Many doors, one broker: 20 door stations on a real mosquitto; one
subscriber sees 20 devices, and each relay's command opens only that
station's line."""
import json
import time

import pytest

from harness import wait_for
from mqttbroker import Broker, Sub, pub
from stations import line_on, start_stations, stop_stations

COUNT = 20


@pytest.fixture
def building(tmp_path):
    broker = Broker(tmp_path).start()
    doors = []
    try:
        doors = start_stations(tmp_path, broker, COUNT)
        yield broker, doors
    finally:
        stop_stations(doors)
        broker.stop()


def test_twenty_doors_one_broker(building):
    broker, doors = building
    sub = Sub(broker, "#")
    try:
        wait_for(lambda: len({m[1] for m in sub.all()
                              if m[1].startswith("homeassistant/lock/")
                              and m[2]}) == COUNT, 15,
                 what="20 locks discovered")
        devices = set()
        for m in sub.all():
            if m[1].startswith("homeassistant/") and m[2]:
                devices.add(json.loads(m[2])["device"]["identifiers"][0])
        assert devices == {f"baresip-door_{b.door_id}" for b in doors}

        for b in doors:
            n = len(sub.messages)
            pub(broker, f"baresip-door/{b.door_id}/relay/1/set", "OPEN")
            wait_for(lambda: line_on(b), 5, what=f"{b.door_id} open")
            others = [o.door_id for o in doors if o is not b and line_on(o)]
            assert others == []
            sub.wait(f"baresip-door/{b.door_id}/relay/1/state", "ON",
                     since=n)
            wait_for(lambda: not line_on(b), 5, what=f"{b.door_id} closed")
        for b in doors:
            assert b.alive()
    finally:
        sub.stop()
