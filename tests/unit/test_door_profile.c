/**
 * @file test_door_profile.c  Time profiles: parsing, hours across
 * midnight and the week's end, the next change, daylight saving (TZ)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

/* Central Europe with its rules written out, so no tzdata is needed */
#define TZ_CET "CET-1CEST,M3.5.0,M10.5.0/3"


static void tz(const char *zone)
{
	assert_int_equal(0, setenv("TZ", zone, 1));
	tzset();
}


/* a local wall-clock time; isdst -1 lets mktime decide */
static time_t local(int y, int mon, int d, int h, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	tm.tm_isdst = -1;

	return mktime(&tm);
}


static struct profile *make(const char *spec)
{
	struct profile *p = NULL;

	assert_int_equal(0, profile_parse(&p, "test", spec));
	assert_non_null(p);
	return p;
}


static void test_parse(void **state)
{
	static const char *good[] = {
		"Mo-Fr 08:00-18:00, Sa 09:00-12:00",
		"mo 00:00-24:00",
		"Fr-Mo 22:00-06:00",
		"Mo-Fr 08:00-12:00 13:00-17:30,Su 10:00-11:00",
		"  Sa   09:00-12:00  ",
	};
	static const char *bad[] = {
		"", "Mo", "08:00-18:00", "Xy 08:00-18:00", "Mo-Xy 08:00-18:00",
		"Mo 8:00-18:00", "Mo 08:00-25:00", "Mo 08:60-09:00",
		"Mo 24:00-06:00", "Mo 08:00-08:00", "Mo 24:01-24:30",
		"Mo 08:00", "Mo 08:00-18:00,", ", Mo 08:00-18:00",
		"Mo 08:00-18:00 x", "Mo-Fr-Sa 08:00-18:00", "Mo 08:00 - 18:00",
	};
	struct profile *p = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		p = NULL;
		assert_int_equal(0, profile_parse(&p, "office", good[i]));
		assert_string_equal("office", profile_name(p));
		mem_deref(p);
	}

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		p = NULL;
		if (profile_parse(&p, "x", bad[i]) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_null(p);
	}

	/* 10 ranges on 7 days: more than 64 day-ranges */
	assert_int_equal(EOVERFLOW, profile_parse(&p, "x",
		"Mo-Su 01:00-02:00 02:00-03:00 03:00-04:00 04:00-05:00"
		" 05:00-06:00 06:00-07:00 07:00-08:00 08:00-09:00"
		" 09:00-10:00 10:00-11:00"));
	assert_int_equal(EINVAL, profile_parse(&p, "", "Mo 08:00-09:00"));
	assert_int_equal(EINVAL, profile_parse(&p, "x", NULL));
	assert_int_equal(EINVAL, profile_parse(NULL, "x", "Mo 08:00-09:00"));
}


static void test_office_hours(void **state)
{
	struct profile *p = make("Mo-Fr 08:00-18:00, Sa 09:00-12:00");
	(void)state;

	tz("UTC0");
	/* 2026-11-23 is a Monday */
	assert_false(profile_active(p, local(2026, 11, 23, 7, 59)));
	assert_true(profile_active(p, local(2026, 11, 23, 8, 0)));
	assert_true(profile_active(p, local(2026, 11, 23, 17, 59)));
	assert_false(profile_active(p, local(2026, 11, 23, 18, 0)));
	assert_true(profile_active(p, local(2026, 11, 27, 12, 0)));  /* Fr */
	assert_true(profile_active(p, local(2026, 11, 28, 9, 0)));   /* Sa */
	assert_false(profile_active(p, local(2026, 11, 28, 12, 0)));
	assert_false(profile_active(p, local(2026, 11, 29, 10, 0))); /* Su */

	/* seconds inside a minute count as that minute */
	assert_true(profile_active(p, local(2026, 11, 23, 17, 59) + 59));
	assert_false(profile_active(p, local(2026, 11, 23, 7, 59) + 59));

	/* the next change, across the weekend */
	assert_true(profile_next_change(p, local(2026, 11, 23, 7, 30)) ==
		    local(2026, 11, 23, 8, 0));
	assert_true(profile_next_change(p, local(2026, 11, 23, 8, 0)) ==
		    local(2026, 11, 23, 18, 0));
	assert_true(profile_next_change(p, local(2026, 11, 27, 18, 0) + 7) ==
		    local(2026, 11, 28, 9, 0));
	assert_true(profile_next_change(p, local(2026, 11, 28, 12, 0)) ==
		    local(2026, 11, 30, 8, 0));
	assert_false(profile_active(NULL, local(2026, 11, 23, 9, 0)));
	mem_deref(p);
}


