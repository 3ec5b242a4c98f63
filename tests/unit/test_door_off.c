/**
 * @file test_door_off.c  baresip-door-off's config reading: every relay
 * and dryio output line with its off level, by the modules' own keys
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"
#include "../../tools/baresip-door-off/offlines.h"

struct seen {
	unsigned n;
	char key[8][24];
	char spec[8][256];
	bool active_low[8];
	int err[8];
};


static int on_line(const char *key, const struct drive_conf *dc, int err,
		   void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		snprintf(s->key[s->n], sizeof(s->key[0]), "%s", key);
		snprintf(s->spec[s->n], sizeof(s->spec[0]), "%s", dc->spec);
		s->active_low[s->n] = dc->active_low;
		s->err[s->n] = err;
	}
	++s->n;
	return 0;
}


static struct conf *conf_make(const char *text)
{
	struct conf *conf = NULL;

	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	return conf;
}


static void test_every_output_line(void **state)
{
	struct seen s = {0};
	struct conf *conf = conf_make(
		"dryio_out2_gpio gpiochip0:5\n"
		"dryio_out2_active_low yes\n"
		"dryio_in1_gpio file:/tmp/in1\n"      /* an input: not ours */
		"relay16_gpio DOOR_LOCK\n"
		"relay1_gpio file:/var/lib/baresip-door/lock\n"
		"relay1_hold 3\n"
		"relay2_active_low yes\n"             /* no line: no relay */
		"relay17_gpio gpiochip0:9\n"          /* past the last index */
		"webrelay1_url http://127.0.0.1/\n");
	(void)state;

	assert_int_equal(0, off_lines(conf, on_line, &s));
	assert_int_equal(3, s.n);
	assert_string_equal("relay1_gpio", s.key[0]);
	assert_string_equal("file:/var/lib/baresip-door/lock", s.spec[0]);
	assert_false(s.active_low[0]);
	assert_int_equal(0, s.err[0]);
	assert_string_equal("relay16_gpio", s.key[1]);
	assert_string_equal("DOOR_LOCK", s.spec[1]);
	assert_string_equal("dryio_out2_gpio", s.key[2]);
	assert_string_equal("gpiochip0:5", s.spec[2]);
	assert_true(s.active_low[2]);
	mem_deref(conf);
}


/* a line whose off level cannot be known is reported, not guessed; a bad
 * key the off program does not need changes nothing */
static void test_bad_values(void **state)
{
	struct seen s = {0};
	struct conf *conf = conf_make(
		"relay1_gpio gpiochip0:1\n"
		"relay1_active_low maybe\n"
		"relay2_gpio gpiochip0:2\n"
		"relay2_hold soon\n"
		"relay2_mode sometimes\n");
	(void)state;

	assert_int_equal(0, off_lines(conf, on_line, &s));
	assert_int_equal(2, s.n);
	assert_int_equal(EINVAL, s.err[0]);
	assert_true(test_log_has("relay1_active_low"));
	assert_int_equal(0, s.err[1]);
	assert_false(s.active_low[1]);
	assert_int_equal(EINVAL, off_lines(NULL, on_line, &s));
	assert_int_equal(EINVAL, off_lines(conf, NULL, &s));
	mem_deref(conf);

	conf = conf_make("sip_listen 127.0.0.1:5060\n");
	s.n = 0;
	assert_int_equal(0, off_lines(conf, on_line, &s));
	assert_int_equal(0, s.n);
	mem_deref(conf);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_output_line),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
