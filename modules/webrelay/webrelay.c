/**
 * @file webrelay.c  Web relays and event action URLs over HTTP
 *
 * A web relay is a relay box with its own web server, driven by GET
 * requests such as http://relay/state.xml?relayState=2. This module sends
 * them on command, on "unlock" during a call with the peer a relay is bound
 * to, and for the door events on baresip's bus. The requests run
 * in libcurl's multi interface inside baresip's loop (http.c): SIP and
 * media never wait for a relay.
 */
#include <string.h>
#include <curl/curl.h>
#include "webrelay.h"

/* What one request is for; the HTTP client holds it until the result */
struct fire {
	struct webrelay *wr;       /* NULL for an event URL */
	unsigned m;
	enum webevent_id ev;
	char *relay;
	char *source;
	char *who;
	char *label;               /* for the log: no credentials */
};

static struct webrelay_conf cfg;
static struct webhttp *http;
static struct {
	char text[192];
	uint64_t at;
} event_last[WEBEVENT_COUNT];


static void fire_destructor(void *data)
{
	struct fire *f = data;

	mem_deref(f->wr);
	mem_deref(f->relay);
	mem_deref(f->source);
	mem_deref(f->who);
	mem_deref(f->label);
}


static int result_print(struct re_printf *pf,
			const struct webhttp_result *res)
{
	if (res->ok)
		return re_hprintf(pf, "HTTP %ld in %llu ms", res->status,
				  (unsigned long long)res->msec);

	return re_hprintf(pf, "failed: %s after %llu ms (%u attempt%s)",
			  res->error, (unsigned long long)res->msec,
			  res->attempts, res->attempts == 1 ? "" : "s");
}


static void fire_done(const struct webhttp_result *res, void *arg)
{
	struct fire *f = arg;
	char text[192], detail[320];
	struct audit_rec rec;

	(void)re_snprintf(text, sizeof(text), "%H", result_print, res);

	if (res->ok)
		info("webrelay: %s: %s\n", f->label, text);
	else
		warning("webrelay: %s: %s\n", f->label, text);

	if (f->wr) {
		str_ncpy(f->wr->last, text, sizeof(f->wr->last));
		f->wr->last_at = tmr_jiffies();
	}
	else if (f->ev < WEBEVENT_COUNT) {
		str_ncpy(event_last[f->ev].text, text,
			 sizeof(event_last[f->ev].text));
		event_last[f->ev].at = tmr_jiffies();
	}

	(void)re_snprintf(detail, sizeof(detail), "%s: %s", f->label, text);

	memset(&rec, 0, sizeof(rec));
	rec.module = "webrelay";
	rec.action = f->wr ? "web_relay" : "action_url";
	rec.relay  = f->relay;
	rec.source = f->source;
	rec.who    = f->who;
	rec.result = res->ok ? "ok" : "error";
	rec.detail = detail;
	(void)audit_write(&rec);
}


static int fire_send(struct fire *f, const char *url, const char *user,
		     const char *pass, struct re_printf *pf)
{
	int err;

	err = webhttp_get(http, url, user, pass, f->label, fire_done, f);
	if (err == EBUSY) {
		warning("webrelay: %s: not sent, too many requests in"
			" flight\n", f->label);
		(void)re_hprintf(pf, "%s: not sent, too many requests in"
				 " flight\n", f->label);
		return err;
	}
	if (err) {
		warning("webrelay: %s: cannot send (%m)\n", f->label, err);
		(void)re_hprintf(pf, "%s: cannot send (%m)\n", f->label, err);
		return err;
	}

	debug("webrelay: %s: sent\n", f->label);
	return re_hprintf(pf, "%s: sent\n", f->label);
}


static int relay_fire(struct webrelay *wr, unsigned m, const char *source,
		      const char *who, struct re_printf *pf)
{
	const char *url = wr->url[m - 1];
	struct fire *f;
	int err;

	f = mem_zalloc(sizeof(*f), fire_destructor);
	if (!f)
		return ENOMEM;

	f->wr = mem_ref(wr);
	f->m = m;
	f->ev = WEBEVENT_COUNT;
	err  = re_sdprintf(&f->relay, "webrelay%u", wr->n);
	err |= str_dup(&f->source, source);
	err |= str_dup(&f->who, who ? who : "");
	err |= re_sdprintf(&f->label, "webrelay %u action %u %H", wr->n, m,
			   weburl_redact, url);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	/* configured credentials go only to the configured host */
	err = fire_send(f, url, wr->relative[m - 1] ? wr->user : NULL,
			wr->relative[m - 1] ? wr->pass : NULL, pf);

 out:
	mem_deref(f);
	return err;
}


