/**
 * @file test_dryio_trig.c  dryio input decisions: trigger level,
 *                          debounce and hold, driven by a fake clock
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "door.h"
#include "../../modules/dryio/dryio.h"
#include "support.h"


/* A fake clock that runs the input like the module's one timer does */
struct clock {
	uint64_t now;
	unsigned fires;
	unsigned releases;
};


static void count(struct clock *c, enum trig_action act)
{
	if (act == TRIG_FIRE)
		++c->fires;
	else if (act == TRIG_RELEASE)
		++c->releases;
}


/* Advance to `to`, ticking at each deadline on the way */
static void run_until(struct trig *t, struct clock *c, uint64_t to)
{
	uint64_t at;

	while (trig_deadline(t, &at) && at <= to) {
		if (at > c->now)
			c->now = at;
		count(c, trig_tick(t, c->now));
	}

	c->now = to;
}


static void level(struct trig *t, struct clock *c, bool lvl)
{
	count(c, trig_level(t, lvl, c->now));
}


static void test_level_low_triggers(void **state)
{
	struct clock c = {1000, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, false, 0, 0, true);
	assert_false(trig_active(&t));

	level(&t, &c, false);
	assert_int_equal(c.fires, 1);
	assert_true(trig_active(&t));

	level(&t, &c, true);
	assert_int_equal(c.releases, 1);
	assert_false(trig_active(&t));
}


static void test_level_high_triggers(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, true, 0, 0, false);

	level(&t, &c, false);          /* repeat of the start level */
	assert_int_equal(c.fires, 0);

	level(&t, &c, true);
	assert_int_equal(c.fires, 1);

	level(&t, &c, true);           /* repeats change nothing */
	assert_int_equal(c.fires, 1);
}


static void test_start_active_does_not_fire(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint64_t at;
	(void)state;

	trig_init(&t, false, 50, 0, false);
	assert_true(trig_active(&t));
	assert_false(trig_deadline(&t, &at));

	run_until(&t, &c, 10000);
	assert_int_equal(c.fires, 0);

	/* released, then pressed again: now it fires */
	level(&t, &c, true);
	run_until(&t, &c, c.now + 100);
	level(&t, &c, false);
	run_until(&t, &c, c.now + 100);
	assert_int_equal(c.fires, 1);
	assert_int_equal(c.releases, 0);   /* the start level never fired */
}


static void test_debounce_settles(void **state)
{
	struct clock c = {5000, 0, 0};
	struct trig t;
	uint64_t at;
	(void)state;

	trig_init(&t, false, 50, 0, true);

	level(&t, &c, false);
	assert_true(trig_deadline(&t, &at));
	assert_int_equal(at, 5050);

	run_until(&t, &c, 5049);
	assert_int_equal(c.fires, 0);
	run_until(&t, &c, 5050);
	assert_int_equal(c.fires, 1);
	assert_false(trig_deadline(&t, &at));
}


static void test_bounce_shorter_than_debounce(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint64_t at;
	(void)state;

	trig_init(&t, false, 50, 0, true);

	/* contact chatter: 0/1 every 10 ms, back to idle before 50 ms */
	for (int i = 0; i < 4; i++) {
		level(&t, &c, false);
		run_until(&t, &c, c.now + 10);
		level(&t, &c, true);
		run_until(&t, &c, c.now + 10);
	}

	/* back at idle since 70: it rests one debounce time (the chatter
	 * window closes), then nothing is left to do */
	assert_true(trig_deadline(&t, &at));
	assert_int_equal(at, 120);
	run_until(&t, &c, 120);
	assert_false(trig_deadline(&t, &at));
	assert_false(trig_chattering(&t));
	run_until(&t, &c, c.now + 1000);
	assert_int_equal(c.fires, 0);
	assert_false(trig_active(&t));
}


static void test_chatter_restarts_debounce(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, false, 50, 0, true);

	/* closes, chatters, then stays closed: fires 50 ms after the
	 * last edge, once */
	level(&t, &c, false);
	run_until(&t, &c, 30);
	level(&t, &c, true);
	run_until(&t, &c, 40);
	level(&t, &c, false);          /* last edge at 40 */
	run_until(&t, &c, 89);
	assert_int_equal(c.fires, 0);
	run_until(&t, &c, 90);
	assert_int_equal(c.fires, 1);
	run_until(&t, &c, 5000);
	assert_int_equal(c.fires, 1);
}


