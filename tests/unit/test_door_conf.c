/**
 * @file test_door_conf.c  Config values: parsers, getters, whole-line text
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"


static struct conf *conf_make(const char *text)
{
	struct conf *conf = NULL;

	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	return conf;
}


/* ---- parsers ---- */

static int parse_bool(const char *s, bool *val)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return door_parse_bool(&pl, val);
}


static int parse_u32(const char *s, uint32_t min, uint32_t max,
		     uint32_t *val)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return door_parse_u32(&pl, min, max, val);
}


static int parse_seconds(const char *s, uint32_t *ms)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return door_parse_seconds(&pl, ms);
}


static void test_parse_bool(void **state)
{
	static const char *yes[] = {"yes", "YES", "true", "On", "1",
				    "enabled"};
	static const char *no[] = {"no", "False", "off", "0", "DISABLED"};
	static const char *bad[] = {"", "y", "n", "2", "yess", "maybe",
				    " yes", "yes ", "on1"};
	size_t i;
	bool v;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		v = false;
		assert_int_equal(0, parse_bool(yes[i], &v));
		assert_true(v);
	}
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		v = true;
		assert_int_equal(0, parse_bool(no[i], &v));
		assert_false(v);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		v = true;
		assert_int_equal(EINVAL, parse_bool(bad[i], &v));
		assert_true(v);
	}

	assert_int_equal(EINVAL, door_parse_bool(NULL, &v));
}


static void test_parse_u32(void **state)
{
	static const char *junk[] = {"", "-1", "+1", "1.5", " 1", "1 ",
				     "0x10", "1e3", "abc", "12a",
				     "99999999999",           /* 11 digits */
				     "000000000001"};
	uint32_t v = 0;
	size_t i;
	(void)state;

	assert_int_equal(0, parse_u32("0", 0, 10, &v));
	assert_int_equal(0, v);
	assert_int_equal(0, parse_u32("42", 0, 100, &v));
	assert_int_equal(42, v);
	assert_int_equal(0, parse_u32("007", 0, 10, &v));
	assert_int_equal(7, v);

	/* limits are inclusive */
	assert_int_equal(0, parse_u32("1", 1, 16, &v));
	assert_int_equal(1, v);
	assert_int_equal(0, parse_u32("16", 1, 16, &v));
	assert_int_equal(16, v);
	assert_int_equal(0, parse_u32("4294967295", 0, UINT32_MAX, &v));
	assert_int_equal(UINT32_MAX, v);

	v = 99;
	assert_int_equal(ERANGE, parse_u32("0", 1, 16, &v));
	assert_int_equal(ERANGE, parse_u32("17", 1, 16, &v));
	assert_int_equal(ERANGE, parse_u32("4294967296", 0, UINT32_MAX,
					   &v));
	assert_int_equal(ERANGE, parse_u32("9999999999", 0, UINT32_MAX,
					   &v));
	assert_int_equal(99, v);

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		assert_int_equal(EINVAL, parse_u32(junk[i], 0, UINT32_MAX,
						   &v));
		assert_int_equal(99, v);
	}
}


static void test_parse_seconds(void **state)
{
	static const struct {
		const char *s;
		uint32_t ms;
	} good[] = {
		{"0", 0}, {"5", 5000}, {"0.5", 500}, {"2.25", 2250},
		{"1.001", 1001}, {".5", 500}, {"5.", 5000}, {"0.000", 0},
		{"010", 10000}, {"86400", 86400000}, {"3.100", 3100},
	};
	static const char *bad[] = {
		"", ".", "-1", "+1", "1..2", "1.2.3", "1.2345", "0.0001",
		"abc", "1s", "5 ", " 5", "1,5", "1e3", "86401", "86400.001",
		"99999999999", "999999999999", "0000000000005",
	};
	uint32_t ms;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ms = 12345;
		assert_int_equal(0, parse_seconds(good[i].s, &ms));
		assert_int_equal(good[i].ms, ms);
	}

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ms = 12345;
		if (parse_seconds(bad[i], &ms) != EINVAL)
			fail_msg("'%s' accepted as %u ms", bad[i], ms);
		assert_int_equal(12345, ms);
	}
}


