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

	assert_false(trig_deadline(&t, &at));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
