"""Visitor codes over HTTP: httpopen's /api/codes against the real baresip,
the relay module's relay_code_* commands, curl, http.client and sipp.

A code added over HTTP is typed as SIP INFO digits in a sipp call and
must open the door; the list never shows a code; every refusal (address,
credentials, lock-out, body) changes nothing. The code itself must never
reach an answer, the log or the audit file.
"""
import json
import os
import socket
import subprocess
import time

import pytest

from harness import VALGRIND_ERROR, Baresip, free_port, wait_for
from test_httpopen import (PASS, USER, LineWatch, basic, challenges,
                           digest_challenge, digest_header, door_config,
                           launch, raw, request)
from test_relay import call_door

CODES = "/api/codes"
JSON = {"Content-Type": "application/json"}


def hdrs(**extra):
    h = dict(basic())
    h.update(JSON)
    h.update(extra)
    return h


def post(b, body, headers=None, source="127.0.0.1"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return request(b.port, CODES, method="POST", body=data,
                   headers=hdrs() if headers is None else headers,
                   source=source)


def listed(b):
    status, doc, _ = request(b.port, CODES, headers=basic())
    assert status == 200, doc
    return {c["id"]: c for c in doc["codes"]}


def dtmf_opens(b, digits, name):
    """Type digits in a SIP INFO call; True when door 1 opened."""
    before = b.watch1.opens()
    s = call_door(b.d, b, digits, mode="info", name=name)
    assert s.wait() == 0, s.errors()
    try:
        wait_for(lambda: b.watch1.opens() > before, 2, what="door opened")
    except AssertionError:
        return False
    b.watch1.wait_closed()
    return True


def httpopen_audit(b, action):
    """httpopen's audit records of one action, oldest first."""
    with open(os.path.join(b.d, "audit.log")) as f:
        recs = [json.loads(line) for line in f if line.strip()]
    return [r for r in recs
            if r["module"] == "httpopen" and r["action"] == action]


def secret_nowhere(b, code):
    """The code is in no log line and no audit record."""
    assert code not in b.log()
    with open(os.path.join(b.d, "audit.log")) as f:
        assert code not in f.read()


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("codesapi"))
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS,
        httpopen_allow="127.0.0.1, 127.0.0.3/32",
        httpopen_max_fail="3", httpopen_lockout="2",
        relay1_dtmf="5555", relay2_remote="yes", relay_dtmf_timeout="5",
        relay_codes_file=os.path.join(d, "codes")), name="codes")
    b.port = port
    b.d = d
    b.watch1 = LineWatch(os.path.join(d, "door1"))
    yield b
    b.watch1.stop()
    rc = b.stop()
    assert rc == 0, b.log()


# ---- adding, using, listing, removing ----

def test_added_code_opens_by_dtmf_once(door):
    status, doc, hd = post(door, {"relay": 1, "code": "480613",
                                  "name": "Parcel", "until": "+2h",
                                  "uses": 1})
    assert status == 201, doc
    assert hd["Content-Type"] == "application/json"
    assert doc["success"] is True and isinstance(doc["id"], int)
    assert set(doc) == {"success", "id"}
    code_id = doc["id"]

    assert listed(door)[code_id]["uses_left"] == 1
    assert dtmf_opens(door, "480613#", "parcel1")
    # used up: the second call does not open, and the list drops it
    assert not dtmf_opens(door, "480613#", "parcel2")
    assert code_id not in listed(door)
    secret_nowhere(door, "480613")

    recs = httpopen_audit(door, "code_add")
    assert recs[-1]["result"] == "ok"
    assert recs[-1]["detail"] == f"201 id {code_id}"
    assert recs[-1]["who"] == f"{USER}@127.0.0.1"
    assert recs[-1]["relay"] == "1"


def test_list_shows_no_code(door):
    status, doc, _ = post(door, {"relay": [1, 2], "code": "7319046",
                                 "name": "Cleaner"})
    assert status == 201, doc
    code_id = doc["id"]

    status, doc, hd = request(door.port, CODES, headers=basic())
    assert status == 200 and doc["success"] is True
    entry = {c["id"]: c for c in doc["codes"]}[code_id]
    assert entry["name"] == "Cleaner" and entry["relays"] == [1, 2]
    assert entry["until"] is None and entry["uses_left"] is None
    assert "code" not in entry
    assert "7319046" not in json.dumps(doc)

    assert request(door.port, f"{CODES}/{code_id}", method="DELETE",
                   headers=basic())[0] == 200
    secret_nowhere(door, "7319046")


