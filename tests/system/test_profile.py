"""Time profiles on relays against the real baresip: unlocked hours that
switch at a boundary, DTMF hours outside which the config code fails.

baresip gets a POSIX TZ whose offset (to the second) puts a profile
boundary a few seconds ahead, so the test waits seconds, not hours.
"""
import time

from harness import read_line_file, wait_for
# procs: the fixture stopping each baresip a test started
from test_relay import audit, call_door, door, line, procs  # noqa: F401


def tz_for(local_hms, ahead):
    """A TZ string whose local time is local_hms ("07:59:57") ahead
    seconds from now, as 'LOC-hh:mm:ss' (east of UTC)"""
    h, m, s = (int(x) for x in local_hms.split(":"))
    want = h * 3600 + m * 60 + s
    now = int(time.time()) + ahead
    off = (want - now) % 86400
    return "LOC-%02d:%02d:%02d" % (off // 3600, off // 60 % 60, off % 60), \
        now


def schedule_recs(tmp_path):
    return [r for r in audit(tmp_path) if r.get("source") == "schedule"]


def test_unlocked_hours_switch_at_the_boundary(tmp_path, procs,
                                               monkeypatch):
    # local 08:00:56 at start: relay 1 (08:00-08:01) on, off 4 s later,
    # when relay 2 (08:01-09:00) comes on; relay 3's profile is unknown
    zone, start = tz_for("08:00:56", 0)
    monkeypatch.setenv("TZ", zone)
    b = door(tmp_path, {
        "door_profile1": "early Mo-Su 08:00-08:01",
        "door_profile2": "late  Mo-Su 08:01-09:00",
        "door_profile3": "broken Mo-Xy 08:00-09:00",
        "relay1_gpio": f"file:{line(tmp_path, 'r1')}",
        "relay1_unlocked_hours": "early",
        "relay2_gpio": f"file:{line(tmp_path, 'r2')}",
        "relay2_unlocked_hours": "LATE",
        "relay3_gpio": f"file:{line(tmp_path, 'r3')}",
        "relay3_unlocked_hours": "broken",
    })
    procs.append(b)
    boundary = start + 4

    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "1", 3,
             what="relay 1 on in its hours")
    assert read_line_file(line(tmp_path, "r2")) == "0"
    log = b.log()
    assert "door_profile3: 'Mo-Xy 08:00-09:00' is not days" in log
    assert "relay3_unlocked_hours: no door_profileN named 'broken'" in log
    assert read_line_file(line(tmp_path, "r3")) == "0"

    wait_for(lambda: read_line_file(line(tmp_path, "r2")) == "1", 10,
             interval=0.01, what="relay 2 on at 08:01")
    t_on = time.time()
    wait_for(lambda: read_line_file(line(tmp_path, "r1")) == "0", 2,
             what="relay 1 off at 08:01")
    print(f"relay 2 on {t_on - boundary:+.3f} s from the boundary")
    assert boundary - 0.05 <= t_on < boundary + 1.0

    wait_for(lambda: len(schedule_recs(tmp_path)) == 3, 2,
             what="three schedule records")
    recs = schedule_recs(tmp_path)
    assert [(r["relay"], r["action"]) for r in recs] == \
        [("1", "on"), ("1", "close"), ("2", "on")]
    assert all(r["who"] in ("early", "late") for r in recs)

    # an opening pulse inside the hours leaves the relay on after it
    b.ok("relay_open", "2")
    time.sleep(5.5)                         # the default hold is 5 s
    assert read_line_file(line(tmp_path, "r2")) == "1"


def test_dtmf_hours_limit_the_config_code(tmp_path, procs, monkeypatch):
    # local 12:00: the code works 08:00-10:00 only
    zone, _ = tz_for("12:00:00", 0)
    monkeypatch.setenv("TZ", zone)
    b = door(tmp_path, {
        "door_profile1": "morning Mo-Su 08:00-10:00",
        "door_profile2": "noon Mo-Su 11:00-13:00",
        "relay1_gpio": f"file:{line(tmp_path, 'r1')}",
        "relay1_dtmf": "135790", "relay1_dtmf_hours": "morning",
        "relay1_hold": "0.3",
        "relay2_gpio": f"file:{line(tmp_path, 'r2')}",
        "relay2_dtmf": "246801", "relay2_dtmf_hours": "noon",
        "relay2_hold": "0.3",
    })
    procs.append(b)
    s = call_door(tmp_path, b, "135790#246801", mode="info")
    assert s.wait() == 0, s.errors()
    wait_for(lambda: len([r for r in audit(tmp_path)
                          if r["action"] == "code"]) == 2, 5,
             what="both codes judged")
    codes = [r for r in audit(tmp_path) if r["action"] == "code"]
    assert [r["result"] for r in codes] == ["denied", "ok"]
    assert codes[1]["relay"] == "2"
    opened = [r["relay"] for r in audit(tmp_path)
              if r["action"] == "open" and r["source"] == "dtmf"]
    assert opened == ["2"]
