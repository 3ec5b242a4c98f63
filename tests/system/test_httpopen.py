"""httpopen against a real baresip with the relay module: real clients
(curl, http.client, raw sockets), file-backed door lines watched for
every change, the audit log read back."""
import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

from harness import (Baresip, Sipp, free_port, wait_for, read_audit,
                     read_line_file)
import sipp_scenarios

USER = "admin"
PASS = "s3cret-Door!"
OPEN1 = "/fcgi/OpenDoor?action=OpenDoor&DoorNum=1"


class LineWatch:
    """Records every value a file-backed GPIO line takes (polled every
    2 ms, far shorter than any relay hold used here)."""

    def __init__(self, path):
        self.path = path
        self.values = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        last = None
        while not self._stop.is_set():
            v = read_line_file(self.path)
            if v != last and v is not None:
                self.values.append((time.monotonic(), v))
                last = v
            time.sleep(0.002)

    def opens(self):
        """Rising edges: how many times the door was switched on."""
        prev, n = None, 0
        for _, v in self.values:
            if v == "1" and prev != "1":
                n += 1
            prev = v
        return n

    def first_open_after(self, t0):
        for t, v in self.values:
            if t >= t0 and v == "1":
                return t
        return None

    def wait_closed(self, timeout=5):
        wait_for(lambda: read_line_file(self.path) == "0", timeout,
                 what="door line back to 0")

    def stop(self):
        self._stop.set()
        self._thread.join()


# ---- clients ----

def request(port, target, method="GET", headers=None, body=None,
            source="127.0.0.1", tls=None):
    """One request with http.client; returns (status, json, headers)."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=5,
                                           source_address=(source, 0),
                                           context=tls)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5,
                                          source_address=(source, 0))
    try:
        conn.request(method, target, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return resp.status, doc, resp.headers
    finally:
        conn.close()


def basic(user=USER, password=PASS):
    tok = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": "Basic " + tok}


def digest_header(chall, target, user=USER, password=PASS, nc=1,
                  method="GET", cnonce="0a4f113b"):
    """The client side of RFC 7616 (MD5, qop=auth), written out."""
    fields = {}
    for part in chall[len("Digest "):].split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v.strip('"')
    realm, nonce = fields["realm"], fields["nonce"]

    def md5(s):
        return hashlib.md5(s.encode()).hexdigest()

    ha1 = md5(f"{user}:{realm}:{password}")
    ha2 = md5(f"{method}:{target}")
    ncs = f"{nc:08x}"
    resp = md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
    return {"Authorization":
            f'Digest username="{user}", realm="{realm}", nonce="{nonce}", '
            f'uri="{target}", algorithm=MD5, qop=auth, nc={ncs}, '
            f'cnonce="{cnonce}", response="{resp}"'}


def challenges(headers):
    return headers.get_all("WWW-Authenticate") or []


def digest_challenge(port, target, source="127.0.0.1", tls=None):
    status, _, hdrs = request(port, target, source=source, tls=tls)
    assert status == 401
    return next(c for c in challenges(hdrs) if c.startswith("Digest "))


def curl(url, *args, interface=None):
    """curl as an integrator would run it; returns (status, json)."""
    cmd = ["curl", "-sS", "--max-time", "5", "-o", "-",
           "-w", "\n%{http_code}"]
    if interface:
        cmd += ["--interface", interface]
    out = subprocess.run(cmd + list(args) + [url], capture_output=True,
                         text=True, timeout=10)
    body, _, code = out.stdout.rpartition("\n")
    try:
        doc = json.loads(body) if body.strip() else None
    except ValueError:
        doc = None
    return int(code or 0), doc


def raw(port, data, source="127.0.0.1", timeout=5):
    """Send bytes as they are; the status code answered, or None when the
    server closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0)) as s:
        try:
            s.sendall(data)
        except OSError:
            pass
        buf = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
    if not buf.startswith(b"HTTP/1.1 "):
        return None
    return int(buf[9:12])


# ---- fixtures ----

def door_config(d, port, **extra):
    for n in (1, 2):
        with open(os.path.join(d, f"door{n}"), "w") as f:
            f.write("0\n")
    cfg = {
        "relay1_gpio": "file:" + os.path.join(d, "door1"),
        "relay1_hold": "0.3",
        "relay1_mode": "monostable",
        "relay1_type": "door",
        "relay2_gpio": "file:" + os.path.join(d, "door2"),
        "relay2_mode": "bistable",
        "relay2_type": "door",
        "httpopen_listen": f"127.0.0.1:{port}",
        "door_audit_file": os.path.join(d, "audit.log"),
    }
    cfg.update(extra)
    return cfg


def start_retry(make, attempts=3):
    """make() -> a new Baresip on fresh ports. Other suites run at the same
    time on this machine, so a port free a moment ago may be taken when
    baresip binds it (for SIP, or for its TLS transport on another one):
    then try again with new ports."""
    for i in range(attempts):
        b = make(i)
        try:
            return b.start()
        except RuntimeError as e:
            if "Address already in use" not in str(e) or i == attempts - 1:
                raise