static void test_hold_long_press(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint64_t at;
	(void)state;

	trig_init(&t, false, 50, 2000, true);

	level(&t, &c, false);
	run_until(&t, &c, 50);         /* settled, hold starts */
	assert_int_equal(c.fires, 0);
	assert_true(trig_deadline(&t, &at));
	assert_int_equal(at, 2050);

	run_until(&t, &c, 2049);
	assert_int_equal(c.fires, 0);
	run_until(&t, &c, 2050);
	assert_int_equal(c.fires, 1);

	level(&t, &c, true);
	run_until(&t, &c, 3000);
	assert_int_equal(c.releases, 1);
}


static void test_hold_short_press_does_nothing(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, false, 50, 2000, true);

	level(&t, &c, false);
	run_until(&t, &c, 1500);
	level(&t, &c, true);           /* let go after 1.5 s */
	run_until(&t, &c, 10000);

	assert_int_equal(c.fires, 0);
	assert_int_equal(c.releases, 0);
}


static void test_hold_survives_bounce(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, true, 50, 1000, false);

	level(&t, &c, true);
	run_until(&t, &c, 500);
	level(&t, &c, false);          /* a 20 ms dropout mid-hold */
	run_until(&t, &c, 520);
	level(&t, &c, true);
	run_until(&t, &c, 1049);
	assert_int_equal(c.fires, 0);
	run_until(&t, &c, 1050);
	assert_int_equal(c.fires, 1);
}


static void test_release_settling_blocks_hold(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, false, 100, 1000, true);

	level(&t, &c, false);
	run_until(&t, &c, 1050);       /* hold due at 1100 */
	level(&t, &c, true);           /* released at 1050, settles 1150 */
	run_until(&t, &c, 1200);
	assert_int_equal(c.fires, 0);

	/* a release that bounces back before settling: the hold, due
	 * meanwhile, fires at once */
	level(&t, &c, false);
	run_until(&t, &c, 1300);       /* settled active at 1300 */
	run_until(&t, &c, 2250);
	level(&t, &c, true);
	run_until(&t, &c, 2320);       /* hold was due at 2300 */
	assert_int_equal(c.fires, 0);
	level(&t, &c, false);          /* back within the debounce */
	run_until(&t, &c, 2320);
	assert_int_equal(c.fires, 1);
}


static void test_no_debounce_no_hold_deadline(void **state)
{
	struct trig t;
	uint64_t at;
	(void)state;

	trig_init(&t, false, 0, 0, true);
	assert_int_equal(trig_level(&t, false, 7), TRIG_FIRE);
	assert_false(trig_deadline(&t, &at));
	assert_int_equal(trig_tick(&t, 100000), TRIG_NONE);
	assert_int_equal(trig_level(&t, true, 8), TRIG_RELEASE);
	assert_string_equal(trig_action_name(TRIG_FIRE), "fire");
	assert_int_equal(trig_level(NULL, true, 8), TRIG_NONE);
}


/* Toggle the line every `step` ms from its present level until `to`,
 * the clock ticking at each deadline on the way; ends with level `last`
 * seen at the last step's end (a repeat is an edge too: trig_level) */
static void chatter(struct trig *t, struct clock *c, uint64_t step,
		    uint64_t to, bool last)
{
	bool lvl = !t->level;
	uint64_t at;

	while (c->now + step <= to) {
		level(t, c, lvl);
		assert_true(trig_deadline(t, &at));   /* no lost wake-up */
		run_until(t, c, c->now + step);
		lvl = !lvl;
	}

	level(t, c, last);             /* the last edge is now */
}


static void test_chatter_limit_default(void **state)
{
	(void)state;

	assert_int_equal(trig_chatter_ms(0), 1000);
	assert_int_equal(trig_chatter_ms(50), 1000);
	assert_int_equal(trig_chatter_ms(51), 1020);
	assert_int_equal(trig_chatter_ms(300), 6000);
	assert_int_equal(trig_chatter_ms(60000), 1200000);
	assert_int_equal(trig_chatter_ms(UINT32_MAX), UINT32_MAX);
}


/* A door contact (high: open) rattled every 20 ms: open at the limit,
 * whatever the line reads then, once, until it rests shut */
