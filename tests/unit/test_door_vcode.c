/**
 * @file test_door_vcode.c  Visitor codes: times, names, the store's text
 * round trip and its refusal of cut or malformed files, the file's mode
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"


static time_t parse(const char *s, time_t now)
{
	time_t t = 0;

	assert_int_equal(0, vcode_time_parse(s, now, &t));
	return t;
}


static void test_time_utc_and_offsets(void **state)
{
	(void)state;

	/* 2026-11-22T17:00:00Z = 1795366800 */
	assert_int_equal(1795366800, parse("2026-11-22T17:00:00Z", 0));
	assert_int_equal(1795366800, parse("2026-11-22T17:00Z", 0));
	assert_int_equal(1795366800, parse("2026-11-22T18:00:00+01:00", 0));
	assert_int_equal(1795366800, parse("2026-11-22T18:00+0100", 0));
	assert_int_equal(1795366800, parse("2026-11-22T12:30:00-04:30", 0));
	assert_int_equal(1795366800 + 59, parse("2026-11-22t17:00:59z", 0));
	/* a leap day */
	assert_int_equal(1709164800, parse("2024-02-29T00:00:00Z", 0));
}


static void test_time_local(void **state)
{
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	(void)state;

	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	assert_int_equal(1795366800, parse("2026-11-22T18:00", 0));
	/* summer time: UTC+2 */
	assert_int_equal(1784728800, parse("2026-07-22T16:00:00", 0));

	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(1795366800, parse("2026-11-22T17:00", 0));

	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
}


static void test_time_relative(void **state)
{
	(void)state;

	assert_int_equal(1000 + 90 * 60, parse("+90m", 1000));
	assert_int_equal(1000 + 2 * 3600, parse("+2h", 1000));
	assert_int_equal(1000 + 3 * 86400, parse("+3d", 1000));
	assert_int_equal(1000 + 3650L * 86400, parse("+3650d", 1000));
}


static void test_time_bad(void **state)
{
	static const char *const bad[] = {
		"", "+", "+m", "+0h", "+5", "+5s", "+-5h", "+3651d",
		"+99999999999d", "tomorrow", "2026-11-22", "2026-11-22 18:00",
		"2026-13-01T00:00", "2026-02-29T00:00", "2026-11-31T10:00",
		"2026-11-22T24:00", "2026-11-22T18:60", "2026-11-22T18:00:60",
		"2026-11-22T18:00Q", "2026-11-22T18:00+1", "2026-11-22T18:00+15:00",
		"2026-11-22T18:00+01:60", "2026-11-22T18:00Zx", "1969-12-31T23:59Z",
		"2026-1-22T18:00", "2026-11-22T18:00:00.5Z",
	};
	size_t i;
	time_t t = 42;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (vcode_time_parse(bad[i], 1000, &t) != EINVAL)
			fail_msg("'%s' was taken", bad[i]);
	}
	assert_int_equal(42, t);
	assert_int_equal(EINVAL, vcode_time_parse(NULL, 0, &t));
}


static void test_names_and_digits(void **state)
{
	(void)state;

	assert_true(vcode_name_valid("Parcel"));
	assert_true(vcode_name_valid("cleaner.mo-fr_7@9"));
	assert_true(vcode_name_valid("a2"));
	assert_false(vcode_name_valid(""));
	assert_false(vcode_name_valid("12"));       /* an id */
	assert_false(vcode_name_valid("two words"));
	assert_false(vcode_name_valid("x\"y"));
	assert_false(vcode_name_valid("a234567890123456789012345678901234"));

	assert_true(vcode_digits_valid("4711"));
	assert_true(vcode_digits_valid("12*4AB"));
	assert_true(vcode_digits_valid("1234567890123456"));
	assert_false(vcode_digits_valid("471"));
	assert_false(vcode_digits_valid("4711#"));
	assert_false(vcode_digits_valid("47x1"));
	assert_false(vcode_digits_valid("12345678901234567"));
}


static struct vstore *sample(void)
{
	struct vstore *vs = NULL;
	struct vcode *a = NULL, *b = NULL;

	assert_int_equal(0, vstore_alloc(&vs));
	assert_int_equal(0, vcode_alloc(&a));
	assert_int_equal(0, vcode_alloc(&b));

	a->relays = 1u << 1 | 1u << 2;
	str_ncpy(a->code, "4711", sizeof(a->code));
	str_ncpy(a->name, "Parcel", sizeof(a->name));
	a->until = 1795366800;
	a->uses = 1;
	vstore_add(vs, a);

	b->relays = 1u << 16;
	str_ncpy(b->code, "12345678", sizeof(b->code));
	str_ncpy(b->hours, "office", sizeof(b->hours));
	vstore_add(vs, b);

