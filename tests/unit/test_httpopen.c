/**
 * @file test_httpopen.c  httpopen's pure logic: query parsing, address
 * allowlist, Basic and Digest verification, lock-out bookkeeping
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <ctype.h>
#include <cmocka.h>
#include <re.h>
#include "support.h"
#include "../../modules/httpopen/httpopen.h"


/* ---- query strings ---- */

static int parse(struct query *q, const char *s, const char **why)
{
	struct pl pl;

	pl_set_str(&pl, s);
	return query_parse(q, &pl, why);
}


static void test_query_ok(void **state)
{
	struct query q;
	const char *why = NULL;
	uint32_t n = 0;
	(void)state;

	assert_int_equal(0, parse(&q, "?action=OpenDoor&DoorNum=2", &why));
	assert_int_equal(2, q.n);
	assert_string_equal("OpenDoor", query_get(&q, "action"));
	assert_string_equal("OpenDoor", query_get(&q, "ACTION"));
	assert_int_equal(0, query_index(&q, "DoorNum", &n, &why));
	assert_int_equal(2, n);
	assert_null(query_get(&q, "Password"));
	assert_int_equal(ENOENT, query_index(&q, "relay", &n, &why));

	/* escapes, '+' and empty segments */
	assert_int_equal(0, parse(&q, "UserName=a%20b+c&&Password=p%26q%3D",
				  &why));
	assert_string_equal("a b c", query_get(&q, "UserName"));
	assert_string_equal("p&q=", query_get(&q, "Password"));

	assert_int_equal(0, parse(&q, "", &why));
	assert_int_equal(0, q.n);
	assert_int_equal(0, parse(&q, "?", &why));
	assert_int_equal(0, q.n);
}


static void test_query_bad(void **state)
{
	static const char *bad[] = {
		"?DoorNum=1&DoorNum=2",        /* repeated */
		"?DoorNum=1&doornum=1",        /* repeated, other case */
		"?DoorNum=",                   /* empty */
		"?DoorNum",                    /* no value */
		"?=1",                         /* no name */
		"?DoorNum=%",                  /* short escape */
		"?DoorNum=%4",
		"?DoorNum=%zz",
		"?DoorNum=1%00",               /* NUL */
		"?a=%0a",                      /* control character */
		"?a=%7f",
		"?a=%00&DoorNum=1",
	};
	struct query q;
	const char *why;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		assert_int_not_equal(0, parse(&q, bad[i], &why));
		assert_non_null(why);
		assert_int_equal(0, q.n);
	}
}


static void test_query_limits(void **state)
{
	char buf[1024];
	struct query q;
	const char *why;
	size_t i, o = 0;
	(void)state;

	/* QUERY_MAX_PARAMS is fine, one more is not */
	for (i = 0; i < QUERY_MAX_PARAMS; i++)
		o += (size_t)re_snprintf(buf + o, sizeof(buf) - o, "%sp%zu=1",
					 i ? "&" : "", i);
	assert_int_equal(0, parse(&q, buf, &why));
	(void)re_snprintf(buf + o, sizeof(buf) - o, "&x=1");
	assert_int_equal(E2BIG, parse(&q, buf, &why));

	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "x=", 2);
	buf[QUERY_VALUE_MAX + 2] = '\0';
	assert_int_equal(EOVERFLOW, parse(&q, buf, &why));
	buf[QUERY_VALUE_MAX + 1] = '\0';      /* QUERY_VALUE_MAX - 1 chars */
	assert_int_equal(0, parse(&q, buf, &why));
}


static void test_query_index(void **state)
{
	static const char *bad[] = {
		"DoorNum=0", "DoorNum=99999999999", "DoorNum=17",
		"DoorNum=1a", "DoorNum=-1", "DoorNum=+1", "DoorNum=%201",
		"DoorNum=0x1", "DoorNum=1.0",
	};
	struct query q;
	const char *why;
	uint32_t n;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(0, parse(&q, bad[i], &why));
		why = NULL;
		assert_int_equal(EINVAL, query_index(&q, "DoorNum", &n, &why));
		assert_non_null(why);
	}

	assert_int_equal(0, parse(&q, "DoorNum=16", &why));
	assert_int_equal(0, query_index(&q, "DoorNum", &n, &why));
	assert_int_equal(16, n);
}


/* ---- address allowlist ---- */

static bool allowed(const struct netlist *nl, const char *addr)
{
	struct sa sa;

	assert_int_equal(0, sa_set_str(&sa, addr, 80));
	return netlist_match(nl, &sa);
}


