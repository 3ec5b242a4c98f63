/**
 * @file test_door_bus.c  Door events on baresip's bus: their text, the
 * parser listeners use, and audit records raised as events
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


static void test_emit_format(void **state)
{
	(void)state;
	test_bus_clear();

	assert_int_equal(27, door_event_ua(DOOR_EV_MODULE));
	assert_int_equal(0, door_bus_emit("relay", "relay_open", "relay", "1",
					  "name", "Front door", "source",
					  "dtmf", "peer", NULL, NULL));
	assert_true(test_bus_has("relay,relay_open,relay=1&name=Front%20door"
				 "&source=dtmf&peer=\n"));
}


static void test_emit_long_value_left_off(void **state)
{
	char big[300];
	(void)state;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	test_bus_clear();

	assert_int_equal(0, door_bus_emit("dryio", "input", "input", "2",
					  "name", big, "state", "on", NULL));
	/* the field that does not fit goes, whole; what fits stays */
	assert_true(test_bus_has("dryio,input,input=2\n"));
}


static void test_parse(void **state)
{
	struct pl m, e, f;
	(void)state;

	assert_int_equal(0, door_bus_parse("httpopen,audit,action=open&x=1",
					   &m, &e, &f));
	assert_int_equal(0, pl_strcmp(&m, "httpopen"));
	assert_int_equal(0, pl_strcmp(&e, "audit"));
	assert_int_equal(0, pl_strcmp(&f, "action=open&x=1"));

	assert_int_equal(0, door_bus_parse("relay,relay_close,", NULL, &e,
					   &f));
	assert_int_equal(0, f.l);

	/* another module's event, or none at all */
	assert_int_equal(ENOENT, door_bus_parse("menu,ring,x", &m, &e, &f));
	assert_int_equal(ENOENT, door_bus_parse("relay", &m, &e, &f));
	assert_int_equal(ENOENT, door_bus_parse("", &m, &e, &f));
	assert_int_equal(ENOENT, door_bus_parse(NULL, &m, &e, &f));
}


static void test_fields(void **state)
{
	struct pl fields = PL("relay=1&name=Front%20door&peer=&x&=v&bad=%2"),
		  rest = fields, key;
	char val[16];
	(void)state;

	assert_int_equal(0, door_bus_field(&fields, "relay", val, sizeof(val)));
	assert_string_equal("1", val);
	assert_int_equal(0, door_bus_field(&fields, "name", val, sizeof(val)));
	assert_string_equal("Front door", val);
	assert_int_equal(0, door_bus_field(&fields, "peer", val, sizeof(val)));
	assert_string_equal("", val);
	assert_int_equal(ENOENT, door_bus_field(&fields, "who", val,
						sizeof(val)));
	assert_string_equal("", val);
	/* a truncated escape is no value */
	assert_int_equal(ENOENT, door_bus_field(&fields, "bad", val,
						sizeof(val)));

	/* pair by pair: malformed ones say so and are skipped */
	assert_int_equal(0, door_bus_field_next(&rest, &key, val,
						sizeof(val)));
	assert_int_equal(0, door_bus_field_next(&rest, &key, val,
						sizeof(val)));
	assert_int_equal(0, door_bus_field_next(&rest, &key, val,
						sizeof(val)));
	assert_int_equal(EINVAL, door_bus_field_next(&rest, &key, val,
						     sizeof(val)));
	assert_int_equal(EINVAL, door_bus_field_next(&rest, &key, val,
						     sizeof(val)));
	assert_int_equal(EINVAL, door_bus_field_next(&rest, &key, val,
						     sizeof(val)));
	assert_int_equal(ENOENT, door_bus_field_next(&rest, &key, val,
						     sizeof(val)));

	/* a value longer than the buffer is refused, not cut */
	assert_int_equal(ENOENT, door_bus_field(&fields, "name", val, 4));
}


static void test_audit_is_an_event(void **state)
{
	struct audit_rec rec = {
		.module = "httpopen", .action = "open", .relay = "1",
		.source = "http", .who = "127.0.0.1", .result = "denied",
		.detail = "wrong password",
	};
	(void)state;
	test_bus_clear();

	/* no audit file configured: the event goes out all the same, with
	 * every field, decided_by empty when not set */
	assert_int_equal(0, audit_write(&rec));
	assert_true(test_bus_has("httpopen,audit,action=open&relay=1"
				 "&source=http&result=denied&decided_by="
				 "&detail=wrong%20password&who=127.0.0.1\n"));

	rec.result = "ok";
	rec.detail = "200";
	rec.decided_by = "relay";
	assert_int_equal(0, audit_write(&rec));
	assert_true(test_bus_has("httpopen,audit,action=open&relay=1"
				 "&source=http&result=ok&decided_by=relay"
				 "&detail=200&who=127.0.0.1\n"));
}


/* A name a client sends, as long as httpopen takes one, each character
 * escaped: it is left off, never the result or decided_by before it */
static void test_audit_long_who_left_off(void **state)
{
	char who[128];
	struct audit_rec rec = {
		.module = "httpopen", .action = "codes", .source = "http",
		.who = who, .result = "denied",
		.detail = "401 wrong credentials",
	};
	(void)state;

	memset(who, '+', 63);
	strcpy(who + 63, "@[2001:db8:1234:5678:9abc:def0:1234:5678]");
	test_bus_clear();

	assert_int_equal(0, audit_write(&rec));
	assert_true(test_bus_has("httpopen,audit,action=codes&relay="
				 "&source=http&result=denied&decided_by="
				 "&detail=401%20wrong%20credentials\n"));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_format),
		cmocka_unit_test(test_emit_long_value_left_off),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_audit_is_an_event),
		cmocka_unit_test(test_audit_long_who_left_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