def test_delete(door):
    status, doc, _ = post(door, {"relay": "1", "code": "2468",
                                 "name": "Temp"})
    assert status == 201, doc
    code_id = doc["id"]

    status, doc, _ = request(door.port, f"{CODES}/{code_id}",
                             method="DELETE", headers=basic())
    assert status == 200 and doc == {"success": True, "id": code_id}
    assert code_id not in listed(door)
    assert not dtmf_opens(door, "2468#", "deleted")

    # gone, never there, not an id
    for target in (f"{CODES}/{code_id}", f"{CODES}/999999",
                   f"{CODES}/Temp", f"{CODES}/0{code_id}"):
        status, doc, _ = request(door.port, target, method="DELETE",
                                 headers=basic())
        assert status == 404 and doc["error"] == "no such code", target

    recs = [(r["result"], r["detail"])
            for r in httpopen_audit(door, "code_del")]
    assert ("ok", f"200 id {code_id}") in recs
    assert ("invalid", "404 no such code") in recs


def test_curl_digest_add_and_delete(door):
    """What the README shows an integrator, with curl --digest."""
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "5", "--digest", "-u",
         f"{USER}:{PASS}", "-H", "Content-Type: application/json",
         "-d", '{"relay":1,"code":"86420","name":"Courier","uses":2}',
         "-w", "\n%{http_code}", f"http://127.0.0.1:{door.port}{CODES}"],
        capture_output=True, text=True, timeout=10)
    body, _, code = out.stdout.rpartition("\n")
    assert code == "201", out
    code_id = json.loads(body)["id"]

    # a Digest response is bound to its method and path
    chall = digest_challenge(door.port, CODES)
    target = f"{CODES}/{code_id}"
    hd = digest_header(chall, target, method="GET")
    assert request(door.port, target, method="DELETE",
                   headers=hd)[0] == 401
    hd = digest_header(chall, target, method="DELETE", nc=2)
    assert request(door.port, target, method="DELETE",
                   headers=hd)[0] == 200


# ---- the relay module's refusals: 400 with its words ----

@pytest.mark.parametrize("body,words", [
    ({"relay": 9, "code": "1357"}, "relay"),
    ({"relay": "nosuch", "code": "1357"}, "relay"),
    ({"relay": 1, "code": "1357", "until": "2026-13-45T99:00"}, "until"),
    ({"relay": 1, "code": "1357", "hours": "nosuch"}, "profile"),
])
def test_relay_refusals_are_400(door, body, words):
    before = listed(door)
    status, doc, _ = post(door, body)
    assert status == 400 and doc["success"] is False, doc
    assert words in doc["error"].lower()
    assert not doc["error"].startswith("relay: ")
    assert "1357" not in doc["error"]
    assert listed(door) == before


def test_duplicate_code_is_400(door):
    status, doc, _ = post(door, {"relay": 1, "code": "97531"})
    assert status == 201, doc
    for dup in ("97531", "5555"):          # visitor code, config code
        status, doc2, _ = post(door, {"relay": 1, "code": dup})
        assert status == 400 and doc2["error"], doc2
        assert dup not in doc2["error"]
    assert request(door.port, f"{CODES}/{doc['id']}", method="DELETE",
                   headers=basic())[0] == 200
    secret_nowhere(door, "97531")


# ---- who may: allowlist, credentials, lock-out ----

def test_refusals_change_nothing(door):
    before = listed(door)
    body = json.dumps({"relay": 1, "code": "112233"})
    wrong = dict(basic(password="guess"))
    wrong.update(JSON)

    assert request(door.port, CODES, method="POST", body=body,
                   headers=dict(JSON))[0] == 401
    assert request(door.port, CODES)[0] == 401
    assert request(door.port, f"{CODES}/1", method="DELETE")[0] == 401
    status, doc, hd = request(door.port, CODES, method="POST", body=body,
                              headers=wrong)
    assert status == 401 and challenges(hd)
    # outside the allowlist: refused at accept, whatever it sends
    status, doc, _ = request(door.port, CODES, method="POST", body=body,
                             headers=hdrs(), source="127.0.0.2")
    assert status == 403 and doc["error"] == "address not allowed"

    assert listed(door) == before
    secret_nowhere(door, "112233")
    # asked for credentials: nothing decided; wrong ones: denied
    recs = [(r["result"], r["detail"]) for r in httpopen_audit(door, "codes")]
    assert ("challenge", "401 authentication required") in recs
    assert ("denied", "401 wrong credentials") in recs


def test_lockout_covers_codes(door):
    wrong = dict(basic(password="guess"))
    wrong.update(JSON)
    body = json.dumps({"relay": 1, "code": "445566"})
    for _ in range(3):
        assert request(door.port, CODES, method="POST", body=body,
                       headers=wrong, source="127.0.0.3")[0] == 401
    status, doc, hd = request(door.port, CODES, method="POST", body=body,
                              headers=hdrs(), source="127.0.0.3")
    assert status == 429 and int(hd["Retry-After"]) >= 1
    # written just after the answer
    wait_for(lambda: [r["who"] for r in httpopen_audit(door, "codes")
                      if r["result"] == "locked"] == ["-@127.0.0.3"], 2,
             what="the lock-out's record")
    wait_for(lambda: request(door.port, CODES, headers=basic(),
                             source="127.0.0.3")[0] == 200, 5,
             what="lock-out over")
    assert all(c["name"] != "x" for c in listed(door).values())
    secret_nowhere(door, "445566")