static void test_across_midnight(void **state)
{
	struct profile *night = make("Fr 22:00-06:00");
	struct profile *week_end = make("Su 22:00-02:00");
	struct profile *all = make("Mo-Su 00:00-24:00");
	(void)state;

	tz("UTC0");
	assert_false(profile_active(night, local(2026, 11, 27, 21, 59)));
	assert_true(profile_active(night, local(2026, 11, 27, 22, 0)));
	assert_true(profile_active(night, local(2026, 11, 28, 5, 59)));
	assert_false(profile_active(night, local(2026, 11, 28, 6, 0)));
	assert_false(profile_active(night, local(2026, 11, 26, 23, 0)));
	assert_true(profile_next_change(night, local(2026, 11, 27, 23, 0)) ==
		    local(2026, 11, 28, 6, 0));

	/* Sunday night runs into Monday, the start of the week */
	assert_true(profile_active(week_end, local(2026, 11, 29, 23, 0)));
	assert_true(profile_active(week_end, local(2026, 11, 30, 1, 59)));
	assert_false(profile_active(week_end, local(2026, 11, 30, 2, 0)));
	assert_true(profile_next_change(week_end,
					local(2026, 11, 29, 23, 0)) ==
		    local(2026, 11, 30, 2, 0));

	/* always on: no change to wait for */
	assert_true(profile_active(all, local(2026, 11, 25, 0, 0)));
	assert_true(profile_next_change(all, local(2026, 11, 25, 0, 0)) == 0);

	mem_deref(night);
	mem_deref(week_end);
	mem_deref(all);
}


static void test_daylight_saving(void **state)
{
	struct profile *gap = make("Su 02:30-04:00");
	struct profile *day = make("Mo-Su 08:00-18:00");
	struct profile *twice = make("Su 02:00-02:30");
	const time_t spring = 1774746000;   /* 2026-03-29 01:00 UTC */
	const time_t autumn = 1792890000;   /* 2026-10-25 01:00 UTC */
	(void)state;

	tz(TZ_CET);

	/* spring: 02:00 CET jumps to 03:00 CEST, inside 02:30-04:00, so
	 * the profile starts at the jump and ends at 04:00 CEST */
	assert_false(profile_active(gap, spring - 60));
	assert_true(profile_active(gap, spring));
	assert_true(profile_next_change(gap, spring - 1800) == spring);
	assert_true(profile_next_change(gap, spring) == spring + 3600);

	/* 08:00 is 08:00 on the wall on both sides of each change */
	assert_true(profile_next_change(day, local(2026, 3, 28, 19, 0)) ==
		    spring + 5 * 3600);                /* 08:00 CEST */
	assert_true(profile_next_change(day, local(2026, 10, 24, 19, 0)) ==
		    autumn + 6 * 3600);                /* 08:00 CET */
	assert_true(local(2026, 10, 25, 8, 0) == autumn + 6 * 3600);

	/* autumn: 03:00 CEST goes back to 02:00 CET; 02:00-02:30 comes
	 * twice and is on both times */
	assert_true(profile_active(twice, autumn - 3600));       /* CEST */
	assert_false(profile_active(twice, autumn - 1800));
	assert_true(profile_active(twice, autumn));              /* CET */
	assert_true(profile_next_change(twice, autumn - 1800) == autumn);
	assert_true(profile_next_change(twice, autumn) == autumn + 1800);

	/* the time zone moves: the same instant, other hours */
	tz("UTC0");
	{
		time_t t = local(2026, 11, 23, 7, 30);   /* 16:30 in Tokyo */

		assert_false(profile_active(day, t));
		tz("JST-9");
		assert_true(profile_active(day, t));
		assert_true(profile_next_change(day, t) == t + 5400);
	}

	/* an offset with seconds, as Amsterdam's mean time had */
	tz("AMT-0:19:32");
	assert_true(profile_next_change(day, local(2026, 11, 23, 7, 30) + 17)
		    == local(2026, 11, 23, 8, 0));
	assert_true(profile_active(day, local(2026, 11, 23, 8, 0)));
	assert_false(profile_active(day, local(2026, 11, 23, 8, 0) - 1));

	mem_deref(gap);
	mem_deref(day);
	mem_deref(twice);
	tz("UTC0");
}


static void test_conf(void **state)
{
	static const char text[] =
		"door_profile1 office Mo-Fr 08:00-18:00, Sa 09:00-12:00\n"
		"door_profile2 Office Su 10:00-11:00\n"
		"door_profile3 cleaner Mo-Fr 25:00-26:00\n"
		"door_profile4 lonely\n"
		"door_profile5 night  Fr 22:00-06:00\n";
	struct conf *conf = NULL;
	struct list profiles = LIST_INIT;
	const struct profile *p;
	(void)state;

	tz("UTC0");
	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	test_log_clear();
	assert_int_equal(EINVAL, profile_conf(&profiles, conf));
	assert_int_equal(2, list_count(&profiles));

	p = profile_find(&profiles, "OFFICE");
	assert_non_null(p);
	assert_string_equal("office", profile_name(p));
	assert_true(profile_active(p, local(2026, 11, 28, 9, 0)));
	p = profile_find(&profiles, "night");
	assert_non_null(p);
	assert_true(profile_active(p, local(2026, 11, 28, 5, 0)));
	assert_null(profile_find(&profiles, "cleaner"));

	assert_true(test_log_has("door_profile2: a profile named 'Office'"));
	assert_true(test_log_has("door_profile3: 'Mo-Fr 25:00-26:00' is not"));
	assert_true(test_log_has("door_profile4: <name> <days>"));

	list_flush(&profiles);
	mem_deref(conf);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_office_hours),
		cmocka_unit_test(test_across_midnight),
		cmocka_unit_test(test_daylight_saving),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests_name("door_profile", tests, NULL, NULL);
}