static void test_netlist(void **state)
{
	struct netlist *nl = NULL;
	(void)state;

	assert_int_equal(0, netlist_alloc(&nl, "192.168.1.0/24, 10.0.0.5;"
					  " 2001:db8::/32 [::1] 172.16.0.0/12"
					  " 0.0.0.0/32"));
	assert_false(netlist_isempty(nl));

	assert_true(allowed(nl, "192.168.1.1"));
	assert_true(allowed(nl, "192.168.1.255"));
	assert_false(allowed(nl, "192.168.2.1"));
	assert_true(allowed(nl, "10.0.0.5"));
	assert_false(allowed(nl, "10.0.0.6"));
	assert_true(allowed(nl, "172.31.255.255"));
	assert_false(allowed(nl, "172.32.0.0"));
	assert_true(allowed(nl, "2001:db8:1::7"));
	assert_false(allowed(nl, "2001:db9::7"));
	assert_true(allowed(nl, "::1"));
	assert_false(allowed(nl, "::2"));
	/* an IPv4 client on an IPv6 socket */
	assert_true(allowed(nl, "::ffff:192.168.1.20"));
	assert_false(allowed(nl, "::ffff:192.168.3.20"));
	nl = mem_deref(nl);

	/* prefix lengths at the edges; a /0 allows a whole family */
	assert_int_equal(0, netlist_alloc(&nl, "0.0.0.0/0"));
	assert_true(allowed(nl, "203.0.113.9"));
	assert_false(allowed(nl, "2001:db8::1"));
	nl = mem_deref(nl);

	assert_int_equal(0, netlist_alloc(&nl, "10.1.2.3/31"));
	assert_true(allowed(nl, "10.1.2.2"));
	assert_true(allowed(nl, "10.1.2.3"));
	assert_false(allowed(nl, "10.1.2.4"));
	nl = mem_deref(nl);

	/* an IPv4 network written v4-mapped: its bits count from ::ffff */
	assert_int_equal(0, netlist_alloc(&nl, "::ffff:192.168.1.0/120"
					  " [::ffff:10.9.8.7]/128"));
	assert_true(allowed(nl, "192.168.1.77"));
	assert_true(allowed(nl, "::ffff:192.168.1.77"));
	assert_false(allowed(nl, "192.168.2.77"));
	assert_true(allowed(nl, "10.9.8.7"));
	assert_false(allowed(nl, "10.9.8.6"));
	nl = mem_deref(nl);

	assert_int_equal(0, netlist_alloc(&nl, ""));
	assert_true(netlist_isempty(nl));
	assert_false(allowed(nl, "127.0.0.1"));
	nl = mem_deref(nl);
}


static void test_netlist_bad(void **state)
{
	static const char *bad[] = {
		"192.168.1.0/33", "10.0.0.1/", "10.0.0.1/x", "::1/129",
		"example.com", "10.0.0", "10.0.0.1 256.1.1.1", "/24",
		"10.0.0.1/-1", "1.2.3.4/0024x", "::ffff:10.0.0.0/95",
		"::ffff:10.0.0.0/129",
	};
	struct netlist *nl;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		nl = NULL;
		test_log_clear();
		assert_int_not_equal(0, netlist_alloc(&nl, bad[i]));
		assert_null(nl);
		assert_true(test_log_has("httpopen_allow"));
	}
}


/* ---- Basic ---- */

static struct hauth *aladdin(void)
{
	static const uint8_t key[] = "unit test key";
	struct hauth *ha = NULL;

	assert_int_equal(0, hauth_alloc(&ha, "WallyWorld", "Aladdin",
					"open sesame", key, sizeof(key)));
	return ha;
}


static enum hauth_result check(struct hauth *ha, const char *hval,
			       unsigned schemes, const char *uri,
			       uint64_t now, char *user)
{
	struct pl h, met = PL("GET"), u;

	pl_set_str(&h, hval);
	pl_set_str(&u, uri);
	return hauth_check(ha, &h, schemes, &met, &u, now, user,
			   HAUTH_USER_MAX);
}


