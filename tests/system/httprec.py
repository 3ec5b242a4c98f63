"""A recording HTTP(S) server for the webrelay tests (Python stdlib only).

It stands for a web relay or a home-automation server: every request is
recorded (method, path, query, Authorization header, arrival time) and the
answer is set per path prefix: a status, a delay, a hang, a redirect, or
Basic / Digest authentication that the request must pass.
"""
import base64
import hashlib
import http.server
import os
import secrets
import socket
import socketserver
import ssl
import subprocess
import threading
import time
import urllib.parse

from harness import free_port, wait_for

REALM = "webrelay-test"


class Request:
    def __init__(self, method, target, headers, authorized):
        url = urllib.parse.urlsplit(target)
        self.method = method
        self.target = target
        self.path = url.path
        self.query = url.query
        self.params = dict(urllib.parse.parse_qsl(url.query,
                                                  keep_blank_values=True))
        self.authorization = headers.get("Authorization")
        self.user_agent = headers.get("User-Agent")
        self.authorized = authorized
        self.time = time.monotonic()

    @property
    def scheme(self):
        a = self.authorization or ""
        return a.split(" ", 1)[0] if a else None

    def basic_credentials(self):
        """(user, password) of a Basic Authorization header, else None."""
        if self.scheme != "Basic":
            return None
        raw = base64.b64decode(self.authorization.split(" ", 1)[1]).decode()
        user, _, pw = raw.partition(":")
        return user, pw

    def __repr__(self):
        return (f"<{self.method} {self.target} auth={self.scheme}"
                f" ok={self.authorized}>")


class Behaviour:
    """How a path answers. auth: None, ("basic", user, pw) or
    ("digest", user, pw). hang: seconds to hold the request without any
    answer (then the connection is closed)."""

    def __init__(self, status=200, delay=0.0, hang=0.0, auth=None,
                 location=None, body=b"OK\n"):
        self.status = status
        self.delay = delay
        self.hang = hang
        self.auth = auth
        self.location = location
        self.body = body


def _parse_auth_params(text):
    params = {}
    for part in _split_commas(text):
        key, _, value = part.strip().partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return params


def _split_commas(text):
    parts, cur, quoted = [], "", False
    for c in text:
        if c == '"':
            quoted = not quoted
        if c == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    if cur.strip():
        parts.append(cur)
    return parts


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


class HttpRec:
    def __init__(self, host="127.0.0.1", tls_dir=None):
        self.host = host
        self.v6 = ":" in host
        self.port = _free_port6(host) if self.v6 else free_port(host=host)
        self.requests = []
        self.default = Behaviour()
        self.routes = {}
        self.nonces = set()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.tls = None
        if tls_dir:
            self.certfile, self.keyfile = make_cert(tls_dir)
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(self.certfile, self.keyfile)
        self.server = None

    @property
    def address(self):
        host = f"[{self.host}]" if self.v6 else self.host
        return f"{host}:{self.port}"

    def url(self, path="/"):
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.address}{path}"

    def route(self, prefix, **kw):
        self.routes[prefix] = Behaviour(**kw)

    def behaviour(self, path):
        best = None
        for prefix, b in self.routes.items():
            if path.startswith(prefix) and (
                    best is None or len(prefix) > len(best[0])):
                best = (prefix, b)
        return best[1] if best else self.default

    # ---- recorded requests ----
    def record(self, req):
        with self._lock:
            self.requests.append(req)

    def got(self, path=None):
        with self._lock:
            return [r for r in self.requests
                    if path is None or r.path == path]

    def wait_count(self, n, path=None, timeout=5.0):
        return wait_for(lambda: len(self.got(path)) >= n and self.got(path),
                        timeout, what=f"{n} requests to {path or 'any'}")

    def clear(self):
        with self._lock:
            self.requests = []

    # ---- authentication ----
    def check_auth(self, handler, auth):
        header = handler.headers.get("Authorization") or ""
        kind, user, pw = auth
        if kind == "basic":
            want = base64.b64encode(f"{user}:{pw}".encode()).decode()
            return header == f"Basic {want}"
        if not header.startswith("Digest "):
            return False
        p = _parse_auth_params(header[7:])
        if p.get("username") != user or p.get("realm") != REALM:
            return False
        if p.get("nonce") not in self.nonces:
            return False
        if p.get("uri") != handler.path:
            return False
        ha1 = _md5(f"{user}:{REALM}:{pw}")
        ha2 = _md5(f"{handler.command}:{p.get('uri')}")
        if p.get("qop") == "auth":
            want = _md5(f"{ha1}:{p['nonce']}:{p.get('nc')}:"
                        f"{p.get('cnonce')}:auth:{ha2}")
        else:
            want = _md5(f"{ha1}:{p['nonce']}:{ha2}")
        return p.get("response") == want

    def challenge(self, kind):
        if kind == "basic":
            return f'Basic realm="{REALM}"'
        nonce = secrets.token_hex(16)
        self.nonces.add(nonce)
        return (f'Digest realm="{REALM}", qop="auth", nonce="{nonce}",'
                f' opaque="{secrets.token_hex(8)}", algorithm=MD5')

    # ---- lifecycle ----
    def start(self):
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                b = rec.behaviour(urllib.parse.urlsplit(self.path).path)
                ok = True
                if b.auth:
                    ok = rec.check_auth(self, b.auth)
                rec.record(Request(self.command, self.path, self.headers,
                                   ok))
                if b.hang:
                    rec.stopping.wait(b.hang)
                    self.close_connection = True
                    return
                if b.delay:
                    rec.stopping.wait(b.delay)
                if not ok:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate",
                                     rec.challenge(b.auth[0]))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(b.status)
                if b.location:
                    self.send_header("Location", b.location)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(b.body)))
                self.end_headers()
                self.wfile.write(b.body)

            do_POST = do_GET

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            address_family = socket.AF_INET6 if rec.v6 else socket.AF_INET
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 64

            def get_request(self):
                sock, addr = super().get_request()
                if rec.tls:
                    sock.settimeout(5)
                    sock = rec.tls.wrap_socket(sock, server_side=True)
                    sock.settimeout(None)
                return sock, addr

            def handle_error(self, request, client_address):
                pass   # TLS clients that refuse our cert, closed sockets

        self.server = Server((self.host, self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _free_port6(host):
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def make_cert(directory):
    """A self-signed certificate for 127.0.0.1, made now with openssl."""
    os.makedirs(directory, exist_ok=True)
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    if not os.path.exists(cert):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
             "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True)
    return cert, key
