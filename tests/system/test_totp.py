"""TOTP codes of the relay module against the real baresip and sipp.

The codes are computed here with Python's hmac (RFC 6238), independently
of the module, and typed as SIP INFO digits followed by '#'.
"""
import base64
import hashlib
import hmac
import re
import struct
import time
import urllib.parse

from harness import Baresip, read_line_file, wait_for
# procs: the fixture stopping each baresip a test started
from test_relay import audit, call_door, door, line, procs  # noqa: F401

# 20 bytes, written in groups as authenticator apps show it
SECRET = "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
SECRET_B32 = SECRET.replace(" ", "")


def totp(secret_b32, t=None, digits=6, period=30):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    step = int((time.time() if t is None else t) // period)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    num = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(num % 10 ** digits).zfill(digits)


def test_python_totp_matches_rfc6238():
    rfc = base64.b32encode(b"12345678901234567890").decode()
    assert totp(rfc, 59, 8) == "94287082"
    assert totp(rfc, 1111111109, 8) == "07081804"


def totp_door(tmp_path, extra=None):
    cfg = {"relay1_gpio": f"file:{line(tmp_path, 'r1')}",
           "relay1_name": "Front door", "relay1_hold": "0.3",
           "relay1_totp": SECRET,
           "relay_dtmf_timeout": "5", "relay_dtmf_max_fail": "3"}
    cfg.update(extra or {})
    return door(tmp_path, cfg)


def codes(tmp_path):
    return [r for r in audit(tmp_path) if r["action"] == "code"]


def opened(tmp_path):
    return [r for r in audit(tmp_path)
            if r["action"] == "open" and r["source"] == "dtmf"]


def wrong_code(digits=6):
    """A code valid for none of the steps around now (or soon)"""
    now = time.time()
    near = {totp(SECRET_B32, now + d, digits) for d in range(-60, 91, 30)}
    for n in range(10 ** digits):
        code = str(n).zfill(digits)
        if code not in near:
            return code
    raise AssertionError("no wrong code")


def test_totp_opens_once_and_its_replay_is_refused(tmp_path, procs):
    b = totp_door(tmp_path)
    procs.append(b)
    b.wait_log("relay 1 takes 6-digit TOTP codes")

    code = totp(SECRET_B32)
    s = call_door(tmp_path, b, code + "#", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 1, 5, what="door opened")
    recs = codes(tmp_path)
    assert [r["result"] for r in recs] == ["ok"]
    assert recs[0]["relay"] == "1" and recs[0]["detail"] == "TOTP code"
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "0", 5,
             what="door closed after the hold")

    # the same step's code in a later call: a replay, a wrong code
    s = call_door(tmp_path, b, code + "#", mode="info", name="sipp2")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(codes(tmp_path)) == 2, 5, what="replay judged")
    recs = codes(tmp_path)
    assert recs[1]["result"] == "denied"
    assert recs[1]["detail"] == \
        "TOTP code already used, wrong code, 1 of 3"
    assert len(opened(tmp_path)) == 1
    assert read_line_file(line(tmp_path, "r1")) == "0"

    # neither the secret nor a code reaches the log or the audit file
    with open(line(tmp_path, "audit.log")) as f:
        text = f.read()
    for secret in (SECRET_B32, SECRET_B32[:8], SECRET_B32.lower()):
        assert secret not in text and secret not in b.log()
    assert not re.search(r"\b%s\b" % code, b.log())
    assert f'"{code}"' not in text


def test_wrong_totp_counts_as_a_wrong_code(tmp_path, procs):
    b = totp_door(tmp_path, {"relay_dtmf_max_fail": "2"})
    procs.append(b)
    bad = wrong_code()
    # a wrong code, then the right one without '#' (the timeout does not
    # submit to TOTP), then '#' alone would be nothing: locked after two
    s = call_door(tmp_path, b, bad + "#" + bad + "#" + totp(SECRET_B32)
                  + "#", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(codes(tmp_path)) == 2, 5, what="codes judged")
    time.sleep(0.3)
    assert [r["result"] for r in codes(tmp_path)] == ["denied", "locked"]
    assert codes(tmp_path)[0]["detail"] == "wrong code, 1 of 2"
    assert opened(tmp_path) == []


