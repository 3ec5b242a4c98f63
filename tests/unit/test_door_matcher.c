/**
 * @file test_door_matcher.c  DTMF code matching; timeouts in libre's loop
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

struct results {
	unsigned match, fail, locked;
	int last_id;
	char log[64];        /* M<id>, F or L per result */
};


static void on_result(enum matcher_result res, int id, void *arg)
{
	struct results *r = arg;
	size_t n = strlen(r->log);

	switch (res) {

	case MATCHER_MATCH:
		++r->match;
		r->last_id = id;
		if (n + 2 < sizeof(r->log)) {
			r->log[n] = 'M';
			r->log[n + 1] = (char)('0' + id);
		}
		break;
	case MATCHER_FAIL:
		++r->fail;
		assert_int_equal(-1, id);
		if (n + 1 < sizeof(r->log))
			r->log[n] = 'F';
		break;
	case MATCHER_LOCKED:
		++r->locked;
		assert_int_equal(-1, id);
		if (n + 1 < sizeof(r->log))
			r->log[n] = 'L';
		break;
	case MATCHER_REFUSED:
		fail_msg("a matcher never refuses a caller");
		break;
	}
}


static struct matcher *make(struct results *r, uint32_t timeout_ms,
			    uint32_t max_fail, const char *code)
{
	struct matcher *m = NULL;

	memset(r, 0, sizeof(*r));
	r->last_id = -99;
	assert_int_equal(0, matcher_alloc(&m, timeout_ms, max_fail,
					  on_result, r));
	if (code)
		assert_int_equal(0, matcher_add(m, code, 1));
	return m;
}


static void feed(struct matcher *m, const char *digits)
{
	for (; *digits; digits++)
		matcher_feed(m, *digits);
}


/* relay's codes in dryio's matcher and the reverse: no match, no failure */
static void test_foreign_code_clears_silently(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 2, "135790");
	(void)state;

	assert_int_equal(0, matcher_add(m, "246801", MATCHER_FOREIGN));

	feed(m, "246801");
	feed(m, "135790");
	assert_string_equal("M1", r.log);
	feed(m, "246801#");          /* the '#' after it submits nothing */
	feed(m, "135790");
	assert_string_equal("M1M1", r.log);
	assert_int_equal(0, matcher_failures(m));

	/* its prefix is a wrong code like any other */
	feed(m, "2468#");
	assert_string_equal("M1M1F", r.log);
	mem_deref(m);
}


static void test_right_code(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 3, "1234");
	(void)state;

	feed(m, "123");
	assert_string_equal("", r.log);
	feed(m, "4");                          /* at once, no '#' needed */
	assert_string_equal("M1", r.log);

	/* and again, then with a '#' after it (a stray '#' is nothing) */
	feed(m, "1234#");
	assert_string_equal("M1M1", r.log);
	assert_int_equal(0, matcher_failures(m));
	mem_deref(m);
}


static void test_code_inside_longer_entry(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "1234");
	(void)state;

	/* the buffer must equal the code: no matching a tail, else one long
	 * entry would try many codes for one failure */
	feed(m, "991234#");
	assert_string_equal("F", r.log);
	feed(m, "0123#");
	assert_string_equal("FF", r.log);
	feed(m, "5551234");
	assert_string_equal("FF", r.log);
	feed(m, "#");
	assert_string_equal("FFF", r.log);
	assert_int_equal(3, matcher_failures(m));

	/* typed from the start of an entry it matches at once; what
	 * follows is a new entry */
	feed(m, "12345#");
	assert_string_equal("FFFM1F", r.log);
	mem_deref(m);
}


static void test_hash_submits(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "1234");
	(void)state;

	feed(m, "12#");
	assert_string_equal("F", r.log);
	feed(m, "1234");
	assert_string_equal("FM1", r.log);

	/* a lone '#' submits nothing and costs nothing */
	feed(m, "#");
	feed(m, "##");
	assert_string_equal("FM1", r.log);
	assert_int_equal(1, matcher_failures(m));

	/* '#' starts a fresh entry */
	feed(m, "9#1234");
	assert_string_equal("FM1FM1", r.log);
	mem_deref(m);
}


static void test_timeout_submits(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 400, 0, "1234");
	(void)state;

	/* 400 ms against steps of 60: a loaded machine may stall the loop
	 * a while without a timer firing out of turn */
	feed(m, "12");
	test_run_loop(30);
	assert_string_equal("", r.log);
	test_run_loop(600);
	assert_string_equal("F", r.log);

	/* a new entry after the timeout; the timer restarts per digit */
	feed(m, "12");
	test_run_loop(60);
	feed(m, "3");
	test_run_loop(60);
	feed(m, "4");
	assert_string_equal("FM1", r.log);

	/* no digits pending: the timeout submits nothing */
	test_run_loop(600);
	assert_string_equal("FM1", r.log);

	/* timeout 0: an entry waits for '#' forever */
	mem_deref(m);
	m = make(&r, 0, 0, "1234");
	feed(m, "12");
	test_run_loop(60);
	assert_string_equal("", r.log);
	feed(m, "#");
	assert_string_equal("F", r.log);
	mem_deref(m);
}


