"""doormqtt finds its broker without blocking baresip's loop: a numeric
address as it is, localhost and the hosts file from the file, any other
name through baresip's DNS client (here a DNS server on loopback, set by
dns_server); mqtts:// checks the certificate against the configured name
and sends it as SNI; a broker away is retried 1 s, 2 s, 4 s, 8 s apart."""
import re
import socket
import ssl
import threading
import time

import pytest

from dnsserver import QTYPE_A, DnsServer
from harness import read_line_file, wait_for
from mqttbroker import Broker, Sub
from test_doormqtt import broker, make_ca, station   # noqa: F401

NAME = "broker.door.test"


@pytest.fixture
def listener():
    """a TCP listener on loopback handing each connection to handle(conn),
    in a thread; returns its port"""
    socks = []

    def start(handle):
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(8)
        socks.append(lsock)

        def serve():
            while True:
                try:
                    conn, _ = lsock.accept()
                except OSError:
                    return
                with conn:
                    handle(conn)
        threading.Thread(target=serve, daemon=True).start()
        return lsock.getsockname()[1]
    yield start
    for lsock in socks:
        lsock.close()


@pytest.fixture
def dns():
    servers = []

    def start(**kw):
        servers.append(DnsServer(**kw))
        return servers[-1]
    yield start
    for s in servers:
        s.stop()


def test_broker_name_from_dns(tmp_path, broker, dns, procs):
    d = dns(names={NAME: "127.0.0.1"})
    b = station(tmp_path, broker, url=f"mqtt://{NAME}:{broker.port}",
                config={"dns_server": d.addr})
    procs.append(b)
    assert (NAME, QTYPE_A) in d.asked(NAME)
    assert f"connected to {NAME}:{broker.port}" in b.log()
    sub = Sub(broker, "baresip-door/#")
    procs.append(sub)
    sub.wait("baresip-door/door1/availability", "online")


def test_unknown_name_is_one_line_and_the_door_works(tmp_path, broker, dns,
                                                     procs):
    d = dns(names={})
    b = station(tmp_path, broker, url=f"mqtt://nosuch.door.test:{broker.port}",
                config={"dns_server": d.addr}, wait=False)
    procs.append(b)
    b.wait_log("nosuch.door.test:", 10)
    wait_for(lambda: "no such name; retrying" in b.log(), 10,
             what="lookup failure line")
    time.sleep(1.5)                      # the next attempt: debug only
    assert b.log().count("no such name") == 1
    b.ok("relay_open", "1")
    wait_for(lambda: read_line_file(str(b.lines / "r1")) == "1", 5)
    assert "doormqtt: connected" not in b.log()


def test_localhost_needs_no_dns(tmp_path, broker, dns, procs):
    """localhost comes from the hosts file: the (silent) DNS server is
    never asked, and the client connects at once"""
    d = dns(silent=True)
    b = station(tmp_path, broker, url=f"mqtt://localhost:{broker.port}",
                config={"dns_server": d.addr})
    procs.append(b)
    assert "connected to localhost" in b.log()
    assert d.asked() == []


def test_pending_lookup_never_blocks_the_loop(tmp_path, broker, dns, procs):
    """a DNS server that never answers: while the lookup waits, the relay
    commands answer at once and the door opens"""
    d = dns(silent=True)
    b = station(tmp_path, broker, url=f"mqtt://{NAME}:{broker.port}",
                config={"dns_server": d.addr}, wait=False)
    procs.append(b)
    wait_for(lambda: d.asked(NAME), 10, what="the DNS query")
    slowest = 0.0
    for _ in range(10):
        t0 = time.monotonic()
        b.ok("relay_status")
        slowest = max(slowest, time.monotonic() - t0)
        time.sleep(0.05)
    t0 = time.monotonic()
    b.ok("relay_open", "1")
    wait_for(lambda: read_line_file(str(b.lines / "r1")) == "1", 5)
    slowest = max(slowest, time.monotonic() - t0)
    # the loop's own timers run too: libre's DNS client asks again
    wait_for(lambda: len(d.asked(NAME)) >= 2, 5, what="a retransmission")
    # the lookup is still pending (libre gives up after about a minute):
    # nothing connected, nothing failed
    assert "doormqtt: connected" not in b.log()
    assert "look up" not in b.log() and "no such name" not in b.log()
    assert slowest < 1.0, f"a command took {slowest:.2f} s"
    assert b.alive()


