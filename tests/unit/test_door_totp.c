/**
 * @file test_door_totp.c  TOTP codes against RFC 6238's SHA1 test vectors,
 * base32 against RFC 4648's, and the drift window
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

/* RFC 6238 appendix B: the SHA1 secret, its base32 form */
static const char rfc_secret[] = "12345678901234567890";
static const char rfc_b32[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";


static int print_buf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static void b32_print(char *buf, size_t sz, const char *raw)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct re_printf pf = {print_buf, mb};

	assert_non_null(mb);
	assert_int_equal(0, totp_base32_print(&pf, (const uint8_t *)raw,
					      strlen(raw)));
	assert_true(mb->end < sz);
	memcpy(buf, mb->buf, mb->end);
	buf[mb->end] = '\0';
	mem_deref(mb);
}


static void test_rfc6238_vectors(void **state)
{
	static const struct {
		uint64_t t;
		const char *code;
	} v[] = {
		{59,          "94287082"},
		{1111111109,  "07081804"},
		{1111111111,  "14050471"},
		{1234567890,  "89005924"},
		{2000000000,  "69279037"},
		{20000000000, "65353130"},
	};
	const uint8_t *key = (const uint8_t *)rfc_secret;
	char buf[16];
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t step = 0;

		assert_int_equal(0, totp_code(buf, sizeof(buf), key, 20,
					      totp_step(v[i].t), 8));
		assert_string_equal(v[i].code, buf);

		/* 6 and 7 digits are the last digits of the same number */
		assert_int_equal(0, totp_code(buf, sizeof(buf), key, 20,
					      totp_step(v[i].t), 6));
		assert_string_equal(v[i].code + 2, buf);
		assert_int_equal(0, totp_code(buf, sizeof(buf), key, 20,
					      totp_step(v[i].t), 7));
		assert_string_equal(v[i].code + 1, buf);

		assert_int_equal(0, totp_verify(key, 20, 8, v[i].t,
						v[i].code, 8, &step));
		assert_true(step == totp_step(v[i].t));
	}
}


static void test_verify_window(void **state)
{
	const uint8_t *key = (const uint8_t *)rfc_secret;
	const uint64_t now = 1111111111;
	char before[9], cur[9], after[9], far[9], wrong[9];
	uint64_t step = 0;
	(void)state;

	assert_int_equal(0, totp_code(before, sizeof(before), key, 20,
				      totp_step(now) - 1, 6));
	assert_int_equal(0, totp_code(cur, sizeof(cur), key, 20,
				      totp_step(now), 6));
	assert_int_equal(0, totp_code(after, sizeof(after), key, 20,
				      totp_step(now) + 1, 6));
	assert_int_equal(0, totp_code(far, sizeof(far), key, 20,
				      totp_step(now) + 2, 6));

	assert_int_equal(0, totp_verify(key, 20, 6, now, before, 6, &step));
	assert_true(step == totp_step(now) - 1);
	assert_int_equal(0, totp_verify(key, 20, 6, now, cur, 6, &step));
	assert_true(step == totp_step(now));
	assert_int_equal(0, totp_verify(key, 20, 6, now, after, 6, &step));
	assert_true(step == totp_step(now) + 1);

	/* two steps away, one digit off, a prefix, the wrong length */
	if (strcmp(far, before) && strcmp(far, cur) && strcmp(far, after))
		assert_int_equal(ENOENT, totp_verify(key, 20, 6, now, far, 6,
						     NULL));
	strcpy(wrong, cur);
	wrong[5] = (char)(wrong[5] == '9' ? '0' : wrong[5] + 1);
	if (strcmp(wrong, before) && strcmp(wrong, after))
		assert_int_equal(ENOENT, totp_verify(key, 20, 6, now, wrong,
						     6, NULL));
	assert_int_equal(ENOENT, totp_verify(key, 20, 6, now, cur, 5, NULL));
	assert_int_equal(ENOENT, totp_verify(key, 20, 8, now, cur, 6, NULL));

	/* the first step has no step before it */
	assert_int_equal(0, totp_code(cur, sizeof(cur), key, 20, 0, 6));
	assert_int_equal(0, totp_verify(key, 20, 6, 5, cur, 6, &step));
	assert_true(step == 0);
}


static void test_code_bad_args(void **state)
{
	const uint8_t *key = (const uint8_t *)rfc_secret;
	char buf[16];
	(void)state;

	assert_int_equal(EINVAL, totp_code(buf, sizeof(buf), key, 20, 1, 5));
	assert_int_equal(EINVAL, totp_code(buf, sizeof(buf), key, 20, 1, 9));
	assert_int_equal(EINVAL, totp_code(buf, 6, key, 20, 1, 6));
	assert_int_equal(EINVAL, totp_code(buf, sizeof(buf), key, 0, 1, 6));
	assert_int_equal(EINVAL, totp_code(NULL, 9, key, 20, 1, 6));
	assert_int_equal(ENOENT, totp_verify(NULL, 20, 6, 59, "287082", 6,
					     NULL));
}


