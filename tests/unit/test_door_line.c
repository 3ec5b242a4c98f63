/**
 * @file test_door_line.c  GPIO lines: libgpiod specs and levels through
 * the libgpiod double (of the libgpiod API built against: the same tests
 * run on both), file lines through real files and inotify
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
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

struct seen {
	unsigned calls;
	bool last;
};

static char tmpdir[64];


static void on_change(bool value, void *arg)
{
	struct seen *s = arg;

	++s->calls;
	s->last = value;
}


static const struct line_cfg out_cfg = {.dir = LINE_OUTPUT,
					.consumer = "unit"};
static const struct line_cfg in_cfg  = {.dir = LINE_INPUT,
					.consumer = "unit"};


static void assert_all_free(void)
{
	unsigned i;

	for (i = 0; i < GPIOD_DOUBLE_LINES; i++) {
		if (gpiod_double_requested(i))
			fail_msg("line %u still requested", i);
	}

	assert_int_equal(0, gpiod_double_chips_open());
}


/* ---- libgpiod backend ---- */

static void test_gpiod_specs(void **state)
{
	static const struct {
		const char *spec;
		unsigned offset;
	} good[] = {
		{"gpiochip0:17", 17}, {"0:17", 17}, {"/dev/gpiochip0:3", 3},
		{"gpiochip0:0", 0}, {"gpiochip0:31", 31}, {"DOOR_LOCK", 5},
	};
	struct line *line = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		line = NULL;
		assert_int_equal(0, line_open(&line, good[i].spec, &out_cfg,
					      NULL, NULL));
		assert_true(gpiod_double_requested(good[i].offset));
		assert_string_equal("unit",
				    gpiod_double_consumer(good[i].offset));
		assert_string_equal(good[i].spec, line_spec(line));
		line = mem_deref(line);
		assert_all_free();
	}
}


static void test_gpiod_bad_specs(void **state)
{
	static const struct {
		const char *spec;
		int err;        /* 0: any error */
	} bad[] = {
		{"gpiochip0:", EINVAL}, {":3", EINVAL},
		{"gpiochip0:99999", EINVAL}, {"gpiochip0:-1", EINVAL},
		{"gpiochip0:x", EINVAL}, {"", EINVAL},
		{"NOPE", ENOENT},
		{"gpiochip0:32", 0},       /* past the chip's 32 lines */
		{"gpiochip0:1023", 0},
		{"gpiochip9:1", 0},        /* no such chip */
		{"door_lock", ENOENT},     /* names are exact */
	};
	struct line *line = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = line_open(&line, bad[i].spec, &out_cfg, NULL, NULL);

		if (!err)
			fail_msg("'%s' opened", bad[i].spec);
		if (bad[i].err && err != bad[i].err)
			fail_msg("'%s': error %d, want %d", bad[i].spec, err,
				 bad[i].err);
		assert_null(line);
		assert_all_free();
	}

	assert_int_equal(EINVAL, line_open(&line, NULL, &out_cfg, NULL,
					   NULL));
	assert_int_equal(EINVAL, line_open(&line, "0:1", NULL, NULL, NULL));
	assert_int_equal(EINVAL, line_open(NULL, "0:1", &out_cfg, NULL,
					   NULL));
	assert_all_free();
}


static void test_gpiod_busy(void **state)
{
	struct line *a = NULL, *b = NULL;
	(void)state;

	assert_int_equal(0, line_open(&a, "gpiochip0:5", &out_cfg, NULL,
				      NULL));
	assert_int_equal(EBUSY, line_open(&b, "DOOR_LOCK", &out_cfg, NULL,
					  NULL));
	assert_null(b);

	/* the failed second request did not take the line from the first */
	assert_true(gpiod_double_requested(5));
	assert_int_equal(0, line_set(a, true));
	assert_int_equal(1, gpiod_double_level(5));

	mem_deref(a);
	assert_all_free();
}


static void test_gpiod_output(void **state)
{
	struct line *line = NULL;
	bool on = true;
	(void)state;

	assert_int_equal(0, line_open(&line, "gpiochip0:17", &out_cfg, NULL,
				      NULL));
	assert_int_equal(0, gpiod_double_level(17));     /* starts off */
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);
	assert_false(gpiod_double_flags(17) &
		     GPIOD_DOUBLE_ACTIVE_LOW);

	assert_int_equal(0, line_set(line, true));
	assert_int_equal(1, gpiod_double_level(17));
	assert_int_equal(0, line_get(line, &on));
	assert_true(on);

	assert_int_equal(0, line_set(line, false));
	assert_int_equal(0, gpiod_double_level(17));

	mem_deref(line);
	assert_false(gpiod_double_requested(17));
}


