/**
 * @file fuzz_request.c  A whole HTTP request as httpopen reads it
 *
 * libre's HTTP parser (the one httpopen's listener feeds), then what
 * request.c does with its parts: the query string and the Authorization
 * header with the method and target. request.c itself calls baresip's
 * commands and cannot be linked here; its parsers are.
 */
#include "fuzz.h"
#include "../../modules/httpopen/httpopen.h"

static struct hauth *ha;


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[32] = "another fuzz key, not a secret.";
	char user[HAUTH_USER_MAX + 1];
	const struct http_hdr *hdr;
	struct http_msg *msg = NULL;
	struct mbuf *mb;
	struct query q;
	const char *why;
	struct pl uri;

	if (!ha && hauth_alloc(&ha, "door", "admin", "pw", key, sizeof(key)))
		abort();

	/* the message keeps a reference to the buffer it was read from */
	mb = mbuf_alloc(size + 1);
	if (!mb || mbuf_write_mem(mb, data, size)) {
		mem_deref(mb);
		return 0;
	}
	mb->pos = 0;

	if (http_msg_decode(&msg, mb, true)) {
		mem_deref(mb);
		return 0;
	}

	FUZZ_CHECK(mb->pos <= size);
	FUZZ_CHECK(msg->path.p >= (const char *)mb->buf &&
		   msg->path.p + msg->path.l <= (const char *)mb->buf + size);

	(void)query_parse(&q, &msg->prm, &why);

	uri.p = msg->path.p;
	uri.l = msg->path.l + msg->prm.l;
	hdr = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	(void)hauth_check(ha, hdr ? &hdr->val : NULL,
			  HAUTH_BASIC | HAUTH_DIGEST, &msg->met, &uri, 1,
			  user, sizeof(user));

	mem_deref(msg);
	mem_deref(mb);
	return 0;
}
