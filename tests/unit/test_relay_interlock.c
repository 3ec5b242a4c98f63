/**
 * @file test_relay_interlock.c  relay_interlock groups and their refusals
 *
 * modules/relay/interlock.c with output.c and contact.c: groups read from
 * a config, then relays on real file lines, with real door contacts on
 * file lines, refused and allowed by relay_act().
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
#include "../../modules/relay/relay.h"

static char tmpdir[64];
static struct list relays;


/* Relays 1, 2 and 4 door relays (1 bistable), 3 a chime, 5 an event
 * relay, each on a file line in tmpdir, then the config's groups read */
static int relays_make(const char *groups)
{
	struct conf *conf;
	unsigned n;
	int err;

	conf = test_conf_make("relay1_gpio file:%s/r1\nrelay1_mode bistable\n"
			 "relay1_name Outer\n"
			 "relay2_gpio file:%s/r2\nrelay2_name Inner\n"
			 "relay3_gpio file:%s/r3\nrelay3_type chime\n"
			 "relay4_gpio file:%s/r4\n"
			 "relay5_gpio file:%s/r5\nrelay5_type event\n"
			 "relay5_event incoming\n%s",
			 tmpdir, tmpdir, tmpdir, tmpdir, tmpdir, groups);
	assert_non_null(conf);

	for (n = 1; n <= 5; n++) {
		struct relay *r = NULL;

		assert_int_equal(0, relay_conf(&r, conf, n));
		assert_int_equal(0, relay_attach(r, NULL, NULL));
		list_append(&relays, &r->le, r);
	}

	test_log_clear();
	err = interlock_conf(conf, &relays);
	mem_deref(conf);
	return err;
}


static struct relay *relay_n(unsigned n)
{
	char key[8];

	snprintf(key, sizeof(key), "%u", n);
	return relay_lookup(&relays, key);
}


#define BIT(n) (1u << (n))


/* ---- groups ---- */

static void test_parse_members(void **state)
{
	uint32_t m = 0;
	(void)state;

	assert_int_equal(0, relays_make(""));

	assert_int_equal(0, interlock_parse("k", "1,2", &relays, &m));
	assert_int_equal(BIT(1) | BIT(2), m);
	assert_int_equal(0, interlock_parse("k", " outer , INNER,4 ",
					    &relays, &m));
	assert_int_equal(BIT(1) | BIT(2) | BIT(4), m);
	assert_string_equal("", test_log());

	/* a bad member is left out, the others stay */
	assert_int_equal(EINVAL, interlock_parse("k", "1,2,9", &relays, &m));
	assert_int_equal(BIT(1) | BIT(2), m);
	assert_true(test_log_has("config k: no relay '9'; left out"));

	assert_int_equal(EINVAL, interlock_parse("k", "1,3,5,2", &relays,
						 &m));
	assert_int_equal(BIT(1) | BIT(2), m);
	assert_true(test_log_has("relay 3 is of type chime; only door"));
	assert_true(test_log_has("relay 5 is of type event; only door"));

	assert_int_equal(EINVAL, interlock_parse("k", "1,,2", &relays, &m));
	assert_int_equal(BIT(1) | BIT(2), m);
	assert_true(test_log_has("an empty or overlong member"));

	/* fewer than two door relays: no group */
	test_log_clear();
	assert_int_equal(EINVAL, interlock_parse("k", "1,1", &relays, &m));
	assert_int_equal(0, m);
	assert_true(test_log_has("relay 1 named twice"));
	assert_true(test_log_has("needs two door relays or more"));

	test_log_clear();
	assert_int_equal(EINVAL, interlock_parse("k", "3", &relays, &m));
	assert_int_equal(0, m);
	assert_false(test_log_has("needs two"));    /* one line is enough */

	assert_int_equal(EINVAL, interlock_parse("k", " ", &relays, &m));
	assert_int_equal(0, m);
}


static void test_conf_groups(void **state)
{
	(void)state;

	/* relay 2 in two groups; groups numbered from 2 on, gaps allowed */
	assert_int_equal(0, relays_make("relay_interlock 1,2\n"
					"relay_interlock3 2, 4\n"));
	assert_string_equal("", test_log());
	assert_int_equal(BIT(2), relay_n(1)->interlock);
	assert_int_equal(BIT(1) | BIT(4), relay_n(2)->interlock);
	assert_int_equal(0, relay_n(3)->interlock);
	assert_int_equal(BIT(2), relay_n(4)->interlock);
}


static void test_conf_first_group_spellings(void **state)
{
	(void)state;

	/* relay_interlock1 is not ignored: a group of its own */
	assert_int_equal(0, relays_make("relay_interlock1 1,2\n"
					"relay_interlock16 Inner,4\n"));
	assert_int_equal(BIT(2), relay_n(1)->interlock);
	assert_int_equal(BIT(1) | BIT(4), relay_n(2)->interlock);
	assert_int_equal(BIT(2), relay_n(4)->interlock);
}