static int event_fire(enum webevent_id id, const struct webevent_vars *v,
		      struct re_printf *pf)
{
	const char *why = "malformed";
	struct fire *f;
	char *url = NULL;
	int err;

	err = webevent_subst(&url, cfg.on[id], v);
	if (err)
		return err;

	if (weburl_check(url, &why)) {
		warning("webrelay: event %s: URL with values filled in"
			" is not valid (%s)\n", webevent_name(id), why);
		(void)re_hprintf(pf, "event %s: URL with values filled in"
				 " is not valid (%s)\n", webevent_name(id),
				 why);
		mem_deref(url);
		return EINVAL;
	}

	f = mem_zalloc(sizeof(*f), fire_destructor);
	if (!f) {
		mem_deref(url);
		return ENOMEM;
	}

	f->ev = id;
	err  = str_dup(&f->relay, v->relay ? v->relay :
		       v->input ? v->input : "");
	err |= str_dup(&f->source, v->source ? v->source : "");
	err |= str_dup(&f->who, v->peer ? v->peer : "");
	err |= re_sdprintf(&f->label, "event %s %H", webevent_name(id),
			   weburl_redact, url);
	if (!err)
		err = fire_send(f, url, NULL, NULL, pf);

	mem_deref(f);
	mem_deref(url);
	return err;
}


/* Commands */

/* Up to max words separated by spaces, nothing else */
static int words_parse(const char *prm, struct pl *numv, size_t max,
			 size_t *count)
{
	struct pl rest, tok;
	size_t n = 0;

	pl_set_str(&rest, prm ? prm : "");

	while (!re_regex(rest.p, rest.l, "[^ ]+", &tok)) {
		if (n == max)
			return EINVAL;
		numv[n++] = tok;
		pl_advance(&rest, (size_t)(tok.p + tok.l - rest.p));
	}

	*count = n;
	return 0;
}


static int cmd_fire(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	struct webrelay *wr;
	struct pl numv[2];
	uint32_t n = 0, m = 0;
	size_t count = 0;

	if (words_parse(carg->prm, numv, ARRAY_SIZE(numv), &count) ||
	    count < 1 ||
	    door_parse_u32(&numv[0], 1, WEBRELAY_MAX, &n) ||
	    (count == 2 &&
	     door_parse_u32(&numv[1], 1, WEBRELAY_ACTIONS, &m))) {
		(void)re_hprintf(pf, "usage: webrelay_fire <1-%u> [<1-%u>]\n",
				 WEBRELAY_MAX, WEBRELAY_ACTIONS);
		return EINVAL;
	}

	wr = webrelay_find(&cfg, n);
	if (!wr) {
		(void)re_hprintf(pf, "webrelay %u is not configured\n", n);
		return ENOENT;
	}

	if (!m)
		m = (uint32_t)webrelay_first_action(wr);

	if (!wr->url[m - 1]) {
		(void)re_hprintf(pf, "webrelay %u has no action %u\n", n, m);
		return ENOENT;
	}

	return relay_fire(wr, m, "command", NULL, pf);
}


static int cmd_unlock(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	const char *peer = carg->prm;
	unsigned fired = 0;
	struct le *le;
	int err = 0;

	if (!str_isset(peer) || strlen(peer) > 512) {
		(void)re_hprintf(pf, "usage: webrelay_unlock <peer uri>\n");
		return EINVAL;
	}

	LIST_FOREACH(&cfg.relays, le) {
		struct webrelay *wr = le->data;

		if (!webpeer_match(wr->peer, peer))
			continue;

		info("webrelay: unlock for %H: webrelay %u\n",
		     door_print_safe, (void *)peer, wr->n);
		err |= relay_fire(wr, (unsigned)webrelay_first_action(wr),
				  "call", peer, pf);
		++fired;
	}

	if (!fired) {
		info("webrelay: unlock: no web relay bound to %H\n",
		     door_print_safe, (void *)peer);
		(void)re_hprintf(pf, "no web relay bound to %s\n", peer);
	}

	return err ? EIO : 0;
}