# ---- bodies: one clear error each ----

def test_bad_bodies(door):
    before = listed(door)
    good = json.dumps({"relay": 1, "code": "778899"})
    cases = [
        (good, {"Content-Type": "text/plain"}, 415,
         "Content-Type must be application/json"),
        (good, {}, 415, "Content-Type must be application/json"),
        ("", JSON, 400, "a JSON object is expected in the body"),
        ("{", JSON, 400, "member name: a string expected"),
        ("[1]", JSON, 400, "the body must be a JSON object"),
        ('{"relay":1,"code":"778899","door":1}', JSON, 400,
         "unknown member 'door'"),
        ('{"relay":1,"code":778899}', JSON, 400, "code: a string expected"),
        ('{"relay":1,"code":"778899","uses":"1"}', JSON, 400,
         "uses: a number expected"),
        ('{"relay":1,"relay":2,"code":"778899"}', JSON, 400,
         "member 'relay' given twice"),
        ('{"relay":1,"code":"77 88"}', JSON, 400,
         "code: 4 to 16 of 0-9 * A-D"),
        ('{"relay":1,"code":"778899","name":"a b"}', JSON, 400,
         "name: 1 to 32 of A-Z a-z 0-9 _ . @ -, not only digits"),
        ('{"relay":1,"code":"778899","until":"+2h via=x"}', JSON, 400,
         "until: an ISO 8601 time (2026-11-22T18:00) or +90m, +2h, +3d"),
        ('{"relay":1,"code":"778899"} x', JSON, 400,
         "data after the JSON object"),
        ('{"relay":1,"code":"778899","name":"\\u0041"}', JSON, 400,
         "name: escapes are not accepted"),
        ("{" + " " * 1100 + good[1:], JSON, 413, "body over 1024 bytes"),
    ]
    for body, extra, expect, error in cases:
        h = dict(basic())
        h.update(extra)
        status, doc, _ = request(door.port, CODES, method="POST",
                                 body=body, headers=h)
        assert (status, doc["error"]) == (expect, error), body
        assert "778899" not in doc["error"]

    # chunked: a Content-Length is asked for (answered at the headers, so
    # the client may still be sending: raw() tolerates that)
    auth = basic()["Authorization"].encode()
    head = (b"POST /api/codes HTTP/1.1\r\nHost: x\r\nAuthorization: " +
            auth + b"\r\nContent-Type: application/json\r\n")
    assert raw(door.port, head + b"Transfer-Encoding: chunked\r\n\r\n"
               b"5\r\n{...}\r\n0\r\n\r\n") == 411
    # a NUL inside the body
    status, doc, _ = post(door, b'{"relay":1,"code":"77\x008899"}')
    assert status == 400
    assert doc["error"] == "code: control character in a string"
    # a body announced and never sent: no answer, closed at the deadline
    t0 = time.monotonic()
    assert raw(door.port, head + b"Content-Length: 40\r\n\r\n{") is None
    assert time.monotonic() - t0 < 4.5
    assert listed(door) == before
    secret_nowhere(door, "778899")
    # the request could not be taken: invalid, never denied, whichever
    # step refused it
    recs = [(r["action"], r["result"], r["detail"])
            for r in httpopen_audit(door, "code_add") +
            httpopen_audit(door, "codes")]
    for action, detail in (
            ("code_add", "415 Content-Type must be application/json"),
            ("code_add", "400 unknown member 'door'"),
            ("code_add", "413 body over 1024 bytes"),
            ("codes", "411 send the body with a Content-Length")):
        assert (action, "invalid", detail) in recs, detail


def post_by_hand(b, body, send_body, extra=b""):
    """POST body on a socket: the headers, then send_body(sock, body);
    returns (answer, id added)."""
    auth = basic()["Authorization"].encode()
    with socket.create_connection(("127.0.0.1", b.port), timeout=5) as s:
        s.sendall(b"POST /api/codes HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: " + auth + b"\r\nContent-Type: "
                  b"application/json\r\n" + extra +
                  b"Content-Length: %d\r\n\r\n" % len(body))
        send_body(s, body)
        answer = b""
        while chunk := s.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 201 Created\r\n"), answer
    return answer, json.loads(answer.partition(b"\r\n\r\n")[2])["id"]


