"""dryio with the real baresip: file-backed GPIO lines flipped by the test
(inotify), sipp as the SIP peer for MESSAGE, calls and RFC 2833 DTMF."""
import os
import time

import pytest

from harness import (BUILD, Baresip, Sipp, path, read_audit, read_line_file,
                     wait_for)
import sipp_scenarios

MODULES = ("dryio",)


# ---- sipp scenarios for SIP MESSAGE ----

def uas_message(expect_body):
    """Receive one MESSAGE, fail unless its body matches, answer 200."""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uas message">
  <recv request="MESSAGE">
    <action>
      <ereg regexp="{expect_body}" search_in="body" check_it="true"
            assign_to="1"/>
    </action>
  </recv>
  <Reference variables="1"/>
  <send>
    <![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def uac_message(body, user="admin", ctype="text/plain", code=200):
    """Send one MESSAGE to the door's account and expect `code`."""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac message">
  <send retrans="500">
    <![CDATA[
MESSAGE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 MESSAGE
Max-Forwards: 70
Content-Type: {ctype}
Content-Length: [len]

{body}
    ]]>
  </send>
  <recv response="{code}"/>
</scenario>
"""


# ---- helpers ----

def set_level(path, value):
    """What a script does to drive an input: echo 0 > file."""
    with open(path, "w") as f:
        f.write(f"{value}\n")


def audit(path):
    """the records of an audit file named by its path (for test files
    that import this name; new code: harness.read_audit(folder))"""
    return read_audit(os.path.dirname(path), os.path.basename(path))


def dryio_list(door):
    return door.ok("dryio_list")


def input_field(door, n, field):
    for line in dryio_list(door).splitlines():
        if line.startswith(f"in{n} "):
            for word in line.split():
                if word.startswith(field + "="):
                    return word.split("=", 1)[1]
    raise AssertionError(f"in{n} not listed")


def send_message(tmp_path, door, body, user, name, ctype="text/plain",
                 code=200):
    sipp = Sipp(tmp_path, uac_message(body, user, ctype, code), door_target(
        door), name=name, extra_args=["-s", door.user])
    sipp.start()
    rc = sipp.wait(20)
    assert rc == 0, sipp.errors()
    return sipp


def door_target(door):
    return f"127.0.0.1:{door.sip_port}"


@pytest.fixture
def doors():
    started = []

    def start(tmp_path, config, answermode="auto", name="door"):
        d = Baresip(tmp_path, modules=MODULES, config=config,
                    answermode=answermode, name=name)
        started.append(d)
        d.start()
        d.wait_log("dryio: ")
        return d

    yield start
    for d in started:
        d.stop()


@pytest.fixture
def lines(tmp_path):
    """Paths of file-backed lines; inputs start idle (1: low triggers)."""
    def make(name, value=None):
        path = os.path.join(str(tmp_path), name)
        if value is not None:
            set_level(path, value)
        return path
    return make


# ---- inputs ----

def test_input_sends_alert_message(tmp_path, doors, lines):
    in1 = lines("in1", 1)
    log = path(tmp_path, "audit.log")
    uas = Sipp(tmp_path, uas_message("^ALERT=Door forced"), None,
               name="guard")
    uas.start()
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_name": "Door contact",
        "dryio_in1_alert": "Door forced",
        "dryio_alert_uri": f"sip:guard@127.0.0.1:{uas.port}",
        "door_audit_file": log,
    })

    t0 = time.monotonic()
    set_level(in1, 0)
    assert uas.wait(15) == 0, uas.errors()
    print(f"\nFIGURE dryio input edge to MESSAGE answered: "
          f"{(time.monotonic() - t0) * 1000:.0f} ms (debounce 50 ms)")

    msgs = uas.messages()
    assert "MESSAGE sip:guard@127.0.0.1" in msgs
    assert "Content-Type: text/plain" in msgs
    assert "\nALERT=Door forced" in msgs

    door.wait_log("alert delivered to sip:guard@")
    assert "in1 (Door contact) triggered" in door.log()
    recs = read_audit(tmp_path)
    assert any(r["action"] == "input" and r["relay"] == "in1"
               and r["result"] == "ok" for r in recs)
    wait_for(lambda: any(r["action"] == "alert_send" and
                         r["result"] == "ok" for r in read_audit(tmp_path)),
             what="alert_send audit record")
    assert input_field(door, 1, "triggered") == "yes"
    set_level(in1, 1)
    wait_for(lambda: input_field(door, 1, "triggered") == "no",
             what="release")


def test_bounce_shorter_than_debounce_sends_nothing(tmp_path, doors, lines):
    in1 = lines("in1", 1)
    log = path(tmp_path, "audit.log")
    uas = Sipp(tmp_path, uas_message("^ALERT=bounce"), None, name="guard")
    uas.start()
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_debounce": "1000",
        "dryio_in1_alert": "bounce",
        "dryio_alert_uri": f"sip:guard@127.0.0.1:{uas.port}",
        "door_audit_file": log,
    })
    try:
        # the door sees both edges, well inside the debounce time
        t0 = time.monotonic()
        set_level(in1, 0)
        wait_for(lambda: input_field(door, 1, "level") == "0", 0.8,
                 what="level 0 seen")
        set_level(in1, 1)
        wait_for(lambda: input_field(door, 1, "level") == "1", 0.8,
                 what="level 1 seen")
        assert time.monotonic() - t0 < 1.0, "too slow to test a bounce"

        time.sleep(1.5)
        assert "triggered" not in door.log()
        assert "sending ALERT" not in door.log()
        assert not any(r["action"] == "input" for r in read_audit(tmp_path))
        assert "MESSAGE" not in uas.messages()
    finally:
        uas.proc.kill()
        uas.wait(5)


def test_long_press_runs_command_after_hold(tmp_path, doors, lines):
    in1, out1 = lines("in1", 1), lines("out1")
    log = path(tmp_path, "audit.log")
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_name": "RF key",
        "dryio_in1_hold": "1.5",
        "dryio_in1_command": "dryio_out 1 on",
        "dryio_in2_gpio": f"file:{lines('in2', 1)}",
        "dryio_in2_command": "no_such_command now",
        "dryio_in2_debounce": "0",
        "dryio_out1_gpio": f"file:{out1}",
        "door_audit_file": log,
    })
    assert read_line_file(out1) == "0"

    # a short press (0.6 s) does nothing
    set_level(in1, 0)
    time.sleep(0.6)
    set_level(in1, 1)
    time.sleep(1.4)
    assert read_line_file(out1) == "0"
    assert "triggered" not in door.log()

    # a long press runs the command once the hold time has passed
    t0 = time.monotonic()
    set_level(in1, 0)
    time.sleep(1.0)
    assert read_line_file(out1) == "0", "ran before dryio_in1_hold"
    wait_for(lambda: read_line_file(out1) == "1", 3, what="out1 on")
    took = time.monotonic() - t0
    print(f"\nFIGURE dryio long press to command: {took * 1000:.0f} ms "
          f"(hold 1500 ms + debounce 50 ms)")
    assert took >= 1.5
    assert "in1: command 'dryio_out' done" in door.log()
    assert any(r["action"] == "command" and r["result"] == "ok"
               for r in read_audit(tmp_path))

    # an input whose command does not exist: a clear error, still running
    set_level(lines("in2"), 0)
    door.wait_log("in2: command 'no_such_command' does not exist")
    assert "now" not in door.log().split("no_such_command")[-1][:40]
    assert door.alive()


def test_input_drives_linked_output(tmp_path, doors, lines):
    in1, out1 = lines("in1", 0), lines("out1")
    log = path(tmp_path, "audit.log")
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_trigger": "high",
        "dryio_in1_output": "1",
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_name": "Alarm light",
        "dryio_out1_hold": "1",
        "door_audit_file": log,
    })
    set_level(in1, 1)                       # high level triggers
    wait_for(lambda: read_line_file(out1) == "1", 3, what="out1 on")
    t_on = time.monotonic()
    wait_for(lambda: read_line_file(out1) == "0", 3, what="out1 off")
    held = time.monotonic() - t_on
    print(f"\nFIGURE dryio output hold 1 s measured: {held * 1000:.0f} ms")
    assert held > 0.7
    # the log line and the audit records follow the line's change: wait
    # for them rather than read them once
    wait_for(lambda: "on by input in1" in door.log(), 3, what="log line")
    wait_for(lambda: any(r["action"] == "output_off" and
                         r["source"] == "timer"
                         for r in read_audit(tmp_path)), 3,
             what="output_off record")
    recs = read_audit(tmp_path)
    assert any(r["action"] == "output_on" and r["relay"] == "out1" and
               r["source"] == "input" and r["who"] == "in1" for r in recs)

    # low level (released) does nothing; high again triggers again
    set_level(in1, 0)
    time.sleep(0.3)
    assert read_line_file(out1) == "0"
    set_level(in1, 1)
    wait_for(lambda: read_line_file(out1) == "1", 3, what="out1 on again")


def test_chattering_input_triggers_at_the_limit(tmp_path, doors, lines):
    """A loose wire: the input changes every 20 ms for 1.6 s (debounce
    50 ms) and would never hold a debounce time; at the chatter limit,
    max(1 s, 20 x 50 ms), it counts as triggered (once: one audit record,
    its output on, one log line), and released once it rests idle."""
    in1, out1 = lines("in1", 1), lines("out1")
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_name": "Gate loop",
        "dryio_in1_output": "1",
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_hold": "10",
        "door_audit_file": path(tmp_path, "audit.log"),
    })
    t0 = time.monotonic()
    on_at, stamps = None, []
    for k in range(80):
        time.sleep(max(0.0, t0 + 0.02 * k - time.monotonic()))
        set_level(in1, k % 2)               # 0: triggered
        stamps.append(time.monotonic())
        if on_at is None and read_line_file(out1) == "1":
            on_at = time.monotonic() - t0
    set_level(in1, 1)                       # left idle
    if on_at is not None:
        print(f"\nFIGURE chatter from the first edge to the output on:"
              f" {on_at * 1000:.0f} ms (limit 1000 ms)")

    wait_for(lambda: input_field(door, 1, "triggered") == "no", 3,
             what="released")
    assert "in1 (Gate loop) released" in door.log()

    # unless the writer stalled past the debounce (a loaded machine: the
    # line then settled for real), exactly the chatter limit
    if max(y - x for x, y in zip(stamps, stamps[1:])) < 0.045:
        assert on_at is not None, "the output never came on"
        assert 0.9 < on_at < 1.0 + 0.5, f"triggered after {on_at:.3f} s"
        assert door.log().count("dryio: in1 (Gate loop) chattering: taken"
                                " as triggered") == 1
        recs = [r for r in read_audit(tmp_path) if r["action"] == "input"]
        assert [(r["relay"], r["result"]) for r in recs] == [("in1", "ok")]

# ---- SIP MESSAGE ----

def test_alert_message_allowed_and_refused(tmp_path, doors, lines):
    out1, out2 = lines("out1"), lines("out2")
    log = path(tmp_path, "audit.log")
    door = doors(tmp_path, {
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_alert": "OUT1_SOS",
        "dryio_out1_hold": "0",
        "dryio_out2_gpio": f"file:{out2}",
        "dryio_out2_alert": "Fire alarm",
        "dryio_message_allow": "admin, sip:ops@127.0.0.1*",
        "door_audit_file": log,
    })

    # a stranger: nothing happens, refusal logged and audited
    send_message(tmp_path, door, "ALERT=OUT1_SOS", "mallory", "stranger")
    door.wait_log("ALERT message from sip:mallory@127.0.0.1")
    assert "refused: sender not in dryio_message_allow" in door.log()
    assert read_line_file(out1) == "0"
    assert any(r["action"] == "alert" and r["result"] == "denied" and
               "mallory" in r["who"] for r in read_audit(tmp_path))

    # malformed bodies from an allowed sender change nothing
    send_message(tmp_path, door, "ALERT=", "admin", "empty")
    door.wait_log("refused: empty alert text")
    send_message(tmp_path, door, "ALERT=" + "x" * 1500, "admin", "long")
    door.wait_log("refused: body too long")
    send_message(tmp_path, door, "ALERT=OUT1_SOS", "admin", "html",
                 ctype="text/html", code=415)
    send_message(tmp_path, door, "hello there", "admin", "chat")
    door.wait_log("ignored: no ALERT= body")
    send_message(tmp_path, door, "ALERT=unknown", "admin", "unknown")
    door.wait_log("no output has this alert")
    assert read_line_file(out1) == "0"
    assert read_line_file(out2) == "0"

    # the allowed sender switches the output (keyword case, whitespace)
    send_message(tmp_path, door, "  alert = OUT1_SOS", "admin", "allowed")
    wait_for(lambda: read_line_file(out1) == "1", 3, what="out1 on")
    assert read_line_file(out2) == "0"
    assert any(r["action"] == "output_on" and r["source"] == "message"
               and "admin" in r["who"] for r in read_audit(tmp_path))

    # a full-address pattern with a wildcard, text with a space
    send_message(tmp_path, door, "ALERT=Fire alarm", "ops", "ops")
    wait_for(lambda: read_line_file(out2) == "1", 3, what="out2 on")
    assert door.alive()


def test_empty_allowlist_refuses_everyone(tmp_path, doors, lines):
    out1 = lines("out1")
    log = path(tmp_path, "audit.log")
    door = doors(tmp_path, {
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_alert": "OUT1_SOS",
        "door_audit_file": log,
    })
    assert "dryio_message_allow is empty" in door.log()
    send_message(tmp_path, door, "ALERT=OUT1_SOS", "admin", "admin")
    door.wait_log("refused: sender not in dryio_message_allow")
    assert read_line_file(out1) == "0"

    # the local command still works, and says what it did
    assert "applied" in door.ok("dryio_alert", "OUT1_SOS")
    wait_for(lambda: read_line_file(out1) == "1", 3, what="out1 on")
    ok, text = door.cmd("dryio_alert", "nothing")
    assert not ok and "no output" in text


# ---- calls ----

def test_dtmf_code_switches_output(tmp_path, doors, lines):
    out1 = lines("out1")
    log = path(tmp_path, "audit.log")
    door = doors(tmp_path, {
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_dtmf": "1234",
        "dryio_out1_hold": "3",
        "door_audit_file": log,
    })
    # sipp's pcaps carry fixed RTP sequence numbers that grow from 1 to
    # 9, * and #: a call plays keys in that order, so the wrong code and
    # the right one go in two calls (each call has its own matcher)
    sipp = Sipp(tmp_path, sipp_scenarios.uac_call("1239#", hold_ms=300),
                door_target(door), name="wrong",
                extra_args=["-s", door.user])
    sipp.start()
    assert sipp.wait(30) == 0, sipp.errors()
    door.wait_log("match no output code")
    assert read_line_file(out1) == "0"

    sipp = Sipp(tmp_path, sipp_scenarios.uac_call("1234#", hold_ms=1000),
                door_target(door), name="caller",
                extra_args=["-s", door.user])
    sipp.start()
    t0 = time.monotonic()
    wait_for(lambda: read_line_file(out1) == "1", 20, what="out1 on")
    print(f"\nFIGURE dryio call start to DTMF output on (1234#): "
          f"{(time.monotonic() - t0) * 1000:.0f} ms")
    assert sipp.wait(30) == 0, sipp.errors()

    text = door.log()
    assert "match no output code (1 wrong)" in text
    assert "DTMF code for out1" in text
    assert "1234" not in text and "9999" not in text   # never logged
    recs = read_audit(tmp_path)
    assert any(r["action"] == "dtmf" and r["result"] == "denied"
               for r in recs)
    assert any(r["action"] == "output_on" and r["source"] == "dtmf"
               and "caller" in r["who"] for r in recs)
    assert "1234" not in open(log).read()


def test_output_follows_incoming_call(tmp_path, doors, lines):
    out1 = lines("out1")
    door = doors(tmp_path, {
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_name": "Ring light",
        "dryio_out1_call": "incoming",
    }, answermode="manual")

    # rings, then the caller cancels
    sipp = Sipp(tmp_path, sipp_scenarios.uac_ring(ring_ms=1500),
                door_target(door), name="cancel",
                extra_args=["-s", door.user])
    sipp.start()
    door.wait_event("CALL_INCOMING", timeout=10)
    wait_for(lambda: read_line_file(out1) == "1", 3, what="on while ringing")
    since = len(door.events)
    assert sipp.wait(20) == 0, sipp.errors()
    door.wait_event("CALL_CLOSED", timeout=10)
    wait_for(lambda: read_line_file(out1) == "0", 3, what="off on cancel")

    # rings, then the door answers
    since = len(door.events)
    sipp = Sipp(tmp_path, sipp_scenarios.uac_ring(then="answer"),
                door_target(door), name="answer",
                extra_args=["-s", door.user])
    sipp.start()
    door.wait_event("CALL_INCOMING", timeout=10, since=since)
    wait_for(lambda: read_line_file(out1) == "1", 3, what="on while ringing")
    door.ok("accept")
    door.wait_event("CALL_ESTABLISHED", timeout=10, since=since)
    wait_for(lambda: read_line_file(out1) == "0", 3, what="off on answer")
    assert sipp.wait(20) == 0, sipp.errors()


# ---- commands, config, close ----

def test_commands_and_close_switches_off(tmp_path, doors, lines):
    out1, out2 = lines("out1"), lines("out2")
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{lines('in1', 1)}",
        "dryio_in1_name": "Exit button",
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_name": "Alarm light",
        "dryio_out1_dtmf": "4711",
        "dryio_out2_gpio": f"file:{out2}",
        "dryio_out2_active_low": "yes",
        "dryio_out2_hold": "0.5",
    })
    text = dryio_list(door)
    assert 'in1  "Exit button"' in text
    assert 'out1  "Alarm light"' in text and "dtmf=yes" in text
    assert "4711" not in text
    assert read_line_file(out2) == "1"           # active low: off is 1

    assert "out1 on" in door.ok("dryio_out", "1 on")
    assert read_line_file(out1) == "1"
    time.sleep(0.3)
    assert read_line_file(out1) == "1"           # "on" stays on
    assert "out1 off" in door.ok("dryio_out", "Alarm light off")
    assert read_line_file(out1) == "0"

    door.ok("dryio_out", "2 pulse")
    assert read_line_file(out2) == "0"
    wait_for(lambda: read_line_file(out2) == "1", 3, what="pulse end")

    for params, word in (("9 on", "no output"), ("1 blink", "usage"),
                         ("", "usage"), ("on", "usage")):
        ok, resp = door.cmd("dryio_out", params)
        assert not ok and word in resp, (params, resp)

    # no argument at all (not even an empty one): a usage line, no crash
    for cmd in ("dryio_out", "dryio_alert"):
        ok, resp = door.cmd(cmd)
        assert not ok and "usage" in resp, (cmd, resp)
    assert door.alive()

    door.ok("dryio_out", "1 on")
    door.ok("dryio_out", "2 on")
    assert door.stop() == 0
    assert read_line_file(out1) == "0"
    assert read_line_file(out2) == "1"


def test_bad_config_is_reported_and_skipped(tmp_path, doors, lines):
    out1, out4 = lines("out1"), lines("out4")
    door = doors(tmp_path, {
        "dryio_in1_gpio": f"file:{lines('in1', 1)}",
        "dryio_in1_trigger": "sideways",
        "dryio_in2_gpio": f"file:{lines('in2', 1)}",
        "dryio_in2_output": "7",
        "dryio_in3_gpio": f"file:{lines('missing')}",
        "dryio_out1_gpio": f"file:{out1}",
        "dryio_out1_dtmf": "12x4",
        "dryio_out2_gpio": f"file:{lines('out2')}",
        "dryio_out2_call": "ringing",
        "dryio_out3_gpio": f"file:{lines('out3')}",
        "dryio_out3_hold": "soon",
        "dryio_out4_gpio": f"file:{out4}",
        "dryio_out5_gpio": f"file:{tmp_path}/no/such/dir/out5",
        "dryio_alert_uri": "not a uri <",
    })
    text = door.log()
    for line in ("config dryio_in1_trigger: 'sideways' is not high or low",
                 "config dryio_in2_output: there is no output 7",
                 "config dryio_in3_gpio: cannot open line",
                 "config dryio_out1_dtmf: not a DTMF code",
                 "config dryio_out2_call: 'ringing' is not incoming",
                 "config dryio_out3_hold: 'soon' is not a number",
                 "config dryio_alert_uri:"):
        assert line in text, line
    assert "12x4" not in text

    listed = dryio_list(door)
    assert "in1 " not in listed and "in2 " in listed
    assert "(line failed)" in listed
    assert "out1 " not in listed and "out4 " in listed
    door.ok("dryio_out", "4 on")
    assert read_line_file(out4) == "1"
    ok, resp = door.cmd("dryio_out", "5 on")
    assert not ok and "out5" in resp
    door.wait_log("out5 (Output 5) is disabled: its line did not open")
    assert read_line_file(out1) is None          # never opened
    assert door.alive()


# ---- webrelay ----

class EventServer:
    """An HTTP server (stdlib) standing for a building server that
    receives webrelay's action URL calls."""

    def __init__(self):
        import http.server
        import threading
        import urllib.parse
        got = self.got = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                got.append((url.path, dict(urllib.parse.parse_qsl(
                    url.query, keep_blank_values=True))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.skipif(not os.path.exists(os.path.join(
    BUILD, "modules", "webrelay.so")),
    reason="webrelay module not built")
def test_input_trigger_announced_to_webrelay(tmp_path, lines):
    in1 = lines("in1", 1)
    srv = EventServer()
    door = Baresip(tmp_path, modules=("dryio", "webrelay"), config={
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_name": "Gate button & co",
        "webrelay_on_input": f"http://127.0.0.1:{srv.port}/ev/in/$input"
                             "?state=$state&name=$name&source=$source",
    })
    try:
        door.start()
        door.wait_log("dryio: ")
        set_level(in1, 0)
        wait_for(lambda: srv.got, 5, what="on_input request")
        path, params = srv.got[0]
        assert path == "/ev/in/1"
        assert params == {"state": "on", "name": "Gate button & co",
                          "source": "input"}
        # a release is not a trigger: no second request
        set_level(in1, 1)
        time.sleep(0.5)
        assert len(srv.got) == 1
    finally:
        door.stop()
        srv.stop()


@pytest.mark.skipif(not os.path.exists(os.path.join(
    BUILD, "modules", "relay.so")),
    reason="relay module not built")
def test_exit_button_opens_relay(tmp_path, lines):
    """The seed's use: an exit button input runs relay_open."""
    in1, r1 = lines("in1", 1), lines("relay1")
    door = Baresip(tmp_path, modules=("dryio", "relay"), config={
        "relay1_gpio": f"file:{r1}",
        "relay1_hold": "1",
        "dryio_in1_gpio": f"file:{in1}",
        "dryio_in1_name": "Exit button",
        "dryio_in1_command": "relay_open 1 via=input who=in1",
    })
    try:
        door.start()
        door.wait_log("dryio: ")
        assert read_line_file(r1) == "0"
        set_level(in1, 0)
        wait_for(lambda: read_line_file(r1) == "1", 3, what="relay open")
        assert "in1: command 'relay_open' done" in door.log()
        wait_for(lambda: read_line_file(r1) == "0", 3, what="relay closed")
    finally:
        door.stop()
