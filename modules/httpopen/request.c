/**
 * @file request.c  One HTTP request: checks in order, then the relay
 *
 * The checks run cheapest and least revealing first: a client outside
 * the allowlist or locked out learns nothing about paths or parameters.
 * The door is opened only through the relay module's commands.
 */
#include <string.h>
#include <time.h>
#include "httpopen.h"

enum {
	HDR_COUNT_MAX = 32,
	HDR_BYTES_MAX = 8192,
	TARGET_MAX = 2048,
};

enum endpoint {
	EP_OPENDOOR = 0,
	EP_DO,
	EP_STATUS,
	EP_CTRL,
	EP_CODES,
	EP_CODE,
	EP_NONE,
};

static const char *endpoint_path[] = {
	"/fcgi/OpenDoor",
	"/fcgi/do",
	"/api/relay/status",
	"/api/relay/ctrl",
	"/api/codes",
};

static const char code_prefix[] = "/api/codes/";

/* What a refusal was, for the audit record's result: the status code
 * alone does not say (a 401 asks for credentials or refuses them, a 403
 * is about the address or the request's form). Only ok, denied and
 * locked are access decisions. */
enum refusal {
	REF_ERROR = 0,     /* the door's fault: 5xx */
	REF_INVALID,       /* the request itself could not be taken */
	REF_DENIED,        /* who or where the client is, an interlock */
	REF_CHALLENGE,     /* credentials asked for: nothing decided */
	REF_LOCKED,        /* locked out after failed logins */
};

static const char *refusal_name[] = {
	"error", "invalid", "denied", "challenge", "locked",
};

/* What one request was, for the answer and the audit record */
struct req {
	struct httpopen *ho;
	struct hconn *conn;
	struct reply rep;
	struct mbuf body;         /* JSON members the handler adds */
	char addr[64];
	char user[HAUTH_USER_MAX];
	char who[HAUTH_USER_MAX + 72];
	char relay[64];
	char refused[64];         /* an interlock's reason, for a 409 */
	const char *action;
	struct codes_out codes;
	uint64_t now_ms;          /* monotonic, at the request's start */
	enum refusal refusal;     /* when rep.scode is 300 or more */
	bool audit;
	bool authed;              /* credentials checked and right */
	bool status;              /* a status request, nothing switched */
	bool relayed;             /* the relay module decided, and audited */
};


/* libre 1.1.0's tmr_jiffies() follows the wall clock; nonce ages and
 * lock-outs must not jump when the clock is set */
uint64_t httpopen_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}


static void refuse(struct req *rq, uint16_t scode, enum refusal refusal,
		   const char *error)
{
	rq->rep.scode = scode;
	rq->rep.error = error;
	rq->refusal = refusal;
}


static enum endpoint endpoint_find(const struct pl *path)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(endpoint_path); i++) {
		if (path->l == strlen(endpoint_path[i]) &&
		    !memcmp(path->p, endpoint_path[i], path->l))
			return (enum endpoint)i;
	}

	if (path->l > sizeof(code_prefix) - 1 &&
	    !memcmp(path->p, code_prefix, sizeof(code_prefix) - 1))
		return EP_CODE;

	return EP_NONE;
}


static bool pl_has_ctl(const struct pl *pl)
{
	size_t i;

	for (i = 0; i < pl->l; i++) {
		unsigned char c = (unsigned char)pl->p[i];

		if (c < 0x20 || c == 0x7f)
			return true;
	}

	return false;
}


/* Limits on the request's size; no request body but where body_ok
 * (POST /api/codes: a Content-Length, codes.c checks the rest) */