def tls_files(tmp_path):
    """a CA, and a server certificate for NAME only"""
    ca_dir = tmp_path / "ca"
    ca_dir.mkdir()
    return make_ca(str(ca_dir), "test CA", alt=f"DNS:{NAME}"), ca_dir


def test_tls_certificate_checked_for_the_name(tmp_path, dns, procs):
    """the client connects to an address, yet the certificate must name
    the configured host: the right name passes, another name for the same
    address is refused"""
    d = dns(names={NAME: "127.0.0.1", "other.door.test": "127.0.0.1"})
    ca, ca_dir = tls_files(tmp_path)
    broker = Broker(tmp_path, tls=(ca, str(ca_dir / "srv.crt"),
                                   str(ca_dir / "srv.key"))).start()
    try:
        bad = station(tmp_path, broker, name="bad", wait=False,
                      url=f"mqtts://other.door.test:{broker.port}",
                      config={"doormqtt_cafile": ca, "dns_server": d.addr})
        procs.append(bad)
        bad.wait_log("certificate refused", 10)
        assert re.search(r"certificate refused: .*(hostname|host)",
                         bad.log(), re.I), bad.log()
        assert "doormqtt: connected" not in bad.log()
        assert bad.alive()
        bad.stop()

        b = station(tmp_path, broker, url=f"mqtts://{NAME}:{broker.port}",
                    config={"doormqtt_cafile": ca, "dns_server": d.addr})
        procs.append(b)
        b.ok("relay_open", "1")
        b.wait_log("relay: Front door (1) on")
        assert "certificate refused" not in b.log()
    finally:
        broker.stop()


def test_tls_sends_the_name_as_sni(tmp_path, dns, listener, procs):
    """a TLS listener that records the server name of each ClientHello:
    the configured name, though the client connects to an address"""
    d = dns(names={NAME: "127.0.0.1"})
    ca, ca_dir = tls_files(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(ca_dir / "srv.crt"), str(ca_dir / "srv.key"))
    names = []
    ctx.sni_callback = lambda sock, name, c: names.append(name)

    def handshake(conn):
        try:
            ctx.wrap_socket(conn, server_side=True).close()
        except (OSError, ssl.SSLError):
            pass
    port = listener(handshake)
    b = station(tmp_path, None, url=f"mqtts://{NAME}:{port}",
                config={"doormqtt_cafile": ca, "dns_server": d.addr},
                wait=False)
    procs.append(b)
    wait_for(lambda: names, 10, what="a ClientHello")
    assert names[0] == NAME
    b.stop()

    # a numeric host: no SNI at all (RFC 6066 has no addresses in it)
    names.clear()
    b = station(tmp_path, None, name="numeric",
                url=f"mqtts://127.0.0.1:{port}",
                config={"doormqtt_cafile": ca}, wait=False)
    procs.append(b)
    wait_for(lambda: names, 10, what="a ClientHello")
    assert names[0] is None


def test_reconnect_backoff_doubles(tmp_path, listener, procs):
    """a listener that accepts each connection and closes it at once: the
    attempts come 1 s, 2 s and 4 s apart, and the log announces the pauses
    1, 2, 4, 8 s (the 60 s cap is in tests/unit/test_doormqtt_dns.c)"""
    seen = []
    port = listener(lambda conn: seen.append(time.monotonic()))
    b = station(tmp_path, None, url=f"mqtt://127.0.0.1:{port}",
                wait=False, verbose=True)
    procs.append(b)
    wait_for(lambda: len(seen) >= 4, 15, what="four attempts")
    b.wait_log("next attempt in 8 s", 5)
    gaps = [seen[i + 1] - seen[i] for i in range(3)]
    for gap, want in zip(gaps, (1, 2, 4)):
        # a timer never fires early; late by a loaded machine's delay
        assert want * 0.95 <= gap <= want + 1.5, gaps
    pauses = [int(p) for p in
              re.findall(r"next attempt in (\d+) s", b.log())]
    assert pauses[:4] == [1, 2, 4, 8], pauses
    assert b.alive()