static void test_conf_bad_group(void **state)
{
	(void)state;

	assert_int_equal(EINVAL, relays_make("relay_interlock 1,3\n"
					     "relay_interlock2 2,4,x\n"));
	assert_true(test_log_has("config relay_interlock: relay 3 is of"
				 " type chime"));
	assert_true(test_log_has("config relay_interlock: an interlock needs"));
	assert_true(test_log_has("config relay_interlock2: no relay 'x'"));
	assert_int_equal(0, relay_n(1)->interlock);
	assert_int_equal(BIT(4), relay_n(2)->interlock);
}


/* ---- refusals ---- */

static void test_refused_while_on(void **state)
{
	struct relay *outer, *inner;
	char reason[48];
	(void)state;

	assert_int_equal(0, relays_make("relay_interlock 1,2\n"));
	outer = relay_n(1);
	inner = relay_n(2);

	assert_false(interlock_refused(inner, reason, sizeof(reason)));
	assert_int_equal(0, relay_act(outer, RELAY_ACT_ON, "command", NULL));

	test_bus_clear();
	assert_int_equal(EBUSY, relay_act(inner, RELAY_ACT_OPEN, "http",
					  "admin"));
	assert_string_equal("interlock: relay 1 on", inner->refused);
	assert_false(inner->on);
	assert_true(test_bus_has("relay,relay_refused,relay=2&name=Inner&"
				 "action=open&source=http&peer=admin&"
				 "detail=interlock%3A%20relay%201%20on"));
	assert_int_equal(EBUSY, relay_act(inner, RELAY_ACT_ON, "command",
					  NULL));
	assert_int_equal(EBUSY, relay_act(inner, RELAY_ACT_TOGGLE,
					  "command", NULL));
	assert_false(inner->on);

	/* switching off is never refused */
	assert_int_equal(0, relay_act(inner, RELAY_ACT_CLOSE, "command",
				      NULL));
	assert_string_equal("", inner->refused);

	/* not interlocked: the chime and relay 4 */
	assert_int_equal(0, relay_act(relay_n(4), RELAY_ACT_OPEN, "command",
				      NULL));

	/* the bistable relay's open switches it off: never refused, and
	 * then the other opens */
	assert_int_equal(0, relay_act(outer, RELAY_ACT_OPEN, "command",
				      NULL));
	assert_false(outer->on);
	assert_int_equal(0, relay_act(inner, RELAY_ACT_OPEN, "command",
				      NULL));
	assert_true(inner->on);

	/* now the other way round: off to on is refused, and an open of
	 * the relay that is on again (a new pulse) is not */
	assert_true(relay_act_refused(outer, RELAY_ACT_OPEN, reason,
				      sizeof(reason)));
	assert_string_equal("interlock: relay 2 on", reason);
	assert_false(relay_act_refused(outer, RELAY_ACT_CLOSE, reason,
				       sizeof(reason)));
	assert_int_equal(0, relay_act(inner, RELAY_ACT_OPEN, "command",
				      NULL));

	test_run_loop(50);
}


static void contact_write(const char *name, int level)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", level);
	fclose(f);
}


/* A real door contact (contact.c) on a file line, shut */
static void contact_add_debounced(unsigned n, unsigned debounce_ms)
{
	struct conf *conf;
	char name[8];

	snprintf(name, sizeof(name), "c%u", n);
	contact_write(name, 0);
	conf = test_conf_make("relay%u_contact file:%s/%s\n"
			      "relay%u_contact_debounce %u\n",
			      n, tmpdir, name, n, debounce_ms);
	assert_non_null(conf);
	assert_int_equal(0, contact_conf(relay_n(n), conf));
	assert_int_equal(0, contact_attach(relay_n(n)));
	mem_deref(conf);
}


static void contact_add(unsigned n)
{
	contact_add_debounced(n, 0);
}


static void test_refused_while_door_open(void **state)
{
	struct relay *inner;
	char reason[48];
	(void)state;

	assert_int_equal(0, relays_make("relay_interlock 1,2,4\n"));
	inner = relay_n(2);
	contact_add(1);
	contact_add(4);
	assert_false(interlock_refused(inner, reason, sizeof(reason)));

	/* door 4 forced open: its relay is off, the door alone refuses */
	contact_write("c4", 1);
	test_run_loop(100);
	assert_true(relay_door_open(relay_n(4)));
	assert_int_equal(EBUSY, relay_act(inner, RELAY_ACT_OPEN, "command",
					  NULL));
	assert_string_equal("interlock: door 4 open", inner->refused);

	/* door 4 refuses relay 1 as well; shut, relay 1 may switch on */
	assert_int_equal(EBUSY, relay_act(relay_n(1), RELAY_ACT_ON,
					  "command", NULL));
	contact_write("c4", 0);
	test_run_loop(100);
	assert_int_equal(0, relay_act(relay_n(1), RELAY_ACT_ON, "command",
				      NULL));

	/* an open door is named before a relay that is on, whatever the
	 * order of the relays */
	contact_write("c4", 1);
	test_run_loop(100);
	assert_true(interlock_refused(inner, reason, sizeof(reason)));
	assert_string_equal("interlock: door 4 open", reason);

	/* door 4 shut: relay 1 still on */
	contact_write("c4", 0);
	test_run_loop(100);
	assert_false(relay_door_open(relay_n(4)));
	assert_true(interlock_refused(inner, reason, sizeof(reason)));
	assert_string_equal("interlock: relay 1 on", reason);

	/* relay 1 off, its door shut all along: free */
	assert_int_equal(0, relay_act(relay_n(1), RELAY_ACT_CLOSE, "command",
				      NULL));
	assert_false(relay_door_open(relay_n(1)));
	assert_int_equal(0, relay_act(inner, RELAY_ACT_OPEN, "command",
				      NULL));
	assert_true(inner->on);
}