static void test_basic(void **state)
{
	const unsigned both = HAUTH_BASIC | HAUTH_DIGEST;
	struct hauth *ha = aladdin();
	char user[HAUTH_USER_MAX];
	(void)state;

	/* RFC 7617 section 2's example */
	assert_int_equal(HAUTH_OK, check(ha, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
					 both, "/", 0, user));
	assert_string_equal("Aladdin", user);
	assert_int_equal(HAUTH_OK, check(ha, "basic  QWxhZGRpbjpvcGVuIHNlc2FtZQ== ",
					 HAUTH_BASIC, "/", 0, user));

	/* "Aladdin:open sesamf", "Aladdin:open sesam", "aladdin:open sesame" */
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZg==",
					   both, "/", 0, user));
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic QWxhZGRpbjpvcGVuIHNlc2Ft",
					   both, "/", 0, user));
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ==",
					   both, "/", 0, user));
	assert_string_equal("aladdin", user);

	/* malformed: bad base64, no colon, NUL inside, empty */
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=!",
					   both, "/", 0, user));
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic QWxhZGRpbg==",
					   both, "/", 0, user));
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic QQBhOmI=", both, "/", 0,
					   user));
	assert_int_equal(HAUTH_FAIL, check(ha, "Basic ", both, "/", 0, user));

	/* a scheme not offered, or none at all, is not a failure */
	assert_int_equal(HAUTH_NONE, check(ha, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
					   HAUTH_DIGEST, "/", 0, user));
	assert_int_equal(HAUTH_NONE, check(ha, "Bearer abc", both, "/", 0,
					   user));
	assert_int_equal(HAUTH_NONE, hauth_check(ha, NULL, both, NULL, NULL, 0,
						 user, sizeof(user)));

	/* the old query form */
	assert_int_equal(HAUTH_OK, hauth_check_plain(ha, "Aladdin",
						     "open sesame"));
	assert_int_equal(HAUTH_FAIL, hauth_check_plain(ha, "Aladdin",
						       "open sesame "));
	assert_int_equal(HAUTH_FAIL, hauth_check_plain(ha, "Aladdin", ""));
	assert_int_equal(HAUTH_NONE, hauth_check_plain(ha, "Aladdin", NULL));

	mem_deref(ha);
}


static void test_ct_equal(void **state)
{
	(void)state;

	assert_true(hauth_ct_equal("secret", 6, "secret", 6));
	assert_false(hauth_ct_equal("secreT", 6, "secret", 6));
	assert_false(hauth_ct_equal("secret!", 7, "secret", 6));
	assert_false(hauth_ct_equal("secre", 5, "secret", 6));
	assert_false(hauth_ct_equal("", 0, "secret", 6));
	assert_true(hauth_ct_equal("", 0, "", 0));
	/* a prefix padded with NULs is still different */
	assert_false(hauth_ct_equal("sec\0\0\0", 3, "sec\0\0\0", 6));
}


static void test_sanitize(void **state)
{
	char out[16];
	(void)state;

	hauth_sanitize(out, sizeof(out), "al ice\n\"x", 9);
	assert_string_equal("al_ice__x", out);
	hauth_sanitize(out, sizeof(out), "a.b-c_d+e@f", 11);
	assert_string_equal("a.b-c_d+e_f", out);
	hauth_sanitize(out, 4, "abcdef", 6);
	assert_string_equal("abc", out);
}


/* ---- Digest ---- */