/* Fire the URL of event id with the values of query */
static int event_announce(enum webevent_id id, const char *query,
			  struct re_printf *pf)
{
	struct webevent_vars *vars = NULL;
	const char *why = "malformed";
	int err;

	err = webevent_query_decode(&vars, query, &why);
	if (err) {
		warning("webrelay: event %s: %s\n", webevent_name(id), why);
		(void)re_hprintf(pf, "event %s: %s\n", webevent_name(id), why);
		return err;
	}

	if (!cfg.on[id]) {
		debug("webrelay: event %s: no action URL\n",
		      webevent_name(id));
		(void)re_hprintf(pf, "event %s: no action URL configured\n",
				 webevent_name(id));
	}
	else {
		err = event_fire(id, vars, pf);
	}

	mem_deref(vars);
	return err;
}


static int cmd_event(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	enum webevent_id id;
	struct pl wordv[2];
	char ev[32], *q = NULL;
	size_t count = 0;
	int err;

	if (words_parse(carg->prm, wordv, ARRAY_SIZE(wordv), &count) ||
	    count < 1 || wordv[0].l >= sizeof(ev)) {
		(void)re_hprintf(pf, "usage: webrelay_event <event> <query>\n");
		return EINVAL;
	}

	(void)pl_strcpy(&wordv[0], ev, sizeof(ev));
	if (webevent_parse_name(ev, &id)) {
		warning("webrelay: webrelay_event: unknown event '%H'\n",
			door_json_escape, ev);
		(void)re_hprintf(pf, "unknown event '%H'\n", door_json_escape,
				 ev);
		return EINVAL;
	}

	if (count == 2)
		err = pl_strdup(&q, &wordv[1]);
	else
		err = str_dup(&q, "");
	if (err)
		return err;

	err = event_announce(id, q, pf);
	mem_deref(q);
	return err;
}


static int print_nothing(const char *p, size_t size, void *arg)
{
	(void)p;
	(void)size;
	(void)arg;
	return 0;
}


/* The door events of the bus whose names have an event URL */
static void bus_handler(struct ua *ua, enum door_event ev,
			struct call *call, const char *prm, void *arg)
{
	struct re_printf pf = {print_nothing, NULL};
	struct pl event, fields;
	enum webevent_id id;
	char name[32], *q = NULL;
	(void)ua;
	(void)call;
	(void)arg;

	if (ev != DOOR_EV_MODULE ||
	    door_bus_parse(prm, NULL, &event, &fields) ||
	    event.l >= sizeof(name))
		return;

	(void)pl_strcpy(&event, name, sizeof(name));
	if (webevent_parse_name(name, &id) || pl_strdup(&q, &fields))
		return;

	(void)event_announce(id, q, &pf);
	mem_deref(q);
}


static int ago_print(struct re_printf *pf, const uint64_t *at)
{
	uint64_t s = (tmr_jiffies() - *at) / 1000;

	return re_hprintf(pf, "%llu s ago", (unsigned long long)s);
}