/* The debounce delays alarms, never the interlock: a door whose contact
 * reads open refuses the others before it settles, and so does a
 * contact that keeps chattering and never settles */
static void test_refused_while_contact_settles(void **state)
{
	struct relay *inner;
	int i;
	(void)state;

	assert_int_equal(0, relays_make("relay_interlock 1,2\n"));
	inner = relay_n(2);
	contact_add_debounced(1, 5000);

	contact_write("c1", 1);
	test_run_loop(100);
	assert_int_equal(EBUSY, relay_act(inner, RELAY_ACT_OPEN, "command",
					  NULL));
	assert_string_equal("interlock: door 1 open", inner->refused);
	assert_false(inner->on);

	/* chatter: back shut, open again, shut: never settled */
	for (i = 0; i < 3; i++) {
		contact_write("c1", 0);
		test_run_loop(30);
		contact_write("c1", 1);
		test_run_loop(30);
		assert_int_equal(EBUSY, relay_act(inner, RELAY_ACT_OPEN,
						  "command", NULL));
	}

	/* it reads shut (and was never seen open long enough): free */
	contact_write("c1", 0);
	test_run_loop(100);
	assert_int_equal(0, relay_act(inner, RELAY_ACT_OPEN, "command",
				      NULL));
	assert_true(inner->on);
}


static void test_refusal_audited(void **state)
{
	char path[128], line[512];
	struct conf *conf;
	FILE *f;
	(void)state;

	snprintf(path, sizeof(path), "%s/audit.log", tmpdir);
	conf = test_conf_make("door_audit_file %s\n", path);
	assert_non_null(conf);
	audit_configure(conf);
	mem_deref(conf);

	assert_int_equal(0, relays_make("relay_interlock 1,2\n"));
	assert_int_equal(0, relay_act(relay_n(2), RELAY_ACT_OPEN, "command",
				      NULL));
	assert_int_equal(EBUSY, relay_act(relay_n(1), RELAY_ACT_ON, "dtmf",
					  "sip:bob@host"));
	audit_close();

	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "\"result\":\"ok\""));
	assert_non_null(fgets(line, sizeof(line), f));
	assert_non_null(strstr(line, "\"action\":\"on\",\"relay\":\"1\","
			       "\"source\":\"dtmf\",\"who\":\"sip:bob@host\","
			       "\"result\":\"denied\","
			       "\"detail\":\"interlock: relay 2 on\""));
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
}


/* what httpopen and doormqtt read from a refused command's answer */
static void test_cmd_refusal(void **state)
{
	struct mbuf *mb = mbuf_alloc(64);
	char reason[24];
	(void)state;

	assert_non_null(mb);
	assert_int_equal(ENOENT, door_cmd_refusal(mb, reason,
						  sizeof(reason)));
	assert_int_equal(ENOENT, door_cmd_refusal(NULL, reason,
						  sizeof(reason)));

	(void)mbuf_write_str(mb, "relay: relay 2 (Inner) refused: ");
	assert_int_equal(ENOENT, door_cmd_refusal(mb, reason,
						  sizeof(reason)));

	(void)mbuf_write_str(mb, "interlock: door 1 open\r\n");
	assert_int_equal(0, door_cmd_refusal(mb, reason, sizeof(reason)));
	assert_string_equal("interlock: door 1 open", reason);

	/* cut to the buffer, never overrun */
	assert_int_equal(0, door_cmd_refusal(mb, reason, 8));
	assert_string_equal("interlo", reason);

	mem_deref(mb);
}


static int setup(void **state)
{
	(void)state;
	list_init(&relays);
	test_log_clear();
	return test_dir_make(tmpdir, sizeof(tmpdir), "interlock");
}


static int teardown(void **state)
{
	struct le *le;
	(void)state;

	LIST_FOREACH(&relays, le) {
		contact_close(le->data);
		relay_shutdown(le->data);
	}
	list_flush(&relays);
	interlock_close();
	return test_dir_remove(tmpdir);
}


#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse_members),
		T(test_conf_groups),
		T(test_conf_first_group_spellings),
		T(test_conf_bad_group),
		T(test_refused_while_on),
		T(test_refused_while_door_open),
		T(test_refused_while_contact_settles),
		T(test_refusal_audited),
		T(test_cmd_refusal),
	};

	return cmocka_run_group_tests_name("relay_interlock", tests, NULL,
					   NULL);
}