static void test_gpiod_output_active_low(void **state)
{
	struct line_cfg cfg = out_cfg;
	struct line *line = NULL;
	bool on = true;
	(void)state;

	cfg.active_low = true;
	assert_int_equal(0, line_open(&line, "0:9", &cfg, NULL, NULL));
	assert_true(gpiod_double_flags(9) &
		    GPIOD_DOUBLE_ACTIVE_LOW);

	/* off is the high physical level */
	assert_int_equal(1, gpiod_double_level(9));
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);

	assert_int_equal(0, line_set(line, true));
	assert_int_equal(0, gpiod_double_level(9));
	assert_int_equal(0, line_set(line, false));
	assert_int_equal(1, gpiod_double_level(9));

	mem_deref(line);
	assert_all_free();
}


static void test_gpiod_input_edges(void **state)
{
	struct seen seen = {0, false};
	struct line *line = NULL;
	bool on = true;
	(void)state;

	gpiod_double_drive(12, 0);
	assert_int_equal(0, line_open(&line, "gpiochip0:12", &in_cfg,
				      on_change, &seen));
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);
	assert_int_equal(EINVAL, line_set(line, true));   /* an input */

	gpiod_double_drive(12, 1);
	assert_int_equal(0, seen.calls);      /* only through the loop */
	test_run_loop(50);
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);
	assert_int_equal(0, line_get(line, &on));
	assert_true(on);

	gpiod_double_drive(12, 0);
	test_run_loop(50);
	assert_int_equal(2, seen.calls);
	assert_false(seen.last);

	/* a burst: the level after it is what is reported, once */
	gpiod_double_drive(12, 1);
	gpiod_double_drive(12, 0);
	gpiod_double_drive(12, 1);
	test_run_loop(50);
	assert_true(seen.last);
	assert_int_equal(0, line_get(line, &on));
	assert_true(on);

	mem_deref(line);
	assert_all_free();

	/* released: edges reach nobody */
	seen.calls = 0;
	gpiod_double_drive(12, 0);
	test_run_loop(20);
	assert_int_equal(0, seen.calls);
}


static void test_gpiod_input_active_low(void **state)
{
	struct line_cfg cfg = in_cfg;
	struct seen seen = {0, false};
	struct line *line = NULL;
	bool on = false;
	(void)state;

	cfg.active_low = true;
	gpiod_double_drive(13, 1);            /* idle: pulled up */
	assert_int_equal(0, line_open(&line, "0:13", &cfg, on_change,
				      &seen));
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);

	gpiod_double_drive(13, 0);            /* contact closes */
	test_run_loop(50);
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);

	gpiod_double_drive(13, 1);
	test_run_loop(50);
	assert_int_equal(2, seen.calls);
	assert_false(seen.last);

	mem_deref(line);
	assert_all_free();
}


static void test_gpiod_bias(void **state)
{
	static const struct {
		const char *name;
		enum line_bias bias;
		int flag;
	} biases[] = {
		{"pull-up", LINE_BIAS_PULL_UP,
		 GPIOD_DOUBLE_PULL_UP},
		{"PULL-DOWN", LINE_BIAS_PULL_DOWN,
		 GPIOD_DOUBLE_PULL_DOWN},
		{"disable", LINE_BIAS_DISABLE,
		 GPIOD_DOUBLE_BIAS_DISABLE},
		{"as-is", LINE_BIAS_AS_IS, 0},
	};
	const int all = GPIOD_DOUBLE_PULL_UP |
		GPIOD_DOUBLE_PULL_DOWN |
		GPIOD_DOUBLE_BIAS_DISABLE;
	enum line_bias bias = LINE_BIAS_AS_IS;
	struct line *line = NULL;
	struct pl pl;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(biases); i++) {
		struct line_cfg cfg = in_cfg;

		pl_set_str(&pl, biases[i].name);
		assert_int_equal(0, line_bias_parse(&pl, &bias));
		assert_int_equal(biases[i].bias, bias);

		cfg.bias = bias;
		cfg.active_low = i == 0;
		assert_int_equal(0, line_open(&line, "gpiochip0:20", &cfg,
					      NULL, NULL));
		assert_int_equal(biases[i].flag,
				 gpiod_double_flags(20) & all);
		assert_int_equal(i == 0, !!(gpiod_double_flags(20) &
				 GPIOD_DOUBLE_ACTIVE_LOW));
		line = mem_deref(line);
	}

	bias = LINE_BIAS_PULL_UP;
	pl_set_str(&pl, "pullup");
	assert_int_equal(EINVAL, line_bias_parse(&pl, &bias));
	pl_set_str(&pl, "");
	assert_int_equal(EINVAL, line_bias_parse(&pl, &bias));
	assert_int_equal(LINE_BIAS_PULL_UP, bias);
	assert_all_free();
}