static void test_chatter_fires_at_the_limit(void **state)
{
	struct clock c = {1000, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, true, 50, 0, false);
	assert_int_equal(t.chatter_ms, 1000);

	/* opens at 1000 and keeps changing; shut (low) at 1980-1999 */
	chatter(&t, &c, 20, 1999, false);
	assert_int_equal(c.now, 1980);
	run_until(&t, &c, 1999);
	assert_int_equal(c.fires, 0);
	assert_false(trig_active(&t));
	assert_false(trig_chattering(&t));

	run_until(&t, &c, 2000);
	assert_int_equal(c.fires, 1);
	assert_true(trig_active(&t));
	assert_true(trig_chattering(&t));
	assert_false(t.level);         /* the line read shut at that instant */

	/* minutes more of it: still open, no second fire, no release */
	chatter(&t, &c, 20, 180000, true);
	run_until(&t, &c, c.now + 30);
	assert_int_equal(c.fires, 1);
	assert_int_equal(c.releases, 0);
	assert_true(trig_active(&t));
	assert_true(trig_chattering(&t));
}


/* Chatter past the limit, then rest at the inactive level: released one
 * debounce time after the last edge */
static void test_chatter_then_rest_releases(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint64_t last;
	(void)state;

	trig_init(&t, false, 50, 0, true);       /* low triggers */

	chatter(&t, &c, 15, 1500, true);
	last = c.now;                            /* the last edge: idle */
	assert_int_equal(c.fires, 1);
	assert_true(trig_chattering(&t));

	run_until(&t, &c, last + 49);
	assert_int_equal(c.releases, 0);
	assert_true(trig_active(&t));
	run_until(&t, &c, last + 50);
	assert_int_equal(c.releases, 1);
	assert_false(trig_active(&t));
	assert_false(trig_chattering(&t));

	/* the next chatter is a new window, its own full limit */
	c.now += 5000;
	last = c.now;
	chatter(&t, &c, 15, last + 999, false);
	run_until(&t, &c, last + 999);
	assert_int_equal(c.fires, 1);
	run_until(&t, &c, last + 1000);
	assert_int_equal(c.fires, 2);
}


/* Chatter that stops at the active level before the limit settles as a
 * bounce does: one debounce time after its last edge, no chatter */
static void test_chatter_stopping_active_settles(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint64_t last;
	(void)state;

	trig_init(&t, true, 50, 0, false);

	chatter(&t, &c, 20, 600, true);
	last = c.now;
	run_until(&t, &c, last + 49);
	assert_int_equal(c.fires, 0);
	run_until(&t, &c, last + 50);
	assert_int_equal(c.fires, 1);
	assert_false(trig_chattering(&t));

	/* past where the limit would have been: nothing more */
	run_until(&t, &c, 10000);
	assert_int_equal(c.fires, 1);
	assert_int_equal(c.releases, 0);
}


/* Bounces a debounce time apart each close their window: they never add
 * up, however long they go on; 10 ms less rest and they do */
static void test_spread_bounces_never_fire(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint64_t at;
	int i;
	(void)state;

	trig_init(&t, true, 50, 0, false);

	for (i = 0; i < 1000; i++) {             /* 60 s of them */
		level(&t, &c, true);
		run_until(&t, &c, c.now + 10);
		level(&t, &c, false);
		run_until(&t, &c, c.now + 50);   /* rests a full debounce */
		assert_false(trig_deadline(&t, &at));
	}
	assert_int_equal(c.fires, 0);
	assert_false(trig_active(&t));

	for (i = 0; i < 30; i++) {               /* 1.5 s, rests of 40 */
		level(&t, &c, true);
		run_until(&t, &c, c.now + 10);
		level(&t, &c, false);
		run_until(&t, &c, c.now + 40);
	}
	assert_int_equal(c.fires, 1);
	assert_true(trig_chattering(&t));
}


/* With a hold time, the limit starts the hold as a real press does: a
 * line that goes on chattering fires when the hold ends, one that comes
 * to rest inactive before did nothing */
