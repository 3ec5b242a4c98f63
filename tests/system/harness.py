"""Real-baresip test harness: a baresip process with the built modules,
a generated config, and a ctrl_tcp client that collects every event.

Everything here talks to real programs (baresip, sipp, curl); nothing
is simulated.
"""
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import threading
import time

BUILD = os.environ.get("DOOR_BUILD",
                       os.path.join(os.path.dirname(__file__), "..", "..",
                                    "build"))
BUILD = os.path.abspath(BUILD)
SYSTEM_MODULES = "/usr/lib/baresip/modules"
SIPP_SHARE = "/usr/share/sip-tester"
VALGRIND_ERROR = 99


def _quiet_ports():
    """The ports above the kernel's ephemeral range (start, stop), or None.

    The kernel hands ephemeral ports to every outgoing connection and
    unbound UDP socket (a flood test's clients, curl, baresip's own
    queries), so one picked from that range and found free can be taken
    before the process under test binds it; none is handed out above it.
    Above it is also above baresip's default RTP range (1024-49152)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            _, hi = (int(v) for v in f.read().split())
    except (OSError, ValueError):
        return None
    return (hi + 1, 65532) if 65532 - hi >= 1000 else None


def _bindable(host, first, count=1):
    """Whether ports first..first+count-1 are free for TCP and UDP now"""
    try:
        for port in range(first, first + count):
            for k in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, k) as t:
                    t.bind((host, port))
        return True
    except OSError:
        return False


def free_port(kind=socket.SOCK_STREAM, host="127.0.0.1"):
    """A port that is free for both TCP and UDP right now, out of the
    kernel's ephemeral range where it has room (_quiet_ports)."""
    span, rng = _quiet_ports(), random.Random()
    for _ in range(200):
        if span:
            port = rng.randrange(*span)
        else:
            with socket.socket(socket.AF_INET, kind) as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        if _bindable(host, port):
            return port
    raise RuntimeError("no free port")


def free_media_port(host="127.0.0.1"):
    """A base port for sipp's -mp: sipp binds four UDP ports from it
    (audio RTP and RTCP, video RTP and RTCP), all checked; taken where
    neither the kernel's ephemeral ports nor baresip's RTP can take the
    upper ones between this check and sipp's bind (a flood test once
    took base+2)."""
    start, stop = _quiet_ports() or (61000, 65532)
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(start, stop - 4)
        if _bindable(host, base, 4):
            return base
    raise RuntimeError("no free media ports")


