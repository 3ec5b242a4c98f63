/**
 * @file test_httpopen_hreq.c  httpopen's request-head reader: what it
 * takes, what it refuses, and that it agrees with libre's parser on
 * every request both accept
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


static int parse(struct hreq *r, const char *s, size_t *used)
{
	size_t u = 0;
	int err = hreq_parse(r, (const uint8_t *)s, strlen(s), &u);

	if (used)
		*used = u;
	return err;
}


/* libre's http_msg_decode on the same bytes must see the same parts */
static void agrees_with_libre(const char *s)
{
	struct http_msg *msg = NULL;
	const struct http_hdr *hdr;
	struct mbuf *mb = mbuf_alloc(strlen(s) + 1);
	struct hreq r;
	size_t used;

	assert_non_null(mb);
	assert_int_equal(0, mbuf_write_str(mb, s));
	mb->pos = 0;

	assert_int_equal(0, parse(&r, s, &used));
	assert_int_equal(0, http_msg_decode(&msg, mb, true));

	assert_int_equal(0, pl_cmp(&r.met, &msg->met));
	assert_int_equal(0, pl_cmp(&r.path, &msg->path));
	assert_int_equal(r.prm.l, msg->prm.l);
	if (r.prm.l)
		assert_int_equal(0, pl_cmp(&r.prm, &msg->prm));
	assert_int_equal(0, pl_cmp(&r.ver, &msg->ver));
	assert_int_equal(used, mb->pos);

	hdr = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	if (hdr)
		assert_int_equal(0, pl_cmp(&r.auth, &hdr->val));
	else
		assert_null(r.auth.p);

	assert_int_equal(r.conn_close,
			 http_msg_hdr_has_value(msg, HTTP_HDR_CONNECTION,
						"close"));
	assert_int_equal(r.body, msg->clen != 0 ||
			 http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING));
	assert_int_equal(r.chunked,
			 http_msg_hdr(msg, HTTP_HDR_TRANSFER_ENCODING) != NULL);
	if (r.clen != HREQ_CLEN_BAD)
		assert_int_equal(r.clen, msg->clen);
	assert_int_equal(r.expect_continue,
			 http_msg_hdr_has_value(msg, HTTP_HDR_EXPECT,
						"100-continue"));

	hdr = http_msg_hdr(msg, HTTP_HDR_CONTENT_TYPE);
	if (hdr)
		assert_int_equal(0, pl_cmp(&r.ctype, &hdr->val));
	else
		assert_null(r.ctype.p);

	mem_deref(msg);
	mem_deref(mb);
}


static void test_hreq_ok(void **state)
{
	struct hreq r;
	size_t used;
	const char *s = "GET /api/relay/status?x=1 HTTP/1.1\r\n"
		"Host: door\r\n"
		"Authorization:  Basic YWRtaW46cHc= \r\n"
		"Connection: keep-alive, Upgrade\r\n"
		"\r\n"
		"GET /next HTTP/1.1\r\n\r\n";
	(void)state;

	assert_int_equal(0, parse(&r, s, &used));
	assert_int_equal(0, pl_strcmp(&r.met, "GET"));
	assert_int_equal(0, pl_strcmp(&r.path, "/api/relay/status"));
	assert_int_equal(0, pl_strcmp(&r.prm, "?x=1"));
	assert_int_equal(0, pl_strcmp(&r.ver, "1.1"));
	assert_int_equal(0, pl_strcmp(&r.auth, "Basic YWRtaW46cHc="));
	assert_int_equal(3, r.nhdr);
	assert_true(r.conn_keep);
	assert_false(r.conn_close);
	assert_false(r.body);
	assert_true(hreq_keep(&r));
	/* the next request is left where it is */
	assert_int_equal(0, strncmp(s + used, "GET /next", 9));

	/* bare LF line ends, blank lines before the request */
	assert_int_equal(0, parse(&r, "\r\n\nGET / HTTP/1.0\nA: b\n\n", NULL));
	assert_int_equal(0, pl_strcmp(&r.path, "/"));
	assert_false(hreq_keep(&r));
	assert_int_equal(0, parse(&r, "GET / HTTP/1.0\r\nConnection: Keep-Alive"
				  "\r\n\r\n", NULL));
	assert_true(hreq_keep(&r));
	assert_int_equal(0, parse(&r, "GET / HTTP/1.1\r\nconnection: close"
				  "\r\n\r\n", NULL));
	assert_false(hreq_keep(&r));

	/* the first Authorization counts, as with libre */
	assert_int_equal(0, parse(&r, "GET / HTTP/1.1\r\nAuthorization: a\r\n"
				  "authorization: b\r\n\r\n", NULL));
	assert_int_equal(0, pl_strcmp(&r.auth, "a"));

	/* bodies: announced by a length other than 0 or by an encoding */
	assert_int_equal(0, parse(&r, "GET / HTTP/1.1\r\nContent-Length: 000"
				  "\r\n\r\n", NULL));
	assert_false(r.body);
	assert_int_equal(0, parse(&r, "GET / HTTP/1.1\r\nContent-Length: 5"
				  "\r\n\r\n", NULL));
	assert_true(r.body);
	assert_int_equal(0, parse(&r, "GET / HTTP/1.1\r\nContent-Length: x"
				  "\r\n\r\n", NULL));
	assert_true(r.body);
	assert_int_equal(0, parse(&r, "GET / HTTP/1.1\r\nTransfer-Encoding:"
				  " chunked\r\n\r\n", NULL));
	assert_true(r.body);
	assert_true(r.chunked);
	assert_int_equal(0, r.clen);
}


