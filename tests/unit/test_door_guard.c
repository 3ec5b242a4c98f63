/**
 * @file test_door_guard.c  The wrong-code budget across calls, on a test
 * clock: per-peer and total budgets, back-off doubling and cap, refusal
 * while suspended, forgetting, success, merged reports of one call
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

struct seen {
	char log[256];        /* S<peer>:<seconds> or R<peer>, '*' = total */
};

static const struct guard_cfg cfg = {
	.peer_budget = 3, .total_budget = 5, .base_ms = 30 * S,
	.cap_ms = 200 * S, .forget_ms = 1000 * S,
};


static void on_event(enum guard_event ev, const char *peer, uint64_t ms,
		     void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->log);

	if (ev == GUARD_SUSPEND)
		(void)re_snprintf(s->log + n, sizeof(s->log) - n, "S%s:%llu ",
				  peer ? peer : "*",
				  (unsigned long long)(ms / S));
	else
		(void)re_snprintf(s->log + n, sizeof(s->log) - n, "R%s ",
				  peer ? peer : "*");
}


/* a wrong code in a call of its own */
static void wrong(struct guard *g, const char *peer, uint64_t now)
{
	static unsigned n;
	char id[16];

	(void)re_snprintf(id, sizeof(id), "c%u", ++n);
	guard_fail(g, id, 1, peer, now);
}


static void test_peer_budget_and_backoff(void **state)
{
	struct guard *g = NULL;
	struct seen s = {{0}};
	uint64_t t = 1000 * S, at;
	(void)state;

	assert_int_equal(0, guard_alloc(&g, &cfg, on_event, &s));
	assert_false(guard_next(g, &at));

	wrong(g, "10.0.0.1", t);
	wrong(g, "10.0.0.1", t);
	assert_int_equal(0, guard_wait(g, "10.0.0.1", t));
	wrong(g, "10.0.0.1", t);              /* the third: suspended 30 s */
	assert_string_equal("S10.0.0.1:30 ", s.log);
	assert_int_equal(30 * S, guard_wait(g, "10.0.0.1", t));
	assert_int_equal(0, guard_wait(g, "10.0.0.2", t));  /* others not */
	assert_true(guard_next(g, &at));
	assert_int_equal(t + 30 * S, at);

	/* wrong codes while suspended are refused, not counted */
	wrong(g, "10.0.0.1", t + S);
	assert_string_equal("S10.0.0.1:30 ", s.log);

	guard_tick(g, t + 29 * S);
	assert_string_equal("S10.0.0.1:30 ", s.log);
	guard_tick(g, t + 30 * S);
	assert_string_equal("S10.0.0.1:30 R10.0.0.1 ", s.log);
	assert_int_equal(0, guard_wait(g, "10.0.0.1", t + 30 * S));
	assert_false(guard_next(g, &at));

	/* after a suspension one more wrong code suspends, twice as long */
	t += 30 * S;
	wrong(g, "10.0.0.1", t);
	assert_int_equal(60 * S, guard_wait(g, "10.0.0.1", t));
	t += 60 * S;
	guard_tick(g, t);
	wrong(g, "10.0.0.1", t);
	assert_int_equal(120 * S, guard_wait(g, "10.0.0.1", t));
	t += 120 * S;
	guard_tick(g, t);
	wrong(g, "10.0.0.1", t);              /* 240 capped at 200 */
	assert_int_equal(200 * S, guard_wait(g, "10.0.0.1", t));
	t += 200 * S;
	guard_tick(g, t);
	wrong(g, "10.0.0.1", t);
	assert_int_equal(200 * S, guard_wait(g, "10.0.0.1", t));

	mem_deref(g);
}


static void test_backoff_steps(void **state)
{
	struct guard_cfg c = cfg;
	(void)state;

	assert_int_equal(30 * S, guard_backoff(&c, 1));
	assert_int_equal(60 * S, guard_backoff(&c, 2));
	assert_int_equal(120 * S, guard_backoff(&c, 3));
	assert_int_equal(200 * S, guard_backoff(&c, 4));
	assert_int_equal(200 * S, guard_backoff(&c, 4000000000u));

	/* the defaults: 30 s doubling to one hour at the 8th suspension */
	c.cap_ms = 3600 * S;
	assert_int_equal(1920 * S, guard_backoff(&c, 7));
	assert_int_equal(3600 * S, guard_backoff(&c, 8));
}