static void test_digest_vector(void **state)
{
	/* RFC 7616 section 3.9.1, MD5 */
	const struct pl met = PL("GET"), uri = PL("/dir/index.html");
	const struct pl nonce =
		PL("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
	const struct pl cnonce =
		PL("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
	const struct pl nc = PL("00000001"), qop = PL("auth");
	uint8_t ha1[MD5_SIZE];
	char hex[33];
	(void)state;

	assert_int_equal(0, md5_printf(ha1, "Mufasa:http-auth@example.org:"
				       "Circle of Life"));
	assert_int_equal(0, hauth_digest_expect(hex, ha1, &met, &uri, &nonce,
						&nc, &cnonce, &qop));
	assert_string_equal("8ca523f5e9506fed4657c9700eebdbec", hex);
}


/* What a client computes, written out longhand */
static void client_response(char *hex, const char *user, const char *realm,
			    const char *pass, const char *uri,
			    const char *nonce, const char *nc,
			    const char *cnonce)
{
	uint8_t ha1[MD5_SIZE], ha2[MD5_SIZE], resp[MD5_SIZE];
	char buf[512];

	(void)re_snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);
	md5((uint8_t *)buf, strlen(buf), ha1);
	(void)re_snprintf(buf, sizeof(buf), "GET:%s", uri);
	md5((uint8_t *)buf, strlen(buf), ha2);
	(void)re_snprintf(buf, sizeof(buf), "%w:%s:%s:%s:auth:%w",
			  ha1, sizeof(ha1), nonce, nc, cnonce,
			  ha2, sizeof(ha2));
	md5((uint8_t *)buf, strlen(buf), resp);
	(void)re_snprintf(hex, 33, "%w", resp, sizeof(resp));
}


static void digest_header(char *out, size_t sz, const char *user,
			  const char *pass, const char *uri, const char *nonce,
			  const char *nc)
{
	char resp[33];

	client_response(resp, user, "WallyWorld", pass, uri, nonce, nc,
			"0a4f113b");
	(void)re_snprintf(out, sz, "Digest username=\"%s\", "
			  "realm=\"WallyWorld\", nonce=\"%s\", uri=\"%s\", "
			  "algorithm=MD5, qop=auth, nc=%s, cnonce=\"0a4f113b\", "
			  "response=\"%s\"", user, nonce, uri, nc, resp);
}


static void test_digest(void **state)
{
	const char *uri = "/fcgi/OpenDoor?action=OpenDoor&DoorNum=1";
	struct hauth *ha = aladdin();
	char nonce[80], hdr[1024], user[HAUTH_USER_MAX];
	const uint64_t t0 = 1000;
	(void)state;

	assert_int_equal(0, hauth_nonce(ha, t0, nonce, sizeof(nonce)));
	assert_int_equal(72, strlen(nonce));

	/* two challenges in the same second still differ */
	{
		char again[64 + 16];

		assert_int_equal(0, hauth_nonce(ha, t0, again, sizeof(again)));
		assert_string_not_equal(nonce, again);
	}

	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000001");
	assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri, t0 + 1,
					 user));
	assert_string_equal("Aladdin", user);

	/* the same request again is a replay; a higher count is not */
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, t0 + 2,
					   user));
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000002");
	assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri, t0 + 2,
					 user));

	/* made for another URI (another door) */
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000003");
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST,
					   "/fcgi/OpenDoor?action=OpenDoor&"
					   "DoorNum=2", t0 + 2, user));

	/* wrong password, wrong user */
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesamE", uri, nonce,
		      "00000004");
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, t0 + 2,
					   user));
	digest_header(hdr, sizeof(hdr), "Aladdi", "open sesame", uri, nonce,
		      "00000005");
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, t0 + 2,
					   user));

	/* Digest not offered */
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000006");
	assert_int_equal(HAUTH_NONE, check(ha, hdr, HAUTH_BASIC, uri, t0 + 2,
					   user));

	mem_deref(ha);
}


static void test_digest_nonce(void **state)
{
	const char *uri = "/api/relay/status";
	struct hauth *ha = aladdin(), *other;
	char nonce[80], hdr[1024], user[HAUTH_USER_MAX];
	static const uint8_t key2[] = "another key";
	(void)state;

	/* an expired nonce with the right answer: stale, not a failure */
	assert_int_equal(0, hauth_nonce(ha, 1000, nonce, sizeof(nonce)));
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000001");
	assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri,
					 1000 + HAUTH_NONCE_TTL, user));
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000002");
	assert_int_equal(HAUTH_STALE, check(ha, hdr, HAUTH_DIGEST, uri,
					    1001 + HAUTH_NONCE_TTL, user));
	/* ... and one from the future */
	assert_int_equal(HAUTH_STALE, check(ha, hdr, HAUTH_DIGEST, uri, 999,
					    user));

	/* expired and wrong: a failure */
	digest_header(hdr, sizeof(hdr), "Aladdin", "wrong", uri, nonce,
		      "00000003");
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri,
					   1001 + HAUTH_NONCE_TTL, user));

	/* a nonce another server (key) issued, or one we never issued */
	assert_int_equal(0, hauth_alloc(&other, "WallyWorld", "Aladdin",
					"open sesame", key2, sizeof(key2)));
	assert_int_equal(0, hauth_nonce(other, 1000, nonce, sizeof(nonce)));
	mem_deref(other);
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000001");
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, 1001,
					   user));
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri,
		      "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001");
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, 1001,
					   user));

	mem_deref(ha);
}


/* More fresh nonces than the replay table holds must not make room for
 * a replay: a captured request stays refused for its whole lifetime */