static void test_dtmf_code_valid(void **state)
{
	(void)state;

	assert_true(door_dtmf_code_valid("1"));
	assert_true(door_dtmf_code_valid("1234"));
	assert_true(door_dtmf_code_valid("*#ABCD0987654321"));   /* 16 */
	assert_false(door_dtmf_code_valid("12345678901234567")); /* 17 */
	assert_false(door_dtmf_code_valid(""));
	assert_false(door_dtmf_code_valid(NULL));
	assert_false(door_dtmf_code_valid("12a4"));   /* lower case */
	assert_false(door_dtmf_code_valid("12E4"));
	assert_false(door_dtmf_code_valid("12 4"));
	assert_false(door_dtmf_code_valid("1234\n"));
}


/* ---- getters ---- */

static const char conf_text[] =
	"# comment\n"
	"good_str   hello\n"
	"good_bool  yes\n"
	"bad_bool   perhaps\n"
	"good_u32   12\n"
	"big_u32    99999999999\n"
	"range_u32  77\n"
	"good_sec   0.25\n"
	"bad_sec    1.2345\n"
	"long_str   abcdefghij\n"
	"relay1_gpio2 gpiochip0:9\n";


static void test_getters_ok(void **state)
{
	struct conf *conf = conf_make(conf_text);
	char buf[32];
	char *dup = NULL;
	uint32_t u = 0, ms = 0;
	bool b = false;
	(void)state;

	test_log_clear();

	assert_int_equal(0, door_conf_str(conf, "good_str", buf, sizeof(buf)));
	assert_string_equal("hello", buf);
	assert_int_equal(0, door_conf_bool(conf, "good_bool", &b));
	assert_true(b);
	assert_int_equal(0, door_conf_u32(conf, "good_u32", 1, 16, &u));
	assert_int_equal(12, u);
	assert_int_equal(0, door_conf_seconds(conf, "good_sec", &ms));
	assert_int_equal(250, ms);
	assert_int_equal(0, door_conf_dup(conf, "good_str", &dup));
	assert_string_equal("hello", dup);

	/* a second dup replaces (and frees) the first */
	assert_int_equal(0, door_conf_dup(conf, "good_u32", &dup));
	assert_string_equal("12", dup);

	/* exactly fitting: 10 characters in 11 bytes */
	assert_int_equal(0, door_conf_str(conf, "long_str", buf, 11));
	assert_string_equal("abcdefghij", buf);

	assert_string_equal("", test_log());

	mem_deref(dup);
	mem_deref(conf);
}


static void test_getters_absent(void **state)
{
	struct conf *conf = conf_make(conf_text);
	char buf[16] = "default";
	char *dup = NULL;
	uint32_t u = 5, ms = 5000;
	bool b = true;
	(void)state;

	test_log_clear();

	/* relay1_gpio is a prefix of relay1_gpio2, which must not count */
	assert_int_equal(ENOENT, door_conf_str(conf, "relay1_gpio", buf,
					       sizeof(buf)));
	assert_int_equal(ENOENT, door_conf_str(conf, "nope", buf,
					       sizeof(buf)));
	assert_int_equal(ENOENT, door_conf_bool(conf, "nope", &b));
	assert_int_equal(ENOENT, door_conf_u32(conf, "nope", 0, 9, &u));
	assert_int_equal(ENOENT, door_conf_seconds(conf, "nope", &ms));
	assert_int_equal(ENOENT, door_conf_dup(conf, "nope", &dup));
	assert_int_equal(ENOENT, door_conf_bool(NULL, "good_bool", &b));
	assert_int_equal(ENOENT, door_conf_str(conf, "comment", buf,
					       sizeof(buf)));

	assert_string_equal("default", buf);
	assert_true(b);
	assert_int_equal(5, u);
	assert_int_equal(5000, ms);
	assert_null(dup);
	assert_string_equal("", test_log());

	mem_deref(conf);
}


