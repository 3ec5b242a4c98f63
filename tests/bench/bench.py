"""make bench: httpopen beside nginx, measured in the same run.

Starts a real baresip with relay and httpopen (Basic credentials; relay
lines are files on tmpfs, /dev/shm: on a disk mounted with discard a
rename costs about 1 ms), Debian's nginx on loopback answering the same
path with a tiny fixed body, and drives both with hload (hload.c, one
epoll loop in C) at 1, 4 and 16 connections, with and without keep-alive. Then the RSS
of baresip with the modules and without them, and with one web relay
configured (webrelay then loads libcurl). Then the latency rows
(latency.py): OpenDoor request -> line at 200 requests/s beside the same
request's answer, DTMF last digit -> line beside an external ctrl_tcp
controller, hold-delay error beside Python's sleep(1), 20 web relays at
once beside curl --parallel. Prints one table.

Each throughput cell is the best of three timed runs (BENCH_SECONDS,
1.5 s each: a 4000-request run lasted 30 ms and swung up to 2x with the
machine's load), each door run followed by nginx's, so both see the same
load. Not part of make test. BENCH_ONLY=status prints the throughput
cells alone.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "system"))
from harness import Baresip, free_port, wait_for  # noqa: E402
import latency                                    # noqa: E402

USER, PASS = "bench", "bench-pass"
AUTH = "Basic " + base64.b64encode(f"{USER}:{PASS}".encode()).decode()
STATUS = "/api/relay/status"
SECS = float(os.environ.get("BENCH_SECONDS", "1.5"))

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    keepalive_requests 100;
    keepalive_timeout 5s;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = {path} {{
            default_type application/json;
            return 200 '{{"success":true,"relays":[]}}\\n';
        }}
    }}
}}
"""


HLOAD = os.path.join(os.environ.get("DOOR_BUILD", "build"), "bench", "hload")