static void test_digest_replay_after_many(void **state)
{
	const char *uri = "/fcgi/OpenDoor?action=OpenDoor&DoorNum=1";
	struct hauth *ha = aladdin();
	char first[80], nonce[80], hdr[1024], captured[1024];
	char user[HAUTH_USER_MAX];
	const uint64_t t0 = 5000;
	unsigned i;
	(void)state;

	assert_int_equal(0, hauth_nonce(ha, t0, first, sizeof(first)));
	digest_header(captured, sizeof(captured), "Aladdin", "open sesame",
		      uri, first, "00000001");
	assert_int_equal(HAUTH_OK, check(ha, captured, HAUTH_DIGEST, uri,
					 t0, user));

	/* a busy client: one login a second, each on a new challenge */
	for (i = 1; i <= 200; i++) {
		assert_int_equal(0, hauth_nonce(ha, t0 + i, nonce,
						sizeof(nonce)));
		digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri,
			      nonce, "00000001");
		assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri,
						 t0 + i, user));
	}

	assert_int_not_equal(HAUTH_OK, check(ha, captured, HAUTH_DIGEST, uri,
					     t0 + 200, user));

	/* a client that comes back on a nonce pushed out of the table is
	 * told to take a new one, which works */
	assert_int_equal(0, hauth_nonce(ha, t0 + 201, nonce, sizeof(nonce)));
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, nonce,
		      "00000001");
	assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri, t0 + 201,
					 user));

	mem_deref(ha);
}


static void test_digest_malformed(void **state)
{
	const char *uri = "/api/relay/status";
	struct hauth *ha = aladdin();
	char nonce[80], hdr[1024], resp[33], user[HAUTH_USER_MAX];
	(void)state;

	assert_int_equal(0, hauth_nonce(ha, 50, nonce, sizeof(nonce)));
	client_response(resp, "Aladdin", "WallyWorld", "open sesame", uri,
			nonce, "00000001", "abc");

	/* without qop (RFC 2069 style), nc or cnonce */
	(void)re_snprintf(hdr, sizeof(hdr), "Digest username=\"Aladdin\", "
			  "realm=\"WallyWorld\", nonce=\"%s\", uri=\"%s\", "
			  "response=\"%s\"", nonce, uri, resp);
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, 51,
					   user));
	(void)re_snprintf(hdr, sizeof(hdr), "Digest username=\"Aladdin\", "
			  "realm=\"WallyWorld\", nonce=\"%s\", uri=\"%s\", "
			  "qop=auth, cnonce=\"abc\", response=\"%s\"", nonce,
			  uri, resp);
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, 51,
					   user));
	/* another realm */
	(void)re_snprintf(hdr, sizeof(hdr), "Digest username=\"Aladdin\", "
			  "realm=\"Other\", nonce=\"%s\", uri=\"%s\", "
			  "qop=auth, nc=00000001, cnonce=\"abc\", "
			  "response=\"%s\"", nonce, uri, resp);
	assert_int_equal(HAUTH_FAIL, check(ha, hdr, HAUTH_DIGEST, uri, 51,
					   user));
	/* garbage */
	assert_int_equal(HAUTH_FAIL, check(ha, "Digest", HAUTH_DIGEST, uri, 51,
					   user));
	assert_int_equal(HAUTH_FAIL, check(ha, "Digest username=\"x\"",
					   HAUTH_DIGEST, uri, 51, user));
	assert_string_equal("", user);     /* undecodable: nothing claimed */

	/* the same with all fields: accepted, response in upper case */
	for (size_t i = 0; resp[i]; i++)
		resp[i] = (char)toupper((unsigned char)resp[i]);
	(void)re_snprintf(hdr, sizeof(hdr), "Digest username=\"Aladdin\", "
			  "realm=\"WallyWorld\", nonce=\"%s\", uri=\"%s\", "
			  "qop=auth, nc=00000001, cnonce=\"abc\", "
			  "response=\"%s\"", nonce, uri, resp);
	assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri, 51,
					 user));

	mem_deref(ha);
}


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static char *challenge(struct hauth *ha, unsigned schemes, bool stale,
		       uint64_t now)
{
	struct mbuf *mb = mbuf_alloc(256);
	struct re_printf pf = {print_mbuf, mb};
	char *str = NULL;

	assert_int_equal(0, hauth_challenge(&pf, ha, schemes, stale, now));
	mb->pos = 0;
	assert_int_equal(0, mbuf_strdup(mb, &str, mb->end));
	mem_deref(mb);
	return str;
}