/* What POST /api/codes reads: the length as a number, the type, Expect */
static void test_hreq_body_fields(void **state)
{
	struct hreq r;
	(void)state;

	assert_int_equal(0, parse(&r, "POST /api/codes HTTP/1.1\r\n"
				  "Content-Length:  42 \r\n"
				  "content-type: application/json; charset=utf-8"
				  "\r\nContent-Type: text/plain\r\n"
				  "Expect: 100-Continue\r\n\r\n", NULL));
	assert_int_equal(42, r.clen);
	assert_true(r.body);
	assert_false(r.chunked);
	assert_int_equal(0, pl_strcmp(&r.ctype, "application/json;"
				      " charset=utf-8"));
	assert_true(r.expect_continue);

	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\n\r\n", NULL));
	assert_int_equal(0, r.clen);
	assert_null(r.ctype.p);
	assert_false(r.expect_continue);

	/* no number, too long for libre's uint32_t, or given twice */
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nContent-Length: 1x"
				  "\r\n\r\n", NULL));
	assert_true(r.clen == HREQ_CLEN_BAD);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nContent-Length: "
				  "1234567890\r\n\r\n", NULL));
	assert_true(r.clen == HREQ_CLEN_BAD);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nContent-Length: 4"
				  "\r\nContent-Length: 4\r\n\r\n", NULL));
	assert_true(r.clen == HREQ_CLEN_BAD);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nContent-Length:"
				  "\r\n\r\n", NULL));
	assert_true(r.clen == HREQ_CLEN_BAD);

	/* Expect is a list (RFC 9110): 100-continue as one of its
	 * members, empty ones allowed; not inside quotes, not a prefix */
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nExpect: 100-"
				  "continue, x\r\n\r\n", NULL));
	assert_true(r.expect_continue);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nExpect:, 100-"
				  "continue\r\n\r\n", NULL));
	assert_true(r.expect_continue);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nExpect: \"a,"
				  "100-continue\"\r\n\r\n", NULL));
	assert_false(r.expect_continue);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nExpect: 100-"
				  "continued\r\n\r\n", NULL));
	assert_false(r.expect_continue);
	assert_int_equal(0, parse(&r, "POST / HTTP/1.1\r\nConnection: "
				  "\"x,close\", keep-alive\r\n\r\n", NULL));
	assert_false(r.conn_close);
	assert_true(r.conn_keep);
}


static void test_hreq_incomplete(void **state)
{
	struct hreq r;
	(void)state;

	assert_int_equal(ENODATA, parse(&r, "", NULL));
	assert_int_equal(ENODATA, parse(&r, "\r\n\r\n", NULL));
	assert_int_equal(ENODATA, parse(&r, "GET / HTTP/1.1", NULL));
	assert_int_equal(ENODATA, parse(&r, "GET / HTTP/1.1\r\nA: b\r\n",
					NULL));
}