def free_sip_port(host="127.0.0.1"):
    """A port for baresip's sip_listen: baresip 1.0.0 also binds SIP/TLS
    on the next port up (TCP), and exits if that one is taken."""
    for _ in range(50):
        port = free_port(host=host)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                t.bind((host, port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair")


def wait_for(predicate, timeout=5.0, interval=0.02, what="condition"):
    """Wait until predicate() is truthy; return its value or raise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def silence_wav(seconds=600):
    """A long, quiet 8 kHz WAV: the audio source of every test baresip."""
    import tempfile
    import wave
    path = os.path.join(tempfile.gettempdir(),
                        f"baresip-door-silence-{seconds}s.wav")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}"
        with wave.open(tmp, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * 8000 * seconds)
        os.replace(tmp, path)
    return path


def path(directory, *parts):
    """A file in a test's folder (a tmp_path or a string)."""
    return os.path.join(str(directory), *parts)


def read_audit(directory, name="audit.log"):
    """The records of the audit file in a test's folder; [] before the
    first one is written."""
    try:
        with open(path(directory, name)) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def read_line_file(path):
    """The value of a file-backed GPIO line: '0', '1' or None if absent."""
    try:
        with open(path) as f:
            return f.read().strip() or None
    except FileNotFoundError:
        return None


class Baresip:
    """One baresip process. config: dict of extra config lines (values may
    be lists for repeated keys). modules: our modules to load, by name;
    system_modules: baresip's own, loaded before the accounts."""

    def __init__(self, workdir, modules=("relay",), config=None,
                 answermode="auto", user="door", extra_accounts=(),
                 audio_source=None, name="door", system_modules=(),
                 valgrind=False, verbose=False):
        self.dir = os.path.join(str(workdir), name)
        # under valgrind: errors make baresip exit with VALGRIND_ERROR
        self.valgrind = valgrind
        self.verbose = verbose               # baresip -v: debug lines too
        self.valgrind_log = os.path.join(self.dir, "valgrind.log")
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.modules = list(modules)
        self.config = dict(config or {})
        self.answermode = answermode
        self.user = user
        self.extra_accounts = list(extra_accounts)
        self.audio_source = audio_source
        self.system_modules = list(system_modules)
        self.sip_port = free_sip_port()
        self.ctrl_port = free_port()
        while self.ctrl_port in (self.sip_port, self.sip_port + 1):
            self.ctrl_port = free_port()
        self.proc = None
        self.sock = None
        self.events = []
        self.responses = queue.Queue()
        self._lock = threading.Lock()
        self._token = 0
        self.logfile = os.path.join(self.dir, "baresip.log")

    # ---- configuration ----
    @property
    def uri(self):
        return f"sip:{self.user}@127.0.0.1:{self.sip_port}"

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _write_config(self):
        moddir = self.path("modules")
        shutil.rmtree(moddir, ignore_errors=True)
        os.makedirs(moddir)
        ours = {m + ".so" for m in self.modules}
        for so in os.listdir(SYSTEM_MODULES):
            # the baresip-door package may be installed: the build wins
            if so in ours:
                continue
            os.symlink(os.path.join(SYSTEM_MODULES, so),
                       os.path.join(moddir, so))
        for m in self.modules:
            src = os.path.join(BUILD, "modules", m + ".so")
            if not os.path.exists(src):
                raise FileNotFoundError(f"{src}: run make first")
            os.symlink(src, os.path.join(moddir, m + ".so"))

        # alsa's null device is not paced and floods RTP; aufile is
        src = self.audio_source or f"aufile,{silence_wav()}"
        lines = [
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{self.sip_port}",
            "net_interface 127.0.0.1",
            f"module_path {moddir}",
            "audio_player alsa,null",
            f"audio_source {src}",
            "audio_alert alsa,null",
            "module alsa.so",
            "module aufile.so",
            "module g711.so",
        ]
        lines += [f"module {m}.so" for m in self.system_modules]
        lines += [
            "module account.so",
            "module_app menu.so",          # dial, accept, hangup commands
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
        ]
        for m in self.modules:
            lines.append(f"module {m}.so")
        for key, value in self.config.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            for v in values:
                lines.append(f"{key} {v}" if v != "" else key)
        with open(self.path("config"), "w") as f:
            f.write("\n".join(lines) + "\n")
        accounts = [f"<{self.uri}>;regint=0;answermode={self.answermode}"]
        accounts += self.extra_accounts
        with open(self.path("accounts"), "w") as f:
            f.write("\n".join(accounts) + "\n")

    # ---- process ----
    def start(self, wait_ready=True):
        self._write_config()
        self.events = []
        self._log = open(self.logfile, "ab")
        argv = ["baresip", "-4", "-f", self.dir]
        if self.verbose:
            argv.insert(1, "-v")
        if self.valgrind:
            # fair scheduling: valgrind runs one thread at a time, and
            # without it an audio thread could starve the SIP loop for a
            # minute on a loaded machine
            argv = ["valgrind", "-q", f"--error-exitcode={VALGRIND_ERROR}",
                    "--leak-check=no", "--fair-sched=yes",
                    f"--log-file={self.valgrind_log}"] + argv
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, cwd=self.dir,
            start_new_session=True)
        if wait_ready:
            self._connect()
        return self

    def _connect(self):
        deadline = time.monotonic() + (90 if self.valgrind else 10)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"baresip exited ({self.proc.returncode}):\n"
                                   + self.log())
            try:
                self.sock = socket.create_connection(
                    ("127.0.0.1", self.ctrl_port), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("ctrl_tcp never came up:\n" + self.log())
                time.sleep(0.05)
        self.sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop,
                                        args=(self.sock,), daemon=True)
        self._reader.start()

    def _read_loop(self, sock):
        buf = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                size = int(buf[:colon])
                if len(buf) < colon + 1 + size + 1:
                    break
                msg = json.loads(buf[colon + 1:colon + 1 + size])
                buf = buf[colon + 1 + size + 1:]
                if msg.get("response"):
                    self.responses.put(msg)
                elif msg.get("event"):
                    msg["_rx"] = time.monotonic()   # for latency figures
                    with self._lock:
                        self.events.append(msg)

    def cmd(self, command, params=None, timeout=5):
        """Run a long command; returns (ok, text)."""
        self._token += 1
        token = str(self._token)
        req = {"command": command, "token": token}
        if params is not None:
            req["params"] = str(params)
        data = json.dumps(req).encode()
        self.sock.sendall(str(len(data)).encode() + b":" + data + b",")
        if self.valgrind:
            timeout = max(timeout, 60)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no response to {command}")
            msg = self.responses.get(timeout=left)
            if msg.get("token") == token:
                return bool(msg.get("ok")), msg.get("data", "")

    def ok(self, command, params=None):
        ok, data = self.cmd(command, params)
        assert ok, f"{command} {params or ''} failed: {data}"
        return data

    def wait_event(self, etype, timeout=5, since=0, **match):
        """Wait for a UA event, e.g. wait_event('CALL_ESTABLISHED')."""
        def find():
            with self._lock:
                for ev in self.events[since:]:
                    if ev.get("type") == etype and all(
                            str(ev.get(k)) == str(v) for k, v in match.items()):
                        return ev
            return None
        return wait_for(find, timeout, what=f"event {etype}")

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, text, timeout=5):
        return wait_for(lambda: text in self.log(), timeout,
                        what=f"log line {text!r}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10):
        """Quit cleanly (module close runs); returns the exit code."""
        if not self.proc:
            return None
        if self.valgrind:
            timeout = max(timeout, 90)
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        self._log.close()
        rc = self.proc.returncode
        self.proc = None
        return rc


class Sipp:
    """A sipp process running a scenario file against a baresip."""

    def __init__(self, workdir, scenario_xml, target, name="sipp",
                 extra_args=(), keys=None):
        self.dir = os.path.join(str(workdir), name)
        os.makedirs(self.dir, exist_ok=True)
        self.scenario = os.path.join(self.dir, "scenario.xml")
        with open(self.scenario, "w") as f:
            f.write(scenario_xml)
        self.port = free_port()
        self.media_port = free_media_port()
        self.target = target
        self.extra_args = list(extra_args)
        self.keys = dict(keys or {})
        self.proc = None

    def start(self):
        args = ["sipp", "-sf", self.scenario, "-i", "127.0.0.1",
                "-p", str(self.port), "-mi", "127.0.0.1",
                "-mp", str(self.media_port), "-m", "1", "-nostdin",
                "-trace_err", "-trace_msg", "-timeout", "60s",
                "-timeout_error"]
        for k, v in self.keys.items():
            args += ["-key", k, str(v)]
        args += self.extra_args
        if self.target:
            args.append(self.target)
        self.out = open(os.path.join(self.dir, "sipp.out"), "wb")
        self.proc = subprocess.Popen(args, cwd=self.dir,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout=60):
        try:
            rc = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.out.close()
        return rc

    def messages(self):
        """sipp's message trace: every SIP message sent and received."""
        text = ""
        for fn in os.listdir(self.dir):
            if fn.endswith("_messages.log"):
                with open(os.path.join(self.dir, fn), errors="replace") as f:
                    text += f.read()
        return text

    def errors(self):
        text = ""
        for fn in os.listdir(self.dir):
            if fn.endswith("_errors.log") or fn == "sipp.out":
                with open(os.path.join(self.dir, fn), errors="replace") as f:
                    text += f.read()
        return text