def launch(d, modules, make_config, name="door", https=False):
    """Start baresip with httpopen serving on a free port; returns
    (baresip, port). Retries when a port was taken meanwhile."""
    for i in range(3):
        port = free_port()
        b = start_retry(lambda j: Baresip(
            d, modules=modules, config=make_config(port),
            name=f"{name}{i}{j}"))
        wait_for(lambda: "httpopen: serving" in b.log() or
                 "httpopen: cannot serve" in b.log(), what="httpopen up")
        if "httpopen: serving" in b.log():
            return b, port
        b.stop()
        assert "Address already in use" in b.log(), b.log()
    raise AssertionError("no free port for httpopen")


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("httpopen"))
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS,
        httpopen_allow="127.0.0.1, 127.0.0.3/32",
        httpopen_max_fail="3", httpopen_lockout="2"))
    b.port = port
    b.d = d
    b.watch1 = LineWatch(os.path.join(d, "door1"))
    b.watch2 = LineWatch(os.path.join(d, "door2"))
    yield b
    b.watch1.stop()
    b.watch2.stop()
    rc = b.stop()
    assert rc == 0, b.log()


def url(b, target):
    return f"http://127.0.0.1:{b.port}{target}"


def opened_once(b, action):
    """Run action(); the door line must rise exactly once and fall again."""
    before = b.watch1.opens()
    result = action()
    wait_for(lambda: b.watch1.opens() == before + 1, 3, what="door opened")
    b.watch1.wait_closed()
    time.sleep(0.05)
    assert b.watch1.opens() == before + 1
    return result


# ---- opening ----

def test_open_basic(door):
    status, doc = opened_once(door, lambda: curl(
        url(door, OPEN1), "--basic", "-u", f"{USER}:{PASS}"))
    assert status == 200 and doc == {"success": True, "door": 1}


def test_open_digest_curl(door):
    status, doc = opened_once(door, lambda: curl(
        url(door, OPEN1), "--digest", "-u", f"{USER}:{PASS}"))
    assert status == 200 and doc["success"] is True


def test_open_anyauth_prefers_digest(door):
    # curl --anyauth picks the strongest scheme offered
    status, doc = opened_once(door, lambda: curl(
        url(door, OPEN1), "--anyauth", "-v", "-u", f"{USER}:{PASS}"))
    assert status == 200


def test_open_query_credentials(door):
    target = (f"/fcgi/do?action=OpenDoor&UserName={USER}"
              f"&Password=s3cret-Door%21&DoorNum=1")
    status, doc = opened_once(door, lambda: curl(url(door, target)))
    assert status == 200 and doc["door"] == 1


def test_digest_replay_refused(door):
    chall = digest_challenge(door.port, OPEN1)
    hdr = digest_header(chall, OPEN1, nc=1)
    status, _, _ = opened_once(door, lambda: request(door.port, OPEN1,
                                                     headers=hdr))
    assert status == 200

    before = door.watch1.opens()
    # the very same request again: a replay
    status, doc, hdrs = request(door.port, OPEN1, headers=hdr)
    assert status == 401 and doc["success"] is False
    # the same nonce with the next count is a new request
    hdr2 = digest_header(chall, OPEN1, nc=2)
    status, _, _ = opened_once(door, lambda: request(door.port, OPEN1,
                                                     headers=hdr2))
    assert status == 200
    assert door.watch1.opens() == before + 1

    # a digest made for door 1 does not open door 2
    target2 = "/fcgi/OpenDoor?action=OpenDoor&DoorNum=2"
    hdr3 = digest_header(chall, OPEN1, nc=3)
    status, _, _ = request(door.port, target2, headers=hdr3)
    assert status == 401


def test_status_and_ctrl(door):
    status, doc, hdrs = request(door.port, "/api/relay/status",
                                headers=basic())
    assert status == 200 and doc["success"] is True
    assert hdrs["Content-Type"] == "application/json"
    relays = {r["relay"]: r for r in doc["relays"]}
    assert relays[2]["state"] == "off" and relays[2]["mode"] == "bistable"

    status, doc, _ = request(door.port, "/api/relay/ctrl?relay=2&action=on",
                             headers=basic())
    assert status == 200 and doc == {"success": True, "relay": 2,
                                     "action": "on"}
    wait_for(lambda: read_line_file(os.path.join(door.d, "door2")) == "1")
    status, doc, _ = request(door.port, "/api/relay/status",
                             headers=basic())
    assert {r["relay"]: r for r in doc["relays"]}[2]["state"] == "on"

    status, doc, _ = request(door.port,
                             "/api/relay/ctrl?relay=2&action=off",
                             headers=basic())
    assert status == 200
    wait_for(lambda: read_line_file(os.path.join(door.d, "door2")) == "0")

    status, _, _ = opened_once(door, lambda: request(
        door.port, "/api/relay/ctrl?relay=1&action=trigger",
        headers=basic()))
    assert status == 200


# ---- refusals: none of them may move a door ----

