#!/usr/bin/python3
"""Run a packaged baresip-door example config and open a relay through it.

The packaged config (config + accounts from /usr/share/baresip-door/conf/X
or from an unpacked .deb) is used as it is, except for what must differ on
a test machine: SIP and HTTP on loopback with free ports, GPIO lines as
files under the work dir, the audit log and state file in the work dir,
and a ctrl_tcp port to watch it. The HTTP credentials are the packaged
ones, so the packaged auth settings are what gets tested.

  run_packaged.py --conf DIR --modules DIR --work DIR [--user U]
                  [--prefix "qemu-aarch64-static -L sysroot"] [--baresip PATH]
                  [--open httpopen|ctrl] [--slow]

Exit status 0 when every check passed; prints one line per check.
"""
import argparse
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "system"))
from harness import free_port, wait_for, read_line_file  # noqa: E402

LINE_KEY = re.compile(r"^(relay\d+_gpio|dryio_(in|out)\d+_gpio)$")


def parse_config(text):
    """[(key, value, raw_line)] in file order; comments keep key None."""
    out = []
    for raw in text.splitlines():
        s = raw.strip()
        if not s or s.startswith("#"):
            out.append((None, None, raw))
            continue
        parts = s.split(None, 1)
        out.append((parts[0], parts[1] if len(parts) > 1 else "", raw))
    return out


def conf_get(entries, key, default=None):
    for k, v, _ in entries:
        if k == key:
            return v
    return default


def write_test_config(args, work):
    with open(os.path.join(args.conf, "config")) as f:
        entries = parse_config(f.read())
    with open(os.path.join(args.conf, "accounts")) as f:
        accounts = f.read()

    gpio = os.path.join(work, "gpio")
    os.makedirs(gpio, exist_ok=True)
    ports = {"sip": free_port(), "http": free_port(), "ctrl": free_port()}
    avail = set(os.listdir(args.modules))
    override = {
        "sip_listen": f"127.0.0.1:{ports['sip']}",
        "httpopen_listen": f"127.0.0.1:{ports['http']}",
        "httpopen_allow": "127.0.0.1",
        "relay_dtmf_allow": "sip:*@127.0.0.1",
        "module_path": args.modules,
        "audio_player": "alsa,null",
        "audio_source": "alsa,null",
        "audio_alert": "alsa,null",
        "door_audit_file": os.path.join(work, "audit.log"),
        "relay_state_file": os.path.join(work, "relay.state"),
        "relay_codes_file": os.path.join(work, "relay_codes"),
    }
    lines, lines_files, dropped = [], {}, []
    for key, value, raw in entries:
        if key is None:
            lines.append(raw)
            continue
        if key in ("module", "module_app", "module_tmp") and value not in avail:
            dropped.append(value)
            lines.append("# not available here: " + raw)
            continue
        if LINE_KEY.match(key):
            path = os.path.join(gpio, key[:-len("_gpio")])
            lines_files[key[:-len("_gpio")]] = path
            value = "file:" + path
        elif key in override:
            value = override[key]
        lines.append(f"{key}\t{value}")
    lines += ["module_app\tctrl_tcp.so",
              f"ctrl_tcp_listen\t127.0.0.1:{ports['ctrl']}"]

    # inputs start at their resting level, so nothing triggers at start
    for name, path in lines_files.items():
        if name.startswith("dryio_in"):
            trig = conf_get(entries, name + "_trigger", "low")
            with open(path, "w") as f:
                f.write("0\n" if trig == "high" else "1\n")

    with open(os.path.join(work, "config"), "w") as f:
        f.write("\n".join(lines) + "\n")
    accounts = re.sub(r"(<sip:[^@>]+@)[^>;]+>",
                      rf"\g<1>127.0.0.1:{ports['sip']}>", accounts)
    with open(os.path.join(work, "accounts"), "w") as f:
        f.write(accounts)
    return entries, ports, lines_files, dropped