/* line 21 requested alone, read once and released: its logical level */
static bool pull_read(const struct line_cfg *cfg)
{
	struct line *line = NULL;
	bool on = false;

	assert_int_equal(0, line_open(&line, "gpiochip0:21", cfg, NULL,
				      NULL));
	assert_int_equal(0, line_get(line, &on));
	mem_deref(line);

	return on;
}


/*
 * What an undriven line reads, as on the kernel's gpio-sim (the test-gpio
 * lane's chip): its pull, which a requested bias sets and which a line
 * goes back to when released, output or input
 */
static void test_gpiod_pull(void **state)
{
	struct line_cfg cfg = in_cfg;
	struct seen seen = {0, false};
	struct line *line = NULL;
	bool on = false;
	(void)state;

	assert_false(pull_read(&in_cfg));     /* nothing pulls it: low */

	/* a pull-up reads high at once, and is no edge */
	cfg.bias = LINE_BIAS_PULL_UP;
	assert_int_equal(0, line_open(&line, "gpiochip0:21", &cfg,
				      on_change, &seen));
	assert_int_equal(1, gpiod_double_level(21));
	assert_int_equal(0, line_get(line, &on));
	assert_true(on);
	test_run_loop(20);
	assert_int_equal(0, seen.calls);
	line = mem_deref(line);

	/* the pull stays after release; bias-disable leaves it */
	cfg.bias = LINE_BIAS_DISABLE;
	assert_true(pull_read(&cfg));
	cfg.bias = LINE_BIAS_PULL_DOWN;
	assert_false(pull_read(&cfg));

	/* an output drives over the pull, and falls back to it when
	 * released: high here, pulled up meanwhile */
	assert_int_equal(0, line_open(&line, "gpiochip0:21", &out_cfg,
				      NULL, NULL));
	gpiod_double_drive(21, 1);
	assert_int_equal(0, gpiod_double_level(21));
	assert_int_equal(0, line_set(line, true));
	assert_int_equal(0, line_set(line, false));
	assert_int_equal(0, gpiod_double_level(21));
	line = mem_deref(line);
	assert_true(pull_read(&in_cfg));

	gpiod_double_drive(21, 0);
	assert_all_free();
}


/* names and labels are searched on every chip, not only the first */
static void test_gpiod_other_chip(void **state)
{
	static const struct {
		const char *spec;
		unsigned line;
	} good[] = {
		{"EXIT_BUTTON", GPIOD_DOUBLE_CHIP1 + 2},
		{"gpiochip1:7", GPIOD_DOUBLE_CHIP1 + 7},
		{"1:0", GPIOD_DOUBLE_CHIP1 + 0},
		{"/dev/gpiochip1:3", GPIOD_DOUBLE_CHIP1 + 3},
		{"door-expander:4", GPIOD_DOUBLE_CHIP1 + 4},
		{"pinctrl-double:6", 6},
	};
	struct line *line = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		line = NULL;
		if (line_open(&line, good[i].spec, &out_cfg, NULL, NULL))
			fail_msg("'%s' did not open", good[i].spec);
		assert_true(gpiod_double_requested(good[i].line));
		assert_int_equal(0, line_set(line, true));
		assert_int_equal(1, gpiod_double_level(good[i].line));
		line = mem_deref(line);
		assert_all_free();
	}
}


