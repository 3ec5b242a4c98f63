/**
 * @file test_relay.c  The relay's config, state machine and state file
 *
 * modules/relay/output.c and store.c with real file lines, the libgpiod
 * double, libre's timers in its real loop and a real audit file.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"
#include "../../modules/relay/relay.h"

static char tmpdir[64];

struct changes {
	unsigned n;
	bool on[16];
	char source[16][16];
	char who[16][32];
};


static void on_change(struct relay *r, bool on, const char *source,
		      const char *who, void *arg)
{
	struct changes *c = arg;

	assert_non_null(r);
	if (c->n < 16) {
		c->on[c->n] = on;
		snprintf(c->source[c->n], sizeof(c->source[0]), "%s",
			 source ? source : "");
		snprintf(c->who[c->n], sizeof(c->who[0]), "%s",
			 who ? who : "");
	}
	++c->n;
}


static struct conf *conf_make(const char *fmt, ...)
{
	struct conf *conf = NULL;
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);

	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	return conf;
}


static void path_of(char *buf, size_t sz, const char *name)
{
	snprintf(buf, sz, "%s/%s", tmpdir, name);
}


/* the physical level of a file line: 0, 1, or -1 if unreadable */
static int file_level(const char *name)
{
	char path[128], buf[8] = "";
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);

	if (!strcmp(buf, "1\n"))
		return 1;
	if (!strcmp(buf, "0\n"))
		return 0;
	return -1;
}


static unsigned tmp_files(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(tmpdir);

	assert_non_null(d);
	while ((de = readdir(d))) {
		if (strstr(de->d_name, ".tmp"))
			++n;
	}
	closedir(d);
	return n;
}


/* A relay on a file line in tmpdir, attached */
static struct relay *relay_file(const char *extra, struct changes *c)
{
	struct relay *r = NULL;
	struct conf *conf;

	conf = conf_make("relay1_gpio file:%s/lock\n%s", tmpdir,
			 extra ? extra : "");
	assert_int_equal(0, relay_conf(&r, conf, 1));
	mem_deref(conf);

	memset(c, 0, sizeof(*c));
	assert_int_equal(0, relay_attach(r, on_change, c));
	return r;
}


/* ---- config ---- */

static void test_conf_defaults(void **state)
{
	struct conf *conf = conf_make("relay1_gpio gpiochip0:17\n"
				      "relay3_gpio file:/tmp/x\n"
				      "relay3_dtmf 1234\n");
	struct relay *r = NULL;
	(void)state;

	test_log_clear();
	assert_int_equal(0, relay_conf(&r, conf, 1));
	assert_int_equal(1, r->id);
	assert_string_equal("Relay 1", r->name);
	assert_string_equal("gpiochip0:17", r->spec);
	assert_int_equal(5000, r->hold_ms);
	assert_int_equal(RELAY_MONOSTABLE, r->mode);
	assert_int_equal(RELAY_DOOR, r->type);
	assert_false(r->active_low);
	assert_string_equal("", r->code);
	assert_false(r->remote);             /* no code: not remote */
	assert_null(r->drive);
	assert_false(r->on);
	r = mem_deref(r);

	assert_int_equal(0, relay_conf(&r, conf, 3));
	assert_string_equal("Relay 3", r->name);
	assert_string_equal("1234", r->code);
	assert_true(r->remote);              /* a code: remote by default */
	r = mem_deref(r);

	/* no relayN_gpio: no relay N */
	assert_int_equal(ENOENT, relay_conf(&r, conf, 2));
	assert_int_equal(ENOENT, relay_conf(&r, conf, 16));
	assert_null(r);
	assert_int_equal(EINVAL, relay_conf(&r, conf, 0));
	assert_int_equal(EINVAL, relay_conf(&r, conf, 17));
	assert_int_equal(EINVAL, relay_conf(&r, NULL, 1));
	assert_null(r);

	assert_string_equal("", test_log());
	mem_deref(conf);
}


