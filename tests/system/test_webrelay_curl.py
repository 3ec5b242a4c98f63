"""webrelay maps libcurl only when it has something to send: a door with
no web relay and no event URL keeps libcurl and its dependencies (about
4.3 MiB resident) out of baresip; one web relay loads it and works."""
import re

from test_webrelay import door, server, wait_result  # noqa: F401


def libcurl_mapped(b):
    with open(f"/proc/{b.proc.pid}/maps") as f:
        return any(re.search(r"/libcurl[^/]*\.so", line) for line in f)


def test_nothing_configured_no_libcurl(door):
    b = door({})
    assert "webrelay: 0 web relays, 0 event URLs" in b.log()
    assert "libcurl not loaded" in b.log()
    assert not libcurl_mapped(b)
    # its commands still answer
    ok, text = b.cmd("webrelay_list")
    assert ok
    assert not libcurl_mapped(b)


def test_web_relay_loads_libcurl_and_sends(door, server):
    s = server()
    b = door({"webrelay1_action1": s.url("/open")})
    assert "webrelay: 1 web relay" in b.log()
    assert "libcurl not loaded" not in b.log()
    assert libcurl_mapped(b)
    b.ok("webrelay_fire", "1")
    assert wait_result(b, 1, 1)[0].startswith("HTTP 200")
    assert [r.path for r in s.got()] == ["/open"]
