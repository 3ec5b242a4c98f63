/**
 * @file reply.c  JSON answers
 *
 * Every answer closes the connection (server.c): a door opener sends one
 * request, and an idle connection is a descriptor held for nothing.
 */
#include <string.h>
#include "httpopen.h"


const char *reply_reason(uint16_t scode)
{
	switch (scode) {

	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Error";
	}
}


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


static int print_body(struct mbuf *mb, const struct reply *r)
{
	struct re_printf pf = {print_mbuf, mb};
	int err;

	if (r->error) {
		err  = mbuf_write_str(mb, "{\"success\":false,\"error\":\"");
		err |= door_json_escape(&pf, r->error);
		err |= mbuf_write_str(mb, "\"");
	}
	else {
		err = mbuf_write_str(mb, "{\"success\":true");
	}

	if (r->body && r->body->end) {
		err |= mbuf_write_str(mb, ",");
		err |= mbuf_write_mem(mb, r->body->buf, r->body->end);
	}

	err |= mbuf_write_str(mb, "}\n");

	return err;
}


int reply_send(struct hconn *conn, const struct reply *r)
{
	struct mbuf *body, *hdrs;
	struct re_printf pf;
	int err;

	if (!conn || !r)
		return EINVAL;

	body = mbuf_alloc(256);
	hdrs = mbuf_alloc(512);
	if (!body || !hdrs) {
		err = ENOMEM;
		goto out;
	}

	pf.vph = print_mbuf;
	pf.arg = hdrs;

	err = print_body(body, r);
	if (err)
		goto out;

	if (r->scode == 401 && r->auth)
		err |= hauth_challenge(&pf, r->auth, r->schemes, r->stale,
				       r->now);
	if (r->scode == 405)
		err |= mbuf_write_str(hdrs, "Allow: GET\r\n");
	if (r->scode == 429)
		err |= mbuf_printf(hdrs, "Retry-After: %u\r\n",
				   r->retry_after);
	if (err)
		goto out;

	err = hconn_reply(conn, r->scode,
			 r->reason ? r->reason : reply_reason(r->scode),
			 "Content-Type: application/json\r\n"
			 "Cache-Control: no-store\r\n"
			 "Connection: %s\r\n"
			 "%b"
			 "Content-Length: %zu\r\n"
			 "\r\n"
			 "%b",
			 r->keep ? "keep-alive" : "close",
			 hdrs->buf, hdrs->end,
			 body->end,
			 body->buf, body->end);

 out:
	mem_deref(body);
	mem_deref(hdrs);

	return err;
}
