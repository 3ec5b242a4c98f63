/**
 * @file httpopen.h  The OpenDoor HTTP endpoint: private interfaces
 *
 * query.c, netlist.c, hauth.c and lockout.c hold the pure logic (no
 * baresip calls besides logging) so the unit tests link them alone.
 */
#ifndef HTTPOPEN_H
#define HTTPOPEN_H

#include "door.h"


/*
 * Query strings (query.c): percent-decoded name=value pairs. Anything
 * unusual is refused rather than guessed at: bad escapes, NUL or control
 * characters, repeated names (case-insensitive), empty values.
 */
enum {
	QUERY_MAX_PARAMS = 16,
	QUERY_NAME_MAX   = 32,
	QUERY_VALUE_MAX  = 128,
};

struct query_param {
	char name[QUERY_NAME_MAX];
	char value[QUERY_VALUE_MAX];
};

struct query {
	struct query_param v[QUERY_MAX_PARAMS];
	size_t n;
};

int  query_parse(struct query *q, const struct pl *prm, const char **why);
const char *query_get(const struct query *q, const char *name);
int  query_index(const struct query *q, const char *name, uint32_t *val,
		 const char **why);


/*
 * Client address allowlist (netlist.c): IPv4/IPv6 addresses and CIDR
 * prefixes separated by ',' ';' or white space.
 */
struct netlist;

int  netlist_alloc(struct netlist **nlp, const char *spec);
bool netlist_isempty(const struct netlist *nl);
bool netlist_match(const struct netlist *nl, const struct sa *addr);
int  netlist_client_key(const struct sa *addr, uint8_t key[16]);


/*
 * HTTP authentication (hauth.c): RFC 7617 Basic and RFC 7616 Digest
 * (MD5, qop=auth). Nonces carry their (encrypted) time and serial and an
 * HMAC, so the server keeps no state per challenge; replay.c remembers
 * the nonce counts used so a captured request cannot be replayed.
 */
enum hauth_result {
	HAUTH_OK = 0,
	HAUTH_NONE,      /* no credentials, or a scheme not offered */
	HAUTH_FAIL,      /* credentials given and wrong */
	HAUTH_STALE,     /* right credentials, expired nonce */
};

enum {
	HAUTH_BASIC  = 1 << 0,
	HAUTH_DIGEST = 1 << 1,
	HAUTH_USER_MAX = 64,
	HAUTH_NONCE_TTL = 300,   /* seconds */
};

struct hauth;

int  hauth_alloc(struct hauth **hap, const char *realm, const char *user,
		 const char *pass, const uint8_t *key, size_t keylen);
int  hauth_challenge(struct re_printf *pf, struct hauth *ha,
		     unsigned schemes, bool stale, uint64_t now);
enum hauth_result hauth_check(struct hauth *ha, const struct pl *hval,
			      unsigned schemes, const struct pl *method,
			      const struct pl *uri, uint64_t now,
			      char *user, size_t usz);
enum hauth_result hauth_check_plain(const struct hauth *ha,
				    const char *user, const char *pass);
int  hauth_digest_expect(char *hex, const uint8_t *ha1,
			 const struct pl *method, const struct pl *uri,
			 const struct pl *nonce, const struct pl *nc,
			 const struct pl *cnonce, const struct pl *qop);
int  hauth_nonce(struct hauth *ha, uint64_t now, char *buf, size_t sz);
bool hauth_ct_equal(const void *given, size_t glen,
		    const void *secret, size_t slen);
void hauth_sanitize(char *dst, size_t sz, const char *src, size_t len);


struct replay;

int  replay_alloc(struct replay **rpp, uint32_t ttl);
enum hauth_result replay_accept(struct replay *rp, uint64_t serial,
				uint64_t issued, uint32_t nc, uint64_t now);
size_t replay_bytes(const struct replay *rp);
size_t hauth_replay_bytes(const struct hauth *ha);


/*
 * Failed-login lock-out (lockout.c), per client address (IPv6: per /64).
 * Times are milliseconds on any monotonic clock.
 */
struct lockout;

int  lockout_alloc(struct lockout **lop, uint32_t max_fail,
		   uint32_t period_ms, size_t max_entries);
bool lockout_locked(struct lockout *lo, const struct sa *addr, uint64_t now,
		    uint32_t *remain_ms);
bool lockout_fail(struct lockout *lo, const struct sa *addr, uint64_t now);
void lockout_success(struct lockout *lo, const struct sa *addr);
size_t lockout_count(const struct lockout *lo);


/*
 * Visitor codes over HTTP (codebody.c): a POST /api/codes body (a flat
 * JSON object, at most CODES_BODY_MAX bytes) checked word by word, then
 * printed as relay_code_add's arguments
 */
enum {
	CODES_BODY_MAX = 1024,
};

struct codereq {
	char relays[64];          /* "1", "1,2" or a relay name */
	char code[17];
	char name[33];            /* "" when not given, likewise below */
	char until[33];
	char hours[32];
	uint32_t uses;            /* 0: not given */
};

int  codereq_parse(struct codereq *cr, const struct pl *body,
		   char *why, size_t wsz);
