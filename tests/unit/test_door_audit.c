/**
 * @file test_door_audit.c  Audit records: exact JSON lines, a real file
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
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

/* 2023-11-14T22:13:20.123Z */
#define T0 1700000000123ULL


/*
 * A strict check of what the audit log writes: one flat JSON object of
 * string values (and unsigned integers, for "lost"), RFC 8259 escapes only, no raw control characters,
 * valid UTF-8, ending in exactly one newline.
 */
static const char *json_string(const char *p)
{
	if (*p++ != '"')
		return NULL;

	while (*p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			return NULL;
		if (c == '\\') {
			++p;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++) {
					if (!strchr("0123456789abcdefABCDEF",
						    p[i]) || !p[i])
						return NULL;
				}
				p += 5;
			}
			else if (*p && strchr("\"\\/bfnrt", *p)) {
				++p;
			}
			else {
				return NULL;
			}
			continue;
		}
		if (c >= 0x80) {
			int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1
				: -1;

			if (n < 0 || c > 0xf4)
				return NULL;
			for (int i = 1; i <= n; i++) {
				if (((unsigned char)p[i] & 0xc0) != 0x80)
					return NULL;
			}
			p += n + 1;
			continue;
		}
		++p;
	}

	return p + 1;
}


/* 0, or digits without a leading zero */
static const char *json_uint(const char *p)
{
	if (*p == '0')
		return p + 1;
	if (*p < '1' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		++p;
	return p;
}


static bool json_line_valid(const char *line)
{
	const char *p = line;

	if (*p++ != '{')
		return false;

	for (;;) {
		p = json_string(p);
		if (!p || *p++ != ':')
			return false;
		p = *p == '"' ? json_string(p) : json_uint(p);
		if (!p)
			return false;
		if (*p == '}')
			break;
		if (*p++ != ',')
			return false;
	}

	return !strcmp(p, "}\n");
}


static char *format(const struct audit_rec *rec, uint64_t ms)
{
	struct mbuf *mb = mbuf_alloc(256);
	char *str = NULL;

	assert_non_null(mb);
	assert_int_equal(0, audit_format(mb, rec, ms));
	mb->pos = 0;
	assert_int_equal(0, mbuf_strdup(mb, &str, mb->end));
	mem_deref(mb);

	if (!json_line_valid(str))
		fail_msg("not a JSON line: %s", str);
	return str;
}


static void test_format_exact(void **state)
{
	const struct audit_rec rec = {
		.module = "relay", .action = "open", .relay = "1",
		.source = "dtmf", .who = "sip:bob@host", .result = "ok",
	};
	char *s = format(&rec, T0);
	(void)state;

	assert_string_equal("{\"time\":\"2023-11-14T22:13:20.123Z\","
			    "\"module\":\"relay\",\"action\":\"open\","
			    "\"relay\":\"1\",\"source\":\"dtmf\","
			    "\"who\":\"sip:bob@host\",\"result\":\"ok\"}\n",
			    s);
	mem_deref(s);
}


static void test_format_detail_and_null(void **state)
{
	struct audit_rec rec = {.module = "httpopen", .result = "denied",
				.detail = "bad password"};
	char *s;
	(void)state;

	/* the epoch, whole seconds: milliseconds still three digits */
	s = format(&rec, 0);
	assert_string_equal("{\"time\":\"1970-01-01T00:00:00.000Z\","
			    "\"module\":\"httpopen\",\"action\":\"\","
			    "\"relay\":\"\",\"source\":\"\",\"who\":\"\","
			    "\"result\":\"denied\","
			    "\"detail\":\"bad password\"}\n", s);
	mem_deref(s);

	/* an empty detail is present, a NULL one absent */
	rec.detail = "";
	s = format(&rec, 1000);
	assert_non_null(strstr(s, ",\"detail\":\"\"}"));
	mem_deref(s);

	rec.detail = NULL;
	s = format(&rec, 1000);
	assert_null(strstr(s, "detail"));
	mem_deref(s);

	/* all NULL */
	memset(&rec, 0, sizeof(rec));
	s = format(&rec, 86400000ULL * 365 + 7);
	assert_string_equal("{\"time\":\"1971-01-01T00:00:00.007Z\","
			    "\"module\":\"\",\"action\":\"\",\"relay\":\"\","
			    "\"source\":\"\",\"who\":\"\",\"result\":\"\"}\n",
			    s);
	mem_deref(s);

	assert_int_equal(EINVAL, audit_format(NULL, &rec, 0));
}


/* decided_by: after detail, absent when NULL (and before lost, which
 * audit_write adds at the end) */
static void test_format_decided_by(void **state)
{
	struct audit_rec rec = {
		.module = "httpopen", .action = "open", .relay = "1",
		.source = "http", .who = "admin@10.0.0.1", .result = "ok",
		.detail = "200", .decided_by = "relay",
	};
	char *s = format(&rec, T0);
	(void)state;

	assert_string_equal("{\"time\":\"2023-11-14T22:13:20.123Z\","
			    "\"module\":\"httpopen\",\"action\":\"open\","
			    "\"relay\":\"1\",\"source\":\"http\","
			    "\"who\":\"admin@10.0.0.1\",\"result\":\"ok\","
			    "\"detail\":\"200\",\"decided_by\":\"relay\"}\n",
			    s);
	mem_deref(s);

	/* without a detail it still comes last */
	rec.detail = NULL;
	s = format(&rec, T0);
	assert_non_null(strstr(s, ",\"result\":\"ok\","
			       "\"decided_by\":\"relay\"}\n"));
	mem_deref(s);

	/* NULL: no such field at all */
	rec.detail = "401 wrong credentials";
	rec.result = "denied";
	rec.decided_by = NULL;
	s = format(&rec, T0);
	assert_null(strstr(s, "decided_by"));
	assert_non_null(strstr(s, ",\"result\":\"denied\",\"detail\":"
			       "\"401 wrong credentials\"}\n"));
	mem_deref(s);
}


static void test_format_escapes(void **state)
{
	const struct audit_rec rec = {
		.module = "m", .action = "a", .relay = "r", .source = "s",
		.who = "\"Bob\" <sip:b\\ob@h>\r\n{\"x\":1}\t\x01\x1f\x7f",
		.result = "ok", .detail = "T\xc3\xbcr 2 \xe2\x9c\x93",
	};
	char *s = format(&rec, T0);
	(void)state;

	assert_non_null(strstr(s, ",\"who\":\"\\\"Bob\\\" <sip:b\\\\ob@h>"
			       "\\r\\n{\\\"x\\\":1}\\t\\u0001\\u001f\\u007f\","));
	/* UTF-8 passes through as it is */
	assert_non_null(strstr(s, ",\"detail\":\"T\xc3\xbcr 2 \xe2\x9c\x93\""));

	/* one line, whatever the fields held */
	assert_ptr_equal(strchr(s, '\n'), s + strlen(s) - 1);
	mem_deref(s);
}


/* Bytes that are not UTF-8 must not make the line invalid JSON */
static void test_format_bad_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"a\xff" "b", "a\\ufffdb"},
		{"\xc3", "\\ufffd"},                     /* cut short */
		{"\xc3(", "\\ufffd("},
		{"\xc0\xaf", "\\ufffd\\ufffd"},          /* overlong '/' */
		{"\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd"},
		{"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"}, /* surrogate */
		{"\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"},
		{"\xe2\x82", "\\ufffd\\ufffd"},
		{"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92",
		 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x92"},  /* é, €, lock */
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct audit_rec rec = {.who = cases[i].in};
		char want[64], *s = format(&rec, T0);

		snprintf(want, sizeof(want), ",\"who\":\"%s\",",
			 cases[i].out);
		if (!strstr(s, want))
			fail_msg("case %zu: %s", i, s);
		mem_deref(s);
	}
}


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static void test_json_escape(void **state)
{
	struct mbuf *mb = mbuf_alloc(64);
	struct re_printf pf = {print_mbuf, mb};
	char *s = NULL;
	(void)state;

	assert_int_equal(0, door_json_escape(&pf, "a\\b\"c\bd"));
	assert_int_equal(0, door_json_escape(&pf, NULL));
	assert_int_equal(0, door_json_escape(&pf, ""));
	mb->pos = 0;
	assert_int_equal(0, mbuf_strdup(mb, &s, mb->end));
	assert_string_equal("a\\\\b\\\"c\\u0008d", s);
	mem_deref(s);
	mem_deref(mb);
}