def test_body_in_pieces(door):
    """A body that arrives after its headers, in pieces, is waited for."""
    def pieces(s, body):
        for i in range(0, len(body), 7):
            time.sleep(0.02)
            s.sendall(body[i:i + 7])

    _, code_id = post_by_hand(door, json.dumps(
        {"relay": 1, "code": "606060", "name": "Slow"}).encode(), pieces)
    assert listed(door)[code_id]["name"] == "Slow"
    assert request(door.port, f"{CODES}/{code_id}", method="DELETE",
                   headers=basic())[0] == 200


def test_expect_100_continue(door):
    """A client that waits to be asked for its body is asked once."""
    def when_asked(s, body):
        assert s.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(body)

    answer, code_id = post_by_hand(
        door, json.dumps({"relay": 1, "code": "707070"}).encode(),
        when_asked, extra=b"Expect: 100-continue\r\n")
    assert b"100 Continue" not in answer
    assert request(door.port, f"{CODES}/{code_id}", method="DELETE",
                   headers=basic())[0] == 200


def test_methods_and_other_paths(door):
    status, doc, hd = request(door.port, CODES, method="PUT",
                              headers=basic())
    assert status == 405 and hd["Allow"] == "GET, POST"
    status, doc, hd = request(door.port, f"{CODES}/1", headers=basic())
    assert status == 405 and hd["Allow"] == "DELETE"
    assert request(door.port, f"{CODES}/", method="DELETE",
                   headers=basic())[0] == 404
    # a body anywhere else is refused as before, POST /api/codes too when
    # it would be a GET
    body = json.dumps({"relay": 1, "code": "1212"})
    for target, method in (("/fcgi/OpenDoor?action=OpenDoor&DoorNum=1",
                            "POST"), (CODES, "GET"),
                           (f"{CODES}/1", "DELETE"),
                           ("/api/relay/status", "GET")):
        before = door.watch1.opens()
        status, doc, _ = request(door.port, target, method=method,
                                 body=body, headers=hdrs())
        assert status == 413, (target, method)
        assert doc["error"] == "request body not accepted"
        assert door.watch1.opens() == before
    recs = [(r["action"], r["result"], r["detail"])
            for r in httpopen_audit(door, "codes")]
    for detail in ("405 only GET and POST are allowed",
                   "405 only DELETE is allowed",
                   "413 request body not accepted"):
        assert ("codes", "invalid", detail) in recs, detail
    # /api/codes/ names no code: no endpoint at all
    assert ("invalid", "404 no such endpoint") in [
        (r["result"], r["detail"]) for r in httpopen_audit(door, "request")]


# ---- without the relay module ----

def test_no_relay_module_is_503(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("codesapi_alone"))
    b, port = launch(d, ("httpopen",), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS), name="alone")
    try:
        b.port = port
        status, doc, _ = post(b, {"relay": 1, "code": "1234"})
        assert status == 503 and doc["error"] == "relay module not loaded"
        assert request(port, CODES, headers=basic())[0] == 503
        assert request(port, f"{CODES}/1", method="DELETE",
                       headers=basic())[0] == 503
        # a bad body is still a bad body
        assert post(b, "{")[0] == 400
    finally:
        assert b.stop() == 0, b.log()


# ---- memory: every path of the body and the commands under valgrind ----

def test_codes_api_under_valgrind(tmp_path):
    d = str(tmp_path)
    port = free_port()
    b = Baresip(d, modules=("relay", "httpopen"), valgrind=True,
                config=door_config(d, port, httpopen_user=USER,
                                   httpopen_pass=PASS,
                                   relay_codes_file=os.path.join(d, "codes")),
                name="vg").start()
    try:
        wait_for(lambda: "httpopen: serving" in b.log(), 60,
                 what="httpopen up")
        b.port = port
        status, doc, _ = post(b, {"relay": [1, 2], "code": "31415",
                                  "name": "Pi", "until": "+1d", "uses": 3})
        assert status == 201, doc
        for body in ("", "{", '{"relay":1,"code":"31415"}',
                     '{"relay":[1,1],"code":"2718"}',
                     '{"relay":"nosuch","code":"2718"}',
                     '{"relay":1,"code":"2718","until":"+0m"}',
                     '{"relay":1,"code":"2718","x":1}', "x" * 2000):
            assert 400 <= post(b, body)[0] < 500, body
        assert request(port, CODES, headers=basic())[0] == 200
        assert request(port, f"{CODES}/{doc['id']}", method="DELETE",
                       headers=basic())[0] == 200
        assert request(port, f"{CODES}/{doc['id']}", method="DELETE",
                       headers=basic())[0] == 404
    finally:
        rc = b.stop()
    assert rc != VALGRIND_ERROR, open(b.valgrind_log).read()
    assert rc == 0
