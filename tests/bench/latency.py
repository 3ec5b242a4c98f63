"""make bench, the latency rows: each figure beside its comparison,
measured in the same run, lines as files on tmpfs (/dev/shm).

1. OpenDoor request -> line (Basic, Digest) at 200 requests/s, beside
   the same request's answer (first byte of the response);
2. DTMF last digit (SIP INFO from sipp) -> line, relay's own matcher
   beside an external controller on ctrl_tcp (a Python client that
   matches the code from CALL_DTMF_START events and sends relay_open);
3. hold-delay error of relay_hold 1 s beside a Python sleep(1) writing
   a line the same way, both watched by the same inotify descriptor;
4. 20 web relays fired at once, until the 20th request reached a local
   server (httprec), beside curl --parallel --parallel-max 20.

Line changes are seen through inotify (libc via ctypes), no polling.
"""
import ctypes
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "system"))
from harness import Baresip, Sipp, free_port, wait_for  # noqa: E402
from httprec import HttpRec                             # noqa: E402
from loadgen import exchange                            # noqa: E402
from test_httpopen import OPEN1, digest_header          # noqa: E402
from sipp_scenarios import uac_call                     # noqa: E402

IN_CLOSE_WRITE, IN_MOVED_TO = 0x8, 0x80
RATE = 200                          # OpenDoor requests per second
OPENS = int(os.environ.get("BENCH_OPENS", "400"))   # per scheme
CALLS = int(os.environ.get("BENCH_CALLS", "5"))     # per DTMF variant
HOLDS = 20
ROUNDS = 5                          # of 20 web relays
CODE = "2580"


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def median(values):
    return pct(values, 50)


