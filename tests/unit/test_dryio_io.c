/**
 * @file test_dryio_io.c  dryio inputs and outputs on lines of the libgpiod
 *                        double: config keys, hold timers, call states,
 *                        debounce and hold under libre's real timers
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "door.h"
#include "../../modules/dryio/dryio.h"
#include "support.h"


static struct conf *conf_make(const char *text)
{
	struct conf *conf = NULL;

	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	return conf;
}


static int out_make(struct output **op, const char *text)
{
	struct conf *conf = conf_make(text);
	int err;

	*op = NULL;
	err = output_conf(op, conf, 1);
	mem_deref(conf);
	return err;
}


static void test_output_defaults(void **state)
{
	struct output *o;
	(void)state;

	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"));
	assert_string_equal(o->name, "Output 1");
	assert_int_equal(5000, o->hold_ms);
	assert_int_equal(0, o->phase);
	assert_string_equal(o->alert, "");
	assert_string_equal(o->dtmf, "");
	assert_true(gpiod_double_requested(20));
	assert_int_equal(0, gpiod_double_level(20));
	assert_false(output_is_on(o));

	assert_int_equal(0, output_trigger(o, "input", "in1"));
	assert_int_equal(1, gpiod_double_level(20));
	assert_int_equal(DRIVE_PULSE, drive_reason(o->drive));
	assert_int_equal(0, output_switch(o, false, "command", NULL));
	assert_int_equal(0, gpiod_double_level(20));

	mem_deref(o);
	assert_false(gpiod_double_requested(20));
}


static void test_output_missing_gpio(void **state)
{
	struct output *o;
	(void)state;

	assert_int_equal(ENOENT, out_make(&o, "dryio_out1_name x\n"));
	assert_null(o);
}


static void test_output_hold_timer(void **state)
{
	struct output *o;
	(void)state;

	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"
				     "dryio_out1_hold 0.1\n"));
	assert_int_equal(100, o->hold_ms);

	assert_int_equal(0, output_trigger(o, "dtmf", "sip:a@b"));
	assert_int_equal(1, gpiod_double_level(20));
	test_run_loop(50);
	assert_int_equal(0, output_trigger(o, "dtmf", "sip:a@b"));
	test_run_loop(70);              /* retriggered: hold restarted */
	assert_int_equal(1, gpiod_double_level(20));
	test_run_loop(80);
	assert_int_equal(0, gpiod_double_level(20));
	assert_false(output_is_on(o));

	/* switched on for good: a trigger does not shorten it */
	assert_int_equal(0, output_switch(o, true, "command", NULL));
	assert_int_equal(0, output_trigger(o, "input", "in1"));
	test_run_loop(200);
	assert_int_equal(1, gpiod_double_level(20));
	assert_int_equal(DRIVE_LATCHED, drive_reason(o->drive));

	/* pulse: on for the hold time even though it was latched */
	assert_int_equal(0, output_pulse(o, "command", NULL));
	test_run_loop(200);
	assert_int_equal(0, gpiod_double_level(20));

	mem_deref(o);
}


static void test_output_hold_zero_latches(void **state)
{
	struct output *o;
	(void)state;

	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"
				     "dryio_out1_hold 0\n"));
	assert_int_equal(0, output_trigger(o, "message", "sip:a@b"));
	test_run_loop(100);
	assert_int_equal(1, gpiod_double_level(20));
	assert_int_equal(DRIVE_LATCHED, drive_reason(o->drive));

	output_shutdown(o);
	assert_int_equal(0, gpiod_double_level(20));
	assert_true(test_log_has("off by close"));
	mem_deref(o);
}


static void test_output_active_low(void **state)
{
	struct output *o;
	(void)state;

	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"
				     "dryio_out1_active_low yes\n"));
	assert_true(gpiod_double_flags(20) &
		    GPIOD_DOUBLE_ACTIVE_LOW);
	assert_int_equal(1, gpiod_double_level(20));     /* off */
	assert_int_equal(0, output_switch(o, true, "command", NULL));
	assert_int_equal(0, gpiod_double_level(20));
	output_shutdown(o);
	assert_int_equal(1, gpiod_double_level(20));
	mem_deref(o);
}