static int cmd_list(struct re_printf *pf, void *arg)
{
	struct le *le;
	unsigned i;
	int err = 0;

	(void)arg;

	if (list_isempty(&cfg.relays))
		err |= re_hprintf(pf, "no web relays configured\n");

	LIST_FOREACH(&cfg.relays, le) {
		const struct webrelay *wr = le->data;

		err |= re_hprintf(pf, "webrelay %u: host %s, ", wr->n,
				  wr->host ? wr->host : "(none)");
		if (str_isset(wr->pass))
			err |= re_hprintf(pf, "user %s, password ***",
					  wr->user ? wr->user : "");
		else
			err |= re_hprintf(pf, "no HTTP authentication");
		err |= re_hprintf(pf, ", peer %s\n",
				  wr->peer_spec ? wr->peer_spec : "(none)");

		for (i = 0; i < WEBRELAY_ACTIONS; i++) {
			const char *url = wr->url[i];

			if (!url)
				continue;
			err |= re_hprintf(pf, "  action %u: %H%s\n", i + 1,
					  weburl_redact, url,
					  weburl_has_userinfo(url) ?
					  " (credentials in the URL)" : "");
		}

		if (wr->last_at)
			err |= re_hprintf(pf, "  last: %s, %H\n", wr->last,
					  ago_print, &wr->last_at);
		else
			err |= re_hprintf(pf, "  last: none yet\n");
	}

	for (i = 0; i < WEBEVENT_COUNT; i++) {
		if (!cfg.on[i])
			continue;
		err |= re_hprintf(pf, "event %s: %H\n",
				  webevent_name((enum webevent_id)i),
				  weburl_redact, cfg.on[i]);
		if (event_last[i].at)
			err |= re_hprintf(pf, "  last: %s, %H\n",
					  event_last[i].text, ago_print,
					  &event_last[i].at);
	}

	err |= re_hprintf(pf, "timeout %u ms, %u retr%s, TLS verify %s,"
			  " %u request%s in flight\n",
			  cfg.opts.timeout_ms, cfg.opts.retries,
			  cfg.opts.retries == 1 ? "y" : "ies",
			  cfg.opts.tls_verify ? "yes" : "no",
			  webhttp_pending(http),
			  webhttp_pending(http) == 1 ? "" : "s");

	return err;
}


static const struct cmd cmdv[] = {
	{"webrelay_list",   0, 0,       "List web relays and event URLs",
	 cmd_list},
	{"webrelay_fire",   0, CMD_PRM, "Fire a web relay: <n> [<action>]",
	 cmd_fire},
	{"webrelay_unlock", 0, CMD_PRM, "Fire the web relays bound to <peer>",
	 cmd_unlock},
	{"webrelay_event",  0, CMD_PRM, "Announce <event> <query>",
	 cmd_event},
};


/* Init and close */

static int init(void)
{
	unsigned events = 0, i;
	int err;

	audit_configure(conf_cur());

	/* libcurl is loaded by the first URL this reads (curlapi.c) */
	err = webrelay_conf_load(&cfg, conf_cur());
	if (err)
		goto out;

	for (i = 0; i < WEBEVENT_COUNT; i++)
		events += cfg.on[i] != NULL;

	/* nothing to send: no HTTP client, and libcurl stays unloaded */
	if (events || !list_isempty(&cfg.relays)) {
		err = webhttp_alloc(&http, &cfg.opts);
		if (err)
			goto out;
	}

	err = cmd_register(baresip_commands(), cmdv, ARRAY_SIZE(cmdv));
	if (err)
		goto out;

	err = door_event_register(bus_handler, NULL);
	if (err) {
		cmd_unregister(baresip_commands(), cmdv);
		goto out;
	}

	info("webrelay: %u web relay%s, %u event URL%s, timeout %u ms,"
	     " %u retr%s, TLS verify %s%s%s\n",
	     list_count(&cfg.relays), list_count(&cfg.relays) == 1 ? "" : "s",
	     events, events == 1 ? "" : "s", cfg.opts.timeout_ms,
	     cfg.opts.retries, cfg.opts.retries == 1 ? "y" : "ies",
	     cfg.opts.tls_verify ? "yes" : "no",
	     cfg.errors ? " (config errors above)" : "",
	     curlapi_loaded() ? "" : ", libcurl not loaded");

 out:
	if (err) {
		http = mem_deref(http);
		webrelay_conf_reset(&cfg);
		curl_global_cleanup();
		audit_close();
	}

	return err;
}


static int module_close(void)
{
	unsigned pending = webhttp_pending(http);

	door_event_unregister(bus_handler);
	cmd_unregister(baresip_commands(), cmdv);

	if (pending)
		info("webrelay: closing, %u request%s abandoned\n", pending,
		     pending == 1 ? "" : "s");

	/* before the relays: abandoned requests still hold them */
	http = mem_deref(http);
	webrelay_conf_reset(&cfg);
	memset(event_last, 0, sizeof(event_last));
	curl_global_cleanup();
	audit_close();

	return 0;
}


/* the config file is read once for all the keys init reads */
static int module_init(void)
{
	return door_conf_once(init);
}


DOOR_EXPORT const struct mod_export exports = {
	"webrelay",
	"application",
	module_init,
	module_close,
};