class Lines:
    """inotify on a folder of file lines: door's line.c replaces a line
    by rename, so IN_MOVED_TO (and IN_CLOSE_WRITE) name the line."""

    def __init__(self, folder):
        self.folder = folder
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(
                self.fd, folder.encode(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0:
            raise OSError(ctypes.get_errno(), "inotify")

    def close(self):
        os.close(self.fd)

    def drain(self):
        """Forget what happened so far."""
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass

    def events(self):
        """Read what is ready now: [(time, name)], every event (a line
        switched on and off again between two reads gives two)."""
        now = time.monotonic()
        try:
            buf = os.read(self.fd, 65536)
        except BlockingIOError:
            return []
        out, off = [], 0
        while off + 16 <= len(buf):
            _, _, _, n = struct.unpack_from("iIII", buf, off)
            out.append((now, buf[off + 16:off + 16 + n].rstrip(b"\0")
                        .decode()))
            off += 16 + n
        return out

    def changes(self, clock=time.monotonic):
        """Read what is ready now: [(time, name, value)]."""
        now = clock()
        try:
            buf = os.read(self.fd, 65536)
        except BlockingIOError:
            return []
        out, off, seen = [], 0, set()
        while off + 16 <= len(buf):
            _, _, _, n = struct.unpack_from("iIII", buf, off)
            name = buf[off + 16:off + 16 + n].rstrip(b"\0").decode()
            off += 16 + n
            if name in seen or name.endswith(".tmp") or "." in name:
                continue
            seen.add(name)
            try:
                with open(os.path.join(self.folder, name)) as f:
                    out.append((now, name, f.read().strip()))
            except FileNotFoundError:
                pass
        return out

    def wait(self, name, value, timeout=5.0, clock=time.monotonic):
        """When line name next took value."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"line {name} never became {value}")
            if select.select([self.fd], [], [], left)[0]:
                for t, n, v in self.changes(clock):
                    if n == name and v == value:
                        return t


def write_line(path, value):
    """A line written the way line.c writes it: elsewhere, then rename."""
    with open(path + ".w", "w") as f:
        f.write(value + "\n")
    os.rename(path + ".w", path)


# ---- 1. OpenDoor request -> line ----

def http_get(port, auth=None):
    """A connection to httpopen and an OpenDoor request, not sent yet."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    req = (f"GET {OPEN1} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           + (f"Authorization: {auth}\r\n" if auth else "")
           + "Connection: close\r\n\r\n").encode()
    return s, req


def open_once(lines, port, auth):
    """Send one OpenDoor; (line latency, answer latency, status) in ms."""
    s, req = http_get(port, auth)
    lines.drain()
    t0 = time.monotonic()
    s.sendall(req)
    t_line = t_ans = None
    status, seen = "", []
    deadline = t0 + 2
    while t_line is None or t_ans is None:
        left = deadline - time.monotonic()
        watch = [lines.fd] + ([s] if t_ans is None else [])
        r = select.select(watch, [], [], left)[0] if left > 0 else []
        if not r:
            break
        if s in r:
            t_ans = time.monotonic()
            status = s.recv(65536)[9:12].decode()
            if status != "200":
                break
        if lines.fd in r:
            # the line is off before each request: its next two
            # replacements are on, then off (hold 2 ms)
            seen += [t for t, n in lines.events() if n == "door1"]
            t_line = seen[0] if seen else None
    s.close()
    if t_line is None or t_ans is None:
        return None, None, status
    while len(seen) < 2 and select.select([lines.fd], [], [], 2)[0]:
        seen += [t for t, n in lines.events() if n == "door1"]
    return (t_line - t0) * 1e3, (t_ans - t0) * 1e3, status


def challenge(port):
    """A fresh Digest challenge (not timed)."""
    _, head = exchange(port, "127.0.0.1", (f"GET {OPEN1} HTTP/1.1\r\n"
                                           "Host: 127.0.0.1\r\n\r\n").encode())
    return next(m for m in re.findall(r"WWW-Authenticate: ([^\r]*)", head)
                if m.startswith("Digest"))


def opendoor_rows(lines, port, basic, user, password):
    rows = []
    for scheme in ("Basic", "Digest"):
        line_ms, ans_ms, bad = [], [], 0
        chall, nc = (challenge(port), 0) if scheme == "Digest" else (None, 0)
        t_next = time.monotonic()
        for _ in range(OPENS):
            t_next += 1 / RATE
            if scheme == "Digest":
                nc += 1
                auth = digest_header(chall, OPEN1, user, password,
                                     nc)["Authorization"]
            else:
                auth = basic
            a, b, status = open_once(lines, port, auth)
            if status == "401" and scheme == "Digest":
                chall, nc = challenge(port), 0     # stale nonce: not timed
                bad += 1
            elif a is None:
                bad += 1
            else:
                line_ms.append(a)
                ans_ms.append(b)
            # paced: sleep to the next slot (the line's 2 ms hold is over)
            time.sleep(max(0.0, t_next - time.monotonic()))
        for p in (50, 99):
            rows.append((f"OpenDoor -> line p{p}, {scheme}, {RATE}/s",
                         f"{pct(line_ms, p):.2f} ms",
                         f"answer {pct(ans_ms, p):.2f} ms", ""))
        if bad:
            rows.append((f"  ({bad} of {OPENS} {scheme} requests untimed)",
                         "", "", ""))
    return rows


# ---- 2. DTMF last digit -> line ----

def sipp_info_times(sipp):
    """Wall-clock times sipp sent each INFO, from its message trace."""
    times, stamp = [], None
    for line in sipp.messages().splitlines():
        m = re.match(r"-+ (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d+)", line)
        if m:
            stamp = datetime.strptime(f"{m[1]} {m[2]}",
                                      "%Y-%m-%d %H:%M:%S.%f").timestamp()
        elif line.startswith("INFO ") and stamp is not None:
            times.append(stamp)
    return times


class Controller(threading.Thread):
    """The external controller: its own ctrl_tcp connection (baresip
    serves one, so it replaces the harness's), CALL_DTMF_START events
    matched against the code, relay_open 1 on a match."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = wait_for(lambda: self._connect(port), 10,
                             what="ctrl_tcp")
        self.digits = ""
        self.start()

    @staticmethod
    def _connect(port):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            return None

    def run(self):
        self.sock.settimeout(None)
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b":" in buf:
                size, _, rest = buf.partition(b":")
                if len(rest) < int(size) + 1:
                    break
                msg = json.loads(rest[:int(size)])
                buf = rest[int(size) + 1:]
                if msg.get("type") == "CALL_ESTABLISHED":
                    self.digits = ""
                if msg.get("type") == "CALL_DTMF_START":
                    self.digits = (self.digits + str(msg.get("param")))[
                        -len(CODE):]
                    if self.digits == CODE:
                        cmd = json.dumps({"command": "relay_open",
                                          "params": "1",
                                          "token": "c"}).encode()
                        self.sock.sendall(str(len(cmd)).encode() + b":"
                                          + cmd + b",")


def dtmf_latencies(d, shm, lines, external):
    name = "ext" if external else "own"
    cfg = {"relay1_gpio": f"file:{shm}/d{name}", "relay1_hold": "0.2",
           "relay1_type": "door", "relay_dtmf_timeout": "5",
           "door_audit_file": f"{shm}/audit-{name}.log"}
    if not external:
        cfg["relay1_dtmf"] = CODE
    write_line(f"{shm}/d{name}", "0")
    b = Baresip(d, modules=("relay",), config=cfg,
                name=f"dtmf-{name}").start(wait_ready=not external)
    ctl = Controller(b.ctrl_port) if external else None
    out = []
    try:
        for i in range(CALLS):
            s = Sipp(d, uac_call(CODE, mode="info", gap_ms=150, lead_ms=300,
                                 hold_ms=300, retrans_ms=2000),
                     f"127.0.0.1:{b.sip_port}", name=f"sipp-{name}{i}",
                     extra_args=["-s", b.user]).start()
            lines.drain()
            try:
                t = lines.wait(f"d{name}", "1", 15, clock=time.time)
            except AssertionError:
                t = None                # not opened: counted as a miss
                print(f"bench: DTMF call {i} ({name}) did not open; log:\n"
                      + "\n".join(b.log().splitlines()[-15:]),
                      file=sys.stderr)
            s.wait()
            sent = sipp_info_times(s)
            if t is not None and len(sent) == len(CODE):
                out.append((t - sent[-1]) * 1e3)
                lines.wait(f"d{name}", "0", 5)
    finally:
        if ctl:
            ctl.sock.close()
        b.stop()
    return out


def dtmf_rows(d, shm, lines):
    own = dtmf_latencies(d, shm, lines, False)
    ext = dtmf_latencies(d, shm, lines, True)
    if not own or not ext:
        return [(f"DTMF last digit -> line: {len(own)} and {len(ext)} of"
                 f" {CALLS} calls opened", "", "", "")]
    return [(f"DTMF last digit -> line, median of {len(own)}/{len(ext)}",
             f"{median(own):.2f} ms",
             f"ctrl_tcp controller {median(ext):.2f} ms",
             f"{median(own) / median(ext):.2f}x")]


# ---- 3. hold-delay error ----

def hold_rows(d, shm, lines):
    write_line(f"{shm}/hold", "0")
    write_line(f"{shm}/ref", "0")
    b = Baresip(d, modules=("relay",), config={
        "relay1_gpio": f"file:{shm}/hold", "relay1_hold": "1",
        "relay1_type": "door", "door_audit_file": f"{shm}/audit-hold.log"},
        name="hold").start()
    door_err, ref_err = [], []
    try:
        for _ in range(HOLDS):
            lines.drain()
            ref = threading.Thread(target=lambda: (
                write_line(f"{shm}/ref", "1"), time.sleep(1),
                write_line(f"{shm}/ref", "0")))
            # the command's answer may come late (ctrl_tcp): both lines
            # are watched while it is awaited, so no event is read late
            opener = threading.Thread(target=b.cmd, args=("relay_open", "1"))
            opener.start()
            ref.start()
            seen = {}
            deadline = time.monotonic() + 5
            while len(seen) < 4 and time.monotonic() < deadline:
                if select.select([lines.fd], [], [], 1)[0]:
                    for t, n, v in lines.changes():
                        seen.setdefault((n, v), t)
            ref.join()
            opener.join()
            door_err.append(abs(seen[("hold", "0")] - seen[("hold", "1")]
                                - 1) * 1e3)
            ref_err.append(abs(seen[("ref", "0")] - seen[("ref", "1")]
                               - 1) * 1e3)
    finally:
        b.stop()
    return [(f"hold 1 s error p{p}, {HOLDS} opens",
             f"{pct(door_err, p):.2f} ms",
             f"python sleep(1) {pct(ref_err, p):.2f} ms", "")
            for p in (50, 99)]


# ---- 4. 20 web relays at once ----

def webrelay_rows(d):
    srv = HttpRec()
    srv.start()
    urls = [f"/w{n}/a{m}" for n in range(1, 11) for m in (1, 2)]
    cfg = {"webrelay_retries": "0"}
    for n in range(1, 11):
        cfg[f"webrelay{n}_host"] = srv.address
        for m in (1, 2):
            cfg[f"webrelay{n}_action{m}"] = f"/w{n}/a{m}"
    b = Baresip(d, modules=("webrelay",), config=cfg, name="web").start()
    door_ms, curl_ms = [], []
    try:
        wait_for(lambda: "webrelay" in b.log(), 5)
        for _ in range(ROUNDS):
            srv.clear()
            burst = b""
            for i, u in enumerate(urls):
                n, m = re.match(r"/w(\d+)/a(\d+)", u).groups()
                c = json.dumps({"command": "webrelay_fire",
                                "params": f"{n} {m}",
                                "token": f"w{i}"}).encode()
                burst += str(len(c)).encode() + b":" + c + b","
            t0 = time.monotonic()
            b.sock.sendall(burst)
            got = srv.wait_count(20, timeout=10)
            door_ms.append((max(r.time for r in got) - t0) * 1e3)

            srv.clear()
            argv = ["curl", "-s", "--parallel", "--parallel-max", "20"]
            for u in urls:
                argv += [srv.url(u), "-o", "/dev/null"]
            t0 = time.monotonic()
            p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            got = srv.wait_count(20, timeout=10)
            curl_ms.append((max(r.time for r in got) - t0) * 1e3)
            p.wait(10)
            time.sleep(0.2)
    finally:
        b.stop()
        srv.stop()
    return [(f"20 web relays at once, median of {ROUNDS}",
             f"{median(door_ms):.1f} ms",
             f"curl --parallel {median(curl_ms):.1f} ms",
             f"{median(door_ms) / median(curl_ms):.2f}x")]


def opendoor_door(d, shm, user, password, auth):
    port = free_port()
    write_line(f"{shm}/door1", "0")
    b = Baresip(d, modules=("relay", "httpopen"), config={
        "httpopen_listen": f"127.0.0.1:{port}", "httpopen_user": user,
        "httpopen_pass": password, "httpopen_auth": auth,
        "relay1_gpio": f"file:{shm}/door1", "relay1_hold": "0.002",
        "relay1_type": "door", "door_audit_file": f"{shm}/audit.log"},
        name="opendoor-" + auth).start()
    wait_for(lambda: "httpopen: serving" in b.log(), what="httpopen")
    return b, port


def rows(d, shm, user, password, basic):
    """Every latency row, in table order."""
    lines = Lines(shm)
    out = []
    try:
        b, port = opendoor_door(d, shm, user, password, "any")
        try:
            out += opendoor_rows(lines, port, basic, user, password)
        finally:
            b.stop()
        out += dtmf_rows(d, shm, lines)
        out += hold_rows(d, shm, lines)
        out += webrelay_rows(d)
    finally:
        lines.close()
    return out


if __name__ == "__main__":
    import base64
    import tempfile
    with tempfile.TemporaryDirectory() as d, \
            tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        auth = "Basic " + base64.b64encode(b"bench:bench-pass").decode()
        for r in rows(d, shm, "bench", "bench-pass", auth):
            print(r)
