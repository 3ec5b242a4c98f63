/**
 * @file config.c  Reading webrelayN_* and webrelay_* from baresip's config
 *
 * Logs name the key, never the value: values may hold credentials.
 */
#include <string.h>
#include "webrelay.h"

enum {
	TIMEOUT_DEFAULT_MS = 5000,
	TIMEOUT_MIN_MS     = 100,
	TIMEOUT_MAX_MS     = 600000,
	RETRIES_DEFAULT    = 1,
	RETRIES_MAX        = 10,
	RETRY_DELAY_MS     = 500,
	TEXT_MAX           = 256,
};


static void webrelay_destructor(void *data)
{
	struct webrelay *wr = data;
	size_t i;

	list_unlink(&wr->le);
	if (wr->pass)
		explicit_bzero(wr->pass, strlen(wr->pass));
	mem_deref(wr->host);
	mem_deref(wr->user);
	mem_deref(wr->pass);
	mem_deref(wr->peer_spec);
	mem_deref(wr->peer);
	for (i = 0; i < WEBRELAY_ACTIONS; i++)
		mem_deref(wr->url[i]);
}


static void conf_error(struct webrelay_conf *cfg, const char *key,
		       const char *why)
{
	warning("webrelay: config %s: %s; left out\n", key, why);
	++cfg->errors;
}


/* User names and passwords may hold spaces: the whole rest of the line */
static int text_dup(struct webrelay_conf *cfg, const struct conf *conf,
		    const char *key, char **strp)
{
	char buf[TEXT_MAX];
	int err;

	err = door_conf_text(conf, key, buf, sizeof(buf));
	if (err == EINVAL)
		++cfg->errors;
	if (!err)
		err = str_dup(strp, buf);

	explicit_bzero(buf, sizeof(buf));
	return err;
}


static int action_load(struct webrelay_conf *cfg, struct webrelay *wr,
		       const struct conf *conf, unsigned m, const char *key)
{
	const char *why = "malformed";
	char *action = NULL;
	int err;

	if (door_conf_dup(conf, key, &action))
		return ENOENT;

	err = weburl_compose(&wr->url[m - 1], wr->host, action, &why);
	if (err == EINVAL)
		conf_error(cfg, key, why);
	else if (!err)
		wr->relative[m - 1] = !weburl_is_full(action);

	mem_deref(action);
	return err;
}


static int relay_load(struct webrelay_conf *cfg, const struct conf *conf,
		      unsigned n)
{
	struct webrelay *wr;
	char key[64], key1[64];
	unsigned m, actions = 0;
	bool any = false;
	int err = 0;

	wr = mem_zalloc(sizeof(*wr), webrelay_destructor);
	if (!wr)
		return ENOMEM;
	wr->n = n;

#define KEY(suffix) (re_snprintf(key, sizeof(key), "webrelay%u_%s", n, \
				 suffix), key)
	any |= !door_conf_dup(conf, KEY("host"), &wr->host);
	any |= !text_dup(cfg, conf, KEY("user"), &wr->user);
	any |= !text_dup(cfg, conf, KEY("pass"), &wr->pass);
	any |= !door_conf_dup(conf, KEY("peer"), &wr->peer_spec);
#undef KEY

	if (wr->peer_spec) {
		const char *why = "malformed";

		(void)re_snprintf(key, sizeof(key), "webrelay%u_peer", n);
		err = webpeer_alloc(&wr->peer, wr->peer_spec, &why);
		if (err == EINVAL) {
			conf_error(cfg, key, why);
			wr->peer_spec = mem_deref(wr->peer_spec);
			err = 0;
		}
		if (err)
			goto out;
	}

	/* webrelayN_action is webrelayN_action1 by another name */
	(void)re_snprintf(key, sizeof(key), "webrelay%u_action", n);
	(void)re_snprintf(key1, sizeof(key1), "webrelay%u_action1", n);
	if (conf_get(conf, key, &(struct pl){0}) == 0) {
		any = true;
		if (conf_get(conf, key1, &(struct pl){0}) == 0)
			conf_error(cfg, key, "webrelayN_action1 is set too");
		else if ((err = action_load(cfg, wr, conf, 1, key)) == ENOMEM)
			goto out;
	}

	for (m = 1; m <= WEBRELAY_ACTIONS; m++) {
		(void)re_snprintf(key, sizeof(key), "webrelay%u_action%u",
				  n, m);
		err = action_load(cfg, wr, conf, m, key);
		if (err == ENOMEM)
			goto out;
		if (err != ENOENT)
			any = true;
		err = 0;
	}

	for (m = 0; m < WEBRELAY_ACTIONS; m++)
		actions += wr->url[m] != NULL;

	if (actions) {
		list_append(&cfg->relays, &wr->le, wr);
		wr = NULL;
	}
	else if (any) {
		(void)re_snprintf(key, sizeof(key), "webrelay%u_action", n);
		conf_error(cfg, key, "no usable action for this web relay");
	}

 out:
	mem_deref(wr);
	return err;
}