static void test_challenge(void **state)
{
	const char *uri = "/fcgi/OpenDoor?action=OpenDoor&DoorNum=1";
	struct hauth *ha = aladdin();
	struct pl nonce;
	char *c, hdr[1024], n[80], user[HAUTH_USER_MAX];
	(void)state;

	c = challenge(ha, HAUTH_BASIC | HAUTH_DIGEST, false, 77);
	assert_int_equal(0, re_regex(c, strlen(c),
				     "WWW-Authenticate: Digest realm=\"WallyWorld\","
				     " qop=\"auth\", algorithm=MD5,"
				     " nonce=\"[0-9a-f]+\"\r\n"
				     "WWW-Authenticate: Basic realm=\"WallyWorld\"",
				     &nonce));
	assert_int_equal(72, nonce.l);
	assert_null(strstr(c, "stale"));

	/* the nonce it offers is one the server accepts */
	(void)pl_strcpy(&nonce, n, sizeof(n));
	digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri, n,
		      "00000001");
	assert_int_equal(HAUTH_OK, check(ha, hdr, HAUTH_DIGEST, uri, 78, user));
	mem_deref(c);

	c = challenge(ha, HAUTH_DIGEST, true, 77);
	assert_non_null(strstr(c, ", stale=true\r\n"));
	assert_null(strstr(c, "Basic"));
	mem_deref(c);

	c = challenge(ha, HAUTH_BASIC, false, 77);
	assert_null(strstr(c, "Digest"));
	assert_non_null(strstr(c, "Basic realm="));
	mem_deref(c);

	mem_deref(ha);
}


/* The scheme starts the header: junk before it is not skipped over */
static void test_scheme_anchored(void **state)
{
	const unsigned both = HAUTH_BASIC | HAUTH_DIGEST;
	struct hauth *ha = aladdin();
	char user[HAUTH_USER_MAX];
	static const char *bad[] = {
		"\x01 Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"x Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"\x01" "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		", Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"Basic\x01" "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"Bas1c QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"Basic",
		"Basic \t ",
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_not_equal(HAUTH_OK, check(ha, bad[i], both, "/", 0,
						     user));

	/* white space before the scheme and tabs are fine */
	assert_int_equal(HAUTH_OK, check(ha, " \tBasic\tQWxhZGRpbjpvcGVuIHNl"
					 "c2FtZQ==", both, "/", 0, user));

	mem_deref(ha);
}


/* A nonce shows neither the time it was issued nor how many came
 * before: two taken at the same moment share no part */
static void test_nonce_hides_clock(void **state)
{
	struct hauth *ha = aladdin();
	char a[80], b[80], t[24];
	const uint64_t times[] = {0, 1000, 86400, 1234567};
	size_t i, j;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(times); i++) {
		assert_int_equal(0, hauth_nonce(ha, times[i], a, sizeof(a)));
		assert_int_equal(0, hauth_nonce(ha, times[i], b, sizeof(b)));
		assert_int_equal(72, strlen(a));

		/* the issue time as the old nonces carried it, and as 8 */
		(void)re_snprintf(t, sizeof(t), "%016llx",
				  (unsigned long long)times[i]);
		assert_null(strstr(a, t));
		(void)re_snprintf(t, sizeof(t), "%08llx",
				  (unsigned long long)times[i]);
		assert_null(strstr(a, t));

		/* every 8-hex-digit field differs between the two */
		for (j = 0; j < 72; j += 8)
			assert_memory_not_equal(a + j, b + j, 8);
	}

	mem_deref(ha);
}


/*
 * Digest at any rate: 100000 logins from many clients, each on its own
 * challenge, interleaved with three challenges nobody answers per login,
 * over 20 s; some clients keep their nonce and count up. Not one valid
 * login fails, and a captured request is refused every time.
 */