static void test_conf_all_keys(void **state)
{
	struct conf *conf = conf_make(
		"relay2_gpio   DOOR_LOCK\n"
		"relay2_name   Garage\n"
		"relay2_active_low yes\n"
		"relay2_mode   Bistable\n"
		"relay2_type   EVENT\n"
		"relay2_event  established\n"
		"relay2_hold   0.25\n"
		"relay2_dtmf   *12#\n"
		"relay2_remote no\n");
	struct relay *r = NULL;
	(void)state;

	test_log_clear();
	assert_int_equal(0, relay_conf(&r, conf, 2));
	assert_string_equal("Garage", r->name);
	assert_string_equal("DOOR_LOCK", r->spec);
	assert_true(r->active_low);
	assert_int_equal(RELAY_BISTABLE, r->mode);
	assert_int_equal(RELAY_EVENT, r->type);
	assert_int_equal(DOOR_PHASE_ESTABLISHED, r->phase);
	assert_int_equal(250, r->hold_ms);
	assert_string_equal("*12#", r->code);
	assert_false(r->remote);
	assert_string_equal("", test_log());

	assert_string_equal("bistable", relay_mode_name(r->mode));
	assert_string_equal("event", relay_type_name(r->type));
	assert_string_equal("monostable", relay_mode_name(RELAY_MONOSTABLE));
	assert_string_equal("chime", relay_type_name(RELAY_CHIME));
	assert_string_equal("?", relay_mode_name((enum relay_mode)7));
	assert_string_equal("?", relay_type_name((enum relay_type)7));

	mem_deref(r);
	mem_deref(conf);
}


static void test_conf_bad(void **state)
{
	static const struct {
		const char *line, *key;
	} bad[] = {
		{"relay4_mode flipflop", "relay4_mode"},
		{"relay4_type gate", "relay4_type"},
		{"relay4_event ringing", "relay4_event"},
		{"relay4_hold 1.2345", "relay4_hold"},
		{"relay4_hold -1", "relay4_hold"},
		{"relay4_hold 90000", "relay4_hold"},
		{"relay4_active_low maybe", "relay4_active_low"},
		{"relay4_remote perhaps", "relay4_remote"},
		{"relay4_type event", "relay4_event"},   /* event not set */
		{"relay4_dtmf 12x9", "relay4_dtmf"},
		{"relay4_dtmf 98765432109876543", "relay4_dtmf"},
		{"relay4_dtmf 4242e", "relay4_dtmf"},
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct conf *conf = conf_make("relay4_gpio 0:4\n%s\n",
					      bad[i].line);
		struct relay *r = NULL;
		const char *value = strchr(bad[i].line, ' ') + 1;
		const char *log, *nl;

		test_log_clear();
		if (relay_conf(&r, conf, 4) != EINVAL)
			fail_msg("'%s' accepted", bad[i].line);
		assert_null(r);

		/* named in one line */
		log = test_log();
		if (!strstr(log, bad[i].key))
			fail_msg("'%s': log does not name %s: %s",
				 bad[i].line, bad[i].key, log);
		nl = strchr(log, '\n');
		assert_non_null(nl);
		assert_string_equal("", nl + 1);

		/* a code, even a wrong one, never reaches the log */
		if (strstr(bad[i].line, "_dtmf") && strstr(log, value))
			fail_msg("code echoed: %s", log);
		mem_deref(conf);
	}
}


static void test_conf_several_bad(void **state)
{
	struct conf *conf = conf_make("relay5_gpio 0:4\n"
				      "relay5_mode x\n"
				      "relay5_hold y\n");
	struct relay *r = NULL;
	(void)state;

	/* every bad key is reported, not only the first */
	test_log_clear();
	assert_int_equal(EINVAL, relay_conf(&r, conf, 5));
	assert_true(test_log_has("relay5_mode"));
	assert_true(test_log_has("relay5_hold"));
	assert_null(r);
	mem_deref(conf);
}


/* ---- lines ---- */