static void test_getters_bad(void **state)
{
	struct conf *conf = conf_make(conf_text);
	char buf[8] = "default";
	uint32_t u = 5, ms = 5000;
	bool b = true;
	(void)state;

	test_log_clear();
	assert_int_equal(EINVAL, door_conf_bool(conf, "bad_bool", &b));
	assert_true(b);
	assert_true(test_log_has("bad_bool"));
	assert_true(test_log_has("perhaps"));

	test_log_clear();
	assert_int_equal(EINVAL, door_conf_u32(conf, "big_u32", 0,
					       UINT32_MAX, &u));
	assert_true(test_log_has("big_u32"));
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_u32(conf, "range_u32", 1, 16, &u));
	assert_true(test_log_has("range_u32"));
	assert_true(test_log_has("1 to 16"));
	assert_int_equal(5, u);

	test_log_clear();
	assert_int_equal(EINVAL, door_conf_seconds(conf, "bad_sec", &ms));
	assert_true(test_log_has("bad_sec"));
	assert_int_equal(5000, ms);

	/* too long for the buffer: refused, not cut */
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_str(conf, "long_str", buf,
					       sizeof(buf)));
	assert_true(test_log_has("long_str"));
	assert_string_equal("default", buf);

	mem_deref(conf);
}


/* Every warning is exactly one line */
static void test_getters_one_line(void **state)
{
	static const char *keys[] = {"bad_bool", "big_u32", "bad_sec"};
	struct conf *conf = conf_make(conf_text);
	uint32_t v;
	bool b;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *log, *nl;

		test_log_clear();
		switch (i) {
		case 0: (void)door_conf_bool(conf, keys[i], &b); break;
		case 1: (void)door_conf_u32(conf, keys[i], 0, 9, &v); break;
		default: (void)door_conf_seconds(conf, keys[i], &v); break;
		}

		log = test_log();
		nl = strchr(log, '\n');
		assert_non_null(nl);
		assert_string_equal("", nl + 1);
		assert_non_null(strstr(log, keys[i]));
	}

	mem_deref(conf);
}


/* ---- whole-line values ---- */

static void expect_line(const char *text, const char *key, const char *val)
{
	struct pl t, v = PL_INIT;

	pl_set_str(&t, text);
	if (!val) {
		assert_int_equal(ENOENT, door_conf_line_find(&t, key, &v));
		return;
	}

	assert_int_equal(0, door_conf_line_find(&t, key, &v));
	if (pl_strcmp(&v, val))
		fail_msg("%s: got '%.*s', want '%s'", key, (int)v.l, v.p, val);
}


static void test_line_find(void **state)
{
	static const char text[] =
		"relay1_gpio2  gpiochip0:9\n"
		"relay1_gpio   file:/tmp/x\n"
		"relay1_name   Front door  \n"
		"   relay2_name\tBack   gate\t\r\n"
		"relay3_name Side entrance\r\n"
		"# relay4_name Commented out\n"
		"relay5_name\n"
		"relay6_name    \n"
		"relay6_name   Second try\n"
		"relay7_namex  wrong key\n"
		"relay8_cmd relay_open 1 via=input";
	(void)state;

	expect_line(text, "relay1_gpio", "file:/tmp/x");
	expect_line(text, "relay1_gpio2", "gpiochip0:9");
	expect_line(text, "relay1_name", "Front door");
	expect_line(text, "relay2_name", "Back   gate");
	expect_line(text, "relay3_name", "Side entrance");
	expect_line(text, "relay4_name", NULL);
	expect_line(text, "relay5_name", NULL);
	expect_line(text, "relay6_name", "Second try");
	expect_line(text, "relay7_name", NULL);
	expect_line(text, "relay8_cmd", "relay_open 1 via=input");
	expect_line(text, "relay9_name", NULL);
	expect_line("", "relay1_name", NULL);
}


static void test_line_find_args(void **state)
{
	struct pl t = PL("a b\n"), v;
	(void)state;

	assert_int_equal(EINVAL, door_conf_line_find(NULL, "a", &v));
	assert_int_equal(EINVAL, door_conf_line_find(&t, "", &v));
	assert_int_equal(EINVAL, door_conf_line_find(&t, NULL, &v));
	assert_int_equal(EINVAL, door_conf_line_find(&t, "a", NULL));
}


