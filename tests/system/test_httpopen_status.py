"""httpopen keeps relay_status's answer between status requests: what a
kept connection polling the status sees must still follow every relay
change at once, whichever way the relay switched (baresip command, HTTP,
hold timer)."""
import json
import time

import pytest

from test_httpopen import (KeepConn, STATUS, USER, PASS, basic, door_config,
                           launch)


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("httpopen_status"))
    b, port = launch(d, ("relay", "httpopen"), lambda port: door_config(
        d, port, httpopen_user=USER, httpopen_pass=PASS), name="stdoor")
    b.port = port
    yield b
    assert b.stop() == 0, b.log()


def states(c):
    c.send(STATUS, basic())
    status, hdrs, body = c.answer()
    assert status == 200 and hdrs["connection"] == "keep-alive"
    doc = json.loads(body)
    assert doc["success"] is True
    return {r["relay"]: r["state"] for r in doc["relays"]}


def test_status_follows_commands_at_once(door):
    c = KeepConn(door.port)
    try:
        for _ in range(20):                 # answered from the cache
            assert states(c) == {1: "off", 2: "off"}
        door.ok("relay_on", "2")
        assert states(c) == {1: "off", 2: "on"}
        door.ok("relay_close", "2")
        assert states(c) == {1: "off", 2: "off"}
    finally:
        c.close()


def test_status_follows_http_and_hold(door):
    c, opener = KeepConn(door.port), KeepConn(door.port)
    try:
        assert states(c)[1] == "off"
        opener.send("/api/relay/ctrl?relay=1&action=trigger", basic())
        assert opener.answer()[0] == 200
        assert states(c)[1] == "on"
        # the 0.3 s hold ends by a timer, announced like any change
        deadline = time.monotonic() + 3
        while states(c)[1] != "off":
            assert time.monotonic() < deadline, "relay 1 stayed on"
            time.sleep(0.01)
    finally:
        c.close()
        opener.close()


def test_status_same_bytes_as_relay_status(door):
    """The cached members are relay_status's own, unchanged."""
    c = KeepConn(door.port)
    try:
        c.send(STATUS, basic())
        body = json.loads(c.answer()[2])
        ok, text = door.cmd("relay_status")
        assert ok
        assert body["relays"] == json.loads(text)["relays"]
    finally:
        c.close()


def test_garbled_heads_closed_unanswered(door):
    """Heads the request reader refuses close the connection; a NUL in a
    header is answered 400 (tests/unit/test_httpopen_hreq.c has the
    grammar)."""
    for head in (b"GET  /api/relay/status HTTP/1.1\r\n\r\n",
                 b"GET /api/relay/status HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
                 b"GET /api/relay/status HTTP/1.1\r\nA b: c\r\n\r\n"):
        c = KeepConn(door.port)
        try:
            c.s.sendall(head)
            assert c.closed(3)
        finally:
            c.close()
    c = KeepConn(door.port)
    try:
        c.s.sendall(b"GET /api/relay/status HTTP/1.1\r\nX: a\0b\r\n\r\n")
        assert c.answer()[0] == 400
    finally:
        c.close()


def test_kept_connection_checks_credentials_each_time(door):
    """A kept connection remembers the Basic value it authenticated with;
    any other value is checked in full: a wrong one is refused and closes
    the connection."""
    good = basic()["Authorization"]
    wrong = basic(password=PASS + "x")["Authorization"]
    c = KeepConn(door.port)
    try:
        for _ in range(3):
            c.send(STATUS, {"Authorization": good})
            assert c.answer()[0] == 200
        # one byte changed at the end, then a different length
        c.send(STATUS, {"Authorization": good[:-1] + "x"})
        status, hdrs, _ = c.answer()
        assert status == 401 and hdrs["connection"] == "close"
        assert c.closed(3)
    finally:
        c.close()
    c = KeepConn(door.port)
    try:
        c.send(STATUS, {"Authorization": good})
        assert c.answer()[0] == 200
        c.send(STATUS, {"Authorization": wrong})
        assert c.answer()[0] == 401
    finally:
        c.close()
