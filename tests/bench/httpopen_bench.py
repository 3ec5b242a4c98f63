"""httpopen benchmark: 16 clients at once, each sending requests one
after another on new connections; prints the slowest and the mean answer.
libre's http_listen listens with a backlog of 5, which made such bursts
stall; httpopen now listens with 128.

  make && DOOR_BUILD=build python3 tests/bench/httpopen_bench.py [ROUNDS]

Runs a real baresip with httpopen alone (no credentials, no relay module:
every request is answered 503 at once, so the figure is the connection's
cost, not the door's).
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "system"))
from harness import Baresip, free_port, wait_for  # noqa: E402

LOADGEN = os.path.join(os.path.dirname(__file__), "..", "system",
                       "loadgen.py")


def listen_overflows():
    """The kernel's count of connections dropped from full listen queues
    (whole machine: other programs may add to it)."""
    with open("/proc/net/netstat") as f:
        rows = [line.split() for line in f if line.startswith("TcpExt:")]
    return int(dict(zip(rows[0], rows[1]))["ListenOverflows"])


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as d:
        port = free_port()
        b = Baresip(d, modules=("httpopen",), config={
            "httpopen_listen": f"127.0.0.1:{port}"}, name="bench").start()
        try:
            wait_for(lambda: "httpopen: serving" in b.log())
            worst = []
            drops = listen_overflows()
            for _ in range(rounds):
                out = subprocess.run(
                    [sys.executable, LOADGEN, "concurrent", str(port),
                     ",".join(f"127.0.0.{i}" for i in range(50, 66)), "16",
                     "200", "/api/relay/status"],
                    capture_output=True, text=True, check=True).stdout
                worst.append(json.loads(out.splitlines()[-1]))
            drops = listen_overflows() - drops
        finally:
            b.stop()
    print(f"httpopen: 16 concurrent clients x 200 requests, {rounds} rounds:"
          f" slowest answer per round "
          f"{', '.join(str(r['max_ms']) for r in worst)} ms; mean "
          f"{', '.join(str(r['mean_ms']) for r in worst)} ms; "
          f"listen queue overflows {drops}")


if __name__ == "__main__":
    main()
