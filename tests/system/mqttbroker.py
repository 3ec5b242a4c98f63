"""A real mosquitto broker on a free loopback port, and mosquitto_sub as a
subscriber that stamps each message's arrival, for the MQTT tests."""
import getpass
import os
import subprocess
import threading
import time

from harness import Baresip, free_port, wait_for


class Broker:
    """mosquitto with its own config file; passwd: {user: password} turns
    anonymous access off; acl: lines of an ACL file."""

    def __init__(self, workdir, passwd=None, acl=None, tls=None,
                 name="broker"):
        self.dir = os.path.join(str(workdir), name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.passwd = passwd
        self.acl = acl
        self.tls = tls          # (cafile, certfile, keyfile)
        self.proc = None
        self.logfile = os.path.join(self.dir, "mosquitto.log")

    def _write_config(self):
        # as root, mosquitto would drop to user "mosquitto": stay as we are
        lines = [f"user {getpass.getuser()}",
                 f"listener {self.port} 127.0.0.1", "persistence false",
                 f"log_dest file {self.logfile}", "log_type all",
                 "max_queued_messages 1000", "set_tcp_nodelay true"]
        if self.passwd:
            pw = os.path.join(self.dir, "passwd")
            open(pw, "w").close()
            for user, password in self.passwd.items():
                subprocess.run(["mosquitto_passwd", "-b", pw, user,
                                password], check=True)
            os.chmod(pw, 0o600)
            lines += ["allow_anonymous false", f"password_file {pw}"]
        else:
            lines += ["allow_anonymous true"]
        if self.acl:
            acl = os.path.join(self.dir, "acl")
            with open(acl, "w") as f:
                f.write("\n".join(self.acl) + "\n")
            os.chmod(acl, 0o600)
            lines.append(f"acl_file {acl}")
        if self.tls:
            ca, cert, key = self.tls
            lines += [f"cafile {ca}", f"certfile {cert}", f"keyfile {key}"]
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return conf

    def start(self):
        conf = self._write_config()
        self.proc = subprocess.Popen(["mosquitto", "-c", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        try:
            wait_for(lambda: "running" in self.log() or
                     self.proc.poll() is not None, 10,
                     what="mosquitto start")
            assert self.proc.poll() is None, self.log()
        except AssertionError:
            self.stop()
            raise
        return self

    log = Baresip.log

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


class Sub:
    """mosquitto_sub on topic (wildcards allowed); messages as
    (arrival monotonic, topic, payload, retained)."""

    def __init__(self, broker, topic="#", user=None, password=None,
                 extra=()):
        args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port),
                "-q", "1", "-F", "%r %t %p", "-t", topic]
        if user:
            args += ["-u", user, "-P", password]
        args += list(extra)
        self.messages = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        # mosquitto_sub has no "subscribed" signal: give it a moment
        time.sleep(0.3)

    def _read(self):
        for raw in self.proc.stdout:
            now = time.monotonic()
            line = raw.decode(errors="replace").rstrip("\n")
            parts = line.split(" ", 2)
            if len(parts) < 2:
                continue
            retained = parts[0] == "1"
            payload = parts[2] if len(parts) > 2 else ""
            with self._lock:
                self.messages.append((now, parts[1], payload, retained))

    def find(self, topic=None, payload=None, since=0):
        with self._lock:
            for m in self.messages[since:]:
                if (topic is None or m[1] == topic) and \
                        (payload is None or payload in m[2]):
                    return m
        return None

    def wait(self, topic=None, payload=None, timeout=10, since=0):
        return wait_for(lambda: self.find(topic, payload, since), timeout,
                        what=f"MQTT {topic} {payload}")

    def all(self, topic=None):
        with self._lock:
            return [m for m in self.messages
                    if topic is None or m[1] == topic]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)


def pub(broker, topic, payload, retain=False, user=None, password=None):
    args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port),
            "-q", "1", "-t", topic, "-m", payload]
    if retain:
        args.append("-r")
    if user:
        args += ["-u", user, "-P", password]
    subprocess.run(args, check=True, timeout=10)


class RawPub:
    """A bare MQTT 3.1.1 client on one socket that publishes at QoS 0, so a
    benchmark stamps the moment the bytes leave, with no client program to
    start in between."""

    def __init__(self, broker, client_id="bench-pub"):
        import socket
        self.sock = socket.create_connection(("127.0.0.1", broker.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cid = client_id.encode()
        var = b"\x00\x04MQTT\x04\x02\x00\x3c"
        body = var + len(cid).to_bytes(2, "big") + cid
        self.sock.sendall(b"\x10" + self._len(len(body)) + body)
        ack = self.sock.recv(4)
        assert ack[:1] == b"\x20" and ack[3:4] == b"\x00", ack

    @staticmethod
    def _len(n):
        out = b""
        while True:
            byte, n = n % 128, n // 128
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out

    def publish(self, topic, payload):
        t, p = topic.encode(), payload.encode()
        body = len(t).to_bytes(2, "big") + t + p
        self.sock.sendall(b"\x30" + self._len(len(body)) + body)

    def close(self):
        self.sock.sendall(b"\xe0\x00")
        self.sock.close()