static void test_output_follows_call(void **state)
{
	struct output *o;
	(void)state;

	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"
				     "dryio_out1_call Incoming\n"
				     "dryio_out1_hold 0.05\n"));
	assert_int_equal(DOOR_PHASE_INCOMING, o->phase);

	output_follow(o, DOOR_PHASE_CALL);
	assert_int_equal(0, gpiod_double_level(20));
	output_follow(o, DOOR_PHASE_CALL | DOOR_PHASE_INCOMING);
	assert_int_equal(1, gpiod_double_level(20));
	test_run_loop(100);             /* the hold does not apply */
	assert_int_equal(1, gpiod_double_level(20));
	output_follow(o, DOOR_PHASE_CALL | DOOR_PHASE_ESTABLISHED);
	assert_int_equal(0, gpiod_double_level(20));

	/* an explicit "on" outlives the call state */
	assert_int_equal(0, output_switch(o, true, "command", NULL));
	output_follow(o, DOOR_PHASE_INCOMING);
	output_follow(o, 0);
	assert_int_equal(1, gpiod_double_level(20));

	mem_deref(o);
}


static void test_output_bad_values(void **state)
{
	static const struct {
		const char *line;
		const char *key;
	} bad[] = {
		{"dryio_out1_hold soon\n",         "dryio_out1_hold"},
		{"dryio_out1_active_low maybe\n",  "dryio_out1_active_low"},
		{"dryio_out1_dtmf 12x4\n",         "dryio_out1_dtmf"},
		{"dryio_out1_dtmf 12345678901234567\n", "dryio_out1_dtmf"},
		{"dryio_out1_call ringing\n",      "dryio_out1_call"},
	};
	char text[256];
	struct output *o;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		test_log_clear();
		re_snprintf(text, sizeof(text), "dryio_out1_gpio gpiochip0:20"
			    "\n%s", bad[i].line);
		assert_int_equal(EINVAL, out_make(&o, text));
		assert_null(o);
		assert_true(test_log_has(bad[i].key));
		assert_false(gpiod_double_requested(20));
	}

	/* the code itself never reaches the log */
	assert_false(test_log_has("1234567890"));
	test_log_clear();
	assert_int_equal(EINVAL, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"
					 "dryio_out1_dtmf 98x7\n"));
	assert_false(test_log_has("98x7"));

	/* a line that does not open leaves a disabled output */
	test_log_clear();
	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip9:1\n"));
	assert_null(o->drive);
	assert_true(test_log_has("dryio_out1_gpio"));
	assert_int_equal(ENODEV, output_trigger(o, "input", "in1"));
	assert_int_equal(ENODEV, output_switch(o, true, "command", NULL));
	assert_true(test_log_has("is disabled"));
	mem_deref(o);
}


static void test_output_lookup(void **state)
{
	struct list outputs = LIST_INIT;
	struct output *o;
	(void)state;

	assert_int_equal(0, out_make(&o, "dryio_out1_gpio gpiochip0:20\n"
				     "dryio_out1_name Alarm\n"));
	list_append(&outputs, &o->le, o);

	assert_ptr_equal(o, output_lookup(&outputs, "1"));
	assert_ptr_equal(o, output_lookup(&outputs, "alarm"));
	assert_null(output_lookup(&outputs, "2"));
	assert_null(output_lookup(&outputs, "0"));
	assert_null(output_lookup(&outputs, "Alarm2"));
	assert_null(output_lookup(&outputs, NULL));
	assert_ptr_equal(o, output_find(&outputs, 1));

	list_flush(&outputs);
}


/* ---- inputs ---- */

static unsigned fired;

static void fire_handler(struct input *in, void *arg)
{
	(void)in;
	(void)arg;
	++fired;
}


static int in_make(struct input **ip, const char *text)
{
	struct conf *conf = conf_make(text);
	int err;

	*ip = NULL;
	fired = 0;
	err = input_conf(ip, conf, 1, fire_handler, NULL);
	mem_deref(conf);
	return err;
}


static void test_input_debounce_real_timer(void **state)
{
	struct input *in;
	(void)state;

	gpiod_double_drive(21, 1);                  /* idle, pulled up */
	assert_int_equal(0, in_make(&in, "dryio_in1_gpio gpiochip0:21\n"
				    "dryio_in1_bias pull-up\n"
				    "dryio_in1_debounce 80\n"));
	assert_true(gpiod_double_flags(21) &
		    GPIOD_DOUBLE_PULL_UP);
	assert_false(in->di.trig.high);                /* default: low */
	assert_string_equal(in->name, "Input 1");
	assert_false(trig_active(&in->di.trig));

	/* a 20 ms bounce */
	gpiod_double_drive(21, 0);
	test_run_loop(20);
	gpiod_double_drive(21, 1);
	test_run_loop(150);
	assert_int_equal(0, fired);

	/* a real press */
	gpiod_double_drive(21, 0);
	test_run_loop(40);
	assert_int_equal(0, fired);
	assert_false(input_level(in));
	test_run_loop(100);
	assert_int_equal(1, fired);
	assert_true(in->di.trig.fired);

	gpiod_double_drive(21, 1);
	test_run_loop(150);
	assert_false(in->di.trig.fired);
	assert_true(test_log_has("in1 (Input 1) released"));

	mem_deref(in);
	assert_false(gpiod_double_requested(21));
}


