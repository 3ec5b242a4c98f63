/**
 * @file test_door_calltrack.c  Call phases from UA event sequences
 *
 * Calls are named by Call-ID and peer URI; sweeps ask a stand-in for
 * baresip's call list which calls are still alive.
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

enum {
	IN   = DOOR_PHASE_INCOMING,
	OUT  = DOOR_PHASE_OUTGOING,
	EST  = DOOR_PHASE_ESTABLISHED,
	CALL = DOOR_PHASE_CALL,
};

/* a call's name: Call-ID, peer URI */
#define A "id-a@x", "sip:a@x"
#define B "id-b@x", "sip:b@x"


static struct calltrack *make(void)
{
	struct calltrack *ct = NULL;

	assert_int_equal(0, calltrack_alloc(&ct));
	assert_int_equal(0, calltrack_phases(ct));
	return ct;
}


static void test_incoming(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, A, false));
	assert_int_equal(CALL | IN, calltrack_phases(ct));

	/* events that change nothing say so */
	assert_false(calltrack_event(ct, DOOR_EV_CALL_REMOTE_SDP, A, false));
	assert_false(calltrack_event(ct, DOOR_EV_CALL_INCOMING, A, false));
	assert_int_equal(CALL | IN, calltrack_phases(ct));

	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, A,
				    false));
	assert_int_equal(CALL | EST, calltrack_phases(ct));
	assert_false(calltrack_event(ct, DOOR_EV_CALL_RTPESTAB, A, false));
	assert_false(calltrack_event(ct, DOOR_EV_CALL_DTMF_START, A,
				     false));

	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, false));
	assert_int_equal(0, calltrack_phases(ct));

	/* closed twice, or never seen: nothing */
	assert_false(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, false));
	assert_int_equal(0, calltrack_phases(ct));
	mem_deref(ct);
}


static void test_incoming_rejected(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, A, false));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, false));
	assert_int_equal(0, calltrack_phases(ct));
	mem_deref(ct);
}


/* auto-answer: the first event naming the call may be its SDP */
static void test_incoming_auto_answered(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	assert_true(calltrack_event(ct, DOOR_EV_CALL_LOCAL_SDP, A, false));
	assert_int_equal(CALL, calltrack_phases(ct));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, A,
				    false));
	assert_int_equal(CALL | EST, calltrack_phases(ct));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, false));
	assert_int_equal(0, calltrack_phases(ct));
	mem_deref(ct);
}


static void test_outgoing(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	/* an outgoing call is first seen in its local SDP offer */
	assert_true(calltrack_event(ct, DOOR_EV_CALL_LOCAL_SDP, A, true));
	assert_int_equal(CALL | OUT, calltrack_phases(ct));
	assert_false(calltrack_event(ct, DOOR_EV_CALL_RINGING, A, true));
	assert_false(calltrack_event(ct, DOOR_EV_CALL_PROGRESS, A, true));
	assert_int_equal(CALL | OUT, calltrack_phases(ct));

	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, A, true));
	assert_int_equal(CALL | EST, calltrack_phases(ct));

	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, true));
	assert_int_equal(0, calltrack_phases(ct));

	/* unanswered */
	assert_true(calltrack_event(ct, DOOR_EV_CALL_RINGING, B, true));
	assert_int_equal(CALL | OUT, calltrack_phases(ct));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, B, true));
	assert_int_equal(0, calltrack_phases(ct));
	mem_deref(ct);
}


static void test_two_calls(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, A, false));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, A,
				    false));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, B, false));
	assert_int_equal(CALL | EST | IN, calltrack_phases(ct));

	/* A ends: B still rings */
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, false));
	assert_int_equal(CALL | IN, calltrack_phases(ct));

	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, B,
				    false));
	assert_int_equal(CALL | EST, calltrack_phases(ct));

	/* an outgoing call while B is up */
	assert_true(calltrack_event(ct, DOOR_EV_CALL_LOCAL_SDP, A, true));
	assert_int_equal(CALL | EST | OUT, calltrack_phases(ct));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, B, false));
	assert_int_equal(CALL | OUT, calltrack_phases(ct));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, true));
	assert_int_equal(0, calltrack_phases(ct));
	mem_deref(ct);
}


