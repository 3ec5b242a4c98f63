/**
 * @file test_httpopen_codes.c  POST /api/codes bodies (codebody.c): what
 * is accepted, the relay_code_add arguments made from it, and one clear
 * error for everything else, none of which shows the code
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "support.h"
#include "../../modules/httpopen/httpopen.h"


static int parse(struct codereq *cr, const char *body, char *why,
		 size_t wsz)
{
	struct pl pl;

	pl_set_str(&pl, body);
	return codereq_parse(cr, &pl, why, wsz);
}


/* The arguments made from body, or "" when it is refused */
static const char *args(const char *body)
{
	static char line[256];
	struct codereq cr;
	char why[128];

	line[0] = '\0';
	if (!parse(&cr, body, why, sizeof(why)))
		(void)re_snprintf(line, sizeof(line), "%H", codereq_print,
				  &cr);

	return line;
}


static const char *why(const char *body)
{
	static char buf[128];
	struct codereq cr;

	buf[0] = '\0';
	assert_int_equal(EINVAL, parse(&cr, body, buf, sizeof(buf)));
	assert_true(strlen(buf) > 0);
	assert_null(strchr(buf, '\n'));

	/* nothing is left half-filled */
	assert_string_equal("", cr.code);
	assert_string_equal("", cr.relays);

	return buf;
}


static void test_accepted(void **state)
{
	(void)state;

	assert_string_equal("1 4711 name=Parcel until=+2h uses=1"
			    " hours=office",
			    args("{\"relay\":1,\"code\":\"4711\","
				 "\"name\":\"Parcel\",\"until\":\"+2h\","
				 "\"uses\":1,\"hours\":\"office\"}"));

	/* white space anywhere between tokens, any order */
	assert_string_equal("2 *123",
			    args(" \r\n{ \"code\" : \"*123\" ,\t\"relay\""
				 " : 2 }\n"));

	/* several relays, a relay name */
	assert_string_equal("1,3,16 0000",
			    args("{\"relay\":[1, 3,16],\"code\":\"0000\"}"));
	assert_string_equal("front 9*9A until=2026-11-22T17:00:00Z",
			    args("{\"relay\":\"front\",\"code\":\"9*9A\","
				 "\"until\":\"2026-11-22T17:00:00Z\"}"));
	assert_string_equal("1 1234 until=2026-11-22T18:00+01:00",
			    args("{\"relay\":1,\"code\":\"1234\","
				 "\"until\":\"2026-11-22T18:00+01:00\"}"));
	assert_string_equal("1 1234 name=a.b_c@d-e uses=1000000",
			    args("{\"relay\":1,\"code\":\"1234\","
				 "\"name\":\"a.b_c@d-e\",\"uses\":1000000}"));
}


static void test_refused(void **state)
{
	(void)state;

	assert_string_equal("the body must be a JSON object", why(""));
	assert_string_equal("the body must be a JSON object", why("[1]"));
	assert_string_equal("the body must be a JSON object",
			    why("\"relay\""));
	assert_string_equal("missing member 'relay'", why("{}"));
	assert_string_equal("missing member 'code'", why("{\"relay\":1}"));
	assert_string_equal("missing member 'relay'",
			    why("{\"code\":\"4711\"}"));

	assert_string_equal("unknown member 'door'",
			    why("{\"relay\":1,\"code\":\"4711\","
				"\"door\":1}"));
	assert_string_equal("unknown member",
			    why("{\"relay\":1,\"code\":\"4711\","
				"\"a b\":1}"));
	assert_string_equal("unknown member 'Relay'",
			    why("{\"Relay\":1,\"code\":\"4711\"}"));
	assert_string_equal("member 'relay' given twice",
			    why("{\"relay\":1,\"relay\":2,"
				"\"code\":\"4711\"}"));

	assert_string_equal("data after the JSON object",
			    why("{\"relay\":1,\"code\":\"4711\"} {}"));
	assert_string_equal("',' or '}' expected",
			    why("{\"relay\":1 \"code\":\"4711\"}"));
	assert_string_equal("',' or '}' expected",
			    why("{\"relay\":1,\"code\":\"4711\""));
	assert_string_equal("member name: a string expected",
			    why("{\"relay\":1,}"));
	assert_string_equal("':' expected after 'relay'",
			    why("{\"relay\" 1}"));
	assert_string_equal("member name: unterminated string",
			    why("{\"relay"));
}