/* a checked code: accepts "777" and counts how often it was asked */
struct checked {
	unsigned asked;
	char last[20];
};


static bool check_777(const char *digits, size_t len, void *arg)
{
	struct checked *c = arg;

	++c->asked;
	if (len < sizeof(c->last)) {
		memcpy(c->last, digits, len);
		c->last[len] = '\0';
	}
	return len == 3 && !memcmp(digits, "777", 3);
}


/* checked codes judge only what '#' submits; fixed codes come first */
static void test_checked_code(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 300, 0, "1234");
	struct checked *c = mem_zalloc(sizeof(*c), NULL);
	(void)state;

	assert_non_null(c);
	assert_int_equal(0, matcher_add_check(m, check_777, c, 5));
	assert_int_equal(EINVAL, matcher_add_check(m, NULL, c, 5));
	assert_int_equal(EINVAL, matcher_add_check(NULL, check_777, c, 5));

	/* typed without '#' it waits; '#' submits it to the check */
	feed(m, "777");
	assert_string_equal("", r.log);
	feed(m, "#");
	assert_string_equal("M5", r.log);
	assert_int_equal(1, c->asked);
	assert_string_equal("777", c->last);

	/* a wrong entry is asked about once and fails */
	feed(m, "778#");
	assert_string_equal("M5F", r.log);
	assert_int_equal(2, c->asked);
	assert_string_equal("778", c->last);

	/* a fixed code still matches at once, unasked */
	feed(m, "1234");
	assert_string_equal("M5FM1", r.log);
	assert_int_equal(2, c->asked);

	/* the timeout submits a failure, never to the check */
	feed(m, "777");
	test_run_loop(700);
	assert_string_equal("M5FM1F", r.log);
	assert_int_equal(2, c->asked);

	/* as a foreign code it clears without a match or a failure */
	mem_deref(m);
	m = make(&r, 0, 0, NULL);
	assert_int_equal(0, matcher_add_check(m, check_777, c,
					      MATCHER_FOREIGN));
	feed(m, "777#");
	assert_string_equal("", r.log);
	feed(m, "7#");
	assert_string_equal("F", r.log);

	/* the matcher holds a reference: c outlives our own */
	mem_deref(c);
	feed(m, "777#");
	assert_string_equal("F", r.log);
	mem_deref(m);
}


/* exact checked codes are asked at each digit and match at once */
static void test_exact_code(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "1234");
	struct checked *c = mem_zalloc(sizeof(*c), NULL);
	(void)state;

	assert_non_null(c);
	assert_int_equal(0, matcher_add_exact(m, check_777, c, 6));
	assert_int_equal(EINVAL, matcher_add_exact(m, NULL, c, 6));

	feed(m, "777");
	assert_string_equal("M6", r.log);
	assert_int_equal(3, c->asked);       /* "7", "77", "777" */
	feed(m, "#");                        /* a lone '#': nothing */
	assert_string_equal("M6", r.log);

	/* a fixed code first, unasked at its last digit */
	c->asked = 0;
	feed(m, "1234");
	assert_string_equal("M6M1", r.log);
	assert_int_equal(3, c->asked);

	/* '#' is never asked about: it submits, and fails */
	c->asked = 0;
	feed(m, "78#");
	assert_string_equal("M6M1F", r.log);
	assert_int_equal(2, c->asked);

	/* foreign: cleared silently, no failure */
	mem_deref(m);
	m = make(&r, 0, 0, NULL);
	assert_int_equal(0, matcher_add_exact(m, check_777, c,
					      MATCHER_FOREIGN));
	feed(m, "777#");
	assert_string_equal("", r.log);
	assert_int_equal(0, matcher_failures(m));
	mem_deref(c);
	mem_deref(m);
}


/* freed with a timer pending: the timer must not fire afterwards */
static void test_free_with_timer(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 20, 0, "1234");
	(void)state;

	feed(m, "12");
	mem_deref(m);
	test_run_loop(60);
	assert_string_equal("", r.log);
}


static void test_lockout(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 30, 3, "1234");
	(void)state;

	feed(m, "1#");
	feed(m, "2#");
	assert_false(matcher_locked(m));
	feed(m, "3");
	test_run_loop(80);                     /* third failure by timeout */
	assert_string_equal("FFL", r.log);
	assert_true(matcher_locked(m));
	assert_int_equal(3, matcher_failures(m));

	/* locked for good: even the right code does nothing */
	feed(m, "1234#");
	test_run_loop(80);
	assert_string_equal("FFL", r.log);
	assert_int_equal(3, matcher_failures(m));
	mem_deref(m);
}


static void test_no_lockout_when_unlimited(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "1234");
	unsigned i;
	(void)state;

	for (i = 0; i < 20; i++)
		feed(m, "0#");
	assert_int_equal(20, r.fail);
	assert_int_equal(0, r.locked);
	feed(m, "1234");
	assert_int_equal(1, r.match);
	mem_deref(m);
}


