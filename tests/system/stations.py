"""Many door stations on one broker: N baresip processes, each with a
relay on a file line and doormqtt, started in parallel."""
import os

from harness import Baresip, read_line_file, wait_for


def station(tmp_path, broker, i, commands, taken):
    """station i, on ports none of the others has"""
    while True:
        b = make_station(tmp_path, broker, i, commands)
        ports = {b.sip_port, b.sip_port + 1, b.ctrl_port}
        if not ports & taken:
            taken |= ports
            return b


def make_station(tmp_path, broker, i, commands):
    door_id = f"door{i:02d}"
    d = os.path.join(str(tmp_path), door_id)
    os.makedirs(d, exist_ok=True)
    line = os.path.join(d, "r1")
    with open(line, "w") as f:
        f.write("0\n")
    b = Baresip(tmp_path, modules=("relay", "doormqtt"), name=door_id,
                config={"relay1_gpio": f"file:{line}",
                        "relay1_name": f"Entrance {i}",
                        "relay1_hold": "0.2",
                        "doormqtt_broker":
                            f"mqtt://127.0.0.1:{broker.port}",
                        "doormqtt_id": door_id,
                        "doormqtt_commands":
                            "yes" if commands else "no"})
    b.door_id = door_id
    b.line = line
    return b


def start_stations(tmp_path, broker, count, commands=True):
    taken = {broker.port}
    doors = [station(tmp_path, broker, i, commands, taken)
             for i in range(count)]
    for b in doors:                      # all starting at once
        b.start(wait_ready=False)
    for i, b in enumerate(doors):
        try:
            b._connect()
        except RuntimeError:
            # a port another program took meanwhile: once more, new ports
            b.stop()
            doors[i] = b = station(tmp_path, broker, i, commands, taken)
            b.start()
    for b in doors:
        b.wait_log("doormqtt: connected", 30)
    return doors


def line_on(b):
    return read_line_file(b.line) == "1"


def stop_stations(doors):
    for b in doors:
        if b.proc:
            b.stop()
