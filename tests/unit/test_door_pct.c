/**
 * @file test_door_pct.c  Percent-encoding shared by relay, httpopen and
 * webrelay, linked here without baresip
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <ctype.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static int encode(char *buf, size_t sz, const char *str)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct re_printf pf = {print_mbuf, mb};
	int err;

	assert_non_null(mb);
	err = door_pct_encode(&pf, str);
	assert_true(mb->end < sz);
	memcpy(buf, mb->buf, mb->end);
	buf[mb->end] = '\0';
	mem_deref(mb);

	return err;
}


static void test_encode(void **state)
{
	char buf[256];
	(void)state;

	assert_int_equal(0, encode(buf, sizeof(buf), "AZaz09-._~"));
	assert_string_equal("AZaz09-._~", buf);

	assert_int_equal(0, encode(buf, sizeof(buf), "Front door & gate"));
	assert_string_equal("Front%20door%20%26%20gate", buf);

	assert_int_equal(0, encode(buf, sizeof(buf), "sip:+49@h;x=1?y/%"));
	assert_string_equal("sip%3A%2B49%40h%3Bx%3D1%3Fy%2F%25", buf);

	/* bytes above 0x7f and control characters, upper-case hex */
	assert_int_equal(0, encode(buf, sizeof(buf), "\xc3\xa9\x01\x7f\xff"));
	assert_string_equal("%C3%A9%01%7F%FF", buf);

	assert_int_equal(0, encode(buf, sizeof(buf), ""));
	assert_string_equal("", buf);
	assert_int_equal(0, encode(buf, sizeof(buf), NULL));
	assert_string_equal("", buf);
}


static void test_hex_digit(void **state)
{
	const char *hex = "0123456789abcdef";
	int c;
	(void)state;

	for (c = 0; c < 16; c++) {
		assert_int_equal(c, door_hex_digit(hex[c]));
		assert_int_equal(c, door_hex_digit((char)toupper(hex[c])));
	}

	for (c = -128; c < 128; c++) {
		if (!strchr("0123456789abcdefABCDEF", c) || !c)
			assert_int_equal(-1, door_hex_digit((char)c));
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_hex_digit),
	};

	return cmocka_run_group_tests_name("door_pct", tests, NULL, NULL);
}
