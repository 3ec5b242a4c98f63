/**
 * @file test_door_doorstate.c  The door state machine on a test clock:
 * every transition of closed, open, held and forced, the access window,
 * the held deadline, relock and the state after a restart
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "door.h"
#include "support.h"

#define S 1000ULL

static const struct doorstate_cfg cfg = {.entry_ms = 5 * S,
					 .held_ms = 30 * S};


static void test_closed_at_start(void **state)
{
	struct doorstate ds;
	uint64_t at;
	(void)state;

	doorstate_init(&ds, &cfg, false, 0);
	assert_int_equal(DOOR_CLOSED, ds.state);
	assert_false(doorstate_deadline(&ds, &at));
	assert_int_equal(DOOR_CLOSED, doorstate_tick(&ds, 100 * S));
}


/* relay on at 0 s, door opened at 1 s, relay off at 5 s */
static void opened_in_access(struct doorstate *ds)
{
	doorstate_init(ds, &cfg, false, 0);
	(void)doorstate_access(ds, true, 0);
	assert_int_equal(DOOR_OPEN, doorstate_contact(ds, true, 1 * S));
	(void)doorstate_access(ds, false, 5 * S);
}


/* closed -> open (relay on) -> closed, no alarm, relock due */
static void test_open_with_access(void **state)
{
	struct doorstate ds;
	uint64_t at;
	(void)state;

	doorstate_init(&ds, &cfg, false, 0);
	assert_int_equal(DOOR_CLOSED, doorstate_access(&ds, true, 1 * S));
	assert_int_equal(DOOR_OPEN, doorstate_contact(&ds, true, 2 * S));
	assert_true(doorstate_deadline(&ds, &at));
	assert_int_equal(32 * S, at);
	assert_false(doorstate_relock_due(&ds));

	/* repeats change nothing */
	assert_int_equal(DOOR_OPEN, doorstate_contact(&ds, true, 3 * S));
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 4 * S));
	assert_true(doorstate_relock_due(&ds));
	assert_false(doorstate_deadline(&ds, &at));

	/* the relay goes off: no relock pending any more */
	assert_int_equal(DOOR_CLOSED, doorstate_access(&ds, false, 4 * S));
	assert_false(doorstate_relock_due(&ds));

	/* the access was used: no entry window after it, opening is forced */
	assert_int_equal(DOOR_FORCED, doorstate_contact(&ds, true, 5 * S));
}


/* the entry window: entry_ms after the relay went off, not a ms more */
static void test_entry_window(void **state)
{
	struct doorstate ds;
	(void)state;

	doorstate_init(&ds, &cfg, false, 0);
	(void)doorstate_access(&ds, true, 0);
	(void)doorstate_access(&ds, false, 3 * S);
	assert_int_equal(DOOR_OPEN,
			 doorstate_contact(&ds, true, 8 * S - 1));
	/* opened after the relay went off: nothing to relock */
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 9 * S));
	assert_false(doorstate_relock_due(&ds));

	doorstate_init(&ds, &cfg, false, 0);
	(void)doorstate_access(&ds, true, 0);
	(void)doorstate_access(&ds, false, 3 * S);
	assert_int_equal(DOOR_CLOSED, doorstate_tick(&ds, 8 * S));
	assert_int_equal(DOOR_FORCED, doorstate_contact(&ds, true, 8 * S));

	/* one entry per window: the lock is shut again, so a second
	 * opening in what is left of the window is forced */
	doorstate_init(&ds, &cfg, false, 0);
	(void)doorstate_access(&ds, true, 0);
	(void)doorstate_access(&ds, false, 3 * S);
	assert_int_equal(DOOR_OPEN, doorstate_contact(&ds, true, 4 * S));
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 5 * S));
	assert_int_equal(DOOR_FORCED, doorstate_contact(&ds, true, 6 * S));
}


/* closed -> forced -> closed; access while forced does not clear it */
static void test_forced(void **state)
{
	struct doorstate ds;
	uint64_t at;
	(void)state;

	doorstate_init(&ds, &cfg, false, 0);
	assert_int_equal(DOOR_FORCED, doorstate_contact(&ds, true, 1 * S));
	assert_true(doorstate_alarm(ds.state));
	assert_false(doorstate_deadline(&ds, &at));

	assert_int_equal(DOOR_FORCED, doorstate_access(&ds, true, 2 * S));
	assert_int_equal(DOOR_FORCED, doorstate_tick(&ds, 100 * S));
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 101 * S));
	/* it opened before the access: closing it relocks nothing */
	assert_false(doorstate_relock_due(&ds));
	assert_false(doorstate_alarm(ds.state));

	/* the same relay on: the next opening is an access */
	assert_int_equal(DOOR_OPEN, doorstate_contact(&ds, true, 102 * S));
}