static void test_attach_file(void **state)
{
	struct changes c;
	struct relay *r;
	(void)state;

	r = relay_file(NULL, &c);
	assert_non_null(r->drive);
	assert_int_equal(0, file_level("lock"));     /* off at start */
	assert_false(r->on);
	mem_deref(r);

	r = relay_file("relay1_active_low yes\n", &c);
	assert_int_equal(1, file_level("lock"));     /* off is high */
	assert_int_equal(0, c.n);   /* attaching is not a change */
	assert_int_equal(0, relay_set(r, true, false, "command", NULL));
	assert_int_equal(0, file_level("lock"));
	assert_int_equal(1, c.n);
	mem_deref(r);
}


static void test_attach_gpiod(void **state)
{
	struct conf *conf = conf_make("relay1_gpio gpiochip0:17\n"
				      "relay2_gpio DOOR_LOCK\n"
				      "relay2_active_low yes\n");
	struct relay *r1 = NULL, *r2 = NULL;
	struct changes c = {0};
	(void)state;

	assert_int_equal(0, relay_conf(&r1, conf, 1));
	assert_int_equal(0, relay_conf(&r2, conf, 2));
	assert_int_equal(0, relay_attach(r1, on_change, &c));
	assert_int_equal(0, relay_attach(r2, on_change, &c));

	assert_true(gpiod_double_requested(17));
	assert_string_equal("baresip-door relay", gpiod_double_consumer(17));
	assert_int_equal(0, gpiod_double_level(17));
	assert_int_equal(1, gpiod_double_level(5));  /* active low, off */

	assert_int_equal(0, relay_set(r1, true, false, "command", NULL));
	assert_int_equal(0, relay_set(r2, true, false, "command", NULL));
	assert_int_equal(1, gpiod_double_level(17));
	assert_int_equal(0, gpiod_double_level(5));

	relay_shutdown(r1);
	relay_shutdown(r2);
	assert_int_equal(0, gpiod_double_level(17));
	assert_int_equal(1, gpiod_double_level(5));

	mem_deref(r1);
	mem_deref(r2);
	assert_false(gpiod_double_requested(17));
	assert_false(gpiod_double_requested(5));
	mem_deref(conf);
}


static void test_attach_fails(void **state)
{
	struct conf *conf = conf_make("relay1_gpio gpiochip0:77\n"
				      "relay2_gpio 0:6\n");
	struct relay *r1 = NULL, *r2 = NULL, *r3 = NULL;
	struct changes c = {0};
	(void)state;

	test_log_clear();
	assert_int_equal(0, relay_conf(&r1, conf, 1));
	assert_int_not_equal(0, relay_attach(r1, on_change, &c));
	assert_true(test_log_has("relay1_gpio"));
	assert_true(test_log_has("gpiochip0:77"));
	assert_null(r1->drive);

	/* disabled: every action fails, nothing changes */
	assert_int_equal(ENODEV, relay_set(r1, true, false, "command",
					   NULL));
	assert_int_equal(ENODEV, relay_trigger(r1, "command", NULL));
	assert_int_equal(ENODEV, relay_act(r1, RELAY_ACT_ON, "command",
					   NULL));
	assert_false(r1->on);
	relay_shutdown(r1);

	/* a line already held elsewhere */
	assert_int_equal(0, relay_conf(&r2, conf, 2));
	assert_int_equal(0, relay_conf(&r3, conf, 2));
	assert_int_equal(0, relay_attach(r2, on_change, &c));
	assert_int_not_equal(0, relay_attach(r3, on_change, &c));
	assert_int_equal(0, relay_set(r2, true, false, "command", NULL));
	assert_int_equal(1, gpiod_double_level(6));

	assert_int_equal(1, c.n);
	mem_deref(r3);
	assert_int_equal(1, gpiod_double_level(6));   /* still r2's */
	mem_deref(r2);
	mem_deref(r1);
	mem_deref(conf);
}


/* ---- the state machine ---- */