/* Whole-line values, read again from the config file as in baresip */
static void test_conf_text(void **state)
{
	struct conf *conf = conf_make("relay1_name  Front door\n"
				      "relay2_name  Side\n");
	char buf[16] = "default";
	(void)state;

	test_log_clear();
	assert_int_equal(0, door_conf_text(conf, "relay1_name", buf,
					   sizeof(buf)));
	assert_string_equal("Front door", buf);
	assert_int_equal(ENOENT, door_conf_text(conf, "relay3_name", buf,
						sizeof(buf)));
	assert_string_equal("Front door", buf);

	assert_int_equal(EINVAL, door_conf_text(conf, "relay2_name", buf,
						4));
	assert_true(test_log_has("relay2_name"));
	assert_string_equal("Front door", buf);
	mem_deref(conf);
}


static void expect_text(struct conf *conf, const char *key, const char *val)
{
	char buf[64] = "";

	assert_int_equal(0, door_conf_text(conf, key, buf, sizeof(buf)));
	if (strcmp(buf, val))
		fail_msg("%s: got '%s', want '%s'", key, buf, val);
}


static void test_conf_text_formats(void **state)
{
	struct conf *conf = conf_make(
		"httpopen_pass open sesame 42\r\n"
		"relay1_name\tFront\tdoor \t \r\n"
		"   relay2_name   Back  gate   \n"
		"relay3_name  first\n"
		"relay3_name  second one\n"
		"relay4_name    \n"
		"relay4_name  after an empty one\n"
		"# relay5_name commented\n"
		"relay6_cmd relay_open 1 via=input");
	char buf[8] = "keep";
	(void)state;

	expect_text(conf, "httpopen_pass", "open sesame 42");
	expect_text(conf, "relay1_name", "Front\tdoor");
	expect_text(conf, "relay2_name", "Back  gate");
	expect_text(conf, "relay3_name", "first");    /* as baresip: first */
	expect_text(conf, "relay4_name", "after an empty one");
	expect_text(conf, "relay6_cmd", "relay_open 1 via=input");
	assert_int_equal(ENOENT, door_conf_text(conf, "relay5_name", buf,
						sizeof(buf)));
	assert_string_equal("keep", buf);
	mem_deref(conf);
}


static void write_config(const char *text, size_t len)
{
	FILE *f = fopen(test_conf_file(), "wb");

	assert_non_null(f);
	assert_int_equal(len, fwrite(text, 1, len, f));
	fclose(f);
}


/* A config of pad bytes of comment, then tail */
static struct conf *conf_padded(size_t pad, const char *tail)
{
	size_t tl = strlen(tail);
	char *text = malloc(pad + tl + 2);
	struct conf *conf = NULL;

	assert_non_null(text);
	memset(text, '#', pad);
	text[pad] = '\n';
	memcpy(text + pad + 1, tail, tl);
	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   pad + tl + 1));
	free(text);
	return conf;
}


/* The size that once cut a password to its first word: read whole now,
 * and a file too large for any config is an error naming the key */
static void test_conf_text_big_file(void **state)
{
	struct conf *conf;
	char buf[64] = "keep";
	(void)state;

	conf = conf_padded(300 * 1024, "httpopen_pass open sesame 42\n");
	expect_text(conf, "httpopen_pass", "open sesame 42");
	mem_deref(conf);

	conf = conf_padded(2 * 1024 * 1024, "httpopen_pass open sesame 42\n");
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_text(conf, "httpopen_pass", buf,
						sizeof(buf)));
	assert_string_equal("keep", buf);
	assert_true(test_log_has("httpopen_pass"));
	assert_true(test_log_has("1 MiB"));
	mem_deref(conf);
}


/* A line longer than the value may be: refused, not cut */
static void test_conf_text_long_line(void **state)
{
	const size_t n = 300 * 1024;
	char *text = malloc(n + 32), *big = malloc(n + 1);
	struct conf *conf = NULL;
	char buf[64] = "keep";
	(void)state;

	assert_non_null(text);
	assert_non_null(big);
	memcpy(text, "relay1_name ", 12);
	memset(text + 12, 'x', n);
	text[12 + n / 2] = ' ';
	memcpy(text + 12 + n, "\nrelay2_name b\n", 16);
	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   n + 28));

	test_log_clear();
	assert_int_equal(EINVAL, door_conf_text(conf, "relay1_name", buf,
						sizeof(buf)));
	assert_string_equal("keep", buf);
	assert_true(test_log_has("relay1_name"));

	assert_int_equal(0, door_conf_text(conf, "relay1_name", big, n + 1));
	assert_int_equal(n, strlen(big));
	assert_int_equal(' ', big[n / 2]);
	expect_text(conf, "relay2_name", "b");

	mem_deref(conf);
	free(big);
	free(text);
}