static void test_total_budget_stops_every_peer(void **state)
{
	struct guard *g = NULL;
	struct seen s = {{0}};
	uint64_t t = 5000 * S;
	(void)state;

	assert_int_equal(0, guard_alloc(&g, &cfg, on_event, &s));

	/* five addresses, one wrong code each: the total budget is spent */
	wrong(g, "a", t);
	wrong(g, "b", t);
	wrong(g, "c", t);
	wrong(g, "d", t);
	assert_string_equal("", s.log);
	wrong(g, "e", t);
	assert_string_equal("S*:30 ", s.log);
	assert_int_equal(30 * S, guard_wait(g, "never-seen", t));
	assert_int_equal(30 * S, guard_wait(g, "", t));

	guard_tick(g, t + 30 * S);
	assert_string_equal("S*:30 R* ", s.log);
	assert_int_equal(0, guard_wait(g, "f", t + 30 * S));

	/* the next wrong code from anyone: all suspended again, longer */
	wrong(g, "f", t + 31 * S);
	assert_string_equal("S*:30 R* S*:60 ", s.log);
	assert_int_equal(60 * S, guard_wait(g, "a", t + 31 * S));

	mem_deref(g);
}


static void test_success_forgives_only_its_peer(void **state)
{
	struct guard_cfg c = cfg;
	struct guard *g = NULL;
	struct seen s = {{0}};
	uint64_t t = 100 * S;
	(void)state;

	c.total_budget = 6;
	assert_int_equal(0, guard_alloc(&g, &c, on_event, &s));

	wrong(g, "guesser", t);
	wrong(g, "guesser", t);
	wrong(g, "tenant", t);
	wrong(g, "tenant", t);
	guard_success(g, "tenant");      /* the tenant's typos are forgiven */
	wrong(g, "tenant", t);
	assert_string_equal("", s.log);

	/* not the guesser's, and not the total (6 wrong codes now) */
	guard_success(g, "guesser2");
	wrong(g, "guesser", t);
	assert_string_equal("Sguesser:30 S*:30 ", s.log);
	assert_int_equal(30 * S, guard_wait(g, "guesser", t));
	assert_int_equal(30 * S, guard_wait(g, "tenant", t));

	guard_success(NULL, "x");
	mem_deref(g);
}


static void test_forget_after_quiet_time(void **state)
{
	struct guard *g = NULL;
	struct seen s = {{0}};
	uint64_t t = 100 * S;
	(void)state;

	assert_int_equal(0, guard_alloc(&g, &cfg, on_event, &s));

	wrong(g, "p", t);
	wrong(g, "p", t);
	wrong(g, "p", t);
	assert_string_equal("Sp:30 ", s.log);
	guard_tick(g, t + 30 * S);
	wrong(g, "p", t + 30 * S);
	assert_string_equal("Sp:30 Rp Sp:60 ", s.log);
	guard_tick(g, t + 90 * S);

	/* forget_ms after the last wrong code everything starts again */
	t += 30 * S + 1000 * S;
	wrong(g, "p", t);
	wrong(g, "p", t);
	assert_int_equal(0, guard_wait(g, "p", t));
	wrong(g, "p", t);
	assert_int_equal(30 * S, guard_wait(g, "p", t));

	mem_deref(g);
}


