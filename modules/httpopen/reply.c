/**
 * @file reply.c  JSON answers
 *
 * An answer closes its connection unless the request handler kept it
 * (server.c: a status answer to an authenticated client asking for
 * keep-alive); its Connection header says which. Each answer is made in
 * one buffer and sent with one write.
 */
#include <string.h>
#include "httpopen.h"


const char *reply_reason(uint16_t scode)
{
	switch (scode) {

	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
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

	if (r->members.l) {
		err |= mbuf_write_str(mb, ",");
		err |= mbuf_write_pl(mb, &r->members);
	}

	err |= mbuf_write_str(mb, "}\n");

	return err;
}


/* n in decimal, without printf: an answer is made for every request */
static int write_u(struct mbuf *mb, size_t n)
{
	char buf[24];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i);

	return mbuf_write_mem(mb, (const uint8_t *)buf + i, sizeof(buf) - i);
}


/* Status line and the headers every answer has, straight into mb */
static int print_head(struct mbuf *mb, const struct reply *r)
{
	int err;

	err  = mbuf_write_str(mb, "HTTP/1.1 ");
	err |= write_u(mb, r->scode);
	err |= mbuf_write_u8(mb, ' ');
	err |= mbuf_write_str(mb, r->reason ? r->reason :
			      reply_reason(r->scode));
	err |= mbuf_write_str(mb, "\r\nContent-Type: application/json\r\n"
			      "Cache-Control: no-store\r\n");
	err |= mbuf_write_str(mb, r->keep ? "Connection: keep-alive\r\n" :
			      "Connection: close\r\n");

	return err;
}


/**
 * Run cmd, which prints one JSON object ({"relays":[...]}), into mb
 * (emptied first) and leave there only the object's members, the text
 * between its braces, so they can join an answer's own. ENOTSUP when
 * the command is not registered, EPROTO when it printed no object.
 */
int reply_members(struct mbuf *mb, const char *cmd)
{
	struct pl pl;
	int err;

	if (!mb || !cmd)
		return EINVAL;

	mbuf_rewind(mb);
	err = door_cmd_run(mb, "%s", cmd);
	if (err)
		return err;

	pl.p = (const char *)mb->buf;
	pl.l = mb->end;
	while (pl.l && strchr(" \t\r\n", pl.p[pl.l - 1]))
		--pl.l;
	while (pl.l && strchr(" \t\r\n", pl.p[0]))
		pl_advance(&pl, 1);

	if (pl.l < 2 || pl.p[0] != '{' || pl.p[pl.l - 1] != '}')
		return EPROTO;

	memmove(mb->buf, pl.p + 1, pl.l - 2);
	mb->end = pl.l - 2;
	mb->pos = mb->end;

	return 0;
}


/* One buffer (the server's), one send: a polled status is answered often.
 * A success's body length is known beforehand; an error's is printed
 * first (its text is escaped). */
int reply_send(struct hconn *conn, const struct reply *r)
{
	static const char ok[] = "{\"success\":true";
	struct mbuf *body = NULL, *mb;
	struct re_printf pf;
	size_t blen;
	int err = 0;

	if (!conn || !r)
		return EINVAL;

	mb = hconn_txbuf(conn);
	if (!mb)
		return ENOMEM;

	if (r->error) {
		body = mbuf_alloc(256);
		err = body ? print_body(body, r) : ENOMEM;
		blen = body ? body->end : 0;
	}
	else {
		blen = sizeof(ok) - 1 + (r->members.l ? r->members.l + 1 : 0) +
			2;
	}

	pf.vph = print_mbuf;
	pf.arg = mb;

	err |= print_head(mb, r);
	if (err)
		goto out;

	if (r->scode == 401 && r->auth)
		err |= hauth_challenge(&pf, r->auth, r->schemes, r->stale,
				       r->now);
	if (r->scode == 405)
		err |= mbuf_printf(mb, "Allow: %s\r\n",
				   r->allow ? r->allow : "GET");
	if (r->scode == 429)
		err |= mbuf_printf(mb, "Retry-After: %u\r\n",
				   r->retry_after);

	err |= mbuf_write_str(mb, "Content-Length: ");
	err |= write_u(mb, blen);
	err |= mbuf_write_str(mb, "\r\n\r\n");
	if (body)
		err |= mbuf_write_mem(mb, body->buf, body->end);
	else
		err |= print_body(mb, r);
	if (err)
		goto out;

	mb->pos = 0;
	err = hconn_send(conn, mb);

 out:
	mem_deref(body);

	return err;
}