static void test_code_with_hash(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "12#34");
	(void)state;

	feed(m, "12#34");
	assert_string_equal("M1", r.log);

	/* '#' that cannot lead to the code still submits */
	feed(m, "13#");
	assert_string_equal("M1F", r.log);

	/* a code ending in '#' */
	assert_int_equal(0, matcher_add(m, "99#", 2));
	feed(m, "99#");
	assert_string_equal("M1FM2", r.log);
	mem_deref(m);
}


static void test_letters_and_junk(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "A1*D");
	(void)state;

	feed(m, "a1*d");                        /* lower case is the same */
	assert_string_equal("M1", r.log);

	/* invalid digits are dropped, not counted, not buffered */
	feed(m, "Ax1e *Z!D");
	assert_string_equal("M1M1", r.log);
	matcher_feed(m, '\0');
	matcher_feed(m, 'E');
	feed(m, "#");
	assert_string_equal("M1M1", r.log);
	assert_int_equal(0, matcher_failures(m));
	mem_deref(m);
}


static void test_overflow(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, "1234");
	(void)state;

	/* 16 digits fill the buffer: submitted, a failure */
	feed(m, "000000000000000");
	assert_string_equal("", r.log);
	feed(m, "0");
	assert_string_equal("F", r.log);

	/* and the next entry starts clean */
	feed(m, "1234");
	assert_string_equal("FM1", r.log);

	/* a 16-digit code matches on its last digit */
	assert_int_equal(0, matcher_add(m, "1111222233334444", 7));
	feed(m, "1111222233334444");
	assert_string_equal("FM1M7", r.log);
	mem_deref(m);
}


static void test_several_codes(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 0, NULL);
	(void)state;

	assert_int_equal(0, matcher_add(m, "1111", 1));
	assert_int_equal(0, matcher_add(m, "2222", 2));
	assert_int_equal(0, matcher_add(m, "*9", 3));

	feed(m, "2222");
	assert_int_equal(2, r.last_id);
	feed(m, "*9");
	assert_int_equal(3, r.last_id);
	feed(m, "1111");
	assert_int_equal(1, r.last_id);
	feed(m, "1122#");
	assert_string_equal("M2M3M1F", r.log);

	/* bad codes are refused */
	assert_int_equal(EINVAL, matcher_add(m, "", 4));
	assert_int_equal(EINVAL, matcher_add(m, "12x", 4));
	assert_int_equal(EINVAL, matcher_add(m, "12345678901234567", 4));
	assert_int_equal(EINVAL, matcher_add(m, NULL, 4));
	assert_int_equal(EINVAL, matcher_add(NULL, "1", 4));
	mem_deref(m);
}


static void test_no_codes(void **state)
{
	struct results r;
	struct matcher *m = make(&r, 0, 2, NULL);
	(void)state;

	feed(m, "1#2#");
	assert_string_equal("FL", r.log);
	assert_true(matcher_locked(m));

	matcher_feed(NULL, '1');
	assert_false(matcher_locked(NULL));
	assert_int_equal(0, matcher_failures(NULL));
	assert_int_equal(EINVAL, matcher_alloc(&m, 0, 0, NULL, NULL));
	mem_deref(m);
}


/* The handler may free the matcher (the call ended) */
static struct matcher *victim;

static void free_on_result(enum matcher_result res, int id, void *arg)
{
	unsigned *n = arg;
	(void)res;
	(void)id;

	++*n;
	victim = mem_deref(victim);
}


static void test_handler_frees(void **state)
{
	unsigned n = 0;
	(void)state;

	assert_int_equal(0, matcher_alloc(&victim, 20, 1, free_on_result,
					  &n));
	assert_int_equal(0, matcher_add(victim, "12", 1));
	matcher_feed(victim, '1');
	matcher_feed(victim, '2');
	assert_int_equal(1, n);
	assert_null(victim);

	assert_int_equal(0, matcher_alloc(&victim, 20, 1, free_on_result,
					  &n));
	matcher_feed(victim, '5');
	test_run_loop(60);                      /* LOCKED by timeout */
	assert_int_equal(2, n);
	assert_null(victim);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_code),
		cmocka_unit_test(test_foreign_code_clears_silently),
		cmocka_unit_test(test_code_inside_longer_entry),
		cmocka_unit_test(test_hash_submits),
		cmocka_unit_test(test_timeout_submits),
		cmocka_unit_test(test_checked_code),
		cmocka_unit_test(test_exact_code),
		cmocka_unit_test(test_free_with_timer),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_no_lockout_when_unlimited),
		cmocka_unit_test(test_code_with_hash),
		cmocka_unit_test(test_letters_and_junk),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_several_codes),
		cmocka_unit_test(test_no_codes),
		cmocka_unit_test(test_handler_frees),
	};

	return cmocka_run_group_tests_name("door_matcher", tests, NULL, NULL);
}
