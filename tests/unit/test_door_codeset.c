/**
 * @file test_door_codeset.c  DTMF codes per call: separate matchers,
 * allowlist refusals once per call, a fresh start after the call closes
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

/* calls are named by their Call-ID (and peer URI) */
static const char call_a[] = "id-a@x";
static const char call_b[] = "id-b@x";

struct seen {
	char log[64];         /* M<id>, F, L or R per result */
	char peer[64];
	char callid[64];
	uint32_t failures;
};


static int fill(struct matcher *m, void *arg)
{
	(void)arg;
	return matcher_add(m, "1234", 1) | matcher_add(m, "99", 2);
}


static void on_result(enum matcher_result res, int id, const char *peer,
		      const char *callid, uint32_t failures, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);

	if (n + 3 >= sizeof(s->log))
		return;

	switch (res) {

	case MATCHER_MATCH:
		s->log[n] = 'M';
		s->log[n + 1] = (char)('0' + id);
		break;
	case MATCHER_FAIL:    s->log[n] = 'F'; break;
	case MATCHER_LOCKED:  s->log[n] = 'L'; break;
	case MATCHER_REFUSED: s->log[n] = 'R'; break;
	}

	str_ncpy(s->peer, peer, sizeof(s->peer));
	str_ncpy(s->callid, callid, sizeof(s->callid));
	s->failures = failures;
}


static void feed(struct codeset *cs, const char *call,
		 const char *peer, const char *digits)
{
	for (; *digits; digits++)
		codeset_feed(cs, call, peer, *digits);
}


static void test_calls_are_separate(void **state)
{
	struct codeset *cs = NULL;
	struct seen s = {0};
	(void)state;

	assert_int_equal(0, codeset_alloc(&cs, 0, 2, NULL, fill, on_result,
					  &s));

	feed(cs, call_a, "sip:a@x", "5#");
	assert_string_equal("F", s.log);
	assert_int_equal(1, s.failures);

	/* call b's digits do not complete or fail call a's entry */
	feed(cs, call_a, "sip:a@x", "12");
	feed(cs, call_b, "sip:b@x", "99");
	assert_string_equal("FM2", s.log);
	assert_string_equal("sip:b@x", s.peer);
	assert_string_equal("id-b@x", s.callid);
	feed(cs, call_a, "sip:a@x", "34");
	assert_string_equal("FM2M1", s.log);
	assert_string_equal("sip:a@x", s.peer);

	/* a's second failure locks a only */
	feed(cs, call_a, "sip:a@x", "7#1234");
	assert_string_equal("FM2M1L", s.log);
	feed(cs, call_b, "sip:b@x", "1234");
	assert_string_equal("FM2M1LM1", s.log);

	/* after a closes, a new call at the same address starts afresh */
	codeset_call_closed(cs, call_a, "sip:a@x");
	feed(cs, call_a, "sip:a2@x", "1234");
	assert_string_equal("FM2M1LM1M1", s.log);
	assert_string_equal("sip:a2@x", s.peer);

	mem_deref(cs);
}


static void test_refused_once_per_call(void **state)
{
	struct allowlist *al = NULL;
	struct codeset *cs = NULL;
	struct seen s = {0};
	(void)state;

	assert_int_equal(0, allowlist_alloc(&al, "alice"));
	assert_int_equal(0, codeset_alloc(&cs, 0, 3, al, fill, on_result,
					  &s));

	feed(cs, call_a, "sip:mallory@x", "1234#1234");
	assert_string_equal("R", s.log);
	assert_string_equal("sip:mallory@x", s.peer);

	feed(cs, call_b, "sip:alice@x", "1234");
	assert_string_equal("RM1", s.log);

	codeset_call_closed(cs, call_a, "sip:mallory@x");
	feed(cs, call_a, "sip:mallory@x", "1");
	assert_string_equal("RM1R", s.log);

	mem_deref(cs);
	mem_deref(al);
}


/* stand-in for baresip's call list: the Call-IDs in it */
static bool alive(const char *id, const char *peer, void *arg)
{
	const char *list = arg;
	(void)peer;

	return list && strstr(list, id) != NULL;
}


static void test_sweep(void **state)
{
	struct codeset *cs = NULL;
	struct seen s = {0};
	(void)state;

	assert_int_equal(0, codeset_alloc(&cs, 0, 2, NULL, fill, on_result,
					  &s));

	/* call a locks itself out; call b is half way through a code */
	feed(cs, call_a, "sip:a@x", "5#6#1234");
	assert_string_equal("FL", s.log);
	feed(cs, call_b, "sip:b@x", "12");
	assert_int_equal(2, codeset_sweep(cs, alive, "id-a@x id-b@x"));

	/* baresip freed call a without CALL_CLOSED: its lock-out goes */
	assert_int_equal(1, codeset_sweep(cs, alive, "id-b@x"));
	feed(cs, call_b, "sip:b@x", "34");
	assert_string_equal("FLM1", s.log);

	/* a new call, even one reusing the Call-ID, starts afresh */
	feed(cs, call_a, "sip:a@x", "1234");
	assert_string_equal("FLM1M1", s.log);
	assert_int_equal(0, s.failures);

	assert_int_equal(0, codeset_sweep(cs, alive, NULL));
	assert_int_equal(0, codeset_sweep(cs, NULL, NULL));
	assert_int_equal(0, codeset_sweep(NULL, alive, NULL));

	mem_deref(cs);
}


static void test_bad_use(void **state)
{
	struct codeset *cs = NULL;
	struct seen s = {0};
	(void)state;

	assert_int_equal(EINVAL, codeset_alloc(NULL, 0, 0, NULL, fill,
					       on_result, &s));
	assert_int_equal(EINVAL, codeset_alloc(&cs, 0, 0, NULL, NULL,
					       on_result, &s));
	assert_null(cs);

	codeset_feed(NULL, call_a, "x", '1');
	codeset_call_closed(NULL, call_a, "x");
	assert_int_equal(0, codeset_alloc(&cs, 0, 0, NULL, fill, on_result,
					  &s));
	codeset_feed(cs, NULL, "x", '1');
	codeset_call_closed(cs, call_b, "x");          /* never seen: no-op */
	assert_string_equal("", s.log);
	mem_deref(cs);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calls_are_separate),
		cmocka_unit_test(test_refused_once_per_call),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_bad_use),
	};
	int r;

	if (libre_init())
		return 1;
	r = cmocka_run_group_tests_name("door_codeset", tests, NULL, NULL);
	libre_close();
	return r;
}
