"""System tests of the webrelay module: the real baresip, real HTTP(S)
servers (httprec.py) standing for web relays, sipp as the calling peer."""
import json
import os
import re
import socket
import time

import pytest

from harness import BUILD, Baresip, Sipp, free_port, wait_for
from httprec import HttpRec

try:
    import sipp_scenarios
except ImportError:          # pragma: no cover
    sipp_scenarios = None

SECRET = "S3cr3t-pw"


def have_module(name):
    return os.path.exists(os.path.join(BUILD, "modules", name + ".so"))


@pytest.fixture
def server(tmp_path):
    servers = []

    def start(**kw):
        s = HttpRec(**kw).start()
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def door(tmp_path):
    started = []

    def start(config, modules=("webrelay",), name="door", **kw):
        b = Baresip(tmp_path, modules=modules, config=config, name=name,
                    **kw)
        started.append(b)
        b.start()
        b.wait_log("webrelay: ", timeout=5)
        return b
    yield start
    for b in started:
        if b.proc:
            alive = b.alive()
            rc = b.stop()
            assert alive, "baresip died:\n" + b.log()
            assert rc == 0, f"baresip exited with {rc}:\n" + b.log()


def results(b, n=None, m=None):
    """The result lines webrelay logged, optionally for relay n/action m."""
    pat = r"webrelay: webrelay (\d+) action (\d+) (\S+): (.*)"
    out = []
    for line in b.log().splitlines():
        mo = re.search(pat, line)
        if not mo or mo.group(4) == "sent":
            continue
        if n is not None and int(mo.group(1)) != n:
            continue
        if m is not None and int(mo.group(2)) != m:
            continue
        out.append(mo.group(4))
    return out


def final_results(b, n=None, m=None):
    return [r for r in results(b, n, m) if "retrying" not in r]


def wait_result(b, n, m=1, count=1, timeout=8):
    return wait_for(lambda: len(final_results(b, n, m)) >= count
                    and final_results(b, n, m), timeout,
                    what=f"result of webrelay {n} action {m}")


def assert_no_secret(b, *secrets):
    text = b.log()
    for s in secrets:
        assert s not in text, f"{s!r} leaked into the log"


# ---------------------------------------------------------------- URLs

def test_relative_and_full_urls(door, server):
    srv = server()
    other = server()
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_action": "state.xml?relayState=2",
        "webrelay1_action2": "/state.xml?relayState=0",
        "webrelay2_action1": other.url("/cgi-bin/relay?on=1&who=door"),
    })
    b.ok("webrelay_fire", "1")
    b.ok("webrelay_fire", "1 2")
    b.ok("webrelay_fire", "2")
    wait_result(b, 1, 1)
    wait_result(b, 1, 2)
    wait_result(b, 2, 1)

    assert [(r.method, r.path, r.query) for r in srv.got()] == [
        ("GET", "/state.xml", "relayState=2"),
        ("GET", "/state.xml", "relayState=0")] or sorted(
        (r.path, r.query) for r in srv.got()) == [
        ("/state.xml", "relayState=0"), ("/state.xml", "relayState=2")]
    (req,) = other.got()
    assert req.path == "/cgi-bin/relay"
    assert req.params == {"on": "1", "who": "door"}
    assert all(r.authorization is None for r in srv.got() + other.got())
    assert final_results(b, 1, 1)[0].startswith("HTTP 200 in ")
    # the log shows where, never the query values
    assert f"http://{srv.address}/state.xml?relayState=***" in b.log()
    assert "relayState=2" not in b.log()


