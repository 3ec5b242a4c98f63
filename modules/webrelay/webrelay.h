/**
 * @file webrelay.h  Private interface of the webrelay module
 *
 * url.c, event.c and peer.c are pure logic (no baresip calls besides the
 * loggers), so the unit tests link them directly. http.c is the libcurl
 * multi client driven by libre's loop.
 */
#ifndef WEBRELAY_H
#define WEBRELAY_H

#include "door.h"

enum {
	WEBRELAY_MAX     = DOOR_MAX_INDEX,  /* webrelay1_ .. webrelay16_ */
	WEBRELAY_ACTIONS = 10,              /* _action1 .. _action10 */
};


/*
 * URLs (url.c). why points at a static reason for the log on EINVAL.
 */
int  weburl_compose(char **urlp, const char *host, const char *action,
		    const char **why);
int  weburl_check(const char *url, const char **why);
bool weburl_is_full(const char *action);
bool weburl_has_userinfo(const char *url);
int  weburl_redact(struct re_printf *pf, const char *url);


/*
 * Events and their action URLs (event.c)
 */
enum webevent_id {
	WEBEVENT_RELAY_OPEN = 0,
	WEBEVENT_RELAY_CLOSE,
	WEBEVENT_CODE_OK,
	WEBEVENT_CODE_BAD,
	WEBEVENT_INPUT,
	WEBEVENT_DOOR_STATUS,    /* relay: each door state change */
	WEBEVENT_DOOR_FORCED,
	WEBEVENT_DOOR_HELD,
	WEBEVENT_DOOR_CLOSED,
	WEBEVENT_COUNT
};

/* Values for the placeholders; NULL fields substitute as "" */
struct webevent_vars {
	char *relay;
	char *name;
	char *source;
	char *peer;
	char *input;
	char *state;
};

int  webevent_parse_name(const char *name, enum webevent_id *idp);
const char *webevent_name(enum webevent_id id);
int  webevent_query_decode(struct webevent_vars **varsp, const char *query,
			   const char **why);
int  webevent_subst(char **urlp, const char *tmpl,
		    const struct webevent_vars *vars);


/*
 * Peer bindings (peer.c): IP addresses, SIP URIs or SIP users, '*' globs
 */
struct webpeer;

int  webpeer_alloc(struct webpeer **wpp, const char *spec, const char **why);
bool webpeer_match(const struct webpeer *wp, const char *uri);


/* libcurl, loaded at its first use (curlapi.c; the module only) */
bool curlapi_loaded(void);


/*
 * HTTP client (http.c): GET requests through libcurl's multi interface,
 * its sockets and timeout driven by libre's main loop.
 */
struct webhttp;

struct webhttp_opts {
	uint32_t timeout_ms;     /* per attempt, whole transfer */
	uint32_t retries;        /* extra attempts after a failure */
	uint32_t retry_delay_ms;
	bool tls_verify;
};

struct webhttp_result {
	bool ok;                 /* HTTP 2xx */
	long status;             /* HTTP status, 0 if none arrived */
	const char *error;       /* why it failed, NULL when ok */
	uint32_t attempts;
	uint64_t msec;           /* of the last attempt */
};

/* arg is a mem object: the request holds a reference until it is done */
typedef void (webhttp_done_h)(const struct webhttp_result *res, void *arg);

int  webhttp_alloc(struct webhttp **whp, const struct webhttp_opts *opts);
int  webhttp_get(struct webhttp *wh, const char *url, const char *user,
		 const char *pass, const char *label,
		 webhttp_done_h *doneh, void *arg);
unsigned webhttp_pending(const struct webhttp *wh);


/*
 * Configuration (config.c): bad values are logged naming their key and
 * left out; everything else loads.
 */
struct webrelay {
	struct le le;
	unsigned n;
	char *host;
	char *user;
	char *pass;
	char *peer_spec;
	struct webpeer *peer;            /* NULL: bound to no peer */
	char *url[WEBRELAY_ACTIONS];     /* NULL: action not configured */
	bool relative[WEBRELAY_ACTIONS]; /* the relay's credentials apply */
	char last[192];                  /* result of the last request */
	uint64_t last_at;                /* its tmr_jiffies(), 0: none */
};

struct webrelay_conf {
	struct list relays;
	char *on[WEBEVENT_COUNT];        /* event URL templates */
	struct webhttp_opts opts;
	unsigned errors;                 /* config values left out */
};

int  webrelay_conf_load(struct webrelay_conf *cfg, const struct conf *conf);
void webrelay_conf_reset(struct webrelay_conf *cfg);
struct webrelay *webrelay_find(const struct webrelay_conf *cfg, unsigned n);
int  webrelay_first_action(const struct webrelay *wr);

#endif /* WEBRELAY_H */
