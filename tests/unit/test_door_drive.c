/**
 * @file test_door_drive.c  The shared output model: every reason to be
 * on and what ends it, a switch-off retried until the line takes it
 * (file lines, made to fail by a folder where the line writes its next
 * content), and close; the same on the libgpiod double's lines
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

static char tmpdir[64];

struct changes {
	unsigned n;
	bool on[16];
	enum drive_reason reason[16];
	char source[16][16];
	char who[16][32];
};


static void on_change(bool on, enum drive_reason reason, const char *source,
		      const char *who, void *arg)
{
	struct changes *c = arg;

	if (c->n < 16) {
		c->on[c->n] = on;
		c->reason[c->n] = reason;
		snprintf(c->source[c->n], sizeof(c->source[0]), "%s",
			 source ? source : "");
		snprintf(c->who[c->n], sizeof(c->who[0]), "%s",
			 who ? who : "");
	}
	++c->n;
}


/* the physical level of the file line "out": 0, 1, or -1 */
static int level(void)
{
	char path[128], buf[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/out", tmpdir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);

	return !strcmp(buf, "1\n") ? 1 : !strcmp(buf, "0\n") ? 0 : -1;
}


static struct drive *drive_file(struct changes *c, unsigned phase,
				bool active_low)
{
	struct line_cfg lcfg = {.dir = LINE_OUTPUT, .active_low = active_low,
				.consumer = "unit"};
	struct drive_cfg cfg = {.name = "unit: out", .phase = phase,
				.retry_ms = 100};
	struct line *line = NULL;
	struct drive *d = NULL;
	char spec[128];

	memset(c, 0, sizeof(*c));
	snprintf(spec, sizeof(spec), "file:%s/out", tmpdir);
	assert_int_equal(0, line_open(&line, spec, &lcfg, NULL, NULL));
	assert_int_equal(0, drive_alloc(&d, line, &cfg, on_change, c));
	assert_false(drive_is_on(d));
	assert_int_equal(active_low ? 1 : 0, level());

	return d;
}


/* make the line's next write fail: a folder where it writes first */
static void line_break(bool broken)
{
	char tmp[160];

	snprintf(tmp, sizeof(tmp), "%s/out.tmp%d", tmpdir, (int)getpid());
	if (broken)
		assert_int_equal(0, mkdir(tmp, 0700));
	else
		assert_int_equal(0, rmdir(tmp));
}


static void test_pulse(void **state)
{
	struct changes c;
	struct drive *d = drive_file(&c, 0, false);
	(void)state;

	assert_int_equal(0, drive_on(d, DRIVE_PULSE, 60, "input", "in1"));
	assert_int_equal(1, level());
	assert_int_equal(DRIVE_PULSE, drive_reason(d));

	/* a second pulse restarts the hold, reports nothing */
	test_run_loop(40);
	assert_int_equal(0, drive_on(d, DRIVE_PULSE, 60, "input", "in1"));
	test_run_loop(40);
	assert_int_equal(1, level());
	test_run_loop(60);
	assert_int_equal(0, level());
	assert_false(drive_is_on(d));

	assert_int_equal(2, c.n);
	assert_true(c.on[0]);
	assert_int_equal(DRIVE_PULSE, c.reason[0]);
	assert_string_equal("input", c.source[0]);
	assert_string_equal("in1", c.who[0]);
	assert_false(c.on[1]);
	assert_string_equal("timer", c.source[1]);

	/* a pulse has a hold */
	assert_int_equal(EINVAL, drive_on(d, DRIVE_PULSE, 0, "x", NULL));
	assert_int_equal(EINVAL, drive_on(d, DRIVE_OFF, 10, "x", NULL));
	assert_int_equal(2, c.n);
	mem_deref(d);
}


static void test_latched_and_schedule(void **state)
{
	static const enum drive_reason reasons[] = {DRIVE_LATCHED,
						    DRIVE_SCHEDULE};
	struct changes c;
	size_t i;
	(void)state;

	for (i = 0; i < 2; i++) {
		struct drive *d = drive_file(&c, 0, false);

		/* a latch replaces a pulse and its timer */
		assert_int_equal(0, drive_on(d, DRIVE_PULSE, 30, "a", NULL));
		assert_int_equal(0, drive_on(d, reasons[i], 0, "b", NULL));
		test_run_loop(80);
		assert_int_equal(1, level());
		assert_int_equal(reasons[i], drive_reason(d));

		assert_int_equal(0, drive_off(d, "command", NULL));
		assert_int_equal(0, level());
		assert_int_equal(2, c.n);
		assert_string_equal("command", c.source[1]);

		/* off again: the line is written, nothing reported */
		assert_int_equal(0, drive_off(d, "command", NULL));
		assert_int_equal(2, c.n);
		mem_deref(d);
	}
}


static void test_call_phase(void **state)
{
	struct changes c;
	struct drive *d = drive_file(&c, DOOR_PHASE_INCOMING, false);
	(void)state;

	drive_follow(d, DOOR_PHASE_CALL);
	assert_false(drive_is_on(d));
	drive_follow(d, DOOR_PHASE_CALL | DOOR_PHASE_INCOMING);
	assert_int_equal(DRIVE_CALL, drive_reason(d));
	assert_int_equal(1, level());
	assert_string_equal("call", c.source[0]);
	assert_string_equal("incoming", c.who[0]);
	drive_follow(d, DOOR_PHASE_CALL | DOOR_PHASE_ESTABLISHED);
	assert_int_equal(0, level());
	assert_int_equal(2, c.n);

	/* a call takes a pulse over: no timer ends it mid-ring */
	assert_int_equal(0, drive_on(d, DRIVE_PULSE, 30, "input", NULL));
	drive_follow(d, DOOR_PHASE_INCOMING);
	test_run_loop(60);
	assert_int_equal(DRIVE_CALL, drive_reason(d));
	drive_follow(d, 0);
	assert_int_equal(0, level());

	/* a latch stays in charge when the call ends */
	assert_int_equal(0, drive_on(d, DRIVE_LATCHED, 0, "command", NULL));
	drive_follow(d, DOOR_PHASE_INCOMING);
	assert_int_equal(DRIVE_LATCHED, drive_reason(d));
	drive_follow(d, 0);
	assert_int_equal(1, level());

	/* no phase configured: calls change nothing */
	mem_deref(d);
	d = drive_file(&c, 0, false);
	drive_follow(d, DOOR_PHASE_INCOMING | DOOR_PHASE_CALL);
	assert_false(drive_is_on(d));
	mem_deref(d);
}


/* A switch-off the line refuses is tried again until it takes it, then
 * reported once, with the source of the switch-off */
static void test_off_retried(void **state)
{
	struct changes c;
	struct drive *d = drive_file(&c, 0, false);
	(void)state;

	assert_int_equal(0, drive_on(d, DRIVE_PULSE, 20, "dtmf", "sip:a@b"));
	line_break(true);
	test_run_loop(250);
	assert_int_equal(1, level());
	assert_true(drive_is_on(d));
	assert_true(drive_off_pending(d));
	assert_true(test_log_has("cannot drive line"));
	assert_int_equal(1, c.n);

	line_break(false);
	test_run_loop(150);
	assert_int_equal(0, level());
	assert_false(drive_is_on(d));
	assert_false(drive_off_pending(d));
	assert_int_equal(2, c.n);
	assert_false(c.on[1]);
	assert_string_equal("timer", c.source[1]);

	/* an explicit off too, and an "on" meanwhile ends the retry */
	assert_int_equal(0, drive_on(d, DRIVE_LATCHED, 0, "command", NULL));
	line_break(true);
	assert_int_not_equal(0, drive_off(d, "command", "admin"));
	assert_true(drive_off_pending(d));
	line_break(false);
	test_run_loop(150);
	assert_int_equal(0, level());
	assert_int_equal(4, c.n);
	assert_string_equal("command", c.source[3]);
	assert_string_equal("admin", c.who[3]);

	assert_int_equal(0, drive_on(d, DRIVE_LATCHED, 0, "command", NULL));
	line_break(true);
	assert_int_not_equal(0, drive_off(d, "command", NULL));
	line_break(false);
	assert_int_equal(0, drive_on(d, DRIVE_LATCHED, 0, "command", NULL));
	assert_false(drive_off_pending(d));
	test_run_loop(150);
	assert_int_equal(1, level());
	assert_true(drive_is_on(d));
	mem_deref(d);
}


static void test_close(void **state)
{
	struct changes c;
	struct drive *d = drive_file(&c, DOOR_PHASE_CALL, true);
	(void)state;

	assert_int_equal(0, drive_on(d, DRIVE_LATCHED, 0, "command", NULL));
	assert_int_equal(0, level());            /* active low */
	drive_close(d);
	assert_int_equal(1, level());
	assert_false(drive_is_on(d));
	assert_int_equal(2, c.n);
	assert_string_equal("close", c.source[1]);
	mem_deref(d);
}


/* the same rules on a libgpiod line */
static void test_gpiod_line(void **state)
{
	struct line_cfg lcfg = {.dir = LINE_OUTPUT, .consumer = "unit"};
	struct drive_cfg cfg = {.name = "unit: gpio"};
	struct line *line = NULL;
	struct drive *d = NULL;
	struct changes c = {0};
	(void)state;

	assert_int_equal(0, line_open(&line, "gpiochip0:7", &lcfg, NULL,
				      NULL));
	assert_int_equal(0, drive_alloc(&d, line, &cfg, on_change, &c));
	assert_string_equal("gpiochip0:7", drive_spec(d));
	assert_int_equal(0, drive_on(d, DRIVE_PULSE, 20, "x", NULL));
	assert_int_equal(1, gpiod_double_level(7));
	test_run_loop(60);
	assert_int_equal(0, gpiod_double_level(7));
	assert_int_equal(2, c.n);
	mem_deref(d);
	assert_false(gpiod_double_requested(7));

	/* bad arguments; the line given is freed all the same */
	assert_int_equal(EINVAL, drive_alloc(&d, NULL, &cfg, NULL, NULL));
	assert_int_equal(0, line_open(&line, "gpiochip0:7", &lcfg, NULL,
				      NULL));
	assert_int_equal(EINVAL, drive_alloc(NULL, line, &cfg, NULL, NULL));
	assert_false(gpiod_double_requested(7));
	assert_int_equal(EINVAL, drive_off(NULL, "x", NULL));
	assert_false(drive_is_on(NULL));
	drive_close(NULL);
}


static int dir_setup(void **state)
{
	(void)state;
	test_log_clear();
	return test_dir_make(tmpdir, sizeof(tmpdir), "drive");
}


static int dir_teardown(void **state)
{
	(void)state;
	return test_dir_remove(tmpdir);
}


#define T(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pulse),
		T(test_latched_and_schedule),
		T(test_call_phase),
		T(test_off_retried),
		T(test_close),
		T(test_gpiod_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