REFUSED = [
    # (target, method, headers-kind, expected status)
    (OPEN1, "GET", None, 401),
    (OPEN1, "GET", "wrong", 401),
    (OPEN1, "POST", "basic", 405),
    (OPEN1, "DELETE", "basic", 405),
    ("/fcgi/OpenDoor/", "GET", "basic", 404),
    ("/", "GET", "basic", 404),
    ("/fcgi/opendoor?action=OpenDoor&DoorNum=1", "GET", "basic", 404),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=9", "GET", "basic", 404),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=0", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=99999999999", "GET", "basic",
     400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=1a", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=-1", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=%31%00", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=%3", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=%zz", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=1&DoorNum=2", "GET", "basic",
     400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum=", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor&DoorNum", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=OpenDoor", "GET", "basic", 400),
    ("/fcgi/OpenDoor?DoorNum=1", "GET", "basic", 400),
    ("/fcgi/OpenDoor?action=CloseDoor&DoorNum=1", "GET", "basic", 400),
    ("/fcgi/do?action=OpenDoor&UserName=admin&Password=nope&DoorNum=1",
     "GET", None, 401),
    ("/api/relay/ctrl?relay=1&action=explode", "GET", "basic", 400),
    ("/api/relay/ctrl?relay=1", "GET", "basic", 400),
    ("/api/relay/ctrl?relay=17&action=on", "GET", "basic", 400),
    ("/api/relay/ctrl?relay=9&action=trigger", "GET", "basic", 404),
    ("/api/relay/status", "GET", None, 401),
]


@pytest.mark.parametrize("target,method,auth,expect", REFUSED)
def test_refused(door, target, method, auth, expect):
    headers = {"basic": basic(), "wrong": basic(password="guess"),
               None: {}}[auth]
    before = door.watch1.opens(), door.watch2.opens()
    status, doc, hdrs = request(door.port, target, method=method,
                                headers=headers, source="127.0.0.1")
    assert status == expect, doc
    assert doc["success"] is False and doc["error"]
    if expect == 401:
        offered = [c.split()[0] for c in challenges(hdrs)]
        assert offered == ["Digest", "Basic"]
    if expect == 405:
        assert hdrs["Allow"] == "GET"
    time.sleep(0.02)
    assert (door.watch1.opens(), door.watch2.opens()) == before
    # wrong credentials count towards the lock-out; a good login clears it
    if auth == "wrong" or "Password=nope" in target:
        assert request(door.port, "/api/relay/status",
                       headers=basic())[0] == 200


def test_refused_raw(door):
    """What http.client would not send: NUL bytes, huge headers, bodies."""
    auth = basic()["Authorization"].encode()
    before = door.watch1.opens()

    def req(target=OPEN1.encode(), extra=b""):
        return (b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: " + auth + b"\r\n" + extra + b"\r\n")

    assert raw(door.port, req(OPEN1.encode() + b"\x00")) == 400
    assert raw(door.port, req(b"/fcgi/OpenDoor?action=Open\x00Door&"
                              b"DoorNum=1")) == 400
    assert raw(door.port, req(extra=b"X-A: a\x00b\r\n")) == 400
    assert raw(door.port, req(extra=b"X-Big: " + b"a" * 10000 +
                              b"\r\n")) == 431
    assert raw(door.port, req(extra=b"".join(
        b"X-H%d: 1\r\n" % i for i in range(40)))) == 431
    assert raw(door.port, req(b"/fcgi/OpenDoor?" + b"a" * 3000)) == 414
    assert raw(door.port, req(extra=b"Content-Length: 5\r\n") +
               b"hello") == 413
    assert raw(door.port, req(extra=b"Transfer-Encoding: chunked\r\n") +
               b"0\r\n\r\n") == 413
    # beyond what libre buffers (512 KiB): dropped without an answer
    assert raw(door.port, req(extra=b"X-Huge: " + b"a" * 600000 +
                              b"\r\n")) is None
    # not HTTP at all
    assert raw(door.port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n") is None
    assert door.alive()
    time.sleep(0.02)
    assert door.watch1.opens() == before
    # the server still answers
    assert request(door.port, "/api/relay/status",
                   headers=basic())[0] == 200


def test_scheme_must_start_the_header(door):
    """A valid Basic credential after a stray byte is not a login."""
    auth = basic()["Authorization"].encode()
    before = door.watch1.opens()
    for junk in (b"\x01 ", b"x ", b", "):
        assert raw(door.port, b"GET " + OPEN1.encode() + b" HTTP/1.1\r\n"
                   b"Host: x\r\nAuthorization: " + junk + auth +
                   b"\r\n\r\n") == 401
        # clear the failure it counted
        assert request(door.port, "/api/relay/status",
                       headers=basic())[0] == 200
    time.sleep(0.05)
    assert door.watch1.opens() == before


def test_allowlist(door):
    """127.0.0.2 is outside the allowlist, even with the right password."""
    before = door.watch1.opens()
    status, doc = curl(url(door, OPEN1), "--basic", "-u", f"{USER}:{PASS}",
                       interface="127.0.0.2")
    assert status == 403 and doc["error"] == "address not allowed"
    status, _, hdrs = request(door.port, OPEN1, source="127.0.0.2")
    assert status == 403 and not challenges(hdrs)
    time.sleep(0.05)
    assert door.watch1.opens() == before


def test_idle_connections_cost_nothing(door):
    """Half-open clients hold a socket each while a real request is
    served at once; libre drops them after its 10 s first-request time."""
    idle = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", door.port))
        s.sendall(b"GET /fcgi/OpenDoor?action=Op")
        idle.append(s)
    t0 = time.monotonic()
    status, _, _ = opened_once(door, lambda: request(door.port, OPEN1,
                                                     headers=basic()))
    assert status == 200 and time.monotonic() - t0 < 2

    # each is closed by the server, unanswered, within libre's 10 s
    for s in idle:
        s.settimeout(max(0.1, t0 + 12 - time.monotonic()))
        assert s.recv(100) == b""
        s.close()
    print(f"\nhttpopen: idle connections closed after "
          f"{time.monotonic() - t0:.1f} s")


def test_lockout(door):
    """Three wrong logins from 127.0.0.3 lock it out for 2 s, not others."""
    src = "127.0.0.3"
    before = door.watch1.opens()
    for i in range(3):
        status, _, _ = request(door.port, OPEN1, source=src,
                               headers=basic(password=f"guess{i}"))
        assert status == 401
    status, doc, hdrs = request(door.port, OPEN1, source=src,
                                headers=basic())
    assert status == 429 and doc["success"] is False
    assert 1 <= int(hdrs["Retry-After"]) <= 2
    # Digest or query credentials do not get around it either
    status, _ = curl(url(door, OPEN1), "--digest", "-u", f"{USER}:{PASS}",
                     interface=src)
    assert status == 429
    time.sleep(0.05)
    assert door.watch1.opens() == before

    # another client is not affected
    assert request(door.port, "/api/relay/status", headers=basic())[0] == 200

    time.sleep(2.1)
    status, _, _ = opened_once(door, lambda: request(
        door.port, OPEN1, source=src, headers=basic()))
    assert status == 200


def test_audit_says_what_each_request_was(tmp_path):
    """ok: the relay module decided and says so (decided_by); challenge:
    credentials asked for, as for Digest's first request; invalid: the
    request could not be taken; denied: wrong credentials, an address
    outside the allowlist"""
    d = str(tmp_path)
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS,
        httpopen_allow="127.0.0.1"))
    try:
        assert curl(f"http://127.0.0.1:{port}{OPEN1}", "--digest", "-u",
                    f"{USER}:{PASS}")[0] == 200
        assert request(port, "/no/such/path")[0] == 404
        assert request(port, OPEN1, headers=basic(password="guess"))[0] \
            == 401
        assert request(port, "/fcgi/OpenDoor?action=Close&DoorNum=1",
                       headers=basic())[0] == 400
        assert request(port, "/fcgi/OpenDoor?action=OpenDoor&DoorNum=9",
                       headers=basic())[0] == 404
        assert request(port, "/api/relay/ctrl?relay=2&action=on",
                       headers=basic())[0] == 200
        assert request(port, OPEN1, source="127.0.0.2")[0] == 403
    finally:
        assert b.stop() == 0
    recs = [(r["action"], r["result"], r["detail"], r.get("decided_by"))
            for r in read_audit(d) if r["module"] == "httpopen"]
    assert recs == [
        ("open", "challenge", "401 authentication required", None),
        ("open", "ok", "200", "relay"),
        ("request", "invalid", "404 no such endpoint", None),
        ("open", "denied", "401 wrong credentials", None),
        ("open", "invalid", "400 action must be OpenDoor", None),
        ("open", "invalid", "404 no such door", None),
        ("on", "ok", "200", "relay"),
        ("request", "denied", "403 address not allowed", None)]
    # the relay's own records of the two it decided
    assert [(r["action"], r["relay"], r["result"]) for r in read_audit(d)
            if r["module"] == "relay"] == [("open", "1", "ok"),
                                           ("on", "2", "ok")]