static void test_chatter_with_hold(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, false, 50, 2000, true);    /* low triggers */

	chatter(&t, &c, 20, 2999, true);
	assert_true(trig_active(&t));            /* taken at 1000 */
	assert_true(trig_chattering(&t));
	assert_int_equal(c.fires, 0);            /* the hold runs */

	chatter(&t, &c, 20, 3100, true);
	assert_int_equal(c.fires, 1);            /* at 3000, read low */
	run_until(&t, &c, c.now + 50);
	assert_int_equal(c.releases, 1);

	/* over the limit, at rest inactive half way through the hold */
	c.now = 10000;
	chatter(&t, &c, 20, 12000, true);
	assert_true(trig_active(&t));
	run_until(&t, &c, 20000);
	assert_false(trig_active(&t));
	assert_int_equal(c.fires, 1);
	assert_int_equal(c.releases, 1);
}


/* A tick late past both the limit and the rest after it: it still fires
 * (then releases), the chatter is not taken for rest */
static void test_chatter_late_tick(void **state)
{
	struct trig t;
	uint64_t now, at;
	(void)state;

	trig_init(&t, true, 50, 0, false);

	for (now = 0; now <= 1500; now += 20)
		(void)trig_level(&t, (now / 20) % 2 == 0, now);
	(void)trig_level(&t, false, now);        /* rests shut from 1520 */

	assert_true(trig_deadline(&t, &at));
	assert_int_equal(at, 1000);
	assert_int_equal(trig_tick(&t, 5000), TRIG_FIRE);
	assert_true(trig_deadline(&t, &at));
	assert_int_equal(at, 1570);
	assert_int_equal(trig_tick(&t, 5000), TRIG_RELEASE);
	assert_false(trig_deadline(&t, &at));
}


/* Irregular chatter: whenever the line has not rested there is a
 * deadline, never later than the limit; early ticks do nothing */
static void test_chatter_deadline_always_set(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	uint32_t rnd = 12345;
	uint64_t at;
	bool lvl = false;
	(void)state;

	trig_init(&t, true, 50, 300, false);

	while (c.now < 900) {
		rnd = rnd * 1103515245u + 12345u;
		lvl = !lvl;
		level(&t, &c, lvl);
		assert_true(trig_deadline(&t, &at));
		assert_true(at <= 1000);
		assert_int_equal(trig_tick(&t, at - 1), TRIG_NONE);
		run_until(&t, &c, c.now + 1 + (rnd >> 16) % 49);
	}
	assert_false(trig_active(&t));

	while (c.now < 2000) {
		rnd = rnd * 1103515245u + 12345u;
		lvl = !lvl;
		level(&t, &c, lvl);
		assert_true(trig_deadline(&t, &at));
		run_until(&t, &c, c.now + 1 + (rnd >> 16) % 49);
	}
	assert_true(trig_active(&t));
	assert_int_equal(c.fires, 1);                /* the hold ended */
}


/* chatter_ms 0: no bound, as before the limit existed */
static void test_chatter_unbounded(void **state)
{
	struct clock c = {0, 0, 0};
	struct trig t;
	(void)state;

	trig_init(&t, true, 50, 0, false);
	t.chatter_ms = 0;

	chatter(&t, &c, 20, 60000, false);
	run_until(&t, &c, 70000);
	assert_int_equal(c.fires, 0);
	assert_false(trig_chattering(&t));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_low_triggers),
		cmocka_unit_test(test_level_high_triggers),
		cmocka_unit_test(test_start_active_does_not_fire),
		cmocka_unit_test(test_debounce_settles),
		cmocka_unit_test(test_bounce_shorter_than_debounce),
		cmocka_unit_test(test_chatter_restarts_debounce),
		cmocka_unit_test(test_hold_long_press),
		cmocka_unit_test(test_hold_short_press_does_nothing),
		cmocka_unit_test(test_hold_survives_bounce),
		cmocka_unit_test(test_release_settling_blocks_hold),
		cmocka_unit_test(test_no_debounce_no_hold_deadline),
		cmocka_unit_test(test_chatter_limit_default),
		cmocka_unit_test(test_chatter_fires_at_the_limit),
		cmocka_unit_test(test_chatter_then_rest_releases),
		cmocka_unit_test(test_chatter_stopping_active_settles),
		cmocka_unit_test(test_spread_bounces_never_fire),
		cmocka_unit_test(test_chatter_with_hold),
		cmocka_unit_test(test_chatter_late_tick),
		cmocka_unit_test(test_chatter_deadline_always_set),
		cmocka_unit_test(test_chatter_unbounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