/* When the file cannot give the line baresip read, nothing is guessed */
static void test_conf_text_refused(void **state)
{
	struct conf *conf = conf_make("httpopen_pass open sesame\n");
	char buf[64] = "keep";
	(void)state;

	/* changed since it was read */
	write_config("httpopen_pass other words\n", 26);
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_text(conf, "httpopen_pass", buf,
						sizeof(buf)));
	assert_true(test_log_has("httpopen_pass"));
	write_config("httpopen_pass opensesame\n", 25);
	assert_int_equal(EINVAL, door_conf_text(conf, "httpopen_pass", buf,
						sizeof(buf)));

	/* gone */
	assert_int_equal(0, unlink(test_conf_file()));
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_text(conf, "httpopen_pass", buf,
						sizeof(buf)));
	assert_true(test_log_has("httpopen_pass"));
	assert_string_equal("keep", buf);
	mem_deref(conf);

	/* a NUL byte would end the copy early */
	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)
					   "relay1_name ab\0cd\n", 18));
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_text(conf, "relay1_name", buf,
						sizeof(buf)));
	assert_true(test_log_has("relay1_name"));
	assert_string_equal("keep", buf);
	assert_int_equal(EINVAL, door_conf_text(NULL, "a", buf, sizeof(buf)));
	assert_int_equal(EINVAL, door_conf_text(conf, "a", buf, 0));
	mem_deref(conf);
}


/* One-word values are checked against their line: never the first word
 * of several (a path with a space would name another file) */
static void test_conf_word_never_cut(void **state)
{
	struct conf *conf = conf_make(
		"relay_state_file /var/lib/my door/state\n"
		"door_audit_file /var/log/audit.log  \t\r\n"
		"relay1_hold 3 # seconds\n"
		"relay1_active_low yes no\n"
		"relay1_gpio\tgpiochip0:17\r\n");
	char *path = NULL, buf[32] = "keep";
	uint32_t ms = 7;
	bool b = false;
	(void)state;

	test_log_clear();
	assert_int_equal(EINVAL, door_conf_dup(conf, "relay_state_file",
					       &path));
	assert_null(path);
	assert_true(test_log_has("relay_state_file"));
	assert_int_equal(EINVAL, door_conf_seconds(conf, "relay1_hold", &ms));
	assert_int_equal(7, ms);
	assert_true(test_log_has("relay1_hold"));
	assert_int_equal(EINVAL, door_conf_bool(conf, "relay1_active_low",
						&b));
	assert_false(b);

	assert_int_equal(0, door_conf_dup(conf, "door_audit_file", &path));
	assert_string_equal("/var/log/audit.log", path);
	assert_int_equal(0, door_conf_str(conf, "relay1_gpio", buf,
					  sizeof(buf)));
	assert_string_equal("gpiochip0:17", buf);

	mem_deref(path);
	mem_deref(conf);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_dtmf_code_valid),
		cmocka_unit_test(test_getters_ok),
		cmocka_unit_test(test_getters_absent),
		cmocka_unit_test(test_getters_bad),
		cmocka_unit_test(test_getters_one_line),
		cmocka_unit_test(test_line_find),
		cmocka_unit_test(test_line_find_args),
		cmocka_unit_test(test_conf_text),
		cmocka_unit_test(test_conf_text_formats),
		cmocka_unit_test(test_conf_text_big_file),
		cmocka_unit_test(test_conf_text_long_line),
		cmocka_unit_test(test_conf_text_refused),
		cmocka_unit_test(test_conf_word_never_cut),
	};

	return cmocka_run_group_tests_name("door_conf", tests, NULL, NULL);
}