/* ---- the file ---- */

static char path[64];


static struct conf *conf_with_path(const char *p)
{
	struct conf *conf = NULL;
	char text[256];

	snprintf(text, sizeof(text), "sip_listen 127.0.0.1:5060\n"
		 "door_audit_file %s\n", p);
	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   strlen(text)));
	return conf;
}


static unsigned count_lines(const char *p, char *last, size_t sz)
{
	char line[1024];
	unsigned n = 0;
	FILE *f = fopen(p, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!json_line_valid(line))
			fail_msg("bad line in %s: %s", p, line);
		snprintf(last, sz, "%s", line);
		++n;
	}
	fclose(f);
	return n;
}


static void test_write_file(void **state)
{
	struct audit_rec rec = {.module = "relay", .action = "open",
				.relay = "2", .source = "command",
				.who = "tester", .result = "ok"};
	struct conf *conf = conf_with_path(path);
	char last[1024];
	unsigned i;
	(void)state;

	/* not configured: nothing written, no error */
	audit_close();
	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(-1, access(path, F_OK));

	audit_configure(conf);
	for (i = 0; i < 3; i++)
		assert_int_equal(0, audit_write(&rec));
	assert_int_equal(3, count_lines(path, last, sizeof(last)));
	assert_non_null(strstr(last, "\"relay\":\"2\""));
	assert_non_null(strstr(last, "\"who\":\"tester\""));
	assert_int_equal(0, strncmp(last, "{\"time\":\"20", 11));

	/* appended, never truncated; configuring again keeps the lines */
	audit_configure(conf);
	rec.result = "denied";
	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(4, count_lines(path, last, sizeof(last)));
	assert_non_null(strstr(last, "\"result\":\"denied\""));

	/* closed: no more lines */
	audit_close();
	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(4, count_lines(path, last, sizeof(last)));

	mem_deref(conf);
}