static bool check_size(struct req *rq, const struct hreq *hr, bool body_ok)
{
	if (hr->path.l + hr->prm.l > TARGET_MAX) {
		refuse(rq, 414, REF_INVALID, "request target too long");
		return false;
	}

	if (hr->nul) {
		refuse(rq, 400, REF_INVALID, "NUL byte in a header");
		return false;
	}

	if (hr->nhdr > HDR_COUNT_MAX || hr->hdr_bytes > HDR_BYTES_MAX) {
		refuse(rq, 431, REF_INVALID, "too many or too large headers");
		return false;
	}

	if (body_ok && hr->chunked) {
		refuse(rq, 411, REF_INVALID,
		       "send the body with a Content-Length");
		return false;
	}

	if (body_ok && hr->clen == HREQ_CLEN_BAD) {
		refuse(rq, 400, REF_INVALID, "bad Content-Length");
		return false;
	}

	if (!body_ok && hr->body) {
		refuse(rq, 413, REF_INVALID, "request body not accepted");
		return false;
	}

	if (pl_has_ctl(&hr->path) || pl_has_ctl(&hr->prm)) {
		refuse(rq, 400, REF_INVALID,
		       "NUL or control character in the request");
		return false;
	}

	return true;
}


static void set_who(struct req *rq, const char *user)
{
	(void)re_snprintf(rq->who, sizeof(rq->who), "%s@%s",
			  user && *user ? user : "-", rq->addr);
}


static void count_failure(struct req *rq, const struct sa *peer)
{
	struct httpopen *ho = rq->ho;

	if (lockout_fail(ho->lockout, peer, httpopen_now_ms())) {
		info("httpopen: %s locked out for %u s after %u failed"
		     " logins\n", rq->addr, ho->cfg.lockout_ms / 1000,
		     ho->cfg.max_fail);
	}
}


/* True when the request may go on; otherwise the refusal is set */
static bool authenticate(struct req *rq, const struct hreq *hr,
			 const struct query *q, enum endpoint ep,
			 const struct sa *peer)
{
	struct httpopen *ho = rq->ho;
	const struct pl *hval = hr->auth.p ? &hr->auth : NULL;
	const char *quser = query_get(q, "UserName");
	const char *qpass = query_get(q, "Password");
	unsigned schemes = ho->cfg.schemes;
	enum hauth_result res;
	struct pl uri;

	/* the request's form, not who sent it: no credential was read */
	if ((quser || qpass) && ho->cfg.secure) {
		refuse(rq, 403, REF_INVALID, "credentials in the query string"
		       " are refused in secure mode");
		return false;
	}

	if (!ho->auth) {
		str_ncpy(rq->user, "anonymous", sizeof(rq->user));
		return true;
	}

	if (ep == EP_DO && !hval && (quser || qpass)) {
		hauth_sanitize(rq->user, sizeof(rq->user), quser,
			       str_len(quser));
		res = hauth_check_plain(ho->auth, quser, qpass);
	}
	else if (hval && hconn_auth_known(rq->conn, hval, rq->user,
					  sizeof(rq->user))) {
		res = HAUTH_OK;
	}
	else {
		uri.p = hr->path.p;
		uri.l = hr->path.l + hr->prm.l;
		res = hauth_check(ho->auth, hval, schemes,
				  &hr->met, &uri, rq->rep.now,
				  rq->user, sizeof(rq->user));
		if (res == HAUTH_OK && hval)
			hconn_auth_remember(rq->conn, hval, rq->user);
	}

	switch (res) {

	case HAUTH_OK:
		lockout_success(ho->lockout, peer);
		rq->authed = true;
		return true;

	case HAUTH_STALE:
		rq->rep.stale = true;
		refuse(rq, 401, REF_CHALLENGE, "nonce expired");
		break;

	case HAUTH_NONE:
		refuse(rq, 401, REF_CHALLENGE, "authentication required");
		break;

	case HAUTH_FAIL:
	default:
		count_failure(rq, peer);
		refuse(rq, 401, REF_DENIED, "wrong credentials");
		break;
	}

	rq->rep.auth = ho->auth;
	rq->rep.schemes = schemes;
	return false;
}


static void relay_error(struct req *rq, int err)
{
	switch (err) {

	case ENOENT:
		refuse(rq, 404, REF_INVALID, "no such door");
		break;

	case ENOTSUP:
		refuse(rq, 503, REF_ERROR, "relay module not loaded");
		break;

	case ENODEV:
		refuse(rq, 503, REF_ERROR, "door relay unavailable");
		break;

	default:
		refuse(rq, 500, REF_ERROR, "relay command failed");
		break;
	}
}