static void test_other_events(void **state)
{
	/* DOOR_EV_NONE stands for every unmapped baresip event
	 * (REGISTERING, CALL_RTCP, VU_RX, AUDIO_ERROR, ...) */
	static const enum door_event other[] = {
		DOOR_EV_NONE, DOOR_EV_SHUTDOWN, DOOR_EV_EXIT,
		DOOR_EV_CALL_TRANSFER, DOOR_EV_CALL_TRANSFER_FAILED,
		DOOR_EV_CALL_DTMF_END, DOOR_EV_MAX,
	};
	struct calltrack *ct = make();
	size_t i;
	(void)state;

	/* they neither start a call nor change one */
	for (i = 0; i < ARRAY_SIZE(other); i++)
		assert_false(calltrack_event(ct, other[i], A, false));
	assert_int_equal(0, calltrack_phases(ct));

	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, A, false));
	for (i = 0; i < ARRAY_SIZE(other); i++)
		assert_false(calltrack_event(ct, other[i], A, false));
	assert_int_equal(CALL | IN, calltrack_phases(ct));

	assert_false(calltrack_event(ct, DOOR_EV_CALL_INCOMING, NULL, NULL,
				     false));
	assert_false(calltrack_event(NULL, DOOR_EV_CALL_INCOMING, B,
				     false));
	assert_int_equal(0, calltrack_phases(NULL));
	assert_int_equal(EINVAL, calltrack_alloc(NULL));

	/* freed with a call in progress: no leak, no crash */
	mem_deref(ct);
}


/* stand-in for baresip's call list: the Call-IDs in it, space separated */
static bool alive(const char *id, const char *peer, void *arg)
{
	const char *list = arg;
	(void)peer;

	return list && strstr(list, id) != NULL;
}


static void test_sweep_forgets_silent_ends(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, A, false));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, A, false));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, B, false));
	assert_int_equal(CALL | EST | IN, calltrack_phases(ct));

	/* both alive: nothing changes */
	assert_false(calltrack_sweep(ct, alive, "id-a@x id-b@x"));
	assert_int_equal(CALL | EST | IN, calltrack_phases(ct));

	/* a freed without CALL_CLOSED (a failed transfer on 1.0.0) */
	assert_true(calltrack_sweep(ct, alive, "id-b@x"));
	assert_int_equal(CALL | IN, calltrack_phases(ct));

	/* its late CALL_CLOSED, if any, changes nothing */
	assert_false(calltrack_event(ct, DOOR_EV_CALL_CLOSED, A, false));

	/* all gone (quit): nothing left on */
	assert_true(calltrack_sweep(ct, alive, NULL));
	assert_int_equal(0, calltrack_phases(ct));
	assert_false(calltrack_sweep(ct, alive, NULL));
	assert_false(calltrack_sweep(NULL, alive, NULL));
	assert_false(calltrack_sweep(ct, NULL, NULL));

	mem_deref(ct);
}


static void test_same_id_other_peer(void **state)
{
	struct calltrack *ct = make();
	(void)state;

	/* a Call-ID is the peer's choice: the peer is part of the name */
	assert_true(calltrack_event(ct, DOOR_EV_CALL_INCOMING, "id", "sip:a",
				    false));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_ESTABLISHED, "id",
				    "sip:b", false));
	assert_int_equal(CALL | EST | IN, calltrack_phases(ct));
	assert_true(calltrack_event(ct, DOOR_EV_CALL_CLOSED, "id", "sip:a",
				    false));
	assert_int_equal(CALL | EST, calltrack_phases(ct));

	mem_deref(ct);
}


static void test_phase_names(void **state)
{
	static const char *names[] = {"incoming", "outgoing", "established",
				      "call"};
	static const unsigned phases[] = {IN, OUT, EST, CALL};
	unsigned phase = 0;
	struct pl pl;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		pl_set_str(&pl, names[i]);
		assert_int_equal(0, door_phase_parse(&pl, &phase));
		assert_int_equal(phases[i], phase);
		assert_string_equal(names[i], door_phase_name(phases[i]));
	}

	pl_set_str(&pl, "ESTABLISHED");
	assert_int_equal(0, door_phase_parse(&pl, &phase));
	assert_int_equal(EST, phase);

	phase = 99;
	pl_set_str(&pl, "ringing");
	assert_int_equal(EINVAL, door_phase_parse(&pl, &phase));
	pl_set_str(&pl, "");
	assert_int_equal(EINVAL, door_phase_parse(&pl, &phase));
	assert_int_equal(EINVAL, door_phase_parse(NULL, &phase));
	assert_int_equal(99, phase);
	assert_string_equal("?", door_phase_name(IN | EST));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incoming),
		cmocka_unit_test(test_incoming_rejected),
		cmocka_unit_test(test_incoming_auto_answered),
		cmocka_unit_test(test_outgoing),
		cmocka_unit_test(test_two_calls),
		cmocka_unit_test(test_other_events),
		cmocka_unit_test(test_sweep_forgets_silent_ends),
		cmocka_unit_test(test_same_id_other_peer),
		cmocka_unit_test(test_phase_names),
	};

	return cmocka_run_group_tests_name("door_calltrack", tests, NULL,
					   NULL);
}