int  codereq_print(struct re_printf *pf, const struct codereq *cr);
int  codereq_id(const struct pl *pl, uint32_t *id);


/*
 * A request head (hreq.c), read in place: what httpopen uses of it.
 */
struct hreq {
	struct pl met;
	struct pl path;
	struct pl prm;            /* "?..." or empty */
	struct pl ver;            /* "1.1" */
	struct pl auth;           /* the first Authorization value, or p NULL */
	size_t nhdr;              /* header lines */
	size_t hdr_bytes;         /* their names and values, +4 each */
	struct pl ctype;          /* the first Content-Type value, or p NULL */
	size_t clen;              /* Content-Length, HREQ_CLEN_BAD if no
				     number or given twice, 0 if none */
	bool body;                /* Content-Length not 0, Transfer-Encoding */
	bool chunked;             /* Transfer-Encoding (any) */
	bool expect_continue;     /* Expect: 100-continue */
	bool nul;                 /* a NUL byte in a header */
	bool conn_close;          /* Connection: close */
	bool conn_keep;           /* Connection: keep-alive */
};

#define HREQ_CLEN_BAD ((size_t)-1)

int  hreq_parse(struct hreq *r, const uint8_t *buf, size_t len,
		size_t *used);
bool hreq_keep(const struct hreq *r);


/*
 * Connections (server.c): allowlist at accept, caps, request deadline;
 * libre's TCP and TLS, requests read by hreq.c. A connection is closed
 * after its answer unless the request handler keeps it (hconn_keep).
 */
struct hserver;
struct hconn;

typedef void (hserver_req_h)(struct hconn *conn, const struct hreq *req,
			     void *arg);
/** A peer outside the allowlist was refused (answered 403 or closed) */
typedef void (hserver_refuse_h)(const struct sa *peer, bool answered,
				void *arg);

int  hserver_alloc(struct hserver **srvp, const struct sa *laddr,
		   const char *cert, const struct netlist *allow,
		   hserver_req_h *reqh, hserver_refuse_h *refh, void *arg);
const struct sa *hconn_peer(const struct hconn *c);
void hconn_body(const struct hconn *c, struct pl *body);
bool hconn_keep(struct hconn *c, uint64_t now);
const char *hconn_addr(const struct hconn *c);
bool hconn_auth_known(const struct hconn *c, const struct pl *val,
		      char *user, size_t usz);
void hconn_auth_remember(struct hconn *c, const struct pl *val,
			 const char *user);
void hconn_addr_print(char *buf, size_t sz, const struct sa *peer);
struct mbuf *hconn_txbuf(struct hconn *c);
int  hconn_send(struct hconn *c, struct mbuf *mb);


/*
 * Request handling (request.c) and replies (reply.c)
 */
struct httpopen_cfg {
	struct sa laddr;
	char *user;
	char *pass;
	char *cert;
	unsigned schemes;        /* HAUTH_BASIC | HAUTH_DIGEST */
	bool secure;
	uint32_t max_fail;
	uint32_t lockout_ms;
};

struct status_cache;

int  status_cache_alloc(struct status_cache **scp);
int  status_cache_get(struct status_cache *sc, struct pl *members,
		      uint64_t now);

struct httpopen {
	struct httpopen_cfg cfg;
	struct hserver *srv;
	struct status_cache *status;   /* status.c */
	struct netlist *allow;
	struct hauth *auth;       /* NULL when no credentials are set */
	struct lockout *lockout;
	struct audit_limit *alim;
};

uint64_t httpopen_now_ms(void);
void request_handler(struct hconn *conn, const struct hreq *req,
		     void *arg);
void request_refused(const struct sa *peer, bool answered, void *arg);

struct reply {
	uint16_t scode;
	const char *reason;
	const char *error;        /* NULL on success */
	struct pl members;        /* extra JSON members, may be empty */
	struct hauth *auth;       /* set for 401: the challenges */
	unsigned schemes;
	bool stale;
	uint32_t retry_after;     /* seconds, for 429 */
	uint64_t now;             /* seconds, monotonic, for the nonce */
	bool keep;                /* the connection stays open after it */
	const char *allow;        /* for 405: the methods, NULL for GET */
};

int  reply_send(struct hconn *conn, const struct reply *r);
const char *reply_reason(uint16_t scode);
int  reply_members(struct mbuf *mb, const char *cmd);


/* The /api/codes handlers (codes.c): what they answer and audit */
struct codes_out {
	uint16_t scode;
	const char *error;        /* NULL on success, may point to msg */
	const char *action;       /* code_add, code_list, code_del */
	char msg[128];            /* an error in words, never the code */
	char relay[64];           /* the relays a code was added for */
	uint32_t id;
};

void codes_add(struct codes_out *o, struct mbuf *ans,
	       const struct hreq *hr, const struct pl *body,
	       const char *who);
void codes_list(struct codes_out *o, struct mbuf *ans);
void codes_del(struct codes_out *o, struct mbuf *ans, const struct pl *idp,
	       const char *who);

#endif /* HTTPOPEN_H */