def load(port, conns, keep, path=STATUS, total=f"{SECS}s"):
    """hload's figures: the same C client for both servers. 16 connections
    come from four loopback addresses (httpopen holds at most 8 per
    client address)."""
    out = subprocess.run([HLOAD, str(port), str(conns), str(max(1, conns // 4)),
                          "1" if keep else "0", str(total), path,
                          f"Authorization: {AUTH}"],
                         capture_output=True, text=True, timeout=300)
    if out.returncode:
        raise RuntimeError(f"hload failed: {out.stdout}{out.stderr}")
    return json.loads(out.stdout)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wakeups(pid, seconds=10):
    """Times the process was scheduled in while idle, from the third field
    of /proc/PID/schedstat (all its threads: baresip runs one)."""
    def count():
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[2])
    a = count()
    time.sleep(seconds)
    return count() - a


def rss_by_file(pid):
    """Resident KiB per mapped file (anonymous memory and the heap as
    their own entries), from /proc/PID/smaps."""
    out, name = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5:
                name = os.path.basename(parts[5]) if len(parts) > 5 \
                    else "[anon]"
            elif parts[0] == "Rss:":
                out[name] = out.get(name, 0) + int(parts[1])
    return out


def per_file(rows, files, bare):
    """Rows for the mapped files that add 64 KiB or more."""
    delta = {k: v - bare.get(k, 0) for k, v in files.items()}
    for k, v in sorted(delta.items(), key=lambda kv: -kv[1]):
        if v >= 64:
            rows.append((f"  of which {k}", f"+{v} KiB", "", ""))


def start_nginx(d):
    port = free_port()
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(d=d, port=port, path=STATUS))
    p = subprocess.Popen(["nginx", "-c", os.path.join(d, "nginx.conf"),
                          "-e", os.path.join(d, "nginx-error.log")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: subprocess.run(
        ["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{port}{STATUS}"]
    ).returncode == 0, 10, what="nginx up")
    return p, port


def door(d, modules, lines, extra=None):
    port = free_port()
    cfg = {"httpopen_listen": f"127.0.0.1:{port}",
           "httpopen_user": USER, "httpopen_pass": PASS,
           "relay1_gpio": "file:" + os.path.join(lines, "door1"),
           "relay1_hold": "0.3", "relay1_type": "door",
           "door_audit_file": os.path.join(lines, "audit.log")}
    cfg.update(extra or {})
    with open(os.path.join(lines, "door1"), "w") as f:
        f.write("0\n")
    b = Baresip(d, modules=modules, config=cfg,
                name="door-" + "-".join(modules or ("none",))).start()
    if "httpopen" in modules:
        wait_for(lambda: "httpopen: serving" in b.log(), what="httpopen")
    return b, port


def idle_figures(d, modules, lines, extra=None):
    """A fresh baresip with these modules, left idle: (RSS KiB, RSS per
    mapped file, wakeups in 10 s)."""
    b, _ = door(d, modules, lines, extra)
    try:
        time.sleep(1)
        return (rss_kib(b.proc.pid), rss_by_file(b.proc.pid),
                wakeups(b.proc.pid))
    finally:
        b.stop()


def main():
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        sys.exit("bench: nginx missing (make bench installs it)")
    rows = []
    with tempfile.TemporaryDirectory() as d, \
            tempfile.TemporaryDirectory(dir="/dev/shm") as lines:
        ng, ngport = start_nginx(d)
        b, port = door(d, ("relay", "httpopen"), lines)
        try:
            for conc in (1, 4, 16):
                for keep in (False, True):
                    # best of three, interleaved: the machine is shared
                    h = n = 0
                    for _ in range(3):
                        h = max(h, load(port, conc, keep)["rps"])
                        n = max(n, load(ngport, conc, keep)["rps"])
                    rows.append((f"status req/s, {conc} conn, "
                                 f"{'keep-alive' if keep else 'close'}",
                                 f"{h:.0f}", f"nginx {n:.0f}",
                                 f"{h / n:.2f}x"))
            time.sleep(1)
            with_mods = rss_kib(b.proc.pid)
        finally:
            b.stop()
            ng.terminate()
            ng.wait(10)
        if os.environ.get("BENCH_ONLY") == "status":
            table(rows)
            return
        without, bare_files, bare_wake = idle_figures(d, (), lines)
        rows.append(("baresip RSS, relay+httpopen", f"{with_mods} KiB",
                     f"without {without} KiB",
                     f"+{with_mods - without} KiB"))
        four = ("relay", "httpopen", "webrelay", "dryio")
        all_rss, all_files, all_wake = idle_figures(d, four, lines)
        rows.append(("baresip RSS, all four modules", f"{all_rss} KiB",
                     f"without {without} KiB",
                     f"+{all_rss - without} KiB"))
        rows.append(("idle wakeups in 10 s, all four modules",
                     str(all_wake), f"without {bare_wake}", ""))
        per_file(rows, all_files, bare_files)
        # a web relay configured: webrelay loads libcurl (curlapi.c)
        web_rss, web_files, _ = idle_figures(d, four, lines, {
            "webrelay1_action1": "http://127.0.0.1:9/open"})
        rows.append(("baresip RSS, four modules, 1 web relay",
                     f"{web_rss} KiB", f"without {without} KiB",
                     f"+{web_rss - without} KiB"))
        per_file(rows, web_files, bare_files)
    with tempfile.TemporaryDirectory() as d, \
            tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        rows += latency.rows(d, shm, USER, PASS, AUTH)

    table(rows)


def table(rows):
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    print(f"{'measure':<{w[0]}}  {'door':>{w[1]}}  {'comparison':<{w[2]}}"
          f"  ratio")
    for r in rows:
        print(f"{r[0]:<{w[0]}}  {r[1]:>{w[1]}}  {r[2]:<{w[2]}}  {r[3]}")
    print(f"(best of 3 runs of {SECS} s per cell, hload; relay lines on"
          f" tmpfs /dev/shm;"
          f" load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