	vs->totp[1] = 59063312;
	return vs;
}


static struct mbuf *encode(const struct vstore *vs)
{
	struct mbuf *mb = mbuf_alloc(256);

	assert_non_null(mb);
	assert_int_equal(0, vstore_encode(mb, vs));
	return mb;
}


static void test_round_trip(void **state)
{
	struct vstore *vs = sample(), *back = NULL;
	struct mbuf *mb = encode(vs), *again;
	const struct vcode *a, *b;
	(void)state;

	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(0, vstore_decode(back, (char *)mb->buf, mb->end));
	assert_int_equal(2, list_count(&back->codes));
	assert_int_equal(3, back->next_id);
	assert_true(back->totp[1] == 59063312);

	a = vstore_find(back, 1, NULL);
	b = vstore_find(back, 0, "");
	assert_null(b);
	b = vstore_find(back, 2, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal("4711", a->code);
	assert_string_equal("Parcel", a->name);
	assert_int_equal(1u << 1 | 1u << 2, a->relays);
	assert_int_equal(1795366800, a->until);
	assert_int_equal(1, a->uses);
	assert_string_equal("", a->hours);
	assert_string_equal("12345678", b->code);
	assert_string_equal("office", b->hours);
	assert_int_equal(0, b->until);
	assert_int_equal(0, b->uses);
	assert_ptr_equal(a, vstore_find(back, 0, "Parcel"));
	assert_int_equal(1795366800, vstore_next_expiry(back));

	/* encoding it again gives the same text */
	again = encode(back);
	assert_int_equal(mb->end, again->end);
	assert_memory_equal(mb->buf, again->buf, mb->end);

	/* ids are never given twice, also after a removal */
	mem_deref((void *)b);
	{
		struct vcode *c = NULL;

		assert_int_equal(0, vcode_alloc(&c));
		str_ncpy(c->code, "9999", sizeof(c->code));
		c->relays = 2;
		vstore_add(back, c);
		assert_int_equal(3, c->id);
	}

	mem_deref(again);
	mem_deref(mb);
	mem_deref(back);
	mem_deref(vs);
}


static int decode_text(const char *text)
{
	struct vstore *vs = NULL;
	int err;

	assert_int_equal(0, vstore_alloc(&vs));
	err = vstore_decode(vs, text, strlen(text));
	if (err) {
		assert_true(list_isempty(&vs->codes));
		assert_int_equal(1, vs->next_id);
	}
	mem_deref(vs);
	return err;
}


static void test_corrupt(void **state)
{
	static const char *const bad[] = {
		"",                                       /* no version */
		"version 1\n",                            /* no end: cut */
		"version 1\ncode 1 relays=1 code=4711\n", /* cut */
		"version 1\ncode 1 relays=1 code=4711",   /* cut mid-line */
		"version 2\nend\n",
		"end\n",
		"version 1\nend\ncode 1 relays=1 code=4711\n",
		"version 1\nend\nend\n",
		"version 1\ncode 1 relays=1\nend\n",
		"version 1\ncode 1 code=4711\nend\n",
		"version 1\ncode 0 relays=1 code=4711\nend\n",
		"version 1\ncode x relays=1 code=4711\nend\n",
		"version 1\ncode 1 relays=17 code=4711\nend\n",
		"version 1\ncode 1 relays=0 code=4711\nend\n",
		"version 1\ncode 1 relays=1,1 code=4711\nend\n",
		"version 1\ncode 1 relays=1 code=47\nend\n",
		"version 1\ncode 1 relays=1 code=4711#\nend\n",
		"version 1\ncode 1 relays=1 code=4711 code=4712\nend\n",
		"version 1\ncode 1 relays=1 code=4711 uses=0\nend\n",
		"version 1\ncode 1 relays=1 code=4711 uses=-1\nend\n",
		"version 1\ncode 1 relays=1 code=4711 until=soon\nend\n",
		"version 1\ncode 1 relays=1 code=4711 name=a b\nend\n",
		"version 1\ncode 1 relays=1 code=4711 colour=red\nend\n",
		"version 1\ncode 1 relays=1 code=4711 name=\nend\n",
		"version 1\ncode 1 relays=1 code=4711\n"
		"code 1 relays=2 code=4712\nend\n",       /* id twice */
		"version 1\ncode 1 relays=1 code=4711 name=x\n"
		"code 2 relays=2 code=4712 name=x\nend\n", /* name twice */
		"version 1\ntotp 1 5\ntotp 1 6\nend\n",
		"version 1\ntotp 17 5\nend\n",
		"version 1\ntotp 1\nend\n",
		"version 1\ntotp 1 5 6\nend\n",
		"version 1\nnext 0\nend\n",
		"version 1\nnext\nend\n",
		"version 1\n{\"codes\":[]}\nend\n",
		"version 1\n code 1 relays=1 code=4711\nend\n",
		"version 1\nXcode 1 relays=1 code=4711\nend\n",
		"version 1\ncode 1 relays=1 code=4711\0\nend\n",
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (decode_text(bad[i]) != EBADMSG)
			fail_msg("taken: %s", bad[i]);
	}

	assert_int_equal(0, decode_text("# a note\nversion 1\n\nend\n"));
	assert_int_equal(0, decode_text("version 1\nnext 7\ntotp 3 9\n"
					 "code 2 relays=3 code=4711\nend\n"));

	/* every cut of a good store is refused */
	{
		struct vstore *vs = sample();
		struct mbuf *mb = encode(vs);
		size_t len;

		for (len = 0; len < mb->end; len++) {
			struct vstore *back = NULL;

			assert_int_equal(0, vstore_alloc(&back));
			if (vstore_decode(back, (char *)mb->buf, len) !=
			    EBADMSG)
				fail_msg("a cut at %zu was taken", len);
			mem_deref(back);
		}
		mem_deref(mb);
		mem_deref(vs);
	}
}


static void test_file(void **state)
{
	struct vstore *vs = sample(), *back = NULL;
	char dir[256], path[300], tmp[310];
	struct stat st;
	bool loose = true;
	FILE *f;
	(void)state;

	assert_int_equal(0, test_dir_make(dir, sizeof(dir), "vcode"));
	re_snprintf(path, sizeof(path), "%s/codes", dir);
	re_snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(ENOENT, vstore_load(back, path, &loose));

	assert_int_equal(0, vstore_save(path, vs));
	assert_int_equal(0, stat(path, &st));
	assert_int_equal(0600, st.st_mode & 07777);
	assert_int_equal(-1, stat(tmp, &st));

	assert_int_equal(0, vstore_load(back, path, &loose));
	assert_false(loose);
	assert_int_equal(2, list_count(&back->codes));
	mem_deref(back);

	/* readable by others: read, and set back to 0600 */
	assert_int_equal(0, chmod(path, 0644));
	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(0, vstore_load(back, path, &loose));
	assert_true(loose);
	assert_int_equal(0, stat(path, &st));
	assert_int_equal(0600, st.st_mode & 07777);
	mem_deref(back);

	/* a cut file is refused whole */
	assert_int_equal(0, truncate(path, 40));
	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(EBADMSG, vstore_load(back, path, NULL));
	assert_true(list_isempty(&back->codes));
	mem_deref(back);

	/* bad JSON, or any text, is no store */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"codes\":[{\"id\":1,\"code\":\"4711\"}]}\n", f);
	fclose(f);
	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(EBADMSG, vstore_load(back, path, NULL));
	mem_deref(back);

	/* a folder, not a file */
	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(EBADMSG, vstore_load(back, dir, NULL));
	mem_deref(back);

	/* a failed write leaves the old file as it was */
	assert_int_equal(0, vstore_save(path, vs));
	re_snprintf(tmp, sizeof(tmp), "%s/none/codes", dir);
	assert_int_equal(ENOENT, vstore_save(tmp, vs));
	assert_int_equal(0, vstore_alloc(&back));
	assert_int_equal(0, vstore_load(back, path, NULL));
	assert_int_equal(2, list_count(&back->codes));
	mem_deref(back);

	mem_deref(vs);
	assert_int_equal(0, test_dir_remove(dir));
}


static void test_relays_and_expiry(void **state)
{
	struct pl pl;
	uint32_t m = 0;
	struct vcode vc;
	(void)state;

	pl_set_str(&pl, "1,2,16");
	assert_int_equal(0, vcode_relays_parse(&pl, &m));
	assert_int_equal(1u << 1 | 1u << 2 | 1u << 16, m);
	pl_set_str(&pl, "1,");
	assert_int_equal(EINVAL, vcode_relays_parse(&pl, &m));
	pl_set_str(&pl, "Front");
	assert_int_equal(EINVAL, vcode_relays_parse(&pl, &m));

	memset(&vc, 0, sizeof(vc));
	assert_false(vcode_expired(&vc, 2000000000));
	vc.until = 1000;
	assert_false(vcode_expired(&vc, 999));
	assert_true(vcode_expired(&vc, 1000));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_utc_and_offsets),
		cmocka_unit_test(test_time_local),
		cmocka_unit_test(test_time_relative),
		cmocka_unit_test(test_time_bad),
		cmocka_unit_test(test_names_and_digits),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_relays_and_expiry),
	};

	return cmocka_run_group_tests_name("door_vcode", tests, NULL, NULL);
}
