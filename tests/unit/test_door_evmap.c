/**
 * @file test_door_evmap.c  baresip's UA event numbers resolved by name
 *
 * Name tables laid out as baresip 1.0.0's and 1.1.0's uag_event_str()
 * answer (both return "?" for a number they do not know; 1.1.0's table is
 * the one the unit tests' bus answers from, in support/bus.c); the system
 * tests prove the map against each platform's real binary.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

static const char *const v100[] = {
	"REGISTERING", "REGISTER_OK", "REGISTER_FAIL", "UNREGISTERING",
	"MWI_NOTIFY", "SHUTDOWN", "EXIT", "CALL_INCOMING", "CALL_RINGING",
	"CALL_PROGRESS", "CALL_ESTABLISHED", "CALL_CLOSED", "TRANSFER",
	"TRANSFER_FAILED", "CALL_DTMF_START", "CALL_DTMF_END",
	"CALL_RTPESTAB", "CALL_RTCP", "CALL_MENC", "VU_TX_REPORT",
	"VU_RX_REPORT", "AUDIO_ERROR", "CALL_LOCAL_SDP", "CALL_REMOTE_SDP",
};

/* the table the fake uag_event_str() answers from */
static const char *const *table;
static size_t table_n;
static const char *table_hole;    /* this name answers "?" instead */
static const char *table_twice;   /* this name answers for a 2nd number */


static const char *fake_name(int ev)
{
	if (ev < 0)
		return "?";
	if ((size_t)ev == table_n && table_twice)
		return table_twice;
	if ((size_t)ev >= table_n)
		return "?";
	if (table_hole && !strcmp(table[ev], table_hole))
		return "?";

	return table[ev];
}


static void use(const char *const *t, size_t n)
{
	table = t;
	table_n = n;
	table_hole = NULL;
	table_twice = NULL;
}


/* every baresip number maps to the door event of the same name, and back */
static void check_round_trip(const struct door_evmap *map)
{
	size_t ev;

	for (ev = 0; ev < table_n; ev++) {
		enum door_event d = door_evmap_door(map, (int)ev);

		if (d == DOOR_EV_NONE)
			continue;

		assert_string_equal(table[ev], door_event_name(d));
		assert_int_equal((int)ev, door_evmap_ua(map, d));
	}
}


static void test_v100(void **state)
{
	struct door_evmap map;
	(void)state;

	use(v100, ARRAY_SIZE(v100));
	assert_int_equal(0, door_evmap_build(&map, fake_name, NULL));
	check_round_trip(&map);

	assert_int_equal(DOOR_EV_CALL_INCOMING, door_evmap_door(&map, 7));
	assert_int_equal(DOOR_EV_CALL_CLOSED, door_evmap_door(&map, 11));
	assert_int_equal(DOOR_EV_CALL_DTMF_START, door_evmap_door(&map, 14));
	assert_int_equal(DOOR_EV_CALL_DTMF_END, door_evmap_door(&map, 15));
	assert_int_equal(DOOR_EV_NONE, door_evmap_door(&map, 0));
	assert_int_equal(DOOR_EV_NONE, door_evmap_door(&map, 17)); /* RTCP */
	assert_int_equal(14, door_evmap_ua(&map, DOOR_EV_CALL_DTMF_START));
	assert_int_equal(15, door_evmap_ua(&map, DOOR_EV_CALL_DTMF_END));

	/* 1.0.0 has no CALL_ANSWERED: optional, so -1 and no refusal */
	assert_int_equal(-1, door_evmap_ua(&map, DOOR_EV_CALL_ANSWERED));

	/* nor MODULE: the bus takes the first number without a name */
	assert_int_equal(24, door_evmap_ua(&map, DOOR_EV_MODULE));
	assert_int_equal(DOOR_EV_MODULE, door_evmap_door(&map, 24));
}


static void test_v110(void **state)
{
	struct door_evmap map;
	(void)state;

	use(test_ua_events_v110, test_ua_events_v110_n);
	assert_int_equal(0, door_evmap_build(&map, fake_name, NULL));
	check_round_trip(&map);

	/* the numbers 1.0.0 used mean other events here */
	assert_int_equal(DOOR_EV_CALL_PROGRESS, door_evmap_door(&map, 11));
	assert_int_equal(DOOR_EV_CALL_INCOMING, door_evmap_door(&map, 9));
	assert_int_equal(DOOR_EV_CALL_CLOSED, door_evmap_door(&map, 14));
	assert_int_equal(DOOR_EV_CALL_ANSWERED, door_evmap_door(&map, 12));
	assert_int_equal(DOOR_EV_MODULE, door_evmap_door(&map, 27));
	assert_int_equal(27, door_evmap_ua(&map, DOOR_EV_MODULE));
	assert_int_equal(17, door_evmap_ua(&map, DOOR_EV_CALL_DTMF_START));
	assert_int_equal(18, door_evmap_ua(&map, DOOR_EV_CALL_DTMF_END));
}


static void test_missing_event_refused(void **state)
{
	struct door_evmap map;
	const char *missing = NULL;
	(void)state;

	use(test_ua_events_v110, test_ua_events_v110_n);
	table_hole = "CALL_CLOSED";
	assert_int_equal(EPROTO, door_evmap_build(&map, fake_name, &missing));
	assert_string_equal("CALL_CLOSED", missing);

	/* an optional event may be absent */
	use(test_ua_events_v110, test_ua_events_v110_n);
	table_hole = "TRANSFER_FAILED";
	assert_int_equal(0, door_evmap_build(&map, fake_name, NULL));
	assert_int_equal(-1, door_evmap_ua(&map,
					    DOOR_EV_CALL_TRANSFER_FAILED));
}


static void test_name_twice_refused(void **state)
{
	struct door_evmap map;
	const char *missing = NULL;
	(void)state;

	use(v100, ARRAY_SIZE(v100));
	table_twice = "CALL_DTMF_START";
	assert_int_equal(EPROTO, door_evmap_build(&map, fake_name, &missing));
	assert_string_equal("CALL_DTMF_START", missing);
}


static const char *no_names(int ev)
{
	(void)ev;
	return NULL;
}


static void test_bad_use(void **state)
{
	struct door_evmap map;
	const char *missing = NULL;
	(void)state;

	assert_int_equal(EINVAL, door_evmap_build(NULL, fake_name, NULL));
	assert_int_equal(EINVAL, door_evmap_build(&map, NULL, NULL));
	assert_int_equal(EPROTO, door_evmap_build(&map, no_names, &missing));
	assert_non_null(missing);

	use(v100, ARRAY_SIZE(v100));
	assert_int_equal(0, door_evmap_build(&map, fake_name, NULL));
	assert_int_equal(DOOR_EV_NONE, door_evmap_door(&map, -1));
	assert_int_equal(DOOR_EV_NONE, door_evmap_door(&map, DOOR_EV_SCAN));
	assert_int_equal(DOOR_EV_NONE, door_evmap_door(NULL, 7));
	assert_int_equal(-1, door_evmap_ua(&map, DOOR_EV_NONE));
	assert_int_equal(-1, door_evmap_ua(&map, DOOR_EV_MAX));
	assert_int_equal(-1, door_evmap_ua(NULL, DOOR_EV_CALL_CLOSED));
	assert_string_equal("?", door_event_name(DOOR_EV_MAX));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v100),
		cmocka_unit_test(test_v110),
		cmocka_unit_test(test_missing_event_refused),
		cmocka_unit_test(test_name_twice_refused),
		cmocka_unit_test(test_bad_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