static void test_monostable(void **state)
{
	struct changes c;
	struct relay *r = relay_file("relay1_hold 0.1\n", &c);
	(void)state;

	assert_int_equal(0, relay_trigger(r, "dtmf", "sip:bob@host"));
	assert_true(r->on);
	assert_int_equal(1, file_level("lock"));
	assert_int_equal(1, c.n);
	assert_true(c.on[0]);
	assert_string_equal("dtmf", c.source[0]);
	assert_string_equal("sip:bob@host", c.who[0]);

	test_run_loop(30);
	assert_int_equal(1, file_level("lock"));      /* still held */

	test_run_loop(150);
	assert_false(r->on);
	assert_int_equal(0, file_level("lock"));
	assert_int_equal(2, c.n);
	assert_false(c.on[1]);
	assert_string_equal("timer", c.source[1]);
	assert_string_equal("", c.who[1]);

	/* a trigger while held restarts the hold, no second change */
	assert_int_equal(0, relay_trigger(r, "command", NULL));
	test_run_loop(50);
	assert_int_equal(0, relay_trigger(r, "command", NULL));
	assert_int_equal(3, c.n);
	test_run_loop(60);
	assert_true(r->on);                     /* 110 ms after the first */
	test_run_loop(150);
	assert_false(r->on);
	assert_int_equal(4, c.n);
	assert_int_equal(0, tmp_files());
	mem_deref(r);
}


/* A failed switch-off at the end of the hold is tried again: a write
 * error must not leave the door open for good */
static void test_hold_off_retried(void **state)
{
	char tmp[160];
	struct changes c;
	struct relay *r = relay_file("relay1_hold 0.05\n", &c);
	(void)state;

	assert_int_equal(0, relay_trigger(r, "command", NULL));
	assert_int_equal(1, file_level("lock"));

	/* the line writes through lock.tmp<pid>: a folder there fails it */
	snprintf(tmp, sizeof(tmp), "%s/lock.tmp%d", tmpdir, (int)getpid());
	assert_int_equal(0, mkdir(tmp, 0700));

	test_run_loop(150);
	assert_int_equal(1, file_level("lock"));
	assert_true(r->on);
	assert_true(test_log_has("cannot drive line"));

	assert_int_equal(0, rmdir(tmp));
	test_run_loop(1300);
	assert_int_equal(0, file_level("lock"));
	assert_false(r->on);
	assert_int_equal(2, c.n);
	assert_false(c.on[1]);
	mem_deref(r);
}


static void test_bistable(void **state)
{
	struct changes c;
	struct relay *r = relay_file("relay1_mode bistable\n"
				     "relay1_hold 0.03\n", &c);
	(void)state;

	assert_int_equal(0, relay_trigger(r, "command", NULL));
	assert_true(r->on);
	test_run_loop(80);                 /* no hold for bistable */
	assert_true(r->on);
	assert_int_equal(1, file_level("lock"));

	assert_int_equal(0, relay_trigger(r, "command", NULL));
	assert_false(r->on);
	assert_int_equal(0, file_level("lock"));
	assert_int_equal(2, c.n);

	assert_int_equal(0, relay_act(r, RELAY_ACT_OPEN, "http", "u@1.2.3.4"));
	assert_true(r->on);
	assert_int_equal(0, relay_act(r, RELAY_ACT_TOGGLE, "command", NULL));
	assert_false(r->on);
	assert_int_equal(0, relay_act(r, RELAY_ACT_TOGGLE, "command", NULL));
	test_run_loop(80);
	assert_true(r->on);                /* toggled on: no hold either */
	assert_int_equal(5, c.n);
	mem_deref(r);
}