static void test_write_unwritable(void **state)
{
	struct audit_rec rec = {.module = "relay", .result = "ok"};
	struct conf *conf =
		conf_with_path("/nonexistent-dir/sub/audit.log");
	struct conf *none = NULL;
	(void)state;

	test_log_clear();
	audit_configure(conf);
	assert_int_not_equal(0, audit_write(&rec));
	assert_true(test_log_has("/nonexistent-dir/sub/audit.log"));
	assert_int_equal(-1, access("/nonexistent-dir", F_OK));

	/* a config without the key switches the log off */
	assert_int_equal(0, conf_alloc_buf(&none, (const uint8_t *)"x y\n",
					   4));
	audit_configure(none);
	assert_int_equal(0, audit_write(&rec));

	audit_close();
	mem_deref(none);
	mem_deref(conf);
}


static size_t file_size(const char *p)
{
	struct stat st;

	return stat(p, &st) ? 0 : (size_t)st.st_size;
}


static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;

	while ((text = strstr(text, what))) {
		++n;
		text += strlen(what);
	}
	return n;
}


/* A missing folder is created at start when its parent exists */
static void test_folder_created(void **state)
{
	char dir[64] = "/tmp/door_audit_dir_XXXXXX", p[128], sub[96];
	struct conf *conf;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/log", dir);
	snprintf(p, sizeof(p), "%s/audit.log", sub);
	conf = conf_with_path(p);

	test_log_clear();
	audit_configure(conf);
	assert_int_equal(0, access(p, W_OK));     /* before any record */
	assert_true(test_log_has(sub));
	assert_false(test_log_has("not being recorded"));

	audit_close();
	assert_int_equal(0, unlink(p));
	assert_int_equal(0, rmdir(sub));
	assert_int_equal(0, rmdir(dir));
	mem_deref(conf);
}


/*
 * A folder that cannot be created: one error and one alarm at start, not
 * one per record; once it exists, the next record says how many were lost
 */