def test_totp_needs_hash_and_keeps_the_config_code(tmp_path, procs):
    b = totp_door(tmp_path, {"relay1_dtmf": "4711"})
    procs.append(b)
    code = totp(SECRET_B32)
    # typed without '#', the inter-digit timeout submits a wrong code
    s = call_door(tmp_path, b, code, mode="info", hold_ms=6500)
    assert s.wait(timeout=90) == 0, s.errors()
    wait_for(lambda: len(codes(tmp_path)) == 1, 5, what="timeout judged")
    assert codes(tmp_path)[0]["result"] == "denied"
    assert opened(tmp_path) == []

    # the config code still opens, at once
    s = call_door(tmp_path, b, "4711", mode="info", name="sipp2")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 1, 5, what="config code")
    assert "detail" not in codes(tmp_path)[1]


def test_totp_uri_and_bad_secrets(tmp_path, procs):
    b = totp_door(tmp_path, {
        "relay1_totp_digits": "8",
        "relay2_gpio": f"file:{line(tmp_path, 'r2')}",
        "relay2_totp": "NOT-BASE32-1890",
        "relay2_dtmf": "4711",
        "relay3_gpio": f"file:{line(tmp_path, 'r3')}",
        "relay3_totp": "MZXW6YTBOI",           # 6 bytes: too short
        "relay4_gpio": f"file:{line(tmp_path, 'r4')}",
        "relay4_totp": SECRET, "relay4_totp_digits": "9",
    })
    procs.append(b)
    b.wait_log("relay 1 takes 8-digit TOTP codes")
    log = b.log()
    assert "relay2_totp: the secret is not base32" in log
    assert "relay3_totp: the secret is not base32" in log
    assert "relay4_totp_digits" in log
    for n in (2, 3, 4):
        assert f"relay {n}: TOTP codes off" in log
    assert "NOT-BASE32" not in log and "MZXW6YTBOI" not in log

    uri = b.ok("relay_totp_uri", "Front door").strip()
    u = urllib.parse.urlparse(uri)
    q = urllib.parse.parse_qs(u.query)
    assert u.scheme == "otpauth" and u.netloc == "totp"
    assert urllib.parse.unquote(u.path) == "/baresip-door:Front door"
    assert q["secret"] == [SECRET_B32] and q["digits"] == ["8"]
    assert q["period"] == ["30"] and q["algorithm"] == ["SHA1"]
    assert q["issuer"] == ["baresip-door"]
    assert SECRET_B32 not in b.log()

    for arg in ("2", "9", ""):
        resp = b.cmd("relay_totp_uri", arg)
        assert "otpauth" not in str(resp)

    # relay 2 keeps its config code; relay 1 its 8-digit TOTP code
    s = call_door(tmp_path, b, "4711" + totp(SECRET_B32, digits=8) + "#",
                  mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 2, 5, what="both open")
    assert sorted(r["relay"] for r in opened(tmp_path)) == ["1", "2"]


def test_totp_is_no_wrong_code_for_dryio(tmp_path, procs):
    b = Baresip(tmp_path, modules=("relay", "dryio"), config={
        "door_audit_file": line(tmp_path, "audit.log"),
        "relay1_gpio": f"file:{line(tmp_path, 'r1')}", "relay1_hold": "0.3",
        "relay1_totp": SECRET,
        "dryio_out1_gpio": f"file:{line(tmp_path, 'o1')}",
        "dryio_out1_dtmf": "4711", "dryio_out1_hold": "0.3"}).start()
    procs.append(b)
    s = call_door(tmp_path, b, totp(SECRET_B32) + "#4711", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len(opened(tmp_path)) == 1 and any(
        r["module"] == "dryio" and r["result"] == "ok"
        for r in audit(tmp_path)), 5, what="relay and dryio open")
    time.sleep(0.3)
    assert not [r for r in audit(tmp_path) if r["result"] == "denied"]

    # a wrong one is wrong for both
    s = call_door(tmp_path, b, wrong_code() + "#", mode="info",
                  name="sipp2")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: {r["module"] for r in audit(tmp_path)
                      if r["result"] == "denied"} == {"relay", "dryio"}, 5,
             what="both refuse")