class Ctrl:
    """Minimal ctrl_tcp client: netstring JSON commands and responses."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=timeout)
        self.buf = b""
        self.token = 0

    def cmd(self, command, params=None):
        self.token += 1
        req = {"command": command, "token": str(self.token)}
        if params is not None:
            req["params"] = params
        data = json.dumps(req).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data + b",")
        while True:
            while b":" not in self.buf:
                self.buf += self._recv()
            n, rest = self.buf.split(b":", 1)
            while len(rest) < int(n) + 1:
                rest += self._recv()
            msg = json.loads(rest[:int(n)])
            self.buf = rest[int(n) + 1:]
            if msg.get("response") and msg.get("token") == str(self.token):
                return bool(msg.get("ok")), msg.get("data", "")

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("ctrl_tcp closed")
        return data

    def close(self):
        self.sock.close()


def curl(url, user=None, password=None, digest=False):
    args = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--max-time",
            "20"]
    if user is not None:
        args += ["--digest" if digest else "--basic", "-u",
                 f"{user}:{password}"]
    out = subprocess.run(args + [url], capture_output=True, text=True,
                         check=True).stdout
    body, _, code = out.rpartition("\n")
    return int(code), body


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def check_loaded(ctrl, entries, lines_files, log, check):
    """The relays of the config are there and off; the log is clean."""
    relays = [k[:-len("_gpio")] for k, _, _ in entries
              if k and re.match(r"^relay\d+_gpio$", k)]
    ok, data = ctrl.cmd("relay_status")
    status = json.loads(data) if ok else {}
    check(ok and len(status.get("relays", [])) == len(relays) and
          all(r.get("enabled") for r in status["relays"]),
          f"relay_status lists the {len(relays)} packaged relays, "
          "all enabled")
    check(all(read_line_file(lines_files[r]) == "0" for r in relays),
          "every relay line is off at start")
    bad = [ln for ln in log.splitlines()
           if re.search(r"\bconfig\b\s+\S+:|could not|cannot|failed"
                        r"|error|unknown|invalid|not found", ln, re.I)]
    check(not bad, "no config or load errors in the log" +
          ("" if not bad else ":\n    " + "\n    ".join(bad)))
    return relays


def check_open(args, ctrl, entries, ports, lines_files, relays, work, scale,
               check):
    """Relay 1 opens (httpopen with the packaged credentials, or ctrl_tcp
    relay_open), only it, for its hold time, and the audit log says so."""
    line1 = lines_files["relay1"]
    hold = float(conf_get(entries, "relay1_hold", "5"))
    if args.open == "httpopen":
        wait_for(lambda: port_open(ports["http"]), timeout=5 * scale,
                 what="httpopen port")
        user = conf_get(entries, "httpopen_user")
        pw = conf_get(entries, "httpopen_pass")
        digest = conf_get(entries, "httpopen_auth", "any") != "basic"
        url = (f"http://127.0.0.1:{ports['http']}"
               "/fcgi/OpenDoor?action=OpenDoor&DoorNum=1")
        code, body = curl(url, user, pw + "x", digest)
        check(code == 401 and read_line_file(line1) == "0",
              f"wrong password: HTTP {code}, relay 1 stays off")
        t1 = time.monotonic()
        code, body = curl(url, user, pw, digest)
        check(code == 200 and '"success":true' in body.replace(" ", ""),
              f"curl {'--digest' if digest else '--basic'} OpenDoor "
              f"DoorNum=1: HTTP {code} {body.strip()[:80]}")
    else:
        print("note: opening through ctrl_tcp relay_open (the httpopen "
              "module is not in this build)")
        t1 = time.monotonic()
        ok, data = ctrl.cmd("relay_open", "1 via=command who=package-test")
        check(ok, f"relay_open 1 through ctrl_tcp: {data.strip()}")
    wait_for(lambda: read_line_file(line1) == "1", timeout=3 * scale,
             what="relay 1 line on")
    print(f"figure: request to relay line on: "
          f"{(time.monotonic() - t1) * 1000:.0f} ms")
    check(True, "relay 1 line file reads 1")
    check(all(read_line_file(lines_files[r]) == "0"
              for r in relays if r != "relay1"), "the other relays stay off")
    wait_for(lambda: read_line_file(line1) == "0",
             timeout=hold + 3 * scale, what="relay 1 back off")
    check(True, f"relay 1 back off after its {hold:g} s hold")

    recs = []
    audit = os.path.join(work, "audit.log")
    if os.path.exists(audit):
        with open(audit) as f:
            recs = [json.loads(ln) for ln in f if ln.strip()]
    source = "http" if args.open == "httpopen" else "command"
    check(any(r.get("module") == "relay" and r.get("relay") == "1" and
              r.get("source") == source and r.get("result") == "ok"
              for r in recs),
          f"the audit log records relay 1 opened by {source}")


def check_maps(pid, prefixes, check):
    """Every shared object mapped by the (emulated) process comes from one
    of prefixes: nothing is picked up from the host's own libraries."""
    with open(f"/proc/{pid}/maps") as f:
        paths = {ln.split(None, 5)[5].strip() for ln in f
                 if len(ln.split(None, 5)) == 6}
    libs = sorted(p for p in paths if re.search(r"\.so(\.|$)", p))
    stray = [p for p in libs
             if not any(os.path.realpath(p).startswith(os.path.realpath(d))
                        for d in prefixes)]
    print(f"figure: {len(libs)} shared objects mapped")
    check(libs and not stray, "every mapped shared object is from "
          + " or ".join(prefixes) + ("" if not stray else
                                     ": not " + ", ".join(stray)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conf", required=True)
    ap.add_argument("--modules", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--user")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--baresip", default="/usr/bin/baresip")
    ap.add_argument("--open", choices=("httpopen", "ctrl"), default="httpopen")
    ap.add_argument("--slow", action="store_true", help="emulated: longer waits")
    ap.add_argument("--load-only", action="store_true",
                    help="start, check the log and relay_status, stop")
    ap.add_argument("--maps-under", default="",
                    help="space-separated dirs every mapped .so must be in")
    args = ap.parse_args()

    scale = 6 if args.slow else 1
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    entries, ports, lines_files, dropped = write_test_config(args, work)
    for m in dropped:
        print(f"note: {m} is not in {args.modules}; its line is left out")

    cmd = shlex.split(args.prefix) + [args.baresip, "-4", "-f", work]
    if args.user:
        shutil.chown(work, user=args.user)
        shutil.chown(os.path.join(work, "gpio"), user=args.user)
        for p in lines_files.values():
            if os.path.exists(p):
                shutil.chown(p, user=args.user)
        pw = pwd.getpwnam(args.user)
        creds = {"user": pw.pw_uid, "group": pw.pw_gid,
                 "extra_groups": os.getgrouplist(args.user, pw.pw_gid)}
    else:
        creds = {}
    log_path = os.path.join(work, "baresip.log")
    log = open(log_path, "wb")
    print("run:", " ".join(cmd), f"(as {args.user})" if args.user else "")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, cwd=work,
                            start_new_session=True, **creds)

    def logtext():
        with open(log_path, errors="replace") as f:
            return f.read()

    failures = []

    def check(ok, what):
        print(("ok:   " if ok else "FAIL: ") + what)
        if not ok:
            failures.append(what)

    try:
        def up():
            if proc.poll() is not None:
                raise RuntimeError("baresip exited:\n" + logtext())
            return port_open(ports["ctrl"])
        wait_for(up, timeout=10 * scale, what="ctrl_tcp port")
        print(f"figure: baresip up (ctrl_tcp answering) after "
              f"{time.monotonic() - t0:.2f} s")
        ctrl = Ctrl(ports["ctrl"], timeout=10 * scale)
        try:
            relays = check_loaded(ctrl, entries, lines_files, logtext(),
                                  check)
            if args.maps_under:
                check_maps(proc.pid, args.maps_under.split(), check)
            if not args.load_only:
                check_open(args, ctrl, entries, ports, lines_files, relays,
                           work, scale, check)
        finally:
            ctrl.close()
    except Exception as e:  # report, then clean up below
        failures.append(str(e))
        print("FAIL:", e)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10 * scale)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                failures.append("baresip did not stop on SIGTERM")
        log.close()

    check(proc.returncode == 0, f"baresip exit status {proc.returncode} "
          "after SIGTERM")
    check(all(read_line_file(p) == "0" for n, p in lines_files.items()
              if not n.startswith("dryio_in")),
          "every output line is off after stop")
    if failures:
        print("---- baresip log ----\n" + logtext())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
