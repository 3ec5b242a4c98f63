/**
 * @file test_dryio_alert.c  dryio ALERT=<text> body parsing
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "door.h"
#include "../../modules/dryio/dryio.h"
#include "support.h"


static char text[DRYIO_ALERT_MAX + 1];


static int parse_ct(const char *ctype, const char *body, size_t len)
{
	struct pl ct;

	if (!ctype)
		return alert_parse(NULL, (const uint8_t *)body, len, text,
				   sizeof(text));

	pl_set_str(&ct, ctype);
	return alert_parse(&ct, (const uint8_t *)body, len, text,
			   sizeof(text));
}


static int parse(const char *body)
{
	return parse_ct("text/plain", body, strlen(body));
}


static void test_plain(void **state)
{
	(void)state;

	assert_int_equal(parse("ALERT=OUT1_SOS"), 0);
	assert_string_equal(text, "OUT1_SOS");
}


static void test_keyword_case(void **state)
{
	(void)state;

	assert_int_equal(parse("alert=fire"), 0);
	assert_string_equal(text, "fire");
	assert_int_equal(parse("Alert=Fire"), 0);
	assert_string_equal(text, "Fire");     /* the text keeps its case */
}


static void test_whitespace(void **state)
{
	(void)state;

	assert_int_equal(parse("  ALERT=OUT1_SOS\r\n"), 0);
	assert_string_equal(text, "OUT1_SOS");

	assert_int_equal(parse("\tALERT \t=  door forced \n\n"), 0);
	assert_string_equal(text, "door forced");   /* inner space kept */
}


static void test_empty_text(void **state)
{
	(void)state;

	assert_int_equal(parse("ALERT="), ENODATA);
	assert_int_equal(parse("ALERT=   \r\n"), ENODATA);
	assert_string_equal(text, "");
}


static void test_not_alert(void **state)
{
	(void)state;

	assert_int_equal(parse(""), EBADMSG);
	assert_int_equal(parse("hello"), EBADMSG);
	assert_int_equal(parse("ALERT"), EBADMSG);
	assert_int_equal(parse("ALERTS=x"), EBADMSG);
	assert_int_equal(parse("ALERT:x"), EBADMSG);
	assert_int_equal(parse("xALERT=x"), EBADMSG);
	assert_int_equal(parse("ALER"), EBADMSG);
}


static void test_long_bodies(void **state)
{
	char body[DRYIO_BODY_MAX + 64];
	size_t n;
	(void)state;

	/* the longest text that fits */
	n = (size_t)re_snprintf(body, sizeof(body), "ALERT=");
	memset(body + n, 'x', DRYIO_ALERT_MAX);
	body[n + DRYIO_ALERT_MAX] = '\0';
	assert_int_equal(parse(body), 0);
	assert_int_equal(strlen(text), DRYIO_ALERT_MAX);

	/* one more */
	body[n + DRYIO_ALERT_MAX] = 'x';
	body[n + DRYIO_ALERT_MAX + 1] = '\0';
	assert_int_equal(parse(body), EMSGSIZE);
	assert_string_equal(text, "");

	/* a body beyond the limit, even if mostly blank */
	memset(body, ' ', sizeof(body));
	memcpy(body, "ALERT=x", 7);
	assert_int_equal(parse_ct("text/plain", body, DRYIO_BODY_MAX + 1),
			 EMSGSIZE);
	assert_int_equal(parse_ct("text/plain", body, DRYIO_BODY_MAX), 0);
	assert_string_equal(text, "x");

	/* too long for the caller's buffer */
	{
		char small[4];
		assert_int_equal(alert_parse(NULL, (const uint8_t *)"ALERT=abcd",
					     10, small, sizeof(small)),
				 EMSGSIZE);
	}
}


static void test_nul_and_control(void **state)
{
	static const char nul[] = "ALERT=OUT1\0_SOS";
	static const char tail_nul[] = "ALERT=OUT1_SOS\0";
	(void)state;

	assert_int_equal(parse_ct("text/plain", nul, sizeof(nul) - 1),
			 EINVAL);
	/* a NUL is not white space: still refused at the end */
	assert_int_equal(parse_ct("text/plain", tail_nul,
				  sizeof(tail_nul) - 1), EINVAL);
	assert_int_equal(parse("ALERT=a\nb"), EINVAL);
	assert_int_equal(parse("ALERT=a\x1b[31mb"), EINVAL);
	assert_int_equal(parse("ALERT=a\x7f"), EINVAL);
	assert_string_equal(text, "");

	/* UTF-8 is fine */
	assert_int_equal(parse("ALERT=T\xc3\xbcr"), 0);
}


static void test_content_types(void **state)
{
	(void)state;

	assert_int_equal(parse_ct("text/plain", "ALERT=a", 7), 0);
	assert_int_equal(parse_ct("TEXT/Plain", "ALERT=a", 7), 0);
	assert_int_equal(parse_ct("text/plain;charset=UTF-8", "ALERT=a", 7),
			 0);
	assert_int_equal(parse_ct(" text/plain ; charset=utf-8", "ALERT=a",
				  7), 0);
	assert_int_equal(parse_ct(NULL, "ALERT=a", 7), 0);

	assert_int_equal(parse_ct("text/html", "ALERT=a", 7), ENOTSUP);
	assert_int_equal(parse_ct("application/json", "ALERT=a", 7),
			 ENOTSUP);
	assert_int_equal(parse_ct("text/plainx", "ALERT=a", 7), ENOTSUP);
	assert_int_equal(parse_ct("text", "ALERT=a", 7), ENOTSUP);
}


static void test_bad_args(void **state)
{
	(void)state;

	assert_int_equal(alert_parse(NULL, NULL, 3, text, sizeof(text)),
			 EINVAL);
	assert_int_equal(alert_parse(NULL, (const uint8_t *)"ALERT=a", 7,
				     NULL, 10), EINVAL);
	assert_int_equal(alert_parse(NULL, NULL, 0, text, sizeof(text)),
			 EBADMSG);
}


static void test_text_valid(void **state)
{
	char long_text[DRYIO_ALERT_MAX + 2];
	(void)state;

	assert_true(alert_text_valid("OUT1_SOS"));
	assert_true(alert_text_valid("door forced"));
	assert_false(alert_text_valid(""));
	assert_false(alert_text_valid(NULL));
	assert_false(alert_text_valid(" lead"));
	assert_false(alert_text_valid("trail "));
	assert_false(alert_text_valid("a\tb"));

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_false(alert_text_valid(long_text));
	long_text[DRYIO_ALERT_MAX] = '\0';
	assert_true(alert_text_valid(long_text));
}


static void test_pct_encode(void **state)
{
	char buf[128];
	(void)state;

	re_snprintf(buf, sizeof(buf), "%H", dryio_pct_encode,
		    "Front door & gate=1/2~_.-");
	assert_string_equal(buf, "Front%20door%20%26%20gate%3D1%2F2~_.-");

	re_snprintf(buf, sizeof(buf), "%H", dryio_pct_encode, "T\xc3\xbcr");
	assert_string_equal(buf, "T%C3%BCr");
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_keyword_case),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_empty_text),
		cmocka_unit_test(test_not_alert),
		cmocka_unit_test(test_long_bodies),
		cmocka_unit_test(test_nul_and_control),
		cmocka_unit_test(test_content_types),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_text_valid),
		cmocka_unit_test(test_pct_encode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