static void test_digest_any_rate(void **state)
{
	const char *uri = "/fcgi/OpenDoor?action=OpenDoor&DoorNum=1";
	struct hauth *ha = aladdin();
	char nonce[80], flood[80], kept[80], hdr[1024], user[HAUTH_USER_MAX];
	char captured[1024], nc[16];
	const uint64_t t0 = 100000;
	unsigned i, k, fails = 0, replays_ok = 0;
	uint32_t kept_nc = 0;
	(void)state;

	assert_int_equal(0, hauth_nonce(ha, t0, kept, sizeof(kept)));

	for (i = 0; i < 100000; i++) {
		uint64_t now = t0 + i / 5000;

		for (k = 0; k < 3; k++)
			assert_int_equal(0, hauth_nonce(ha, now, flood,
							sizeof(flood)));

		assert_int_equal(0, hauth_nonce(ha, now, nonce,
						sizeof(nonce)));
		digest_header(hdr, sizeof(hdr), "Aladdin", "open sesame", uri,
			      nonce, "00000001");
		if (check(ha, hdr, HAUTH_DIGEST, uri, now, user) != HAUTH_OK)
			++fails;

		if (i == 10)
			str_ncpy(captured, hdr, sizeof(captured));
		if (i > 10 && i % 997 == 0 &&
		    check(ha, captured, HAUTH_DIGEST, uri, now, user) ==
		    HAUTH_OK)
			++replays_ok;

		/* a keep-alive client: one nonce, the count going up, a new
		 * nonce once the old one is stale */
		if (i % 101 == 0) {
			(void)re_snprintf(nc, sizeof(nc), "%08x", ++kept_nc);
			digest_header(hdr, sizeof(hdr), "Aladdin",
				      "open sesame", uri, kept, nc);
			switch (check(ha, hdr, HAUTH_DIGEST, uri, now, user)) {

			case HAUTH_OK:
				break;

			case HAUTH_STALE:
				assert_int_equal(0, hauth_nonce(ha, now, kept,
								sizeof(kept)));
				kept_nc = 0;
				break;

			default:
				++fails;
				break;
			}
		}
	}

	assert_int_equal(0, fails);
	assert_int_equal(0, replays_ok);
	/* 400000 nonces issued: about 50 KiB of bits, no table of nonces */
	assert_true(hauth_replay_bytes(ha) < 256 * 1024);

	mem_deref(ha);
}


/* ---- lock-out ---- */

static struct sa addr(const char *s)
{
	struct sa sa;

	assert_int_equal(0, sa_set_str(&sa, s, 1234));
	return sa;
}


static void test_lockout(void **state)
{
	struct lockout *lo = NULL;
	struct sa a = addr("192.0.2.1"), b = addr("192.0.2.2");
	uint32_t remain = 0;
	int i;
	(void)state;

	assert_int_equal(0, lockout_alloc(&lo, 3, 60000, 16));

	assert_false(lockout_fail(lo, &a, 1000));
	assert_false(lockout_fail(lo, &a, 2000));
	assert_false(lockout_locked(lo, &a, 2000, &remain));
	assert_true(lockout_fail(lo, &a, 3000));     /* third: locked */
	assert_true(lockout_locked(lo, &a, 3000, &remain));
	assert_int_equal(60000, remain);
	assert_true(lockout_locked(lo, &a, 62999, &remain));
	assert_int_equal(1, remain);
	assert_false(lockout_locked(lo, &b, 3000, NULL));

	/* more failures while locked do not extend the lock */
	assert_false(lockout_fail(lo, &a, 10000));
	assert_true(lockout_locked(lo, &a, 62999, NULL));
	assert_false(lockout_locked(lo, &a, 63000, NULL));

	/* released: the count starts again */
	assert_false(lockout_fail(lo, &a, 64000));
	assert_false(lockout_fail(lo, &a, 65000));
	assert_false(lockout_locked(lo, &a, 65000, NULL));

	/* failures spread beyond the period never lock */
	for (i = 0; i < 10; i++)
		assert_false(lockout_fail(lo, &b, 100000 + (uint64_t)i * 31000));

	/* a good login clears the count */
	assert_false(lockout_fail(lo, &a, 200000));
	assert_false(lockout_fail(lo, &a, 200001));
	lockout_success(lo, &a);
	assert_false(lockout_fail(lo, &a, 200002));
	assert_false(lockout_fail(lo, &a, 200003));
	assert_true(lockout_fail(lo, &a, 200004));

	/* ... but does not lift a lock */
	lockout_success(lo, &a);
	assert_true(lockout_locked(lo, &a, 200005, NULL));

	mem_deref(lo);
}