/* the same error for the same fault, whichever libgpiod API */
static void test_gpiod_errors(void **state)
{
	static const struct {
		const char *spec;
		int err;
	} bad[] = {
		{"gpiochip9:1", ENOENT},       /* no such chip */
		{"9:1", ENOENT},
		{"/dev/gpiochip9:1", ENOENT},
		{"no-such-label:1", ENOENT},
		{"EXIT", ENOENT},              /* no such name */
		{"/dev/null:1", ENODEV},       /* not a GPIO chip */
		{"null:1", ENODEV},
		{"gpiochip1:8", EINVAL},       /* past gpiochip1's 8 lines */
		{"door-expander:31", EINVAL},
	};
	struct line *a = NULL, *b = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = line_open(&b, bad[i].spec, &in_cfg, NULL, NULL);

		if (err != bad[i].err)
			fail_msg("'%s': error %d, want %d", bad[i].spec, err,
				 bad[i].err);
		assert_null(b);
		assert_all_free();
	}

	/* busy, whoever holds it and however it is named */
	assert_int_equal(0, line_open(&a, "EXIT_BUTTON", &in_cfg, NULL,
				      NULL));
	assert_int_equal(EBUSY, line_open(&b, "gpiochip1:2", &out_cfg, NULL,
					  NULL));
	assert_int_equal(EBUSY, line_open(&b, "door-expander:2", &in_cfg,
					  NULL, NULL));
	assert_null(b);
	assert_int_equal(GPIOD_DOUBLE_INPUT | GPIOD_DOUBLE_BOTH_EDGES,
			 gpiod_double_flags(GPIOD_DOUBLE_CHIP1 + 2));
	mem_deref(a);
	assert_all_free();
}


/* the reason a log line gives, by what the spec named */
static void test_gpiod_error_words(void **state)
{
	(void)state;

	assert_string_equal("no such GPIO chip",
			    line_error("gpiochip9:1", ENOENT));
	assert_string_equal("no line of that name on any GPIO chip",
			    line_error("DOOR", ENOENT));
	assert_string_equal("line in use by another program or a kernel"
			    " driver", line_error("DOOR_LOCK", EBUSY));
	assert_string_equal("not a GPIO chip",
			    line_error("/dev/null:1", ENODEV));
	assert_string_equal("no such file or folder",
			    line_error("file:/no/such", ENOENT));
	assert_string_equal(strerror(EIO), line_error("0:1", EIO));
}


/* what is asked of the kernel: direction, edges, the consumer label */
static void test_gpiod_request(void **state)
{
	struct line_cfg cfg = {.dir = LINE_OUTPUT};
	struct line *line = NULL;
	(void)state;

	assert_int_equal(0, line_open(&line, "0:3", &cfg, NULL, NULL));
	assert_int_equal(GPIOD_DOUBLE_OUTPUT, gpiod_double_flags(3));
	assert_string_equal("baresip-door", gpiod_double_consumer(3));
	line = mem_deref(line);

	cfg.dir = LINE_INPUT;
	cfg.consumer = "a consumer label longer than the kernel keeps";
	assert_int_equal(0, line_open(&line, "0:3", &cfg, NULL, NULL));
	assert_int_equal(GPIOD_DOUBLE_INPUT | GPIOD_DOUBLE_BOTH_EDGES,
			 gpiod_double_flags(3));
	assert_string_equal("a consumer label longer than th",
			    gpiod_double_consumer(3));
	line = mem_deref(line);
	assert_all_free();
}


/* Every event queued is read on one wake-up, more than one read takes;
 * the level after them is reported, once */
static void test_gpiod_input_drain(void **state)
{
	struct seen seen = {0, false};
	struct line *line = NULL;
	int i;
	(void)state;

	gpiod_double_drive(14, 0);
	assert_int_equal(0, line_open(&line, "gpiochip0:14", &in_cfg,
				      on_change, &seen));

	/* 41 edges, ending high: the kernel queues 16 of them (uAPI v1
	 * the first 16, ending low; v2 the last 16), so only the level
	 * read after the events tells where the line ended */
	for (i = 0; i < 41; i++)
		gpiod_double_drive(14, !(i & 1));
	assert_int_equal(16, gpiod_double_pending(14));

	test_run_loop(50);
	assert_int_equal(0, gpiod_double_pending(14));
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);

	mem_deref(line);
	assert_all_free();
}


static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		++n;

	return n;
}


/* A chip that goes away: one line said, the loop not kept busy */
static void test_gpiod_unplugged(void **state)
{
	struct seen seen = {0, false};
	struct line *line = NULL;
	(void)state;

	test_log_clear();
	gpiod_double_drive(15, 0);
	assert_int_equal(0, line_open(&line, "gpiochip0:15", &in_cfg,
				      on_change, &seen));

	gpiod_double_unplug(15);
	test_run_loop(50);
	assert_int_equal(1, count(test_log(), "edge events failed"));
	assert_true(test_log_has("'gpiochip0:15'"));
	assert_int_equal(0, seen.calls);

	mem_deref(line);
	assert_all_free();
}


/* An owner that must fail secure (a door contact) asked for a level on
 * failure: the unplugged chip reports it, once */