def test_audit_and_logs(door):
    """Run last on this door: every open and refusal is in the audit log;
    no password or Authorization value reached any log."""
    recs = [r for r in read_audit(door.d) if r["module"] == "httpopen"]
    ok = [r for r in recs if r["result"] == "ok"]
    assert ok and all(r["source"] == "http" for r in recs)
    assert any(r["who"] == f"{USER}@127.0.0.1" and r["relay"] == "1" and
               r["action"] == "open" for r in ok)
    denied = {r["detail"].split()[0] for r in recs if r["result"] != "ok"}
    assert {"400", "401", "403", "404", "405", "413", "429",
            "431"} <= denied
    assert any(r["result"] == "locked" and r["who"].endswith("@127.0.0.3")
               for r in recs)
    assert any(r["result"] == "denied" and r["who"] == "-@127.0.0.2"
               for r in recs)
    # the relay module recorded the opens it was asked for, as http
    assert any(r["module"] == "relay" and r.get("source") == "http"
               for r in read_audit(door.d))

    secrets = [PASS, "s3cret-Door%21", basic()["Authorization"][6:],
               "guess0", "Password="]
    with open(os.path.join(door.d, "audit.log")) as f:
        audit_text = f.read()
    for s in secrets:
        assert s not in audit_text
        assert s not in door.log()


# ---- secure mode and HTTPS ----

@pytest.fixture(scope="module")
def secure_door(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("httpopen_secure"))
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    pem = os.path.join(d, "door.pem")
    with open(pem, "w") as out:
        for p in (cert, key):
            with open(p) as f:
                out.write(f.read())
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS,
        httpopen_secure="yes", httpopen_cert=pem))
    assert "httpopen: serving https" in b.log()
    b.port, b.d, b.cert = port, d, cert
    b.watch1 = LineWatch(os.path.join(d, "door1"))
    b.tls = ssl.create_default_context(cafile=cert)
    yield b
    b.watch1.stop()
    assert b.stop() == 0


