"""A small DNS server on a loopback UDP port, for baresip's dns_server:
it answers A queries for the names it is given, NXDOMAIN for the rest,
or (silent) records every query and never answers."""
import socket
import struct
import threading

from harness import free_port

QTYPE_A = 1
QTYPE_AAAA = 28


class DnsServer:
    def __init__(self, names=None, silent=False):
        self.names = {k.lower(): v for k, v in (names or {}).items()}
        self.silent = silent
        self.queries = []                 # (name, qtype), as received
        self.port = free_port(socket.SOCK_DGRAM)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", self.port))
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def asked(self, name=None):
        with self._lock:
            return [q for q in self.queries if name is None or q[0] == name]

    @staticmethod
    def _question(data):
        labels, pos = [], 12
        while data[pos]:
            n = data[pos]
            labels.append(data[pos + 1:pos + 1 + n].decode())
            pos += 1 + n
        qtype, _qclass = struct.unpack("!HH", data[pos + 1:pos + 5])
        return ".".join(labels).lower(), qtype, data[12:pos + 5]

    def _answer(self, data):
        qid, flags = struct.unpack("!HH", data[:4])
        name, qtype, question = self._question(data)
        with self._lock:
            self.queries.append((name, qtype))
        if self.silent:
            return None
        addr = self.names.get(name)
        rcode = 0 if addr else 3                  # NXDOMAIN
        answers = b""
        count = 0
        if addr and qtype == QTYPE_A:
            answers = (struct.pack("!HHHIH", 0xc00c, QTYPE_A, 1, 60, 4)
                       + socket.inet_aton(addr))
            count = 1
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode
        return (struct.pack("!HHHHHH", qid, rflags, 1, count, 0, 0)
                + question + answers)

    def _serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(2048)
            except OSError:
                return
            try:
                reply = self._answer(data)
            except (IndexError, struct.error, UnicodeDecodeError):
                continue
            if reply:
                self.sock.sendto(reply, peer)

    def stop(self):
        self.sock.close()