static void door_open(struct req *rq, const char *cmd, uint32_t n)
{
	struct mbuf *out;
	int err;

	if (!door_cmd_exists(cmd)) {
		refuse(rq, 503, REF_ERROR, "relay module not loaded");
		return;
	}

	out = mbuf_alloc(128);
	if (!out) {
		refuse(rq, 500, REF_ERROR, "out of memory");
		return;
	}

	err = door_cmd_run(out, "%s %u via=http who=%s", cmd, n, rq->who);
	if (err == EBUSY) {
		/* an interlock: 409 with the relay's own reason */
		refuse(rq, 409, REF_DENIED,
		       door_cmd_refusal(out, rq->refused,
					sizeof(rq->refused)) ?
		       "refused" : rq->refused);
	}
	else if (err)
		relay_error(rq, err);
	mem_deref(out);

	/* granted or refused by an interlock, the relay module decided and
	 * wrote its own record of it */
	rq->relayed = !err || err == EBUSY;
	if (err)
		return;

	rq->rep.scode = 200;
	(void)mbuf_printf(&rq->body, "\"door\":%u", n);
}


static void handle_open(struct req *rq, const struct query *q)
{
	const char *action = query_get(q, "action");
	const char *why = NULL;
	uint32_t n;
	int err;

	rq->action = "open";

	if (!action || str_casecmp(action, "OpenDoor")) {
		refuse(rq, 400, REF_INVALID, action ?
		       "action must be OpenDoor" : "missing parameter action");
		return;
	}

	err = query_index(q, "DoorNum", &n, &why);
	if (err) {
		refuse(rq, 400, REF_INVALID, err == ENOENT ?
		       "missing parameter DoorNum" : why);
		return;
	}

	(void)re_snprintf(rq->relay, sizeof(rq->relay), "%u", n);
	door_open(rq, "relay_open", n);
}


static void handle_ctrl(struct req *rq, const struct query *q)
{
	const char *action = query_get(q, "action");
	const char *why = NULL, *cmd;
	uint32_t n;
	int err;

	rq->action = "ctrl";

	err = query_index(q, "relay", &n, &why);
	if (err) {
		refuse(rq, 400, REF_INVALID, err == ENOENT ?
		       "missing parameter relay" : why);
		return;
	}
	(void)re_snprintf(rq->relay, sizeof(rq->relay), "%u", n);

	if (!action) {
		refuse(rq, 400, REF_INVALID, "missing parameter action");
		return;
	}

	if (!str_casecmp(action, "on")) {
		rq->action = "on";
		cmd = "relay_on";
	}
	else if (!str_casecmp(action, "off")) {
		rq->action = "close";
		cmd = "relay_close";
	}
	else if (!str_casecmp(action, "trigger")) {
		rq->action = "open";
		cmd = "relay_open";
	}
	else {
		refuse(rq, 400, REF_INVALID,
		       "action must be on, off or trigger");
		return;
	}

	door_open(rq, cmd, n);
	if (rq->rep.scode == 200) {
		mbuf_rewind(&rq->body);
		(void)mbuf_printf(&rq->body, "\"relay\":%u,\"action\":\"%s\"",
				  n, action);
	}
}


/* relay_status prints {"relays":[...]}: its members join ours (kept
 * between requests by status.c) */
static void handle_status(struct req *rq)
{
	struct pl members;
	int err;

	rq->action = "status";
	rq->audit = false;   /* reading state is not an access decision */

	err = status_cache_get(rq->ho->status, &members, rq->now_ms);
	if (err == ENOTSUP) {
		refuse(rq, 503, REF_ERROR, "relay module not loaded");
		rq->audit = true;
	}
	else if (err) {
		refuse(rq, 500, REF_ERROR, "relay status unavailable");
		rq->audit = true;
	}
	else {
		/* sent before the cache can change */
		rq->rep.scode = 200;
		rq->rep.members = members;
	}
}