/* open -> held at held_ms after opening, not before; held -> closed */
static void test_held(void **state)
{
	struct doorstate ds;
	uint64_t at;
	(void)state;

	opened_in_access(&ds);

	assert_true(doorstate_deadline(&ds, &at));
	assert_int_equal(31 * S, at);
	assert_int_equal(DOOR_OPEN, doorstate_tick(&ds, 31 * S - 1));
	assert_int_equal(DOOR_HELD, doorstate_tick(&ds, 31 * S));
	assert_true(doorstate_alarm(ds.state));
	assert_false(doorstate_deadline(&ds, &at));

	/* a new access does not end the alarm: only closing does */
	assert_int_equal(DOOR_HELD, doorstate_access(&ds, true, 40 * S));
	assert_int_equal(DOOR_HELD, doorstate_contact(&ds, true, 41 * S));
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 42 * S));
}


/* a new access while open restarts the held time */
static void test_held_counts_from_latest_access(void **state)
{
	struct doorstate ds;
	uint64_t at;
	(void)state;

	opened_in_access(&ds);
	(void)doorstate_access(&ds, true, 20 * S);

	assert_true(doorstate_deadline(&ds, &at));
	assert_int_equal(50 * S, at);
	assert_int_equal(DOOR_OPEN, doorstate_tick(&ds, 31 * S));
	assert_int_equal(DOOR_HELD, doorstate_tick(&ds, 50 * S));
}


static void test_held_off(void **state)
{
	const struct doorstate_cfg off = {.entry_ms = 5 * S, .held_ms = 0};
	struct doorstate ds;
	uint64_t at;
	(void)state;

	doorstate_init(&ds, &off, false, 0);
	(void)doorstate_access(&ds, true, 0);
	assert_int_equal(DOOR_OPEN, doorstate_contact(&ds, true, 1 * S));
	assert_false(doorstate_deadline(&ds, &at));
	assert_int_equal(DOOR_OPEN, doorstate_tick(&ds, 1000 * S));

	/* open at start, held alarm off: open, not an alarm */
	doorstate_init(&ds, &off, true, 0);
	assert_int_equal(DOOR_OPEN, ds.state);
}


/* a restart with the door open: held, never forced */
static void test_open_at_start(void **state)
{
	struct doorstate ds;
	uint64_t at;
	(void)state;

	doorstate_init(&ds, &cfg, true, 0);
	assert_int_equal(DOOR_HELD, ds.state);
	assert_false(doorstate_deadline(&ds, &at));
	assert_int_equal(DOOR_HELD, doorstate_contact(&ds, true, 1 * S));
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 2 * S));
	assert_false(doorstate_relock_due(&ds));
	assert_int_equal(DOOR_FORCED, doorstate_contact(&ds, true, 3 * S));
}


/* opened while on, the relay went off, closed: no relock */
static void test_relock_only_while_on(void **state)
{
	struct doorstate ds;
	(void)state;

	doorstate_init(&ds, &cfg, false, 0);
	(void)doorstate_access(&ds, true, 0);
	(void)doorstate_contact(&ds, true, 1 * S);
	(void)doorstate_access(&ds, false, 2 * S);
	(void)doorstate_access(&ds, true, 3 * S);
	assert_int_equal(DOOR_CLOSED, doorstate_contact(&ds, false, 4 * S));
	assert_false(doorstate_relock_due(&ds));
}


static void test_names_and_bad_use(void **state)
{
	uint64_t at;
	(void)state;

	assert_string_equal("closed", doorstate_name(DOOR_CLOSED));
	assert_string_equal("open", doorstate_name(DOOR_OPEN));
	assert_string_equal("held", doorstate_name(DOOR_HELD));
	assert_string_equal("forced", doorstate_name(DOOR_FORCED));
	assert_string_equal("?", doorstate_name((enum door_state)9));
	assert_false(doorstate_alarm(DOOR_OPEN));
	assert_false(doorstate_alarm(DOOR_CLOSED));

	doorstate_init(NULL, &cfg, true, 0);
	assert_int_equal(DOOR_CLOSED, doorstate_contact(NULL, true, 0));
	assert_int_equal(DOOR_CLOSED, doorstate_access(NULL, true, 0));
	assert_int_equal(DOOR_CLOSED, doorstate_tick(NULL, 0));
	assert_false(doorstate_deadline(NULL, &at));
	assert_false(doorstate_relock_due(NULL));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_at_start),
		cmocka_unit_test(test_open_with_access),
		cmocka_unit_test(test_entry_window),
		cmocka_unit_test(test_forced),
		cmocka_unit_test(test_held),
		cmocka_unit_test(test_held_counts_from_latest_access),
		cmocka_unit_test(test_held_off),
		cmocka_unit_test(test_open_at_start),
		cmocka_unit_test(test_relock_only_while_on),
		cmocka_unit_test(test_names_and_bad_use),
	};

	return cmocka_run_group_tests_name("door_doorstate", tests, NULL,
					   NULL);
}