static void test_base32_decode(void **state)
{
	static const struct {
		const char *b32;
		const char *raw;
	} v[] = {
		/* RFC 4648 section 10 */
		{"",                 ""},
		{"MY======",         "f"},
		{"MZXQ====",         "fo"},
		{"MZXW6===",         "foo"},
		{"MZXW6YQ=",         "foob"},
		{"MZXW6YTB",         "fooba"},
		{"MZXW6YTBOI======", "foobar"},
		/* as apps show it: lower case, groups, no padding */
		{"mzxw 6ytb oi",     "foobar"},
		{"MZXW6-YTBOI",      "foobar"},
		{"gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "12345678901234567890"},
	};
	uint8_t key[TOTP_KEY_MAX];
	size_t i, len;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		len = sizeof(key);
		assert_int_equal(0, totp_base32_decode(key, &len, v[i].b32));
		assert_int_equal(strlen(v[i].raw), len);
		assert_memory_equal(v[i].raw, key, len);
	}

	len = sizeof(key);
	assert_int_equal(0, totp_base32_decode(key, &len, rfc_b32));
	assert_int_equal(20, len);
	assert_memory_equal(rfc_secret, key, 20);
}


static void test_base32_bad(void **state)
{
	static const char *bad[] = {
		"MZXW6YT1",     /* 1 is not in the alphabet */
		"MZXW6YT8",
		"MZXW6YT0",
		"MZXW6YTB!",
		"MZ=XW6YTB",    /* padding in the middle */
		"MZ",           /* leftover bits set: "MY" is "f" */
		"MZXW6YTBOJ",   /* "foobar" with a stray bit */
		"MZXW6YTB\n",
	};
	uint8_t key[TOTP_KEY_MAX];
	size_t i, len;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		len = sizeof(key);
		assert_int_equal(EINVAL, totp_base32_decode(key, &len,
							    bad[i]));
		assert_int_equal(sizeof(key), len);    /* left alone */
	}

	/* too long for the buffer */
	len = 5;
	assert_int_equal(EOVERFLOW, totp_base32_decode(key, &len,
						       "MZXW6YTBOI"));
	assert_int_equal(EINVAL, totp_base32_decode(NULL, &len, "MY"));
	assert_int_equal(EINVAL, totp_base32_decode(key, NULL, "MY"));
	assert_int_equal(EINVAL, totp_base32_decode(key, &len, NULL));
}


static void test_base32_print(void **state)
{
	char buf[128];
	uint8_t key[TOTP_KEY_MAX];
	size_t len = sizeof(key);
	(void)state;

	b32_print(buf, sizeof(buf), "");
	assert_string_equal("", buf);
	b32_print(buf, sizeof(buf), "f");
	assert_string_equal("MY", buf);
	b32_print(buf, sizeof(buf), "foobar");
	assert_string_equal("MZXW6YTBOI", buf);
	b32_print(buf, sizeof(buf), rfc_secret);
	assert_string_equal(rfc_b32, buf);

	/* and back */
	assert_int_equal(0, totp_base32_decode(key, &len, "MZXW6YTBOI"));
	assert_int_equal(6, len);
	assert_memory_equal("foobar", key, 6);
}


static void test_key_conf(void **state)
{
	static const char text[] =
		"relay1_totp GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ\n"
		"relay1_totp_digits 8\n"
		"relay2_totp NOTBASE32-189\n"
		"relay3_totp MZXW6YTBOI\n"
		"relay4_totp GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"
		"relay4_totp_digits 9\n";
	struct conf *conf = NULL;
	struct totp_key *k = NULL;
	char code[9];
	(void)state;

	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	test_log_clear();

	assert_int_equal(0, totp_key_conf(&k, conf, "relay1", false));
	assert_int_equal(20, k->len);
	assert_int_equal(8, k->digits);
	assert_memory_equal(rfc_secret, k->key, 20);
	assert_int_equal(0, totp_code(code, sizeof(code), k->key, k->len,
				      totp_step((uint64_t)time(NULL)), 8));
	assert_true(totp_key_check(code, 8, k));
	mem_deref(k);

	k = NULL;
	assert_int_equal(EINVAL, totp_key_conf(&k, conf, "relay2", false));
	assert_int_equal(EINVAL, totp_key_conf(&k, conf, "relay3", false));
	assert_int_equal(EINVAL, totp_key_conf(&k, conf, "relay4", false));
	assert_int_equal(ENOENT, totp_key_conf(&k, conf, "relay5", false));
	assert_null(k);
	assert_true(test_log_has("relay2_totp: the secret is not base32"));
	assert_true(test_log_has("relay3_totp: the secret is not base32"));
	assert_true(test_log_has("relay4_totp_digits"));
	assert_false(test_log_has("NOTBASE32"));
	assert_false(test_log_has("MZXW"));

	/* quiet: the same refusals, nothing logged */
	test_log_clear();
	assert_int_equal(EINVAL, totp_key_conf(&k, conf, "relay2", true));
	assert_int_equal(EINVAL, totp_key_conf(&k, conf, "relay4", true));
	assert_string_equal("", test_log());

	mem_deref(conf);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_verify_window),
		cmocka_unit_test(test_code_bad_args),
		cmocka_unit_test(test_base32_decode),
		cmocka_unit_test(test_base32_bad),
		cmocka_unit_test(test_base32_print),
		cmocka_unit_test(test_key_conf),
	};

	return cmocka_run_group_tests_name("door_totp", tests, NULL, NULL);
}