static void test_act(void **state)
{
	struct changes c;
	struct relay *r = relay_file("relay1_hold 0.04\n", &c);
	(void)state;

	/* ON stays on past the hold */
	assert_int_equal(0, relay_act(r, RELAY_ACT_ON, "command", NULL));
	test_run_loop(90);
	assert_true(r->on);
	assert_int_equal(1, file_level("lock"));

	assert_int_equal(0, relay_act(r, RELAY_ACT_CLOSE, "command", NULL));
	assert_false(r->on);
	assert_int_equal(0, file_level("lock"));

	/* OPEN pulses; CLOSE ends the pulse early and stops the timer */
	assert_int_equal(0, relay_act(r, RELAY_ACT_OPEN, "http", NULL));
	assert_true(r->on);
	assert_int_equal(0, relay_act(r, RELAY_ACT_CLOSE, "command", NULL));
	assert_int_equal(4, c.n);
	test_run_loop(90);
	assert_int_equal(4, c.n);

	/* ON during a pulse makes it stay on */
	assert_int_equal(0, relay_act(r, RELAY_ACT_OPEN, "http", NULL));
	assert_int_equal(0, relay_act(r, RELAY_ACT_ON, "command", NULL));
	test_run_loop(90);
	assert_true(r->on);
	assert_int_equal(5, c.n);

	/* TOGGLE on a monostable relay: off, then a timed pulse */
	assert_int_equal(0, relay_act(r, RELAY_ACT_TOGGLE, "command", NULL));
	assert_false(r->on);
	assert_int_equal(0, relay_act(r, RELAY_ACT_TOGGLE, "command", NULL));
	assert_true(r->on);
	test_run_loop(90);
	assert_false(r->on);
	assert_int_equal(8, c.n);

	assert_int_equal(EINVAL, relay_act(r, (enum relay_act)9, "command",
					   NULL));
	assert_int_equal(EINVAL, relay_act(NULL, RELAY_ACT_OPEN, "x", NULL));
	assert_string_equal("open", relay_act_name(RELAY_ACT_OPEN));
	assert_string_equal("close", relay_act_name(RELAY_ACT_CLOSE));
	assert_string_equal("on", relay_act_name(RELAY_ACT_ON));
	assert_string_equal("toggle", relay_act_name(RELAY_ACT_TOGGLE));
	assert_string_equal("?", relay_act_name((enum relay_act)9));
	mem_deref(r);
}


static void test_changes_only(void **state)
{
	struct changes c;
	struct relay *r = relay_file(NULL, &c);
	(void)state;

	assert_int_equal(0, relay_act(r, RELAY_ACT_CLOSE, "command", NULL));
	assert_int_equal(0, relay_set(r, false, false, "command", NULL));
	assert_int_equal(0, c.n);

	assert_int_equal(0, relay_act(r, RELAY_ACT_ON, "command", NULL));
	assert_int_equal(0, relay_act(r, RELAY_ACT_ON, "command", NULL));
	assert_int_equal(0, relay_act(r, RELAY_ACT_OPEN, "command", NULL));
	assert_int_equal(1, c.n);
	assert_int_equal(0, relay_act(r, RELAY_ACT_CLOSE, "command", NULL));
	assert_int_equal(0, relay_act(r, RELAY_ACT_CLOSE, "command", NULL));
	assert_int_equal(2, c.n);
	assert_true(c.on[0]);
	assert_false(c.on[1]);
	mem_deref(r);
}


static void test_shutdown(void **state)
{
	struct changes c;
	struct relay *r = relay_file("relay1_hold 0.03\n", &c);
	(void)state;

	assert_int_equal(0, relay_trigger(r, "command", NULL));
	assert_int_equal(1, c.n);

	relay_shutdown(r);
	assert_false(r->on);
	assert_int_equal(0, file_level("lock"));
	assert_int_equal(1, c.n);           /* not reported */

	test_run_loop(80);                  /* the hold timer is gone */
	assert_int_equal(1, c.n);
	assert_int_equal(0, file_level("lock"));

	/* freed with a pulse running: the timer dies with it */
	mem_deref(r);
	r = relay_file("relay1_hold 0.03\n", &c);
	assert_int_equal(0, relay_trigger(r, "command", NULL));
	mem_deref(r);
	test_run_loop(80);
	assert_int_equal(1, c.n);

	relay_shutdown(NULL);
}