/* Placeholders filled with sample values, so the URL can be checked now */
static int event_load(struct webrelay_conf *cfg, const struct conf *conf,
		      enum webevent_id id)
{
	struct webevent_vars sample = {
		.relay = "1", .name = "x", .source = "x", .peer = "x",
		.input = "1", .state = "on",
	};
	const char *why = "malformed";
	char key[64], *tmpl = NULL, *url = NULL;
	int err;

	(void)re_snprintf(key, sizeof(key), "webrelay_on_%s",
			  webevent_name(id));

	if (door_conf_dup(conf, key, &tmpl))
		return 0;

	if (!weburl_is_full(tmpl)) {
		conf_error(cfg, key, "needs a full http:// or https:// URL");
		goto out;
	}

	err = webevent_subst(&url, tmpl, &sample);
	if (err)
		goto out;

	if (weburl_check(url, &why)) {
		conf_error(cfg, key, why);
		goto out;
	}

	cfg->on[id] = tmpl;
	tmpl = NULL;

 out:
	mem_deref(url);
	mem_deref(tmpl);
	return 0;
}


static void opts_load(struct webrelay_conf *cfg, const struct conf *conf)
{
	struct webhttp_opts *o = &cfg->opts;
	uint32_t ms = TIMEOUT_DEFAULT_MS, n = RETRIES_DEFAULT;
	bool verify = true;

	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	o->retries = RETRIES_DEFAULT;
	o->retry_delay_ms = RETRY_DELAY_MS;
	o->tls_verify = true;

	switch (door_conf_seconds(conf, "webrelay_timeout", &ms)) {
	case 0:
		if (ms < TIMEOUT_MIN_MS || ms > TIMEOUT_MAX_MS)
			conf_error(cfg, "webrelay_timeout",
				   "must be from 0.1 to 600 seconds");
		else
			o->timeout_ms = ms;
		break;
	case EINVAL: ++cfg->errors; break;
	default:     break;
	}

	switch (door_conf_u32(conf, "webrelay_retries", 0, RETRIES_MAX, &n)) {
	case 0:      o->retries = n; break;
	case EINVAL: ++cfg->errors;  break;
	default:     break;
	}

	switch (door_conf_bool(conf, "webrelay_tls_verify", &verify)) {
	case 0:      o->tls_verify = verify; break;
	case EINVAL: ++cfg->errors;          break;
	default:     break;
	}
}


int webrelay_conf_load(struct webrelay_conf *cfg, const struct conf *conf)
{
	unsigned n;
	int err = 0;

	if (!cfg)
		return EINVAL;

	memset(cfg, 0, sizeof(*cfg));
	opts_load(cfg, conf);

	for (n = 1; n <= WEBRELAY_MAX && !err; n++)
		err = relay_load(cfg, conf, n);

	for (n = 0; n < WEBEVENT_COUNT && !err; n++)
		err = event_load(cfg, conf, (enum webevent_id)n);

	if (err)
		webrelay_conf_reset(cfg);

	return err;
}


void webrelay_conf_reset(struct webrelay_conf *cfg)
{
	size_t i;

	if (!cfg)
		return;

	list_flush(&cfg->relays);
	for (i = 0; i < WEBEVENT_COUNT; i++)
		cfg->on[i] = mem_deref(cfg->on[i]);
}


struct webrelay *webrelay_find(const struct webrelay_conf *cfg, unsigned n)
{
	struct le *le;

	LIST_FOREACH(cfg ? &cfg->relays : NULL, le) {
		struct webrelay *wr = le->data;

		if (wr->n == n)
			return wr;
	}

	return NULL;
}


/** The lowest configured action number, 0 if none */
int webrelay_first_action(const struct webrelay *wr)
{
	int m;

	for (m = 1; wr && m <= WEBRELAY_ACTIONS; m++) {
		if (wr->url[m - 1])
			return m;
	}

	return 0;
}