static void test_hreq_bad(void **state)
{
	static const char *bad[] = {
		"GET  / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1 \r\n\r\n",
		"GET / HTTP/11\r\n\r\n",
		"GET / HTTP/1.1x\r\n\r\n",
		"GET /\r\n\r\n",
		"GET ?a HTTP/1.1\r\n\r\n",
		" GET / HTTP/1.1\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET /a\rb HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nA\r\n\r\n",
		"GET / HTTP/1.1\r\n: b\r\n\r\n",
		"GET / HTTP/1.1\r\nA b: c\r\n\r\n",
		"GET / HTTP/1.1\r\nA : c\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
	};
	struct hreq r;
	size_t i, u;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(EBADMSG, hreq_parse(&r, (const uint8_t *)
						     bad[i], strlen(bad[i]),
						     &u));
	}

	/* a NUL in the method or version is no HTTP */
	assert_int_equal(EBADMSG, hreq_parse(&r, (const uint8_t *)
					     "G\0T / HTTP/1.1\r\n\r\n", 20,
					     &u));
	assert_int_equal(EBADMSG, hreq_parse(&r, (const uint8_t *)
					     "GET / HTTP/1\0\r\n\r\n", 20,
					     &u));
}


static void test_hreq_nul(void **state)
{
	static const char s[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
	static const char t[] = "GET /a\0\x01b HTTP/1.1\r\n\r\n";
	struct hreq r;
	size_t u;
	(void)state;

	/* answered 400 by request.c rather than dropped */
	assert_int_equal(0, hreq_parse(&r, (const uint8_t *)s, sizeof(s) - 1,
				       &u));
	assert_true(r.nul);
	assert_int_equal(sizeof(s) - 1, u);

	assert_int_equal(0, hreq_parse(&r, (const uint8_t *)t, sizeof(t) - 1,
				       &u));
	assert_false(r.nul);
	assert_int_equal(4, r.path.l);
	assert_int_equal(sizeof(t) - 1, u);
}


static void test_hreq_agrees(void **state)
{
	(void)state;

	agrees_with_libre("GET /fcgi/OpenDoor?action=OpenDoor&DoorNum=1"
			  " HTTP/1.1\r\nHost: x\r\n\r\n");
	agrees_with_libre("GET /api/relay/status HTTP/1.1\r\nHost: x\r\n"
			  "Authorization: Digest username=\"a\", realm=\"r\","
			  " nonce=\"n\", uri=\"/x\"\r\n"
			  "Connection: close\r\n\r\n");
	agrees_with_libre("\r\nGET /x?? HTTP/1.0\r\n"
			  "Content-Length: 3\r\n\r\nabc");
	agrees_with_libre("POST /x HTTP/1.1\nTransfer-Encoding: chunked\n"
			  "\n");
	agrees_with_libre("GET / HTTP/1.1\r\nAuthorization: one\r\n"
			  "Authorization: two\r\n\r\n");
	agrees_with_libre("POST /api/codes HTTP/1.1\r\nHost: x\r\n"
			  "Content-Type: application/json\r\n"
			  "Expect: 100-continue\r\n"
			  "Content-Length: 2\r\n\r\n{}");
	agrees_with_libre("POST /api/codes HTTP/1.1\r\n"
			  "content-type: text/plain\r\n"
			  "EXPECT: 100-CONTINUE\r\n"
			  "Content-Type: application/json\r\n\r\n");
	/* lists: the fuzz target found ", 100-continue" read apart */
	agrees_with_libre("POST /api/codes HTTP/1.1\r\n"
			  "Expect:, 100-continue\r\n"
			  "Content-Length: 2\r\n\r\n{}");
	agrees_with_libre("POST /api/codes HTTP/1.1\r\n"
			  "Expect: \"x,100-continue\" ,\r\n"
			  "Connection: keep-alive,,\"close,\"\r\n\r\n");
	agrees_with_libre("GET / HTTP/1.1\r\n"
			  "Connection: x , close\t,\r\n\r\n");
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hreq_ok),
		cmocka_unit_test(test_hreq_body_fields),
		cmocka_unit_test(test_hreq_incomplete),
		cmocka_unit_test(test_hreq_bad),
		cmocka_unit_test(test_hreq_nul),
		cmocka_unit_test(test_hreq_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