def test_https_digest_opens(secure_door):
    b = secure_door
    status, doc = opened_once(b, lambda: curl(
        f"https://127.0.0.1:{b.port}{OPEN1}", "--cacert", b.cert,
        "--digest", "-u", f"{USER}:{PASS}"))
    assert status == 200 and doc["door"] == 1

    chall = digest_challenge(b.port, OPEN1, tls=b.tls)
    status, _, _ = opened_once(b, lambda: request(
        b.port, OPEN1, headers=digest_header(chall, OPEN1), tls=b.tls))
    assert status == 200


def test_secure_refuses_basic_and_query(secure_door):
    b = secure_door
    before = b.watch1.opens()
    status, doc, hdrs = request(b.port, OPEN1, headers=basic(), tls=b.tls)
    assert status == 401
    assert [c.split()[0] for c in challenges(hdrs)] == ["Digest"]

    status, doc = curl(f"https://127.0.0.1:{b.port}{OPEN1}", "--cacert",
                       b.cert, "--basic", "-u", f"{USER}:{PASS}")
    assert status == 401

    target = (f"/fcgi/do?action=OpenDoor&UserName={USER}"
              f"&Password=s3cret-Door%21&DoorNum=1")
    status, doc, _ = request(b.port, target, tls=b.tls)
    assert status == 403 and "secure mode" in doc["error"]
    # ... even with a valid Digest header alongside
    chall = digest_challenge(b.port, OPEN1, tls=b.tls)
    status, _, _ = request(b.port, target, tls=b.tls,
                           headers=digest_header(chall, target))
    assert status == 403

    # plain HTTP on the HTTPS port gets no answer
    assert raw(b.port, b"GET " + OPEN1.encode() +
               b" HTTP/1.1\r\nHost: x\r\n\r\n") is None
    time.sleep(0.05)
    assert b.watch1.opens() == before

    # the request's form was refused, no credential was read: invalid;
    # Basic where only Digest is offered is asked for Digest
    recs = {(r["action"], r["result"], r["detail"])
            for r in read_audit(b.d) if r["module"] == "httpopen"}
    assert ("open", "invalid", "403 credentials in the query string are"
            " refused in secure mode") in recs
    assert ("open", "challenge", "401 authentication required") in recs
    assert not [r for r in recs if r[1] == "denied"]


# ---- without the relay module, without credentials, bad config ----

def test_no_relay_module_no_credentials(tmp_path):
    d = str(tmp_path)
    b, port = launch(d, ("httpopen",), lambda port: {
        "httpopen_listen": f"127.0.0.1:{port}",
        "door_audit_file": os.path.join(d, "audit.log")})
    try:
        assert "anyone who reaches 127.0.0.1:%d can open the doors" % port \
            in b.log()
        status, doc, _ = request(port, OPEN1)
        assert status == 503 and doc["error"] == "relay module not loaded"
        status, _, _ = request(port, "/api/relay/status")
        assert status == 503
        status, _, _ = request(port, "/api/relay/ctrl?relay=1&action=on")
        assert status == 503
        recs = read_audit(d)
        assert recs[0]["who"] == "anonymous@127.0.0.1"
        assert recs[0]["result"] == "error"
    finally:
        assert b.stop() == 0


BAD_CONFIGS = [
    ({"httpopen_allow": "10.0.0.0/33"}, "httpopen_allow"),
    ({"httpopen_allow": "localhost"}, "httpopen_allow"),
    ({"httpopen_auth": "ntlm"}, "httpopen_auth"),
    ({"httpopen_user": "admin"}, "must be set together"),
    ({"httpopen_secure": "yes"}, "secure mode needs"),
    ({"httpopen_secure": "maybe"}, "httpopen_secure"),
    ({"httpopen_user": "a", "httpopen_pass": "b", "httpopen_auth": "basic",
      "httpopen_secure": "yes"}, "Digest only"),
    ({"httpopen_max_fail": "0"}, "httpopen_max_fail"),
    ({"httpopen_lockout": "soon"}, "httpopen_lockout"),
    ({"httpopen_listen": "127.0.0.1"}, "httpopen_listen"),
    ({"httpopen_cert": "/nonexistent.pem"}, "cannot serve HTTPS"),
]


def test_bad_config(tmp_path):
    """Each bad value: one line naming the key, the module stays out, the
    port stays closed, baresip runs on."""
    for i, (extra, text) in enumerate(BAD_CONFIGS):
        port = free_port()
        cfg = {"httpopen_listen": f"127.0.0.1:{port}"}
        cfg.update(extra)
        b = start_retry(lambda j: Baresip(tmp_path, modules=("httpopen",),
                                          config=cfg, name=f"bad{i}_{j}"))
        try:
            b.wait_log(text)
            assert b.alive()
            b.ok("help")
            with pytest.raises(OSError):
                socket.create_connection(("127.0.0.1", port),
                                         timeout=1).close()
        finally:
            assert b.stop() == 0


# ---- flood ----

