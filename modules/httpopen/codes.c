/**
 * @file codes.c  /api/codes: visitor codes added, listed and removed
 * through the relay module's relay_code_* commands
 *
 * request.c has checked the address, the lock-out and the credentials by
 * the time these run. A body is parsed and checked word by word
 * (codebody.c) before any command line is made. The code itself goes
 * only to relay_code_add: never into an answer, a log line or the audit
 * record, not even inside an error the relay module prints.
 */
#include <string.h>
#include <strings.h>
#include "httpopen.h"


static void set(struct codes_out *o, uint16_t scode, const char *error)
{
	o->scode = scode;
	o->error = error;
}


/* The command's one-line error, without "relay: ", for the client */
static void relay_message(struct codes_out *o, const struct mbuf *out,
			  const char *code)
{
	const char *p = out ? (const char *)out->buf : NULL;
	size_t len = out ? out->end : 0, i, n = 0;

	if (len >= 7 && !memcmp(p, "relay: ", 7)) {
		p += 7;
		len -= 7;
	}

	for (i = 0; i < len && n + 1 < sizeof(o->msg); i++) {
		char c = p[i];

		if (c == '\n' || c == '\r')
			break;
		o->msg[n++] = (c < 0x20 || c == 0x7f) ? ' ' : c;
	}
	while (n && o->msg[n - 1] == ' ')
		--n;
	o->msg[n] = '\0';

	/* a message that would show the code, or none at all */
	if (!n || (code && *code && strstr(o->msg, code)))
		str_ncpy(o->msg, "the relay module refused the code",
			 sizeof(o->msg));
}


/* application/json, with parameters or none */
static bool json_type(const struct hreq *hr)
{
	struct pl v = hr->ctype;

	if (!v.p || v.l < 16 || strncasecmp(v.p, "application/json", 16))
		return false;
	pl_advance(&v, 16);
	while (v.l && (v.p[0] == ' ' || v.p[0] == '\t'))
		pl_advance(&v, 1);

	return !v.l || v.p[0] == ';';
}


/** POST /api/codes: 201 and the new id */
void codes_add(struct codes_out *o, struct mbuf *ans,
	       const struct hreq *hr, const struct pl *body,
	       const char *who)
{
	struct codereq cr;
	struct mbuf *out = NULL;
	char why[128];
	struct pl id;
	int err;

	o->action = "code_add";

	if (hr->clen > CODES_BODY_MAX) {
		set(o, 413, "body over 1024 bytes");
		return;
	}
	if (!json_type(hr)) {
		set(o, 415, "Content-Type must be application/json");
		return;
	}
	if (!body->l) {
		set(o, 400, "a JSON object is expected in the body");
		return;
	}

	if (codereq_parse(&cr, body, why, sizeof(why))) {
		str_ncpy(o->msg, why, sizeof(o->msg));
		set(o, 400, o->msg);
		return;
	}
	str_ncpy(o->relay, cr.relays, sizeof(o->relay));

	if (!door_cmd_exists("relay_code_add")) {
		set(o, 503, "relay module not loaded");
		goto out;
	}

	out = mbuf_alloc(256);
	if (!out) {
		set(o, 500, "out of memory");
		goto out;
	}

	err = door_cmd_run(out, "relay_code_add %H via=http who=%s",
			   codereq_print, &cr, who);
	switch (err) {

	case 0:
		if (re_regex((const char *)out->buf, out->end,
			     "code [0-9]+ added", &id)) {
			set(o, 500, "relay_code_add gave no id");
			break;
		}
		o->id = pl_u32(&id);
		set(o, 201, NULL);
		(void)mbuf_printf(ans, "\"id\":%u", o->id);
		break;

	case ENOTSUP:
		set(o, 503, "relay module not loaded");
		break;

	case EINVAL:
	case ENOENT:
	case EEXIST:
	case ENOSPC:
		relay_message(o, out, cr.code);
		set(o, 400, o->msg);
		break;

	default:
		relay_message(o, out, cr.code);
		set(o, 500, o->msg);
		break;
	}

 out:
	mem_deref(out);
	memset(&cr, 0, sizeof(cr));
}


/** GET /api/codes: relay_code_list's object, passed on */
void codes_list(struct codes_out *o, struct mbuf *ans)
{
	int err;

	o->action = "code_list";

	if (!door_cmd_exists("relay_code_list")) {
		set(o, 503, "relay module not loaded");
		return;
	}

	err = reply_members(ans, "relay_code_list json");
	if (err)
		set(o, 500, "code list unavailable");
	else
		set(o, 200, NULL);
}


/** DELETE /api/codes/<id> */
void codes_del(struct codes_out *o, struct mbuf *ans, const struct pl *idp,
	       const char *who)
{
	struct mbuf *out;
	int err;

	o->action = "code_del";

	if (codereq_id(idp, &o->id)) {
		set(o, 404, "no such code");
		return;
	}

	if (!door_cmd_exists("relay_code_del")) {
		set(o, 503, "relay module not loaded");
		return;
	}

	out = mbuf_alloc(128);
	if (!out) {
		set(o, 500, "out of memory");
		return;
	}

	err = door_cmd_run(out, "relay_code_del %u via=http who=%s", o->id,
			   who);
	switch (err) {

	case 0:
		set(o, 200, NULL);
		(void)mbuf_printf(ans, "\"id\":%u", o->id);
		break;

	case ENOENT:
		set(o, 404, "no such code");
		break;

	case ENOTSUP:
		set(o, 503, "relay module not loaded");
		break;

	default:
		relay_message(o, out, NULL);
		set(o, 500, o->msg);
		break;
	}

	mem_deref(out);
}