static void test_lockout_v6(void **state)
{
	struct lockout *lo = NULL;
	struct sa a1 = addr("2001:db8:1:2::1"), a2 = addr("2001:db8:1:2::99");
	struct sa other = addr("2001:db8:1:3::1");
	struct sa v4 = addr("198.51.100.7"), mapped = addr("::ffff:198.51.100.7");
	(void)state;

	assert_int_equal(0, lockout_alloc(&lo, 2, 60000, 16));

	/* the same /64 counts as one client */
	assert_false(lockout_fail(lo, &a1, 0));
	assert_true(lockout_fail(lo, &a2, 1));
	assert_true(lockout_locked(lo, &a1, 2, NULL));
	assert_false(lockout_locked(lo, &other, 2, NULL));

	/* IPv4 seen through an IPv6 socket is the same client */
	assert_false(lockout_fail(lo, &v4, 0));
	assert_true(lockout_fail(lo, &mapped, 1));
	assert_true(lockout_locked(lo, &v4, 2, NULL));

	mem_deref(lo);
}


static void test_lockout_bounded(void **state)
{
	struct lockout *lo = NULL;
	char buf[32];
	struct sa sa;
	int i;
	(void)state;

	assert_int_equal(0, lockout_alloc(&lo, 5, 60000, 8));

	for (i = 0; i < 100; i++) {
		(void)re_snprintf(buf, sizeof(buf), "10.0.0.%d", i);
		assert_int_equal(0, sa_set_str(&sa, buf, 0));
		(void)lockout_fail(lo, &sa, (uint64_t)i);
	}
	assert_int_equal(8, lockout_count(lo));

	/* entries whose period is over go away by themselves */
	(void)lockout_fail(lo, &sa, 100000);
	assert_int_equal(1, lockout_count(lo));

	mem_deref(lo);
}


/* Failures from many other addresses never push out a locked one; when
 * every entry holds a lock, the addresses left outside share one */
static void test_lockout_locked_kept(void **state)
{
	struct lockout *lo = NULL;
	struct sa a = addr("192.0.2.1"), b = addr("192.0.2.2");
	char buf[32];
	struct sa sa;
	int i, j;
	(void)state;

	assert_int_equal(0, lockout_alloc(&lo, 2, 60000, 8));

	(void)lockout_fail(lo, &a, 0);
	assert_true(lockout_fail(lo, &a, 1));

	for (i = 0; i < 256; i++) {
		(void)re_snprintf(buf, sizeof(buf), "10.0.%d.%d", i / 200,
				  i % 200);
		assert_int_equal(0, sa_set_str(&sa, buf, 0));
		(void)lockout_fail(lo, &sa, 10 + (uint64_t)i);
	}
	assert_true(lockout_locked(lo, &a, 1000, NULL));
	assert_true(lockout_count(lo) <= 8);

	/* every entry locked (a plus seven more) */
	for (i = 0; i < 7; i++) {
		(void)re_snprintf(buf, sizeof(buf), "10.1.0.%d", i);
		assert_int_equal(0, sa_set_str(&sa, buf, 0));
		for (j = 0; j < 2; j++)
			(void)lockout_fail(lo, &sa, 2000);
		assert_true(lockout_locked(lo, &sa, 2000, NULL));
	}
	assert_int_equal(8, lockout_count(lo));
	assert_true(lockout_locked(lo, &a, 2000, NULL));

	/* two more failures from outside the table lock the outsiders */
	assert_false(lockout_locked(lo, &b, 2000, NULL));
	assert_false(lockout_fail(lo, &b, 2000));
	assert_int_equal(0, sa_set_str(&sa, "10.2.0.1", 0));
	assert_true(lockout_fail(lo, &sa, 2001));
	assert_true(lockout_locked(lo, &b, 2002, NULL));
	assert_true(lockout_locked(lo, &sa, 2002, NULL));
	assert_int_equal(8, lockout_count(lo));

	/* ... for one period, like any lock */
	assert_false(lockout_locked(lo, &b, 62001, NULL));

	mem_deref(lo);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_ok),
		cmocka_unit_test(test_query_bad),
		cmocka_unit_test(test_query_limits),
		cmocka_unit_test(test_query_index),
		cmocka_unit_test(test_netlist),
		cmocka_unit_test(test_netlist_bad),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_digest_vector),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_nonce),
		cmocka_unit_test(test_digest_replay_after_many),
		cmocka_unit_test(test_digest_malformed),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_lockout_v6),
		cmocka_unit_test(test_lockout_bounded),
		cmocka_unit_test(test_lockout_locked_kept),
		cmocka_unit_test(test_scheme_anchored),
		cmocka_unit_test(test_nonce_hides_clock),
		cmocka_unit_test(test_digest_any_rate),
	};

	return cmocka_run_group_tests_name("httpopen", tests, NULL, NULL);
}
