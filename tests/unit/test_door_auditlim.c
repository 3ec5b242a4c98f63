/**
 * @file test_door_auditlim.c  Refusal summaries: a real file, libre timers
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
#include <cmocka.h>
#include "door.h"
#include "support.h"

static char path[64];
static struct conf *conf;


/* Lines in the audit file; the last one into last */
static unsigned lines(char *last, size_t sz)
{
	char line[1024];
	unsigned n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		snprintf(last, sz, "%s", line);
		++n;
	}
	fclose(f);
	return n;
}


static void refuse(struct audit_limit *al, const char *addr,
		   const char *detail, unsigned n)
{
	char who[64], key[128];
	struct audit_rec rec = {.module = "httpopen", .action = "request",
				.source = "http", .result = "denied",
				.detail = detail, .who = who};
	unsigned i;

	snprintf(who, sizeof(who), "-@%s", addr);
	snprintf(key, sizeof(key), "%s %s", addr, detail);
	for (i = 0; i < n; i++)
		assert_int_equal(0, audit_refusal(al, key, &rec));
}


static void test_first_then_summary(void **state)
{
	struct audit_limit *al = NULL;
	struct audit_rec ok = {.module = "httpopen", .action = "open",
			       .relay = "1", .source = "http",
			       .who = "admin@10.0.0.1", .result = "ok"};
	char last[1024];
	unsigned i;
	(void)state;

	assert_int_equal(0, audit_limit_alloc(&al, 200, 16));

	/* 10000 refusals from one address: the first is written now */
	refuse(al, "10.0.0.2", "403 address not allowed", 10000);
	assert_int_equal(1, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "\"detail\":\"403 address not allowed\""));

	/* another kind, another address: each first is written */
	refuse(al, "10.0.0.2", "404 no such endpoint", 3);
	refuse(al, "10.0.0.3", "403 address not allowed", 3);
	assert_int_equal(3, lines(last, sizeof(last)));

	/* granted accesses are never held back */
	for (i = 0; i < 5; i++)
		assert_int_equal(0, audit_write(&ok));
	assert_int_equal(8, lines(last, sizeof(last)));

	/* the interval ends: one summary per key, with its count */
	test_run_loop(300);
	assert_int_equal(11, lines(last, sizeof(last)));
	{
		FILE *f = fopen(path, "r");
		char line[1024], all[8192] = "";

		while (fgets(line, sizeof(line), f))
			strncat(all, line, sizeof(all) - strlen(all) - 1);
		fclose(f);
		assert_non_null(strstr(all, "403 address not allowed (9999 "
				       "more like it in 1 s)"));
		assert_non_null(strstr(all, "404 no such endpoint (2 more"));
	}

	/* still refusing in the next interval: counted, summarised */
	refuse(al, "10.0.0.2", "403 address not allowed", 50);
	assert_int_equal(11, lines(last, sizeof(last)));
	test_run_loop(250);
	assert_int_equal(12, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "(50 more like it"));

	/* quiet for a whole interval: forgotten, the next one is a first */
	test_run_loop(500);
	refuse(al, "10.0.0.2", "403 address not allowed", 1);
	assert_int_equal(13, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "\"detail\":\"403 address not allowed\""));

	mem_deref(al);
}


/* However many addresses, the records are bounded by the keys held */
static void test_bounded(void **state)
{
	struct audit_limit *al = NULL;
	char last[1024], addr[32];
	unsigned i;
	(void)state;

	assert_int_equal(0, audit_limit_alloc(&al, 10000, 8));

	for (i = 0; i < 1000; i++) {
		snprintf(addr, sizeof(addr), "10.1.%u.%u", i / 250, i % 250);
		refuse(al, addr, "401 wrong credentials", 10);
	}
	assert_int_equal(8, lines(last, sizeof(last)));

	/* freed (module close): the pending summaries are written */
	mem_deref(al);
	assert_int_equal(17, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "\"who\":\"*\""));
	assert_non_null(strstr(last, "(9920 refusals from other sources"));
}


/* A summary keeps decided_by; a key longer than is kept still finds its
 * summary (cut alike when stored and when looked up) */
static void test_decided_by_and_long_key(void **state)
{
	struct audit_limit *al = NULL;
	struct audit_rec rec = {.module = "httpopen", .action = "open",
				.relay = "2", .source = "http",
				.who = "admin@10.0.0.5", .result = "denied",
				.detail = "409 interlock: relay 1 on",
				.decided_by = "relay"};
	char last[1024], key[300];
	unsigned i;
	(void)state;

	assert_int_equal(0, audit_limit_alloc(&al, 200, 16));

	for (i = 0; i < 5; i++)
		assert_int_equal(0, audit_refusal(al, "10.0.0.5 open 409 "
						  "interlock: relay 1 on",
						  &rec));
	assert_int_equal(1, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "\"decided_by\":\"relay\"}"));
	test_run_loop(300);
	assert_int_equal(2, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "(4 more like it in 1 s)\","
			       "\"decided_by\":\"relay\"}"));

	/* and a summary without it has none */
	rec.decided_by = NULL;
	rec.detail = "401 wrong credentials";
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	for (i = 0; i < 5; i++)
		assert_int_equal(0, audit_refusal(al, key, &rec));
	assert_int_equal(3, lines(last, sizeof(last)));
	test_run_loop(300);
	assert_int_equal(4, lines(last, sizeof(last)));
	assert_non_null(strstr(last, "(4 more like it"));
	assert_null(strstr(last, "decided_by"));

	mem_deref(al);
}


static int setup(void **state)
{
	char text[128];
	int fd;
	(void)state;

	snprintf(path, sizeof(path), "/tmp/door-auditlim-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);

	snprintf(text, sizeof(text), "door_audit_file %s\n", path);
	if (conf_alloc_buf(&conf, (const uint8_t *)text, strlen(text)))
		return -1;
	audit_configure(conf);

	return 0;
}


static int teardown(void **state)
{
	(void)state;

	audit_close();
	conf = mem_deref(conf);
	unlink(path);

	return 0;
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_then_summary,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_decided_by_and_long_key,
						setup, teardown),
	};
	int err;

	if (libre_init())
		return 1;

	err = cmocka_run_group_tests_name("door_auditlim", tests, NULL,
					  NULL);
	libre_close();

	return err;
}