def test_ipv6_host(door, server):
    try:
        srv = server(host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    b = door({"webrelay1_host": f"[::1]:{srv.port}",
              "webrelay1_action": "state.xml?relayState=1"})
    b.ok("webrelay_fire", "1")
    assert wait_result(b, 1)[0].startswith("HTTP 200")
    assert srv.got()[0].params == {"relayState": "1"}


# --------------------------------------------------------- credentials

@pytest.mark.parametrize("kind", ["basic", "digest"])
def test_auth_basic_and_digest(door, server, kind):
    # the whole line is the password, spaces included
    pw = SECRET + " with spaces"
    srv = server()
    srv.route("/", auth=(kind, "admin", pw))
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_user": "admin",
        "webrelay1_pass": pw,
        "webrelay1_action": "state.xml?relayState=2",
        "webrelay2_host": srv.address,
        "webrelay2_user": "admin",
        "webrelay2_pass": "wrong-pw",
        "webrelay2_action": "state.xml?relayState=2",
        "webrelay_retries": "0",
    })
    b.ok("webrelay_fire", "1")
    assert wait_result(b, 1)[0].startswith("HTTP 200"), b.log()
    accepted = [r for r in srv.got() if r.authorized]
    assert len(accepted) == 1
    assert accepted[0].scheme == kind.capitalize()
    if kind == "basic":
        assert accepted[0].basic_credentials() == ("admin", pw)

    b.ok("webrelay_fire", "2")
    res = wait_result(b, 2)[0]
    assert res.startswith("failed: HTTP 401"), res
    assert_no_secret(b, SECRET, "wrong-pw")


def test_full_url_credentials_used_and_hidden(door, server):
    srv = server()
    srv.route("/", auth=("basic", "admin", SECRET))
    url = f"http://admin:{SECRET}@{srv.address}/state.xml?relayState=2"
    b = door({"webrelay1_action": url})
    b.ok("webrelay_fire", "1")
    assert wait_result(b, 1)[0].startswith("HTTP 200"), b.log()
    assert [r for r in srv.got() if r.authorized][0].basic_credentials() \
        == ("admin", SECRET)
    listing = b.ok("webrelay_list")
    assert SECRET not in listing and "admin:" not in listing
    assert "credentials in the URL" in listing
    assert_no_secret(b, SECRET)


def test_empty_password_means_no_auth(door, server):
    srv = server()
    other = server()
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_user": "admin",
        "webrelay1_action": "state.xml?relayState=2",
        # the relay's credentials never go to another host
        "webrelay2_host": srv.address,
        "webrelay2_user": "admin",
        "webrelay2_pass": SECRET,
        "webrelay2_action": other.url("/elsewhere"),
    })
    b.ok("webrelay_fire", "1")
    b.ok("webrelay_fire", "2")
    wait_result(b, 1)
    wait_result(b, 2)
    assert srv.got()[0].authorization is None
    assert other.got()[0].authorization is None


def test_list_masks_passwords(door, server):
    srv = server()
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_user": "admin",
        "webrelay1_pass": SECRET,
        "webrelay1_peer": "sip:alice@*",
        "webrelay1_action": f"state.xml?relayState=2&pw={SECRET}",
        "webrelay_on_code_ok": srv.url("/ev?relay=$relay&key=" + SECRET),
    })
    out = b.ok("webrelay_list")
    print(out)
    assert "webrelay 1:" in out and "password ***" in out
    assert "peer sip:alice@*" in out
    assert "action 1:" in out and "relayState=***&pw=***" in out
    assert "event code_ok:" in out
    assert SECRET not in out
    b.ok("webrelay_fire", "1")
    wait_result(b, 1)
    out = b.ok("webrelay_list")
    assert "last: HTTP 200 in" in out
    assert SECRET not in out
    assert_no_secret(b, SECRET)


# ------------------------------------------------------ peer binding

def test_unlock_command_fires_bound_relays(door, server):
    srv = server()
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_peer": "alice",
        "webrelay1_action": "r1",
        "webrelay2_host": srv.address,
        "webrelay2_peer": "sip:bob@127.0.0.1",
        "webrelay2_action": "r2",
        "webrelay3_host": srv.address,
        "webrelay3_peer": "127.0.0.9",
        "webrelay3_action": "r3",
        "webrelay4_host": srv.address,
        "webrelay4_action": "r4",
        "webrelay5_host": srv.address,
        "webrelay5_peer": "carol,alice",
        "webrelay5_action2": "r5",
    })
    b.ok("webrelay_unlock", "sip:alice@127.0.0.1:5099")
    srv.wait_count(2)
    b.ok("webrelay_unlock", '"Bob" <sip:bob@127.0.0.1:5070;transport=udp>')
    srv.wait_count(3)
    b.ok("webrelay_unlock", "sip:1234@127.0.0.9")
    srv.wait_count(4)
    out = b.ok("webrelay_unlock", "sip:mallory@127.0.0.1")
    assert "no web relay bound" in out
    time.sleep(0.3)
    assert sorted(r.path for r in srv.got()) == ["/r1", "/r2", "/r3",
                                                 "/r5"]


