"""Load for httpopen on loopback, run as its own process (no GIL shared
with the test): prints one JSON line of figures when done.

  loadgen.py halfopen PORT SECONDS SOURCES COUNT
      opens COUNT connections that send half a request line, spread over
      the comma-separated SOURCES addresses, and holds them; a connection
      the door closes is opened again (at most COUNT reopens a second).
  loadgen.py digest PORT SECONDS SOURCES PROCS USER PASS REUSE
      PROCS processes log in with Digest over and over (GET
      /api/relay/status), each on a fresh challenge; with REUSE > 1 a
      nonce is used REUSE times with a rising nonce count.
  loadgen.py challenge PORT SECONDS SOURCES PROCS
      PROCS processes fetch Digest challenges and never answer them.
  loadgen.py concurrent PORT SOURCES PROCS REQUESTS TARGET
      PROCS processes send REQUESTS requests each, one at a time, all
      started together; the slowest answer is the figure.
"""
import hashlib
import json
import multiprocessing
import os
import resource
import selectors
import socket
import sys
import time

PARTIAL = b"GET /fcgi/OpenDoor?action=Op"


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def exchange(port, source, data, timeout=5):
    """One request on a new connection; (status, headers text). The
    answer is read to the end of the connection, so the request says
    Connection: close (an authenticated status request would otherwise
    keep it open)."""
    line, rest = data.split(b"\r\n", 1)
    if b"\r\nconnection:" not in data.lower():
        data = line + b"\r\nConnection: close\r\n" + rest
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        s.sendall(data)
        buf = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    if not buf.startswith(b"HTTP/1.1 "):
        return None, ""
    return int(buf[9:12]), buf.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def halfopen(port, seconds, sources, count):
    raise_nofile(count + 256)
    sel = selectors.DefaultSelector()
    opened = closed = errors = 0

    def open_one(i):
        nonlocal opened, errors
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((sources[i % len(sources)], 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            errors += 1
            s.close()
            return
        sel.register(s, selectors.EVENT_WRITE, (i, False))
        opened += 1

    for i in range(count):
        open_one(i)
    start = time.monotonic()
    end = start + seconds
    reopen = []
    while time.monotonic() < end:
        # bounded: reopens at most count a second
        budget = int(count * (time.monotonic() - start)) + count - opened
        while reopen and budget > 0:
            open_one(reopen.pop())
            budget -= 1
        for key, ev in sel.select(timeout=0.05):
            s, (i, sent) = key.fileobj, key.data
            if not sent:
                try:
                    s.send(PARTIAL)
                    sel.modify(s, selectors.EVENT_READ, (i, True))
                    continue
                except OSError:
                    pass
            else:
                try:
                    if s.recv(4096):
                        continue          # the 403; the close follows
                except OSError:
                    pass
            sel.unregister(s)
            s.close()
            closed += 1
            reopen.append(i)
    held = len(sel.get_map())
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    return {"opened": opened, "closed_by_door": closed, "errors": errors,
            "held_at_end": held}


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def digest_worker(args):
    port, seconds, source, user, password, reuse = args
    target = "/api/relay/status"
    ok = fail = stale = 0
    failures = []
    end = time.monotonic() + seconds
    ha1 = None
    nonce, nc = None, 0
    req = f"GET {target} HTTP/1.1\r\nHost: door\r\n"
    while time.monotonic() < end:
        if nonce is None or nc >= reuse:
            status, hdrs = exchange(port, source, (req + "\r\n").encode())
            line = next(h for h in hdrs.split("\r\n")
                        if h.startswith("WWW-Authenticate: Digest"))
            fields = dict(p.strip().split("=", 1) for p in
                          line[len("WWW-Authenticate: Digest "):].split(","))
            realm = fields["realm"].strip('"')
            nonce = fields["nonce"].strip('"')
            nc = 0
            ha1 = md5(f"{user}:{realm}:{password}")
        nc += 1
        ncs = f"{nc:08x}"
        cnonce = os.urandom(4).hex()
        resp = md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:"
                   + md5(f"GET:{target}"))
        auth = (f'Authorization: Digest username="{user}", '
                f'realm="{realm}", nonce="{nonce}", uri="{target}", '
                f'algorithm=MD5, qop=auth, nc={ncs}, cnonce="{cnonce}", '
                f'response="{resp}"\r\n')
        status, hdrs = exchange(port, source, (req + auth + "\r\n").encode())
        if status == 200:
            ok += 1
        else:
            fail += 1
            stale += "stale=true" in hdrs
            if len(failures) < 5:
                failures.append(status)
            nonce = None
    return ok, fail, stale, failures


def challenge_worker(args):
    port, seconds, source = args
    n = 0
    end = time.monotonic() + seconds
    req = b"GET /api/relay/status HTTP/1.1\r\nHost: door\r\n\r\n"
    while time.monotonic() < end:
        status, _ = exchange(port, source, req)
        n += status == 401
    return n


def concurrent_worker(args):
    port, source, requests, target, start = args
    while time.time() < start:
        time.sleep(0.001)
    worst, total = 0.0, 0.0
    req = f"GET {target} HTTP/1.1\r\nHost: door\r\n\r\n".encode()
    for _ in range(requests):
        t0 = time.monotonic()
        exchange(port, source, req)
        dt = time.monotonic() - t0
        worst, total = max(worst, dt), total + dt
    return worst, total / requests


def pool_run(fn, jobs):
    with multiprocessing.Pool(len(jobs)) as pool:
        return pool.map(fn, jobs)


def main(argv):
    mode, port = argv[1], int(argv[2])
    t0 = time.monotonic()
    if mode == "halfopen":
        seconds, sources, count = float(argv[3]), argv[4].split(","), \
            int(argv[5])
        out = halfopen(port, seconds, sources, count)
    elif mode == "digest":
        seconds, sources, procs = float(argv[3]), argv[4].split(","), \
            int(argv[5])
        user, password, reuse = argv[6], argv[7], int(argv[8])
        res = pool_run(digest_worker, [
            (port, seconds, sources[i % len(sources)], user, password,
             reuse) for i in range(procs)])
        out = {"ok": sum(r[0] for r in res), "fail": sum(r[1] for r in res),
               "stale": sum(r[2] for r in res),
               "failures": [f for r in res for f in r[3]]}
    elif mode == "challenge":
        seconds, sources, procs = float(argv[3]), argv[4].split(","), \
            int(argv[5])
        res = pool_run(challenge_worker, [
            (port, seconds, sources[i % len(sources)]) for i in range(procs)])
        out = {"challenges": sum(res)}
    elif mode == "concurrent":
        sources, procs = argv[3].split(","), int(argv[4])
        requests, target = int(argv[5]), argv[6]
        start = time.time() + 0.5
        res = pool_run(concurrent_worker, [
            (port, sources[i % len(sources)], requests, target, start)
            for i in range(procs)])
        out = {"max_ms": round(1000 * max(r[0] for r in res), 1),
               "mean_ms": round(1000 * sum(r[1] for r in res) / len(res), 2)}
    else:
        raise SystemExit(__doc__)
    out["seconds"] = round(time.monotonic() - t0, 2)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv)