static void test_input_hold_real_timer(void **state)
{
	struct input *in;
	(void)state;

	gpiod_double_drive(21, 0);
	assert_int_equal(0, in_make(&in, "dryio_in1_gpio gpiochip0:21\n"
				    "dryio_in1_trigger high\n"
				    "dryio_in1_debounce 0\n"
				    "dryio_in1_hold 0.15\n"
				    "dryio_in1_output 3\n"
				    "dryio_in1_alert SOS\n"
				    "dryio_in1_command relay_open\n"));
	assert_true(in->di.trig.high);
	assert_int_equal(3, in->output);
	assert_string_equal(in->alert, "SOS");
	assert_string_equal(in->command, "relay_open");

	gpiod_double_drive(21, 1);
	test_run_loop(100);
	assert_int_equal(0, fired);
	test_run_loop(120);
	assert_int_equal(1, fired);

	mem_deref(in);
}


static void test_input_chatter_real_timer(void **state)
{
	const char *log;
	struct input *in;
	int i;
	(void)state;

	test_log_clear();
	gpiod_double_drive(21, 1);                  /* idle, pulled up */
	assert_int_equal(0, in_make(&in, "dryio_in1_gpio gpiochip0:21\n"
				    "dryio_in1_name Gate\n"
				    "dryio_in1_debounce 30\n"));
	assert_int_equal(1000, in->di.trig.chatter_ms);

	/* a loose wire: a change every 10 ms for 1.3 s, ending idle */
	for (i = 0; i < 130; i++) {
		gpiod_double_drive(21, i % 2);
		test_run_loop(10);
	}
	gpiod_double_drive(21, 1);
	assert_int_equal(1, fired);
	assert_true(trig_active(&in->di.trig));

	/* logged once, however long it chattered */
	log = test_log();
	assert_non_null(strstr(log, "dryio: in1 (Gate) chattering: taken as"
			       " triggered"));
	assert_null(strstr(strstr(log, "chattering") + 1, "chattering"));

	test_run_loop(100);                         /* rests idle */
	assert_false(trig_active(&in->di.trig));
	assert_true(test_log_has("in1 (Gate) released"));

	mem_deref(in);
}


static void test_input_start_active(void **state)
{
	struct input *in;
	(void)state;

	test_log_clear();
	gpiod_double_drive(21, 0);                  /* already pressed */
	assert_int_equal(0, in_make(&in, "dryio_in1_gpio gpiochip0:21\n"));
	assert_true(trig_active(&in->di.trig));
	assert_true(test_log_has("at its trigger level at start"));
	test_run_loop(100);
	assert_int_equal(0, fired);
	mem_deref(in);
}


static void test_input_bad_values(void **state)
{
	static const struct {
		const char *line;
		const char *key;
	} bad[] = {
		{"dryio_in1_trigger sideways\n", "dryio_in1_trigger"},
		{"dryio_in1_bias up\n",          "dryio_in1_bias"},
		{"dryio_in1_debounce 60001\n",   "dryio_in1_debounce"},
		{"dryio_in1_debounce -1\n",      "dryio_in1_debounce"},
		{"dryio_in1_hold forever\n",     "dryio_in1_hold"},
		{"dryio_in1_output 17\n",        "dryio_in1_output"},
		{"dryio_in1_output 0\n",         "dryio_in1_output"},
	};
	char text[256];
	struct input *in;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		test_log_clear();
		re_snprintf(text, sizeof(text), "dryio_in1_gpio gpiochip0:21"
			    "\n%s", bad[i].line);
		assert_int_equal(EINVAL, in_make(&in, text));
		assert_null(in);
		assert_true(test_log_has(bad[i].key));
		assert_false(gpiod_double_requested(21));
	}

	assert_int_equal(ENOENT, in_make(&in, "dryio_in1_name x\n"));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_defaults),
		cmocka_unit_test(test_output_missing_gpio),
		cmocka_unit_test(test_output_hold_timer),
		cmocka_unit_test(test_output_hold_zero_latches),
		cmocka_unit_test(test_output_active_low),
		cmocka_unit_test(test_output_follows_call),
		cmocka_unit_test(test_output_bad_values),
		cmocka_unit_test(test_output_lookup),
		cmocka_unit_test(test_input_debounce_real_timer),
		cmocka_unit_test(test_input_hold_real_timer),
		cmocka_unit_test(test_input_chatter_real_timer),
		cmocka_unit_test(test_input_start_active),
		cmocka_unit_test(test_input_bad_values),
	};

	return cmocka_run_group_tests_name("dryio_io", tests, NULL, NULL);
}
