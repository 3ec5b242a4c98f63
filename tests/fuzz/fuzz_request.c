/**
 * @file fuzz_request.c  A whole HTTP request as httpopen reads it
 *
 * httpopen's request-head reader (hreq.c, the one its listener feeds),
 * then what request.c does with the parts: the query string and the
 * Authorization header with the method and target. request.c itself
 * calls baresip's commands and cannot be linked here; its parsers are.
 *
 * Reference: libre's http_msg_decode(). On a head both accept, both read
 * the same method, target, version, Authorization value and end of head,
 * and a body libre sees, hreq sees; so are Content-Type, Expect:
 * 100-continue and a Content-Length hreq takes as a number. (Headers are compared by name: libre
 * finds them by a hash of the name.) Expect is a comma-separated list in
 * both, cut at commas outside quotes; where libre carries a quote over
 * from the header before (quote_carried) the two differ on purpose.
 */
#include "fuzz.h"
#include "../../modules/httpopen/httpopen.h"

static struct hauth *ha;


/* libre's one known slip: a double quote left open in one header's value
 * is still open at the next header's first byte, so a value that begins
 * with a comma is not cut there (",100-continue" stays one member). That
 * member, beginning with a comma, is its mark; no other can have it. */
static bool quote_carried(const struct http_msg *msg, const char *name)
{
	struct le *le;

	LIST_FOREACH(&msg->hdrl, le) {
		const struct http_hdr *hdr = le->data;

		if (!pl_strcasecmp(&hdr->name, name) && hdr->val.l &&
		    hdr->val.p[0] == ',')
			return true;
	}

	return false;
}


static void reference(const struct hreq *r, size_t used, struct mbuf *mb)
{
	const struct http_hdr *hdr;
	struct http_msg *msg = NULL;

	/* libre refuses some heads by a hash collision (a name read as
	 * Content-Type, a value that is none): those cannot compare */
	mb->pos = 0;
	if (http_msg_decode(&msg, mb, true))
		return;

	FUZZ_CHECK(!pl_cmp(&r->met, &msg->met));
	FUZZ_CHECK(!pl_cmp(&r->path, &msg->path));
	FUZZ_CHECK(r->prm.l == msg->prm.l &&
		   (!r->prm.l || !pl_cmp(&r->prm, &msg->prm)));
	FUZZ_CHECK(!pl_cmp(&r->ver, &msg->ver));
	FUZZ_CHECK(used == mb->pos);

	hdr = http_msg_xhdr(msg, "Authorization");
	FUZZ_CHECK(hdr ? r->auth.p && !pl_cmp(&r->auth, &hdr->val) :
		   !r->auth.p);

	/* by name: libre's header ids are hashes, and "CotmentnLgenth"
	 * sets its msg->clen */
	hdr = http_msg_xhdr(msg, "Content-Length");
	if ((hdr && pl_u32(&hdr->val)) ||
	    http_msg_xhdr(msg, "Transfer-Encoding"))
		FUZZ_CHECK(r->body);
	FUZZ_CHECK(hdr || r->clen == 0);
	if (hdr && r->clen != HREQ_CLEN_BAD)
		FUZZ_CHECK(r->clen == pl_u32(&hdr->val));
	if (http_msg_xhdr(msg, "Transfer-Encoding"))
		FUZZ_CHECK(r->chunked);

	hdr = http_msg_xhdr(msg, "Content-Type");
	FUZZ_CHECK(hdr ? r->ctype.p && !pl_cmp(&r->ctype, &hdr->val) :
		   !r->ctype.p);

	if (!quote_carried(msg, "Expect"))
		FUZZ_CHECK(r->expect_continue ==
			   http_msg_xhdr_has_value(msg, "Expect",
						   "100-continue"));

	mem_deref(msg);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = "another fuzz key, not a secret.";
	char user[HAUTH_USER_MAX + 1];
	struct mbuf *mb;
	uint8_t *buf;
	struct hreq r;
	struct query q;
	const char *why;
	struct pl uri;
	size_t used = 0;

	if (!ha && hauth_alloc(&ha, "door", "admin", "pw", key, sizeof(key)))
		abort();

	/* an exact copy, so reading past the end is caught; libre gets
	 * its own */
	buf = malloc(size ? size : 1);
	mb = mbuf_alloc(size + 1);
	if (!buf || !mb || mbuf_write_mem(mb, data, size))
		goto out;
	if (size)
		memcpy(buf, data, size);

	if (hreq_parse(&r, buf, size, &used))
		goto out;

	FUZZ_CHECK(used <= size);
	FUZZ_CHECK(r.path.p >= (const char *)buf &&
		   r.path.p + r.path.l <= (const char *)buf + size);

	/* a NUL is answered 400 before anything else; libre keeps the
	 * header it is in, so only whole requests without one compare */
	if (!r.nul)
		reference(&r, used, mb);

	(void)query_parse(&q, &r.prm, &why);

	uri.p = r.path.p;
	uri.l = r.path.l + r.prm.l;
	(void)hauth_check(ha, r.auth.p ? &r.auth : NULL,
			  HAUTH_BASIC | HAUTH_DIGEST, &r.met, &uri, 1,
			  user, sizeof(user));

 out:
	free(buf);
	mem_deref(mb);
	return 0;
}