@pytest.mark.skipif(not have_module("relay") or sipp_scenarios is None,
                    reason="needs the relay module and sipp_scenarios")
def test_unlock_during_sipp_call(door, server, tmp_path):
    srv = server()
    srv.route("/hang", hang=10)
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_peer": "alice",
        "webrelay1_action": "state.xml?relayState=2",
        "webrelay2_host": srv.address,
        "webrelay2_peer": "bob",
        "webrelay2_action": "bob.xml",
        "webrelay3_host": srv.address,
        "webrelay3_action": "unbound.xml",
        # bound to alice too, and never answers: the call goes on
        "webrelay4_host": srv.address,
        "webrelay4_peer": "sip:alice@127.0.0.1",
        "webrelay4_action": "hang",
    }, modules=("relay", "webrelay"))
    sipp = Sipp(tmp_path, sipp_scenarios.uac_call(caller="alice",
                                                   hold_ms=2500),
                f"127.0.0.1:{b.sip_port}", extra_args=["-s", "door"])
    sipp.start()
    try:
        b.wait_event("CALL_ESTABLISHED", timeout=10)
        t0 = time.monotonic()
        out = b.ok("unlock")
        print("unlock:", out.strip())
        srv.wait_count(2)
        arrivals = {r.path: 1000 * (r.time - t0) for r in srv.got()}
        print("web relay requests after unlock (ms):", arrivals)
        time.sleep(0.3)
        assert sorted(r.path for r in srv.got()) == ["/hang", "/state.xml"]
        assert srv.got("/state.xml")[0].params == {"relayState": "2"}
    finally:
        rc = sipp.wait(timeout=20)
    # the call ended normally (BYE answered) while /hang still hangs
    assert rc == 0, sipp.errors()
    assert "1 request in flight" in b.ok("webrelay_list")
    assert any("sip:alice@" in line and "webrelay" in line
               for line in b.log().splitlines())


# --------------------------------------------------------- robustness