static void test_lookup(void **state)
{
	struct conf *conf = conf_make("relay1_gpio 0:1\n"
				      "relay1_name Front\n"
				      "relay2_gpio 0:2\n"
				      "relay2_name Garage\n"
				      "relay12_gpio 0:3\n"
				      "relay12_name 2\n");
	struct list relays = LIST_INIT;
	static const unsigned ids[] = {1, 2, 12};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		struct relay *r = NULL;

		assert_int_equal(0, relay_conf(&r, conf, ids[i]));
		list_append(&relays, &r->le, r);
	}

	assert_int_equal(1, relay_lookup(&relays, "1")->id);
	assert_int_equal(2, relay_lookup(&relays, "2")->id);  /* number */
	assert_int_equal(12, relay_lookup(&relays, "12")->id);
	assert_int_equal(1, relay_lookup(&relays, "front")->id);
	assert_int_equal(2, relay_lookup(&relays, "GARAGE")->id);
	assert_null(relay_lookup(&relays, "3"));
	assert_null(relay_lookup(&relays, "Back"));
	assert_null(relay_lookup(&relays, "Fron"));
	assert_null(relay_lookup(&relays, ""));
	assert_null(relay_lookup(&relays, NULL));
	assert_null(relay_lookup(&relays, "0"));
	assert_null(relay_lookup(&relays, "17"));

	list_flush(&relays);
	mem_deref(conf);
}


/* ---- state file ---- */

static size_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(0, stat(path, &st));
	return (size_t)st.st_size;
}


static void test_store(void **state)
{
	struct conf *conf = conf_make("relay1_gpio 0:1\n"
				      "relay1_mode bistable\n"
				      "relay2_gpio 0:2\n"
				      "relay3_gpio 0:3\n"
				      "relay3_mode bistable\n");
	struct list relays = LIST_INIT;
	char path[128];
	uint32_t on = 0;
	unsigned n;
	(void)state;

	for (n = 1; n <= 3; n++) {
		struct relay *r = NULL;

		assert_int_equal(0, relay_conf(&r, conf, n));
		r->on = n != 3;
		list_append(&relays, &r->le, r);
	}

	path_of(path, sizeof(path), "state");
	assert_int_equal(ENOENT, store_load(path, &on));

	assert_int_equal(0, store_save(path, &relays, NULL));
	assert_int_equal(0, tmp_files());

	/* relay1 on, relay3 off; only bistable relays have a state to
	 * keep, so the monostable relay2 is not in the file */
	assert_int_equal(0, store_load(path, &on));
	assert_int_equal(1u << 1, on);
	assert_int_equal(strlen("relay1 1\nrelay3 0\n"), file_size(path));

	/* saved again: replaced, not appended */
	((struct relay *)relays.head->data)->on = false;
	((struct relay *)relays.tail->data)->on = true;
	assert_int_equal(0, store_save(path, &relays, NULL));
	assert_int_equal(0, store_load(path, &on));
	assert_int_equal(1u << 3, on);
	assert_int_equal(0, tmp_files());

	/* a folder that does not exist: an error, nothing left */
	path_of(path, sizeof(path), "nodir/state");
	assert_int_equal(ENOENT, store_save(path, &relays, NULL));
	assert_int_equal(0, store_save(NULL, &relays, NULL));
	assert_int_equal(EINVAL, store_load(NULL, &on));
	assert_int_equal(EINVAL, store_load(path, NULL));

	list_flush(&relays);
	mem_deref(conf);
}


static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(len, fwrite(text, 1, len, f));
	fclose(f);
}


/* A file that is not wholly state lines restores nothing at all */
static void test_store_junk(void **state)
{
	static const char *bad[] = {
		"relay1 2\nrelay2 x\nrelayX 1\n\ngarbage\nrelay3 0\n",
		"relay1 1\ngarbage\n",
		"relay1 1\nrelay3 1",          /* last line cut */
		"relay1 1\nrelay1 0\n",         /* twice */
		"relay1 1\n\n",
		"relay17 1\n", "relay0 1\n", "relay01 1\n", "relay1  1\n",
		"relay1 1 \n", "relay1 1\r\n", " relay1 1\n", "relay1\t1\n",
		"relay1 1\0\n",
	};
	char path[128], big[2048];
	uint32_t on;
	size_t i;
	(void)state;

	path_of(path, sizeof(path), "junk");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		size_t len = strlen(bad[i]);

		if (i == ARRAY_SIZE(bad) - 1)
			len = 10;    /* with its NUL byte */
		write_text(path, bad[i], len);
		on = 0xffff;
		if (store_load(path, &on) != EBADMSG)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(0, on);
	}

	/* larger than any state file */
	for (i = 0; i + 9 < sizeof(big); i += 9)
		memcpy(big + i, "relay1 1\n", 9);
	write_text(path, big, i);
	on = 0xffff;
	assert_int_equal(EFBIG, store_load(path, &on));
	assert_int_equal(0, on);

	/* empty: nothing saved, nothing on; the largest id is accepted */
	write_text(path, "", 0);
	assert_int_equal(0, store_load(path, &on));
	assert_int_equal(0, on);
	write_text(path, "relay16 1\nrelay2 0\n", 19);
	assert_int_equal(0, store_load(path, &on));
	assert_int_equal(1u << 16, on);

	/* unreadable: a folder in its place */
	path_of(path, sizeof(path), "");
	assert_int_equal(EISDIR, store_load(path, &on));
}


