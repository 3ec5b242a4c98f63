"""Attacks on the door alarms with the real baresip: an alarm output
shared by two doors (one siren for a building) must stay on while any of
them is still in alarm; closing the other door must not silence it."""
import os

from harness import read_line_file, wait_for
from test_door_contact import Door, status, wait_door
from test_dryio import set_level as write


def test_shared_siren_stays_on_while_a_door_is_in_alarm(tmp_path):
    siren = os.path.join(str(tmp_path), "siren")
    back = os.path.join(str(tmp_path), "back")
    write(back, 0)
    door = Door(tmp_path, modules=("relay", "dryio"),
                relay1_alarm_output="1",
                relay2_gpio=f"file:{os.path.join(str(tmp_path), 'lock2')}",
                relay2_name="Back door",
                relay2_contact=f"file:{back}",
                relay2_contact_debounce="20",
                relay2_alarm_output="1",
                dryio_out1_gpio=f"file:{siren}", dryio_out1_name="Siren")
    door.b.modules = ["relay", "dryio"]
    door.b.start()
    door.b.wait_log("relays configured")
    b = door.b
    try:
        wait_for(lambda: read_line_file(siren) == "0")
        write(door.contact, 1)              # front door forced
        wait_door(b, "door_forced", relay="1")
        wait_for(lambda: read_line_file(siren) == "1")

        # the back door forced and shut again: its alarm ends, the front
        # door's does not, and the siren they share stays on
        write(back, 1)
        wait_door(b, "door_forced", relay="2")
        write(back, 0)
        wait_door(b, "door_closed", relay="2")
        b.wait_log("closed: forced alarm ended")
        assert status(b)[1]["door"] == "forced"
        assert read_line_file(siren) == "1"

        # the last door in alarm shut: the siren goes off
        write(door.contact, 0)
        wait_door(b, "door_closed", relay="1")
        wait_for(lambda: read_line_file(siren) == "0")
    finally:
        door.stop()


def test_contact_file_removed_counts_as_open(tmp_path):
    """A contact line that can no longer be read (here its file: removed;
    on GPIO, a chip unplugged) fails open: a forced alarm, the interlocked
    door refused, until the line reads shut again."""
    lock2 = os.path.join(str(tmp_path), "lock2")
    door = Door(tmp_path, relay2_gpio=f"file:{lock2}", relay2_name="Inner",
                relay_interlock="1,2")
    b = door.b
    b.start()
    b.wait_log("relays configured")
    try:
        os.unlink(door.contact)
        wait_door(b, "door_forced", relay="1")
        assert status(b)[1]["door"] == "forced"
        ok, text = b.cmd("relay_open", "2")
        assert not ok and "interlock: door 1 open" in text

        write(door.contact, 0)
        wait_door(b, "door_closed", relay="1")
        b.ok("relay_open", "2")
    finally:
        door.stop()


def test_odd_config_under_valgrind(tmp_path):
    """Config an attacker or a typo could leave: a contact on a chime
    relay, one file as a relay's line and its own contact, the longest
    debounce, bad and overflowing times, interlock groups with duplicates,
    unknown members and the last group number; then two doors in alarm on
    one siren at close. valgrind sees no error; close leaves all off."""
    d = str(tmp_path)
    siren = os.path.join(d, "siren")
    same = os.path.join(d, "same")
    for name in ("c2", "c3"):
        write(os.path.join(d, name), 0)
    door = Door(tmp_path, modules=("relay", "dryio"), valgrind=True,
                relay1_alarm_output="1",
                relay2_gpio=f"file:{os.path.join(d, 'lock2')}",
                relay2_contact=f"file:{os.path.join(d, 'c2')}",
                relay2_contact_debounce="60000",
                relay2_held_alarm="86400", relay2_entry_time="0",
                relay2_alarm_output="1",
                relay3_gpio=f"file:{os.path.join(d, 'lock3')}",
                relay3_type="chime",
                relay3_contact=f"file:{os.path.join(d, 'c3')}",
                relay4_gpio=f"file:{same}", relay4_contact=f"file:{same}",
                relay4_contact_debounce="-5", relay4_held_alarm="99999999999",
                relay_interlock="1,1,2,9", relay_interlock16="2,4,3",
                dryio_out1_gpio=f"file:{siren}")
    b = door.b
    b.start()
    b.wait_log("relays configured", timeout=60)
    try:
        log = b.log()
        assert "relay_interlock: relay 1 named twice" in log
        assert "relay 3 is of type chime" in log
        assert "relay4_contact_debounce" in log
        assert "relay4_held_alarm" in log
        b.ok("relay_open", "4")
        b.ok("relay_close", "4")
        write(door.contact, 1)                      # door 1 forced
        wait_door(b, "door_forced", timeout=30, relay="1")
        os.unlink(os.path.join(d, "c2"))            # door 2 line gone
        ok, text = b.cmd("relay_open", "2")
        assert not ok and "interlock: door 1 open" in text
        wait_for(lambda: read_line_file(siren) == "1", timeout=30)
    finally:
        door.stop()
    assert read_line_file(siren) == "0"