static void test_types(void **state)
{
	(void)state;

	/* wrong types */
	assert_string_equal("code: a string expected",
			    why("{\"relay\":1,\"code\":4711}"));
	assert_string_equal("uses: a number expected",
			    why("{\"relay\":1,\"code\":\"1111\",\"uses\":\"1\"}"));
	assert_string_equal("name: a string expected",
			    why("{\"relay\":1,\"code\":\"1111\",\"name\":null}"));
	assert_string_equal("relay: a number expected",
			    why("{\"relay\":true,\"code\":\"1111\"}"));
	assert_string_equal("relay: a number expected",
			    why("{\"relay\":{},\"code\":\"1111\"}"));

	/* numbers: whole, positive, bounded, no leading zero */
	assert_string_equal("uses: a whole number expected",
			    why("{\"relay\":1,\"code\":\"1111\",\"uses\":1.5}"));
	assert_string_equal("uses: a whole number expected",
			    why("{\"relay\":1,\"code\":\"1111\",\"uses\":-1}"));
	assert_string_equal("uses: a whole number expected",
			    why("{\"relay\":1,\"code\":\"1111\",\"uses\":1e3}"));
	assert_string_equal("uses: a whole number from 1 to 1000000",
			    why("{\"relay\":1,\"code\":\"1111\",\"uses\":0}"));
	assert_string_equal("uses: number too large",
			    why("{\"relay\":1,\"code\":\"1111\","
				"\"uses\":99999999999999999999}"));
	assert_string_equal("uses: leading zero",
			    why("{\"relay\":1,\"code\":\"1111\",\"uses\":01}"));

	/* relays */
	assert_string_equal("relay: a relay number from 1 to 16",
			    why("{\"relay\":0,\"code\":\"1111\"}"));
	assert_string_equal("relay: a relay number from 1 to 16",
			    why("{\"relay\":[1,17],\"code\":\"1111\"}"));
	assert_string_equal("relay: a relay listed twice",
			    why("{\"relay\":[2,2],\"code\":\"1111\"}"));
	assert_string_equal("relay: an empty list",
			    why("{\"relay\":[ ],\"code\":\"1111\"}"));
	assert_string_equal("relay: ',' or ']' expected",
			    why("{\"relay\":[1 2],\"code\":\"1111\"}"));
	assert_string_equal("relay: a number expected",
			    why("{\"relay\":[\"a\"],\"code\":\"1111\"}"));
}


/* Nothing that could add a word, an option or a line to the command */
static void test_words(void **state)
{
	static const char *bad[] = {
		"{\"relay\":1,\"code\":\"47 11\"}",
		"{\"relay\":1,\"code\":\"4711x\"}",
		"{\"relay\":1,\"code\":\"\"}",
		"{\"relay\":1,\"code\":\"471\"}",
		"{\"relay\":1,\"code\":\"4711#\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"1234\"}",
		"{\"relay\":1,\"code\":\"12345678901234567\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"a b\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"a=b\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":"
		"\"abcdefghijabcdefghijabcdefghijabc\"}",
		"{\"relay\":1,\"code\":\"4711\",\"until\":\"+2h who=x\"}",
		"{\"relay\":1,\"code\":\"4711\",\"until\":\"tomorrow\"}",
		"{\"relay\":1,\"code\":\"4711\",\"hours\":\"office,x\"}",
		"{\"relay\":\"front door\",\"code\":\"4711\"}",
		"{\"relay\":\"1,2\",\"code\":\"4711\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"a\\nb\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"a\\u0000b\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"a\tb\"}",
		"{\"relay\":1,\"code\":\"4711\",\"name\":\"\xc3\xa9t\xc3\xa9\"}",
	};
	struct codereq cr;
	char buf[128];
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		buf[0] = '\0';
		assert_int_equal(EINVAL, parse(&cr, bad[i], buf, sizeof(buf)));
		assert_true(strlen(buf) > 0);

		/* the code never comes back in an error */
		assert_null(strstr(buf, "4711"));
	}

	assert_string_equal("code: 4 to 16 of 0-9 * A-D",
			    why("{\"relay\":1,\"code\":\"47 11\"}"));
	assert_string_equal("name: escapes are not accepted",
			    why("{\"relay\":1,\"code\":\"1111\","
				"\"name\":\"\\u0041\"}"));
}


static void test_body_bytes(void **state)
{
	struct codereq cr;
	char buf[64];
	struct pl pl;
	(void)state;

	/* a NUL inside the body is a control character, not its end */
	pl.p = "{\"relay\":1,\"code\":\"1212\0\"}";
	pl.l = 26;
	assert_int_equal(EINVAL, codereq_parse(&cr, &pl, buf, sizeof(buf)));
	assert_string_equal("code: control character in a string", buf);

	/* the body is what pl says, not up to a NUL */
	pl.p = "{\"relay\":1,\"code\":\"1212\"}\0garbage";
	pl.l = 34;
	assert_int_equal(EINVAL, codereq_parse(&cr, &pl, buf, sizeof(buf)));
	pl.l = 25;
	assert_int_equal(0, codereq_parse(&cr, &pl, buf, sizeof(buf)));
	assert_string_equal("1212", cr.code);

	/* a short error buffer still holds one terminated line */
	assert_int_equal(EINVAL, parse(&cr, "{\"relay\":1,\"code\":\"1111\","
				       "\"uses\":0}", buf, 8));
	assert_true(strlen(buf) < 8);

	assert_int_equal(EINVAL, codereq_parse(&cr, NULL, buf, sizeof(buf)));
	assert_int_equal(EINVAL, codereq_parse(NULL, &pl, buf, sizeof(buf)));
}


static void test_id(void **state)
{
	static const char *bad[] = {"", "0", "01", "1a", "-1", "1234567890",
				    "1/2", "a", " 1"};
	struct pl pl;
	uint32_t id = 0;
	size_t i;
	(void)state;

	pl_set_str(&pl, "42");
	assert_int_equal(0, codereq_id(&pl, &id));
	assert_int_equal(42, id);
	pl_set_str(&pl, "999999999");
	assert_int_equal(0, codereq_id(&pl, &id));
	assert_int_equal(999999999, id);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		pl_set_str(&pl, bad[i]);
		assert_int_equal(EINVAL, codereq_id(&pl, &id));
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_body_bytes),
		cmocka_unit_test(test_id),
	};

	return cmocka_run_group_tests_name("httpopen_codes", tests, NULL,
					   NULL);
}