/* The visitor codes: codes.c answers into rq->codes */
static void handle_codes(struct req *rq, const struct hreq *hr,
			 enum endpoint ep)
{
	struct codes_out *o = &rq->codes;
	struct pl body, id;

	if (ep == EP_CODE) {
		id.p = hr->path.p + sizeof(code_prefix) - 1;
		id.l = hr->path.l - (sizeof(code_prefix) - 1);
		codes_del(o, &rq->body, &id, rq->who);
	}
	else if (!pl_strcmp(&hr->met, "POST")) {
		hconn_body(rq->conn, &body);
		codes_add(o, &rq->body, hr, &body, rq->who);
		str_ncpy(rq->relay, o->relay, sizeof(rq->relay));
	}
	else {
		codes_list(o, &rq->body);
	}

	/* the body, the code or its id could not be taken, or the relay
	 * module failed: the credentials were right, nothing is denied */
	rq->action = o->action;
	refuse(rq, o->scode, o->scode >= 500 ? REF_ERROR : REF_INVALID,
	       o->error);
}


/* The methods a path takes, for its 405 */
static const char *methods(enum endpoint ep)
{
	switch (ep) {

	case EP_CODES: return "GET, POST";
	case EP_CODE:  return "DELETE";
	default:       return "GET";
	}
}


static bool method_ok(enum endpoint ep, const struct pl *met)
{
	switch (ep) {

	case EP_CODES:
		return !pl_strcmp(met, "GET") || !pl_strcmp(met, "POST");

	case EP_CODE:
		return !pl_strcmp(met, "DELETE");

	default:
		return !pl_strcmp(met, "GET");
	}
}


static void handle(struct req *rq, const struct hreq *hr,
		   const struct sa *peer)
{
	struct httpopen *ho = rq->ho;
	struct query q;
	enum endpoint ep;
	uint32_t remain;
	const char *why = NULL;

	/* the endpoint names every refusal's action (a path looked up: the
	 * client learns nothing from it) */
	ep = endpoint_find(&hr->path);
	if (ep != EP_NONE)
		rq->action = ep == EP_STATUS ? "status" : ep == EP_CTRL ?
			"ctrl" : ep == EP_CODES || ep == EP_CODE ? "codes" :
			"open";

	if (!netlist_isempty(ho->allow) && !netlist_match(ho->allow, peer)) {
		refuse(rq, 403, REF_DENIED, "address not allowed");
		return;
	}

	if (lockout_locked(ho->lockout, peer, rq->now_ms, &remain)) {
		refuse(rq, 429, REF_LOCKED, "locked out after failed logins");
		rq->rep.retry_after = (remain + 999) / 1000;
		return;
	}

	if (!check_size(rq, hr, ep == EP_CODES &&
			!pl_strcmp(&hr->met, "POST")))
		return;

	if (ep == EP_NONE) {
		refuse(rq, 404, REF_INVALID, "no such endpoint");
		return;
	}

	if (!method_ok(ep, &hr->met)) {
		rq->rep.allow = methods(ep);
		refuse(rq, 405, REF_INVALID, ep == EP_CODES ? "only GET and"
		       " POST are allowed" : ep == EP_CODE ?
		       "only DELETE is allowed" : "only GET is allowed");
		return;
	}

	if (query_parse(&q, &hr->prm, &why)) {
		refuse(rq, 400, REF_INVALID, why);
		return;
	}

	if (!authenticate(rq, hr, &q, ep, peer))
		return;

	if (ep != EP_STATUS)
		set_who(rq, rq->user);

	switch (ep) {

	case EP_OPENDOOR:
	case EP_DO:
		handle_open(rq, &q);
		break;

	case EP_CTRL:
		handle_ctrl(rq, &q);
		break;

	case EP_CODES:
	case EP_CODE:
		handle_codes(rq, hr, ep);
		break;

	case EP_STATUS:
	default:
		rq->status = true;
		handle_status(rq);
		break;
	}
}


static const char *audit_result(const struct req *rq)
{
	return rq->rep.scode < 300 ? "ok" : refusal_name[rq->refusal];
}