static void test_loss_counted(void **state)
{
	struct audit_rec rec = {.module = "relay", .action = "open",
				.result = "ok"};
	char dir[64] = "/tmp/door_audit_dir_XXXXXX", p[128], a[96], b[112];
	char last[1024];
	struct conf *conf;
	unsigned i;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", a);
	snprintf(p, sizeof(p), "%s/audit.log", b);
	conf = conf_with_path(p);

	test_log_clear();
	test_bus_clear();
	audit_configure(conf);
	assert_true(test_log_has(p));
	assert_true(test_log_has("cannot be opened"));
	test_run_loop(10);       /* announced once every module has loaded */
	assert_true(test_bus_has("door,audit_error,file="));

	for (i = 0; i < 3; i++)
		assert_int_not_equal(0, audit_write(&rec));
	test_run_loop(10);
	assert_int_equal(1, count(test_log(), "not being recorded"));
	assert_int_equal(1, count(test_bus(), "door,audit_error"));

	/* the parent appears: the folder is made, the loss reported once,
	 * after every field of the record */
	assert_int_equal(0, mkdir(a, 0700));
	rec.detail = "200";
	rec.decided_by = "relay";
	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(1, count_lines(p, last, sizeof(last)));
	assert_non_null(strstr(last, ",\"detail\":\"200\",\"decided_by\":"
			       "\"relay\",\"lost\":3}\n"));
	assert_true(test_log_has("written again"));

	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(2, count_lines(p, last, sizeof(last)));
	assert_null(strstr(last, "lost"));

	audit_close();
	assert_int_equal(0, unlink(p));
	assert_int_equal(0, rmdir(b));
	assert_int_equal(0, rmdir(a));
	assert_int_equal(0, rmdir(dir));
	mem_deref(conf);
}


/*
 * A file that takes only part of a record (a full disk; here a file size
 * limit, which cuts a write short the same way): the half line is cut
 * back, so the file holds only whole records, and the next says "lost"
 */
static void test_short_write_cut_back(void **state)
{
	struct audit_rec rec = {.module = "relay", .action = "open",
				.relay = "1", .result = "ok"};
	struct conf *conf = conf_with_path(path);
	struct rlimit old, lim;
	char last[1024];
	size_t size;
	(void)state;

	audit_configure(conf);
	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(0, audit_write(&rec));
	size = file_size(path);

	assert_int_equal(0, getrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = size + 40;        /* part of the next record fits */
	assert_int_equal(0, setrlimit(RLIMIT_FSIZE, &lim));

	test_log_clear();
	assert_int_not_equal(0, audit_write(&rec));
	assert_int_equal(size, file_size(path));
	assert_int_not_equal(0, audit_write(&rec));
	assert_int_equal(size, file_size(path));
	assert_int_equal(1, count(test_log(), "not being recorded"));

	assert_int_equal(0, setrlimit(RLIMIT_FSIZE, &old));
	signal(SIGXFSZ, SIG_DFL);

	assert_int_equal(0, audit_write(&rec));
	assert_int_equal(3, count_lines(path, last, sizeof(last)));
	assert_non_null(strstr(last, ",\"lost\":2}\n"));

	audit_close();
	mem_deref(conf);
}


static int file_setup(void **state)
{
	int fd;
	(void)state;

	strcpy(path, "/tmp/door_audit_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return unlink(path);
}


static int file_teardown(void **state)
{
	(void)state;

	audit_close();
	(void)unlink(path);
	return 0;
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_detail_and_null),
		cmocka_unit_test(test_format_decided_by),
		cmocka_unit_test(test_format_escapes),
		cmocka_unit_test(test_format_bad_utf8),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test_setup_teardown(test_write_file, file_setup,
						file_teardown),
		cmocka_unit_test_setup_teardown(test_write_unwritable,
						file_setup, file_teardown),
		cmocka_unit_test(test_folder_created),
		cmocka_unit_test(test_loss_counted),
		cmocka_unit_test_setup_teardown(test_short_write_cut_back,
						file_setup, file_teardown),
	};

	return cmocka_run_group_tests_name("door_audit", tests, NULL, NULL);
}