static void test_gpiod_unplugged_fails_secure(void **state)
{
	struct line_cfg cfg = in_cfg;
	struct seen seen = {0, false};
	struct line *line = NULL;
	(void)state;

	test_log_clear();
	cfg.fail_report = true;
	cfg.fail_level = true;
	gpiod_double_drive(15, 0);
	assert_int_equal(0, line_open(&line, "gpiochip0:15", &cfg,
				      on_change, &seen));

	gpiod_double_unplug(15);
	test_run_loop(50);
	assert_int_equal(1, count(test_log(), "edge events failed"));
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);

	mem_deref(line);
	assert_all_free();
}


/* ---- file backend ---- */

static void path_of(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", tmpdir, name);
}


static void spec_of(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "file:%s/%s", tmpdir, name);
}


static void read_text(const char *name, char *buf, size_t sz)
{
	char path[128];
	FILE *f;
	size_t n;

	path_of(path, sizeof(path), name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sz - 1, f);
	buf[n] = '\0';
	fclose(f);
}


/* like "echo TEXT > file": truncate and write in place */
static void write_text(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}


/* an atomic replace: written elsewhere in the folder, renamed over */
static void replace_text(const char *name, const char *text)
{
	char path[128], tmp[140];

	path_of(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	{
		FILE *f = fopen(tmp, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	assert_int_equal(0, rename(tmp, path));
}


static unsigned dir_count(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(tmpdir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			++n;
	}
	closedir(d);
	return n;
}


static void test_file_output(void **state)
{
	struct line *line = NULL;
	char spec[128], text[16];
	bool on = true;
	(void)state;

	spec_of(spec, sizeof(spec), "lock");
	assert_int_equal(0, line_open(&line, spec, &out_cfg, NULL, NULL));
	read_text("lock", text, sizeof(text));
	assert_string_equal("0\n", text);
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);

	assert_int_equal(0, line_set(line, true));
	read_text("lock", text, sizeof(text));
	assert_string_equal("1\n", text);
	assert_int_equal(0, line_set(line, false));
	read_text("lock", text, sizeof(text));
	assert_string_equal("0\n", text);

	/* written through a temporary file, none left behind */
	assert_int_equal(1, dir_count());

	mem_deref(line);
}


static void test_file_output_active_low(void **state)
{
	struct line_cfg cfg = out_cfg;
	struct line *line = NULL;
	char spec[128], text[16];
	(void)state;

	cfg.active_low = true;
	spec_of(spec, sizeof(spec), "lock_n");
	assert_int_equal(0, line_open(&line, spec, &cfg, NULL, NULL));
	read_text("lock_n", text, sizeof(text));
	assert_string_equal("1\n", text);

	assert_int_equal(0, line_set(line, true));
	read_text("lock_n", text, sizeof(text));
	assert_string_equal("0\n", text);

	mem_deref(line);
}


static void test_file_missing(void **state)
{
	struct line *line = NULL;
	char spec[128];
	(void)state;

	spec_of(spec, sizeof(spec), "nodir/lock");
	assert_int_equal(ENOENT, line_open(&line, spec, &out_cfg, NULL,
					   NULL));
	assert_null(line);

	/* an input needs its file */
	spec_of(spec, sizeof(spec), "absent");
	assert_int_equal(ENOENT, line_open(&line, spec, &in_cfg, NULL,
					   NULL));
	assert_null(line);

	assert_int_equal(EINVAL, line_open(&line, "file:", &out_cfg, NULL,
					   NULL));
	assert_int_equal(0, dir_count());
}


static void test_file_input(void **state)
{
	struct seen seen = {0, false};
	struct line *line = NULL;
	char spec[128];
	bool on = true;
	(void)state;

	write_text("button", "0\n");
	spec_of(spec, sizeof(spec), "button");
	assert_int_equal(0, line_open(&line, spec, &in_cfg, on_change,
				      &seen));
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);

	write_text("button", "1\n");
	test_run_loop(50);
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);

	replace_text("button", "0\n");
	test_run_loop(50);
	assert_int_equal(2, seen.calls);
	assert_false(seen.last);

	/* the same level again, junk, an empty file: nothing to report */
	write_text("button", "0\n");
	test_run_loop(30);
	write_text("button", "x\n");
	test_run_loop(30);
	write_text("button", "");
	test_run_loop(30);
	assert_int_equal(2, seen.calls);

	/* other files in the folder are not this line */
	write_text("other", "1\n");
	test_run_loop(30);
	assert_int_equal(2, seen.calls);

	write_text("button", "  1");
	test_run_loop(50);
	assert_int_equal(3, seen.calls);
	assert_true(seen.last);

	line = mem_deref(line);

	/* closed: no more reports */
	write_text("button", "0\n");
	test_run_loop(30);
	assert_int_equal(3, seen.calls);
}


