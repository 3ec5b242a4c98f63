"""How fast can a redialling attacker try DTMF codes, and how long would
guessing a 4- and a 6-digit code take under the door guard?

Real baresip with relay.so; sipp on loopback redials as fast as the door
answers: each call keys three 4-digit guesses by SIP INFO (each ended by
'#'), hangs up and dials again, with up to CONC calls at once.

  1. without the guard (budgets set out of reach): the best raw rate, in
     guesses per second;
  2. with the default guard settings: how many guesses are judged in the
     same time, the rest being refused unjudged.

Then the expected time to find a code (half the code space) follows from
the measured rate and the guard's schedule (20 wrong codes from all
callers, then 30 s doubling to 1 h per further wrong code). Bounded: two
runs of SECONDS each (default 20), loopback only, sipp traces off.

    make bench-guess            # or: python3 tests/bench/guess_rate.py
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "system"))

from harness import Baresip, free_media_port, free_port  # noqa: E402
from sipp_scenarios import uac_call     # noqa: E402

SECONDS = float(os.environ.get("GUESS_SECONDS", "20"))
CONC = int(os.environ.get("GUESS_CONC", "4"))
GUESSES = "1111#2222#3333#"


def run(tmp, name, guard):
    audit_path = os.path.join(tmp, name + "-audit.log")
    cfg = {"door_audit_file": audit_path,
           "relay1_gpio": f"file:{os.path.join(tmp, name + '-r1')}",
           "relay1_dtmf": "975310", "relay1_hold": "0.3"}
    if not guard:
        cfg.update({"door_dtmf_budget": "1000",
                    "door_dtmf_budget_total": "100000"})
    b = Baresip(tmp, modules=("relay",), config=cfg, name=name).start()
    scen = os.path.join(tmp, name + ".xml")
    with open(scen, "w") as f:
        f.write(uac_call(GUESSES, mode="info", gap_ms=0, lead_ms=0,
                         hold_ms=0))
    args = ["sipp", "-sf", scen, "-i", "127.0.0.1", "-p", str(free_port()),
            "-mi", "127.0.0.1", "-mp", str(free_media_port()), "-s", b.user,
            "-l", str(CONC), "-r", "1000", "-m", "1000000", "-nostdin",
            "-timeout", f"{int(SECONDS)}s", f"127.0.0.1:{b.sip_port}"]
    t0 = time.monotonic()
    with open(os.path.join(tmp, name + "-sipp.out"), "wb") as out:
        subprocess.run(args, stdout=out, stderr=subprocess.STDOUT,
                       cwd=tmp, timeout=SECONDS + 30)
    elapsed = time.monotonic() - t0
    b.stop()
    with open(audit_path) as f:
        recs = [json.loads(l) for l in f if l.strip()]
    codes = [r for r in recs if r["action"] == "code"]
    judged = sum(1 for r in codes if r["result"] in ("denied", "ok") or
                 (r["result"] == "locked" and
                  "suspended" not in r.get("detail", "")))
    refused = sum(1 for r in codes if r["result"] == "locked" and
                  "suspended" in r.get("detail", ""))
    return elapsed, judged, refused


def backoff(n, base=30.0, cap=3600.0):
    return min(base * 2 ** min(n - 1, 30), cap)


def time_to(k, rate, total=20):
    """Seconds until the k-th judged guess for an attacker with any number
    of addresses (the total budget binds): total-1 guesses at the raw
    rate, then each further wrong code starts a longer suspension."""
    t = min(k, total - 1) / rate
    for n in range(1, k - total + 2):
        t += backoff(n) + 1 / rate
    return t


def human(s):
    if s < 3600:
        return f"{s / 60:.1f} minutes"
    if s < 86400 * 2:
        return f"{s / 3600:.1f} hours"
    if s < 86400 * 365 * 2:
        return f"{s / 86400:.0f} days"
    return f"{s / 86400 / 365.25:.0f} years"


def main():
    tmp = tempfile.mkdtemp(prefix="guess-rate-")
    el, judged, refused = run(tmp, "noguard", guard=False)
    rate = judged / el
    print(f"without the guard: {judged} guesses judged in {el:.1f} s ="
          f" {rate:.1f} guesses/s ({CONC} calls at once, 3 per call)")
    el2, judged2, refused2 = run(tmp, "guard", guard=True)
    print(f"with the default guard: {judged2} judged, {refused2} refused"
          f" unjudged in {el2:.1f} s")
    for digits in (4, 6):
        k = 10 ** digits // 2
        print(f"{digits}-digit code, expected {k} guesses: without the"
              f" guard {human(k / rate)}, with it {human(time_to(k, rate))}")


if __name__ == "__main__":
    main()