# what an unauthenticated scanner sends: each goes the full way through
# the checks to its 4xx (a locked-out address would stop at the cheap 429)
FLOOD_REQUESTS = [
    b"GET " + OPEN1.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n",           # 401
    b"GET /fcgi/OpenDoor?action=OpenDoor&DoorNum=%zz HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",                                                    # 400
    b"GET /cgi-bin/admin HTTP/1.1\r\nHost: x\r\n\r\n",                     # 404
    b"GET /fcgi/OpenDoor?action=OpenDoor&DoorNum=1&DoorNum=2 HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",                                                    # 400
]
# a password guesser (forged Digest, wrong query password): locked out
# after httpopen_max_fail, then 429s
GUESS_REQUESTS = [
    b"GET /fcgi/do?action=OpenDoor&UserName=admin&Password=x&DoorNum=1 "
    b"HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET " + OPEN1.encode() + b" HTTP/1.1\r\nHost: x\r\n"
    b"Authorization: Digest username=\"admin\", realm=\"baresip-door\", "
    b"nonce=\"00\", uri=\"/\", response=\"00\"\r\n\r\n",
]


def flood_worker(port, n, stop, stats, lock, source, requests):
    done = bad = errors = 0
    codes = {}
    for i in range(n):
        if stop.is_set():
            break
        try:
            status = raw(port, requests[i % len(requests)], source=source)
        except OSError:
            errors += 1
            continue
        done += 1
        codes[status] = codes.get(status, 0) + 1
        if status is None or not 400 <= status < 500:
            bad += 1
    with lock:
        stats["done"] += done
        stats["bad"] += bad
        stats["errors"] += errors
        stats["end"] = max(stats["end"], time.monotonic())
        for k, v in codes.items():
            stats["codes"][k] = stats["codes"].get(k, 0) + v


def dtmf_call(b, workdir, name):
    sipp = Sipp(workdir, sipp_scenarios.uac_call("1234", hold_ms=300),
                f"127.0.0.1:{b.sip_port}", name=name,
                extra_args=["-s", "door"])
    t0 = time.monotonic()
    sipp.start()
    return sipp, t0


def test_flood_dtmf_still_opens(tmp_path):
    """While thousands of bad HTTP requests arrive, a caller's DTMF code
    still opens the door; prints the figures for the README."""
    d = str(tmp_path)
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, relay1_dtmf="1234", relay1_hold="0.5",
        httpopen_user=USER, httpopen_pass=PASS,
        httpopen_max_fail="5", httpopen_lockout="60"))
    watch = LineWatch(os.path.join(d, "door1"))
    try:

        # the same call with no flood, for comparison
        sipp, calm_t0 = dtmf_call(b, d, "calm")
        assert sipp.wait(30) == 0, sipp.errors()
        calm_open = watch.first_open_after(calm_t0)
        assert calm_open, "DTMF did not open the door"
        watch.wait_closed()

        # bounded: at most 4 x 20000 requests, stopped once the call ends
        stats = {"done": 0, "bad": 0, "errors": 0, "end": 0.0, "codes": {}}
        lock, stop = threading.Lock(), threading.Event()
        threads = [threading.Thread(target=flood_worker, args=(
            port, 20000, stop, stats, lock, f"127.0.0.{10 + i}",
            GUESS_REQUESTS if i == 3 else FLOOD_REQUESTS))
            for i in range(4)]
        f0 = time.monotonic()
        for t in threads:
            t.start()
        time.sleep(0.5)                 # the flood is on
        opens_before = watch.opens()
        sipp, t0 = dtmf_call(b, d, "flood")
        rc = sipp.wait(60)
        flood_open = watch.first_open_after(t0)
        stop.set()
        for t in threads:
            t.join(60)
        f1 = stats["end"]

        assert rc == 0, sipp.errors()
        assert flood_open, "DTMF did not open the door during the flood"
        assert f1 > flood_open, "the flood ended before the door opened"
        assert watch.opens() == opens_before + 1   # only the call opened it
        assert stats["bad"] == 0 and stats["done"] >= 2000, stats
        assert b.alive()

        rate = stats["done"] / (f1 - f0)
        print(f"\nhttpopen flood: {stats['done']} bad requests in "
              f"{f1 - f0:.1f} s = {rate:.0f} requests/s answered 4xx "
              f"(by status: {sorted(stats['codes'].items())}, "
              f"{stats['errors']} connect errors); DTMF call to door open: "
              f"{calm_open - calm_t0:.2f} s without flood, "
              f"{flood_open - t0:.2f} s during the flood")
    finally:
        watch.stop()
        assert b.stop() == 0


# ---- connection floods, audit volume, Digest under load ----

LOADGEN = os.path.join(os.path.dirname(__file__), "loadgen.py")
OUTSIDE = [f"127.0.0.{i}" for i in range(2, 10)]      # not allowed
INSIDE = [f"127.0.0.{i}" for i in range(16, 26)]      # 127.0.0.16/28


def loadgen(*args):
    return subprocess.Popen([sys.executable, LOADGEN] + [str(a) for a in args],
                            stdout=subprocess.PIPE, text=True)