/* A failed save removes the old state, so it cannot come back "on" */
static void test_store_failed_save(void **state)
{
	struct conf *conf = conf_make("relay1_gpio 0:1\n"
				      "relay1_mode bistable\n");
	struct list relays = LIST_INIT;
	struct relay *r = NULL;
	char path[128], tmp[160];
	bool removed = false;
	uint32_t on = 0;
	(void)state;

	assert_int_equal(0, relay_conf(&r, conf, 1));
	list_append(&relays, &r->le, r);

	path_of(path, sizeof(path), "state");
	r->on = true;
	assert_int_equal(0, store_save(path, &relays, NULL));
	assert_int_equal(0, store_load(path, &on));
	assert_int_equal(1u << 1, on);

	/* the temporary file cannot be created: a folder is in its way */
	re_snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(0, mkdir(tmp, 0700));
	r->on = false;
	assert_int_not_equal(0, store_save(path, &relays, &removed));
	assert_true(removed);
	assert_int_equal(ENOENT, store_load(path, &on));
	assert_int_equal(0, rmdir(tmp));

	list_flush(&relays);
	mem_deref(conf);
}


/* ---- audit ---- */

static void test_act_audited(void **state)
{
	struct changes c;
	struct relay *r = relay_file(NULL, &c);
	struct relay *dead = NULL;
	struct conf *conf;
	char path[128], line[512];
	unsigned n = 0;
	FILE *f;
	(void)state;

	path_of(path, sizeof(path), "audit.log");
	conf = conf_make("door_audit_file %s\nrelay2_gpio 0:99\n", path);
	audit_configure(conf);

	assert_int_equal(0, relay_act(r, RELAY_ACT_OPEN, "dtmf",
				      "sip:bob@host"));
	assert_int_equal(0, relay_conf(&dead, conf, 2));
	(void)relay_attach(dead, NULL, NULL);
	assert_int_equal(ENODEV, relay_act(dead, RELAY_ACT_CLOSE, "command",
					   NULL));
	audit_close();

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (n == 0) {
			assert_non_null(strstr(line, "\"module\":\"relay\","
					       "\"action\":\"open\","
					       "\"relay\":\"1\","
					       "\"source\":\"dtmf\","
					       "\"who\":\"sip:bob@host\","
					       "\"result\":\"ok\""));
		}
		else {
			assert_non_null(strstr(line, "\"action\":\"close\","
					       "\"relay\":\"2\""));
			assert_non_null(strstr(line, "\"result\":\"error\""));
		}
		++n;
	}
	fclose(f);
	assert_int_equal(2, n);

	mem_deref(dead);
	mem_deref(r);
	mem_deref(conf);
}


static int dir_setup(void **state)
{
	(void)state;
	test_log_clear();
	return test_dir_make(tmpdir, sizeof(tmpdir), "relay");
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
		T(test_conf_defaults),
		T(test_conf_all_keys),
		T(test_conf_bad),
		T(test_conf_several_bad),
		T(test_attach_file),
		T(test_attach_gpiod),
		T(test_attach_fails),
		T(test_monostable),
		T(test_hold_off_retried),
		T(test_bistable),
		T(test_act),
		T(test_changes_only),
		T(test_shutdown),
		T(test_lookup),
		T(test_store),
		T(test_store_junk),
		T(test_store_failed_save),
		T(test_act_audited),
	};

	return cmocka_run_group_tests_name("relay", tests, NULL, NULL);
}