static void audit(const struct req *rq)
{
	struct audit_rec rec;
	char detail[96], key[192];

	if (rq->rep.error)
		(void)re_snprintf(detail, sizeof(detail), "%u %s",
				  rq->rep.scode, rq->rep.error);
	else if (rq->codes.id)
		(void)re_snprintf(detail, sizeof(detail), "%u id %u",
				  rq->rep.scode, rq->codes.id);
	else
		(void)re_snprintf(detail, sizeof(detail), "%u", rq->rep.scode);

	memset(&rec, 0, sizeof(rec));
	rec.module = "httpopen";
	rec.action = rq->action;
	rec.relay  = rq->relay;
	rec.source = "http";
	rec.who    = rq->who;
	rec.result = audit_result(rq);
	rec.detail = detail;
	rec.decided_by = rq->relayed ? "relay" : NULL;

	if (rq->rep.scode < 300) {
		(void)audit_write(&rec);
		return;
	}

	/* a refusal: the first of its kind from an address is written, a
	 * flood of them is summarised (per action, so a summary's action
	 * is each one's) */
	(void)re_snprintf(key, sizeof(key), "%s %s %s", rq->addr,
			  rq->action, detail);
	(void)audit_refusal(rq->ho->alim, key, &rec);
}


void request_handler(struct hconn *conn, const struct hreq *hr,
		     void *arg)
{
	const struct sa *peer = hconn_peer(conn);
	struct req rq;

	memset(&rq, 0, sizeof(rq));
	rq.ho = arg;
	rq.conn = conn;
	rq.action = "request";
	rq.audit = true;
	refuse(&rq, 500, REF_ERROR, "internal error");
	rq.now_ms = httpopen_now_ms();
	rq.rep.now = rq.now_ms / 1000;

	str_ncpy(rq.addr, hconn_addr(conn), sizeof(rq.addr));

	mbuf_init(&rq.body);
	handle(&rq, hr, peer);

	/* the claimed name, when authentication did not get that far (a
	 * status answer names nobody) */
	if (!rq.who[0] && (rq.audit || rq.rep.scode >= 300))
		set_who(&rq, rq.user);

	if (rq.rep.scode < 300) {
		rq.rep.error = NULL;
		if (!rq.rep.members.p && rq.body.end) {
			rq.rep.members.p = (const char *)rq.body.buf;
			rq.rep.members.l = rq.body.end;
		}
	}
	else {
		rq.rep.members = pl_null;
	}

	/* an API client polling the status may keep its connection; one
	 * that opened a door, failed or sent no credentials may not */
	if (rq.rep.scode == 200 && rq.status && rq.authed)
		rq.rep.keep = hconn_keep(conn, rq.now_ms);

	if (rq.rep.scode < 300 && rq.audit && rq.codes.id)
		info("httpopen: %s id %u by %s\n", rq.action, rq.codes.id,
		     rq.who);
	else if (rq.rep.scode < 300 && rq.audit)
		info("httpopen: %s%s%s by %s\n", rq.action,
		     rq.relay[0] ? " " : "", rq.relay, rq.who);
	else if (rq.rep.scode >= 300)
		debug("httpopen: %s refused %u %s\n", rq.addr, rq.rep.scode,
		      rq.rep.error);

	(void)reply_send(conn, &rq.rep);
	if (rq.audit)
		audit(&rq);

	mbuf_reset(&rq.body);
}


/** A peer outside the allowlist, refused before it sent anything */
void request_refused(const struct sa *peer, bool answered, void *arg)
{
	struct req rq;

	memset(&rq, 0, sizeof(rq));
	rq.ho = arg;
	rq.action = "request";
	hconn_addr_print(rq.addr, sizeof(rq.addr), peer);
	set_who(&rq, NULL);
	refuse(&rq, 403, REF_DENIED, answered ? "address not allowed" :
	       "address not allowed (closed unanswered)");

	debug("httpopen: %s refused: %s\n", rq.addr, rq.rep.error);
	audit(&rq);
}