def loadgen_result(proc, timeout=60):
    out, _ = proc.communicate(timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def fds_of(b):
    return len(os.listdir(f"/proc/{b.proc.pid}/fd"))


def test_halfopen_flood(tmp_path):
    """2000 half-open connections, from inside and outside the allowlist
    and opened again when the door closes them, for 15 s: the door
    holds a bounded number of descriptors, a legitimate open answers
    within 100 ms, a SIP INFO DTMF call opens the door, and the audit log
    grows by a few records, not one per connection. Prints the figures."""
    d = str(tmp_path)
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, relay1_dtmf="1234", httpopen_user=USER, httpopen_pass=PASS,
        httpopen_allow="127.0.0.1, 127.0.0.16/28"))
    watch = LineWatch(os.path.join(d, "door1"))
    audit = os.path.join(d, "audit.log")
    try:
        assert "httpopen: descriptors:" in b.log()
        base_fds = fds_of(b)
        a0 = os.path.getsize(audit) if os.path.exists(audit) else 0
        flood = loadgen("halfopen", port, 15, ",".join(
            x for pair in zip(OUTSIDE * 2, INSIDE) for x in pair), 2000)
        f0 = time.monotonic()
        time.sleep(2)                          # the flood is on

        held = [fds_of(b)]
        latencies = []
        for _ in range(5):
            t0 = time.monotonic()
            status, _, _ = request(port, OPEN1, headers=basic())
            latencies.append(time.monotonic() - t0)
            assert status == 200
            held.append(fds_of(b))
            time.sleep(0.4)                    # the door closes again
        assert watch.opens() == 5

        sipp = Sipp(d, sipp_scenarios.uac_call("1234", mode="info",
                                               hold_ms=300),
                    f"127.0.0.1:{b.sip_port}", name="info",
                    extra_args=["-s", "door"])
        t0 = time.monotonic()
        sipp.start()
        assert sipp.wait(30) == 0, sipp.errors()
        opened = watch.first_open_after(t0)
        assert opened, "DTMF did not open the door during the flood"
        assert flood.poll() is None, "the flood ended before the call did"

        stats = loadgen_result(flood)
        f1 = time.monotonic()
        assert b.alive()
        assert stats["opened"] >= 2000 and not stats["errors"], stats
        # 64 + 16 connections and the listener, whatever the flood does
        assert max(held) <= base_fds + 81, (base_fds, held)
        assert max(latencies) < 0.1, latencies
    finally:
        watch.stop()
        assert b.stop() == 0              # writes the pending summaries
    written = os.path.getsize(audit) - a0
    recs = [r for r in read_audit(d) if r["module"] == "httpopen"]
    refused = [r for r in recs if r["result"] != "ok"]
    assert any(r["who"] == "-@127.0.0.2" and
               r["detail"] == "403 address not allowed" for r in refused)
    assert any("more like it in 10 s" in r["detail"] for r in refused)
    # per address and kind (answered, or closed unanswered when 16 are
    # still closing): the first, a summary at 10 s and one at close
    assert len(refused) <= 2 * 3 * len(OUTSIDE), len(refused)
    print(f"\nhttpopen half-open flood: {stats['opened']} connections in "
          f"{stats['seconds']:.0f} s ({stats['closed_by_door']} closed by the "
          f"door), {stats['held_at_end']} held at the end; door descriptors "
          f"{base_fds} before, at most {max(held)} during; HTTP open "
          f"{1000 * min(latencies):.1f}-{1000 * max(latencies):.1f} ms; "
          f"SIP INFO call to door open {opened - t0:.2f} s; audit log "
          f"{written} bytes in {f1 - f0:.1f} s = {written / (f1 - f0):.0f} "
          f"bytes/s ({len(refused)} refusal records)")


def test_digest_under_load(tmp_path):
    """Digest logins from many clients as fast as they can go, some
    reusing their nonce with a rising count, while two clients without
    credentials fetch challenges nonstop: not one valid login fails.
    Prints the rates."""
    d = str(tmp_path)
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS,
        httpopen_auth="digest"))
    try:
        challengers = loadgen("challenge", port, 6, "127.0.0.40,127.0.0.41",
                              2)
        fresh = loadgen("digest", port, 6, ",".join(
            f"127.0.0.{i}" for i in range(30, 34)), 4, USER, PASS, 1)
        reusing = loadgen("digest", port, 6, "127.0.0.34,127.0.0.35", 2,
                          USER, PASS, 5)
        fresh, reusing = loadgen_result(fresh), loadgen_result(reusing)
        challenges = loadgen_result(challengers)
        assert b.alive()
    finally:
        assert b.stop() == 0
    assert fresh["fail"] == 0 and reusing["fail"] == 0, (fresh, reusing)
    assert fresh["ok"] > 0 and reusing["ok"] > 0
    assert challenges["challenges"] > 0
    logins = fresh["ok"] + reusing["ok"]
    print(f"\nhttpopen Digest under load: {logins} logins in 6 s = "
          f"{logins / 6:.0f}/s ({fresh['ok']} on fresh nonces, "
          f"{reusing['ok']} reusing a nonce 5 times), 0 failed, while "
          f"{challenges['challenges']} unanswered challenges were fetched "
          f"({challenges['challenges'] / 6:.0f}/s)")


# ---- whole config values ----

def test_password_read_whole_from_a_large_config(tmp_path):
    """A config over 256 KiB (a long comment line) once cut the password
    to its first word: now the whole password is needed, and its first
    word alone is refused."""
    d = str(tmp_path)
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass="open sesame 42",
        **{"#": "x" * (300 * 1024)}))
    try:
        status, _, _ = request(port, OPEN1, headers=basic(USER, "open"))
        assert status == 401
        status, _, _ = request(port, OPEN1,
                               headers=basic(USER, "open sesame 42"))
        assert status == 200
    finally:
        assert b.stop() == 0