/* A file: line removed: nothing for most owners; the failure level for
 * one that asked, and the file's level again once it is back */
static void test_file_input_removed(void **state)
{
	struct line_cfg cfg = in_cfg;
	struct seen seen = {0, false}, quiet = {0, false};
	struct line *line = NULL, *plain = NULL;
	char spec[128], path[128];
	(void)state;

	cfg.fail_report = true;
	cfg.fail_level = true;
	write_text("contact", "0\n");
	spec_of(spec, sizeof(spec), "contact");
	path_of(path, sizeof(path), "contact");
	assert_int_equal(0, line_open(&line, spec, &cfg, on_change, &seen));
	assert_int_equal(0, line_open(&plain, spec, &in_cfg, on_change,
				      &quiet));

	assert_int_equal(0, unlink(path));
	test_run_loop(50);
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);
	assert_int_equal(0, quiet.calls);

	write_text("contact", "0\n");
	test_run_loop(50);
	assert_int_equal(2, seen.calls);
	assert_false(seen.last);
	assert_int_equal(0, quiet.calls);

	mem_deref(plain);
	mem_deref(line);
}


static void test_file_input_active_low(void **state)
{
	struct line_cfg cfg = in_cfg;
	struct seen seen = {0, false};
	struct line *line = NULL;
	char spec[128];
	bool on = true;
	(void)state;

	cfg.active_low = true;
	write_text("contact", "1\n");
	spec_of(spec, sizeof(spec), "contact");
	assert_int_equal(0, line_open(&line, spec, &cfg, on_change, &seen));
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);

	write_text("contact", "0\n");
	test_run_loop(50);
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);

	replace_text("contact", "1\n");
	test_run_loop(50);
	assert_int_equal(2, seen.calls);
	assert_false(seen.last);

	mem_deref(line);
}


/* A file not yet holding 0 or 1 is the inactive level, whatever the
 * polarity, so the first real activation is reported */
static void test_file_input_empty_at_open(void **state)
{
	struct line_cfg cfg = in_cfg;
	struct seen seen = {0, false};
	struct line *line = NULL;
	char spec[128];
	bool on = true;
	(void)state;

	cfg.active_low = true;
	write_text("fresh", "");
	spec_of(spec, sizeof(spec), "fresh");
	assert_int_equal(0, line_open(&line, spec, &cfg, on_change, &seen));
	assert_int_equal(0, line_get(line, &on));
	assert_false(on);

	write_text("fresh", "0\n");
	test_run_loop(50);
	assert_int_equal(1, seen.calls);
	assert_true(seen.last);

	mem_deref(line);
}


static int dir_setup(void **state)
{
	(void)state;
	test_log_clear();
	return test_dir_make(tmpdir, sizeof(tmpdir), "line");
}


static int dir_teardown(void **state)
{
	(void)state;
	return test_dir_remove(tmpdir);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpiod_specs),
		cmocka_unit_test(test_gpiod_bad_specs),
		cmocka_unit_test(test_gpiod_busy),
		cmocka_unit_test(test_gpiod_output),
		cmocka_unit_test(test_gpiod_output_active_low),
		cmocka_unit_test(test_gpiod_input_edges),
		cmocka_unit_test(test_gpiod_input_active_low),
		cmocka_unit_test(test_gpiod_bias),
		cmocka_unit_test(test_gpiod_pull),
		cmocka_unit_test(test_gpiod_other_chip),
		cmocka_unit_test(test_gpiod_errors),
		cmocka_unit_test(test_gpiod_error_words),
		cmocka_unit_test(test_gpiod_request),
		cmocka_unit_test(test_gpiod_input_drain),
		cmocka_unit_test(test_gpiod_unplugged),
		cmocka_unit_test(test_gpiod_unplugged_fails_secure),
		cmocka_unit_test_setup_teardown(test_file_output,
						dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_output_active_low,
						dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_missing,
						dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_input,
						dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_input_removed,
						dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_input_active_low,
						dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(test_file_input_empty_at_open,
						dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests_name(DOOR_GPIOD_API == 2
					   ? "door_line (libgpiod 2)"
					   : "door_line (libgpiod 1)",
					   tests, NULL, NULL);
}