static void test_reports_of_one_call_count_once(void **state)
{
	struct guard_cfg c = cfg;
	struct guard *g = NULL;
	struct seen s = {{0}};
	uint64_t t = 100 * S;
	(void)state;

	c.total_budget = 100;
	assert_int_equal(0, guard_alloc(&g, &c, on_event, &s));

	/* relay and dryio both report the same two failures of call x */
	guard_fail(g, "x", 1, "p", t);
	guard_fail(g, "x", 1, "p", t);
	guard_fail(g, "x", 2, "p", t);
	guard_fail(g, "x", 2, "p", t);
	assert_int_equal(0, guard_wait(g, "p", t));
	guard_fail(g, "x", 3, "p", t);
	assert_string_equal("Sp:30 ", s.log);

	/* a new call reusing the id x counts from nothing again */
	guard_tick(g, t + 30 * S);
	guard_call_start(g, "x");
	guard_call_start(g, "never-seen");
	guard_call_start(NULL, "x");
	guard_fail(g, "x", 1, "r", t + 30 * S);
	guard_fail(g, "x", 2, "r", t + 30 * S);
	guard_fail(g, "x", 3, "r", t + 30 * S);
	assert_string_equal("Sp:30 Rp Sr:30 ", s.log);

	/* a report that skips a number counts both */
	guard_tick(g, t + 30 * S);
	guard_fail(g, "y", 2, "q", t + 30 * S);
	guard_fail(g, "z", 0, "q", t + 30 * S);   /* no number: counts */
	assert_string_equal("Sp:30 Rp Sr:30 Sq:30 ", s.log);

	mem_deref(g);
}


static void test_many_peers_stay_bounded(void **state)
{
	struct guard_cfg c = cfg;
	struct guard *g = NULL;
	struct seen s = {{0}};
	char peer[32];
	unsigned i;
	(void)state;

	c.total_budget = 100000;
	assert_int_equal(0, guard_alloc(&g, &c, on_event, &s));

	/* the first peer is suspended, then 2000 others fail once each */
	wrong(g, "first", 0);
	wrong(g, "first", 0);
	wrong(g, "first", 0);
	for (i = 0; i < 2000; i++) {
		(void)re_snprintf(peer, sizeof(peer), "10.1.%u.%u", i / 256,
				  i % 256);
		wrong(g, peer, 0);
	}

	/* a suspended peer is not pushed out by peers that are not */
	assert_int_equal(30 * S, guard_wait(g, "first", 0));

	mem_deref(g);
}


static void test_bad_use(void **state)
{
	struct guard_cfg c = cfg;
	struct guard *g = NULL;
	uint64_t at;
	(void)state;

	assert_int_equal(EINVAL, guard_alloc(NULL, &c, NULL, NULL));
	assert_int_equal(EINVAL, guard_alloc(&g, NULL, NULL, NULL));
	c.peer_budget = 0;
	assert_int_equal(EINVAL, guard_alloc(&g, &c, NULL, NULL));
	c = cfg;
	c.cap_ms = c.base_ms - 1;
	assert_int_equal(EINVAL, guard_alloc(&g, &c, NULL, NULL));
	assert_null(g);

	assert_int_equal(0, guard_wait(NULL, "p", 0));
	guard_fail(NULL, "x", 1, "p", 0);
	guard_tick(NULL, 0);
	assert_false(guard_next(NULL, &at));

	/* no handler, no peer: still counted, under "" */
	assert_int_equal(0, guard_alloc(&g, &cfg, NULL, NULL));
	guard_fail(g, NULL, 0, NULL, 0);
	guard_fail(g, NULL, 0, NULL, 0);
	guard_fail(g, NULL, 0, NULL, 0);
	assert_int_equal(30 * S, guard_wait(g, NULL, 0));
	guard_tick(g, 30 * S);
	mem_deref(g);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_budget_and_backoff),
		cmocka_unit_test(test_backoff_steps),
		cmocka_unit_test(test_total_budget_stops_every_peer),
		cmocka_unit_test(test_success_forgives_only_its_peer),
		cmocka_unit_test(test_forget_after_quiet_time),
		cmocka_unit_test(test_reports_of_one_call_count_once),
		cmocka_unit_test(test_many_peers_stay_bounded),
		cmocka_unit_test(test_bad_use),
	};
	int r;

	if (libre_init())
		return 1;
	r = cmocka_run_group_tests_name("door_guard", tests, NULL, NULL);
	libre_close();
	return r;
}