def sip_options_rtt(port, timeout=2.0):
    """Round trip of one SIP OPTIONS over UDP, in seconds."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    branch = "z9hG4bK" + os.urandom(6).hex()
    msg = (f"OPTIONS sip:door@127.0.0.1:{port} SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.1:{lport};branch={branch};rport\r\n"
           f"From: <sip:probe@127.0.0.1:{lport}>;tag={os.urandom(4).hex()}"
           "\r\n"
           f"To: <sip:door@127.0.0.1:{port}>\r\n"
           f"Call-ID: {os.urandom(8).hex()}@probe\r\n"
           "CSeq: 1 OPTIONS\r\n"
           f"Contact: <sip:probe@127.0.0.1:{lport}>\r\n"
           "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
    s.settimeout(timeout)
    t0 = time.monotonic()
    s.sendto(msg.encode(), ("127.0.0.1", port))
    try:
        while True:
            data = s.recv(65535).decode(errors="replace")
            if data.startswith("SIP/2.0 200"):
                return time.monotonic() - t0
    except socket.timeout:
        return None
    finally:
        s.close()


def test_hanging_relay_does_not_delay_sip(door, server, tmp_path):
    srv = server()
    srv.route("/hang", hang=10)
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_action": "hang?relayState=2",
        "webrelay_timeout": "2",
        "webrelay_retries": "0",
    })
    base = sip_options_rtt(b.sip_port)
    assert base is not None, "baresip does not answer OPTIONS"

    t0 = time.monotonic()
    b.ok("webrelay_fire", "1")
    srv.wait_count(1)
    rtts = []
    for _ in range(5):
        rtts.append(sip_options_rtt(b.sip_port))
        time.sleep(0.1)
    sipp_ms = None
    if sipp_scenarios is not None:
        sipp = Sipp(tmp_path, sipp_scenarios.uac_options(),
                    f"127.0.0.1:{b.sip_port}", name="options",
                    extra_args=["-s", "door"])
        t1 = time.monotonic()
        sipp.start()
        rc = sipp.wait(timeout=10)
        sipp_ms = 1000 * (time.monotonic() - t1)
        assert rc == 0, sipp.errors()
    out = b.ok("webrelay_list")
    assert "1 request in flight" in out

    res = wait_result(b, 1, timeout=6)[0]
    abandoned = time.monotonic() - t0
    print(f"OPTIONS rtt before: {1000 * base:.1f} ms; during the hang:"
          f" {', '.join(f'{1000 * r:.1f}' for r in rtts if r)} ms;"
          f" sipp OPTIONS run (incl. start): {sipp_ms or 0:.0f} ms;"
          f" relay abandoned after {abandoned:.2f} s ({res})")
    assert all(r is not None and r < 1.0 for r in rtts), rtts
    assert "timed out" in res.lower() or "timeout" in res.lower(), res
    assert 1.5 < abandoned < 4.5
    assert len(srv.got()) == 1          # retries 0
    assert "0 requests in flight" in b.ok("webrelay_list")


def test_twenty_relays_at_once(door, server):
    srv = server()
    srv.route("/slow", delay=1.0)
    cfg = {}
    for n in range(1, 11):
        cfg[f"webrelay{n}_host"] = srv.address
        cfg[f"webrelay{n}_action1"] = f"slow/{n}/1"
        cfg[f"webrelay{n}_action2"] = f"slow/{n}/2"
    b = door(cfg)
    t0 = time.monotonic()
    for n in range(1, 11):
        for m in (1, 2):
            b.ok("webrelay_fire", f"{n} {m}")
    t_fired = time.monotonic() - t0
    reqs = srv.wait_count(20, timeout=10)
    wait_for(lambda: len(final_results(b)) >= 20, 10, what="20 results")
    total = time.monotonic() - t0
    spread = max(r.time for r in reqs) - min(r.time for r in reqs)
    print(f"20 web relays: fired in {1000 * t_fired:.0f} ms, arrivals"
          f" spread over {1000 * spread:.0f} ms, all answered (1 s each)"
          f" after {total:.2f} s")
    assert sorted(r.path for r in reqs) == sorted(
        f"/slow/{n}/{m}" for n in range(1, 11) for m in (1, 2))
    assert all(r.startswith("HTTP 200") for r in final_results(b))
    assert total < 5.0, "requests ran one after another"


def test_refused_500_redirect_and_retry(door, server):
    srv = server()
    srv.route("/fail", status=500)
    srv.route("/redir", status=302, location="/target")
    dead = free_port()
    b = door({
        "webrelay1_host": f"127.0.0.1:{dead}",
        "webrelay1_action": "state.xml",
        "webrelay2_host": srv.address,
        "webrelay2_action": "fail",
        "webrelay3_host": srv.address,
        "webrelay3_action": "redir",
        "webrelay_retries": "2",
    })
    for n in (1, 2, 3):
        b.ok("webrelay_fire", str(n))
    r1 = wait_result(b, 1)[0]
    r2 = wait_result(b, 2)[0]
    r3 = wait_result(b, 3)[0]
    print(r1, r2, r3, sep="\n")
    assert r1.startswith("failed:") and "(3 attempts)" in r1
    assert "connect" in r1.lower()
    assert r2.startswith("failed: HTTP 500") and "(3 attempts)" in r2
    assert r3.startswith("failed: HTTP 302") and "not followed" in r3
    assert len(srv.got("/fail")) == 3
    assert len(srv.got("/redir")) == 3
    assert srv.got("/target") == []
    assert len([r for r in results(b, 1) if "retrying" in r]) == 2
    # still alive and working
    assert "webrelay 1:" in b.ok("webrelay_list")


@pytest.mark.parametrize("verify", ["yes", "no"])
def test_https_self_signed(door, server, tmp_path, verify):
    srv = server(tls_dir=str(tmp_path / "tls"))
    b = door({
        "webrelay1_host": "https://" + srv.address,
        "webrelay1_action": "state.xml?relayState=2",
        "webrelay_tls_verify": verify,
        "webrelay_retries": "0",
    })
    b.ok("webrelay_fire", "1")
    res = wait_result(b, 1)[0]
    print(f"tls_verify {verify}: {res}")
    if verify == "yes":
        assert res.startswith("failed:")
        assert "certificate" in res.lower() or "ssl" in res.lower()
        assert srv.got() == []
    else:
        assert res.startswith("HTTP 200")
        assert srv.got()[0].params == {"relayState": "2"}


# ------------------------------------------------------------- events

def test_event_urls_with_placeholders(door, server):
    srv = server()
    b = door({
        "webrelay_on_relay_open": srv.url(
            "/ev/open?relay=$relay&name=$name&source=$source&peer=$peer"),
        "webrelay_on_input": srv.url(
            "/ev/input/$input?state=$state&name=$name"),
        "webrelay_on_code_bad": srv.url("/ev/bad?peer=$peer&x=$unknown"),
    })
    b.ok("webrelay_event", "relay_open relay=1&name=Front%20door%20%26%20"
         "gate&source=dtmf&peer=sip%3Aalice%40127.0.0.1%3A5060&extra=1")
    b.ok("webrelay_event", "input input=3&name=RF%20key&state=on"
         "&source=input")
    b.ok("webrelay_event", "code_bad source=dtmf&peer=sip%3A%2B4930%40h")
    out = b.ok("webrelay_event", "code_ok relay=1")
    assert "no action URL" in out
    srv.wait_count(3)
    (op,) = srv.got("/ev/open")
    assert op.params == {"relay": "1", "name": "Front door & gate",
                         "source": "dtmf",
                         "peer": "sip:alice@127.0.0.1:5060"}
    assert "Front%20door%20%26%20gate" in op.query
    (inp,) = srv.got("/ev/input/3")
    assert inp.params == {"state": "on", "name": "RF key"}
    (bad,) = srv.got("/ev/bad")
    assert bad.params == {"peer": "sip:+4930@h", "x": "$unknown"}
    wait_for(lambda: b.log().count("webrelay: event ") >= 3
             and "HTTP 200" in b.log(), 5, what="event results")


def test_bad_commands_change_nothing(door, server):
    srv = server()
    b = door({"webrelay1_host": srv.address, "webrelay1_action": "a",
              "webrelay_on_relay_open": srv.url("/ev?r=$relay")})
    bad = [
        ("webrelay_fire", ""), ("webrelay_fire", "0"),
        ("webrelay_fire", "17"), ("webrelay_fire", "1 11"),
        ("webrelay_fire", "2"), ("webrelay_fire", "1 2"),
        ("webrelay_fire", "x"), ("webrelay_fire", "1; reboot"),
        ("webrelay_unlock", ""),
        ("webrelay_event", ""), ("webrelay_event", "bogus relay=1"),
        ("webrelay_event", "relay_open relay=%zz"),
        ("webrelay_event", "relay_open relay=%0a"),
        ("webrelay_event", "relay_open relay=1&junk"),
        ("webrelay_event", "relay_open relay=%"),
    ]
    for cmd, prm in bad:
        ok, text = b.cmd(cmd, prm)
        assert not ok, f"{cmd} {prm!r} was accepted: {text}"
        assert text.strip(), f"{cmd} {prm!r}: no message"
    time.sleep(0.3)
    assert srv.got() == []
    b.ok("webrelay_fire", "1")
    srv.wait_count(1)


def test_bad_config_names_the_key(door, server):
    srv = server()
    b = door({
        "webrelay1_host": srv.address,
        "webrelay1_action": "ok.xml",
        "webrelay1_action2": f"ftp://admin:{SECRET}@h/x",
        "webrelay2_action": f"http://admin:{SECRET}@/nohost",
        "webrelay3_action": "relative-without-host",
        "webrelay4_host": srv.address,
        "webrelay4_peer": "sip:x@h:notaport",
        "webrelay4_action": "four",
        "webrelay_timeout": "soon",
        "webrelay_retries": "99",
        "webrelay_on_code_ok": "not-a-url?pw=" + SECRET,
    })
    log = b.log()
    for key in ("webrelay1_action2", "webrelay2_action", "webrelay3_action",
                "webrelay4_peer", "webrelay_timeout", "webrelay_retries",
                "webrelay_on_code_ok"):
        assert f"config {key}" in log, key
    assert_no_secret(b, SECRET)
    out = b.ok("webrelay_list")
    assert "webrelay 1:" in out and "webrelay 4:" in out
    assert "webrelay 2:" not in out and "action 2" not in out
    assert "timeout 5000 ms, 1 retry" in out
    b.ok("webrelay_fire", "1")
    b.ok("webrelay_fire", "4")
    srv.wait_count(2)


def test_audit_records(door, server, tmp_path):
    srv = server()
    srv.route("/", auth=("basic", "admin", SECRET))
    audit = tmp_path / "audit.log"
    b = door({
        "door_audit_file": str(audit),
        "webrelay1_host": srv.address,
        "webrelay1_user": "admin",
        "webrelay1_pass": SECRET,
        "webrelay1_peer": "alice",
        "webrelay1_action": "state.xml?relayState=2&pin=" + SECRET,
        "webrelay2_host": f"127.0.0.1:{free_port()}",
        "webrelay2_action": "x",
        "webrelay_retries": "0",
    })
    b.ok("webrelay_unlock", "sip:alice@127.0.0.1:5060")
    b.ok("webrelay_fire", "2")
    wait_result(b, 1)
    wait_result(b, 2)
    lines = [json.loads(x) for x in audit.read_text().splitlines()]
    ok = [r for r in lines if r["relay"] == "webrelay1"][0]
    assert ok["module"] == "webrelay" and ok["result"] == "ok"
    assert ok["source"] == "call" and ok["who"] == "sip:alice@127.0.0.1:5060"
    assert "HTTP 200" in ok["detail"]
    bad = [r for r in lines if r["relay"] == "webrelay2"][0]
    assert bad["result"] == "error" and bad["source"] == "command"
    assert SECRET not in audit.read_text()


def test_quit_with_requests_in_flight(door, server):
    srv = server()
    srv.route("/", hang=10)
    b = door({"webrelay1_host": srv.address, "webrelay1_action": "x",
              "webrelay2_host": srv.address, "webrelay2_action": "y"})
    b.ok("webrelay_fire", "1")
    b.ok("webrelay_fire", "2")
    srv.wait_count(2)
    t0 = time.monotonic()
    rc = b.stop()
    print(f"quit with 2 hanging requests took {time.monotonic() - t0:.2f} s")
    assert rc == 0, b.log()
    assert "2 requests abandoned" in b.log()
    assert time.monotonic() - t0 < 3


@pytest.mark.skipif(not have_module("relay"), reason="needs relay")
def test_relay_module_announces_events(door, server, tmp_path):
    srv = server()
    line = tmp_path / "r1"
    line.write_text("0\n")
    b = door({
        "relay1_gpio": f"file:{line}",
        "relay1_name": "Front door",
        "relay1_hold": "0.3",
        "webrelay_on_relay_open": srv.url(
            "/open?relay=$relay&name=$name&source=$source"),
        "webrelay_on_relay_close": srv.url("/close?relay=$relay"),
    }, modules=("relay", "webrelay"))
    b.ok("relay_open", "1")
    (op,) = srv.wait_count(1, "/open")
    assert op.params == {"relay": "1", "name": "Front door",
                         "source": "command"}
    (cl,) = srv.wait_count(1, "/close")
    assert cl.params == {"relay": "1"}
