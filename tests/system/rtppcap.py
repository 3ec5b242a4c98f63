"""RTP telephone-event pcaps (RFC 4733) for sipp's play_pcap_audio.

A pcap is a global header and one record per packet; each packet here is
Ethernet, IPv4, UDP and RTP, so sipp sends the RTP as written: our own
sequence numbers, timestamps, marker bits, lost and repeated packets.
"""
import struct

EVENTS = {str(d): d for d in range(10)}
EVENTS.update({"*": 10, "#": 11, "A": 12, "B": 13, "C": 14, "D": 15})
PT = 101              # telephone-event/8000 in the scenarios' SDP
RATE = 8000
PACKET_MS = 20


def _ipv4_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def _frame(payload, sport=40000, dport=40002):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", _ipv4_checksum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + udp


class TelephoneEvents:
    """Packets on one SSRC, each sent at a time t (seconds from start)."""

    def __init__(self, ssrc=0x5eed0001, seq=1000, pt=PT):
        self.ssrc, self.seq, self.pt = ssrc, seq, pt
        self.packets = []          # (t, rtp bytes)

    def packet(self, t, ts, event, end=False, duration=0, marker=False,
               seq=None, volume=10):
        if seq is None:
            seq = self.seq
            self.seq = (self.seq + 1) & 0xffff
        rtp = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | self.pt,
                          seq, ts & 0xffffffff, self.ssrc)
        rtp += struct.pack("!BBH", EVENTS.get(event, event),
                           (0x80 if end else 0) | volume,
                           min(duration, 0xffff))
        self.packets.append((t, rtp))
        return seq

    def press(self, t, ts, key, ms=100, start=True, starts=1, ends=3):
        """A key held ms: a start (marker) packet repeated starts times,
        updates every 20 ms, then ends end packets with one sequence
        number. start=False loses the start and the updates. Returns the
        time after the last packet."""
        n = max(1, ms // PACKET_MS)
        if start:
            for _ in range(starts):
                self.packet(t, ts, key, duration=RATE * PACKET_MS // 1000,
                            marker=True)
            for i in range(1, n):
                self.packet(t + i * PACKET_MS / 1000, ts, key,
                            duration=(i + 1) * RATE * PACKET_MS // 1000)
        t_end = t + n * PACKET_MS / 1000
        seq = None
        for _ in range(ends):
            seq = self.packet(t_end, ts, key, end=True,
                              duration=n * RATE * PACKET_MS // 1000, seq=seq)
        return t_end

    def write(self, path):
        recs = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
        for t, rtp in sorted(self.packets, key=lambda p: p[0]):
            frame = _frame(rtp)
            sec = int(t)
            recs.append(struct.pack("<IIII", 1000000 + sec,
                                    int(round((t - sec) * 1e6)),
                                    len(frame), len(frame)) + frame)
        with open(path, "wb") as f:
            f.write(b"".join(recs))

    def length_ms(self):
        return int(max(t for t, _ in self.packets) * 1000) + 1