def test_config_too_large_refuses_to_load(tmp_path):
    """Past the size door_conf_text reads, httpopen stays out rather than
    start with a cut password: one line naming the key, port closed."""
    port = free_port()
    cfg = {"httpopen_listen": f"127.0.0.1:{port}",
           "httpopen_user": USER, "httpopen_pass": "open sesame 42",
           "#": "x" * (1536 * 1024)}
    b = start_retry(lambda j: Baresip(tmp_path, modules=("httpopen",),
                                      config=cfg, name=f"big{j}"))
    try:
        b.wait_log("httpopen_pass", timeout=30)
        assert "larger than 1 MiB" in b.log()
        assert "httpopen: serving" not in b.log()
        assert b.alive()
        b.ok("help")
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        assert b.stop() == 0


# ---- keep-alive for API clients ----

class KeepConn:
    """One raw HTTP/1.1 connection, read one answer at a time."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, target, headers=None, version="1.1"):
        lines = [f"GET {target} HTTP/{version}", "Host: door"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def answer(self):
        """(status, headers dict with lower-case names, body)."""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, "closed before an answer"
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        hdrs = {k.lower(): v.strip() for k, v in
                (ln.split(":", 1) for ln in lines[1:])}
        n = int(hdrs["content-length"])
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            assert chunk, "closed inside a body"
            self.buf += chunk
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(lines[0][9:12]), hdrs, body

    def closed(self, timeout):
        """True when the server closes within timeout (nothing more
        arrives before its end)."""
        self.s.settimeout(timeout)
        try:
            return self.s.recv(100) == b"" and not self.buf
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


STATUS = "/api/relay/status"


def test_keepalive_status_reuses_connection(door):
    c = KeepConn(door.port)
    try:
        for _ in range(3):
            c.send(STATUS, basic())
            status, hdrs, body = c.answer()
            assert status == 200 and hdrs["connection"] == "keep-alive"
            assert json.loads(body)["success"] is True
        # two requests in one segment: both answered, in order
        c.send(STATUS, basic())
        c.send(STATUS, basic())
        assert c.answer()[0] == 200 and c.answer()[0] == 200
        assert not c.closed(0.3)
    finally:
        c.close()


def test_keepalive_later_requests_split_and_oversized(door):
    """Requests after the first on a kept connection (read by httpopen
    itself, not libre): a request sent a byte at a time is answered; one
    whose head runs past 64 KiB closes the connection, unanswered."""
    c = KeepConn(door.port)
    try:
        c.send(STATUS, basic())
        assert c.answer()[0] == 200
        head = (f"GET {STATUS} HTTP/1.1\r\nHost: door\r\n"
                f"Authorization: {basic()['Authorization']}\r\n\r\n")
        for ch in head.encode():
            c.s.sendall(bytes([ch]))
        status, hdrs, _ = c.answer()
        assert status == 200 and hdrs["connection"] == "keep-alive"
        try:
            c.s.sendall(b"GET " + STATUS.encode() + b" HTTP/1.1\r\nX: " +
                        b"a" * 70000)
            gone = c.closed(3)
        except ConnectionResetError:
            gone = True      # closed with our bytes unread: a reset
        assert gone
    finally:
        c.close()


def test_keepalive_closed_after_open(door):
    c = KeepConn(door.port)
    try:
        c.send(STATUS, basic())
        assert c.answer()[1]["connection"] == "keep-alive"

        def open_door():
            c.send(OPEN1, basic())
            return c.answer()
        status, hdrs, _ = opened_once(door, open_door)
        assert status == 200 and hdrs["connection"] == "close"
        assert c.closed(3)
    finally:
        c.close()


@pytest.mark.parametrize("headers,version", [
    ({}, "1.1"),                                   # no credentials: 401
    ({"Connection": "close", **basic()}, "1.1"),   # client says close
    (basic(), "1.0"),                              # 1.0 without keep-alive
    ({**basic(USER, "wrong")}, "1.1"),             # wrong credentials
])
def test_keepalive_only_when_asked_and_authenticated(door, headers,
                                                     version):
    c = KeepConn(door.port)
    try:
        c.send(STATUS, headers, version)
        status, hdrs, _ = c.answer()
        assert hdrs["connection"] == "close", (status, hdrs)
        assert c.closed(3)
    finally:
        c.close()


def test_keepalive_http10_asking(door):
    c = KeepConn(door.port)
    try:
        c.send(STATUS, {"Connection": "keep-alive", **basic()}, "1.0")
        assert c.answer()[1]["connection"] == "keep-alive"
        assert not c.closed(0.3)
    finally:
        c.close()


def test_keepalive_idle_timeout_closes(door):
    c = KeepConn(door.port)
    try:
        c.send(STATUS, basic())
        assert c.answer()[1]["connection"] == "keep-alive"
        t0 = time.monotonic()
        assert c.closed(10), "idle kept connection not closed"
        idle = time.monotonic() - t0
        assert idle >= 4.5, idle         # 5 s of idle time are granted
    finally:
        c.close()


def test_keepalive_request_cap_closes(door):
    c = KeepConn(door.port)
    try:
        kept = 0
        for i in range(100):
            c.send(STATUS, basic())
            status, hdrs, _ = c.answer()
            assert status == 200
            if hdrs["connection"] == "close":
                break
            kept += 1
        assert kept == 99 and i == 99    # the 100th answer closes
        assert c.closed(3)
    finally:
        c.close()
