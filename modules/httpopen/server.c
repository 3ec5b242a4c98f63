/**
 * @file server.c  Connections: who may hold one, how many, for how long
 *
 * libre's HTTP server (1.1.0 and 2.0.1 alike) accepts every connection
 * and keeps it 10 s waiting for a request, and offers no hook to look at
 * the peer first: a flood of idle sockets from anywhere used up baresip's
 * 1024 descriptors, and calls failed. This listener uses libre's TCP and
 * TLS, reads each request head itself (hreq.c), and decides when it
 * accepts:
 *
 * - a peer outside httpopen_allow gets a fixed 403 and its connection is
 *   shut at once, before any of its bytes are read (over HTTPS, or when
 *   REFUSED_MAX refusals are still closing, it is closed unanswered);
 * - one client (an IPv4 address, an IPv6 /64) holds at most PER_CLIENT
 *   connections: its next one closes its oldest;
 * - all clients together hold at most TOTAL: a new connection closes the
 *   oldest one of the client holding the most, so a client with fewer
 *   always gets in, however many addresses a flood comes from;
 * - a request must be complete within REQUEST_MS of the connect, and its
 *   headers within BUF_MAX bytes (a POST body of up to CODES_BODY_MAX
 *   bytes is read too, any other body is refused unread); the
 *   connection closes after the answer,
 *   unless the request handler keeps it (hconn_keep: a status answer to an
 *   authenticated client that asked for keep-alive). A kept connection
 *   serves at most KEEP_MAX requests and waits KEEP_IDLE_MS for the next
 *   complete one; it still counts against PER_CLIENT and TOTAL, so an
 *   idle one is the first to make room.
 *
 * So httpopen never holds more than TOTAL + REFUSED_MAX descriptors,
 * whatever arrives; the listen backlog is 128 (libre's http_listen uses 5).
 */
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <dirent.h>
#include "httpopen.h"

enum {
	PER_CLIENT  = 8,
	TOTAL       = 64,
	REFUSED_MAX = 16,
	REQUEST_MS  = 3000,
	KEEP_MAX    = 100,
	KEEP_IDLE_MS = 5000,
	REFUSED_MS  = 1000,
	BUF_MAX     = 65536,
	BACKLOG     = 128,
	RECV_SZ     = 1000,     /* libre allocates this for each read;
				   below glibc's large bins, which
				   consolidate the heap first */
	AUTH_MEMO_MAX = 256,
	FD_RESERVE  = 256,      /* SIP, RTP, lines, audit file, curl */
};

struct hserver {
	struct tcp_sock *ts;
	struct tls *tls;
	struct list conns;       /* allowed, waiting for their request */
	struct list refused;     /* answered 403, closing */
	struct mbuf *refusal;    /* that answer, made once */
	struct mbuf *tx;         /* each answer is made here (tcp_send
				    copies what it cannot send at once) */
	const struct netlist *allow;
	hserver_req_h *reqh;
	hserver_refuse_h *refh;
	void *arg;
};

struct hconn {
	struct le le;
	struct tmr tmr;
	struct sa peer;
	char addr[64];           /* peer as text, for logs and audit */
	uint8_t key[16];
	int af;
	struct tcp_conn *tc;
	struct tls_conn *sc;
	struct mbuf *mb;
	size_t scanned;          /* bytes searched for the end of headers */
	struct pl body;          /* the current request's body, if waited for */
	size_t need;             /* bytes that complete it, while waiting */
	uint32_t served;         /* requests answered on this connection */
	uint64_t idle_until;     /* kept: the next request's deadline, ms */
	char basic[AUTH_MEMO_MAX];  /* Basic value that authenticated here */
	size_t basic_len;
	char basic_user[HAUTH_USER_MAX];
	bool wants_keep;         /* the current request asked for it */
	bool keep;               /* ...and its answer keeps the connection */
	struct hserver *srv;
};

static const char refused_body[] =
	"{\"success\":false,\"error\":\"address not allowed\"}\n";


static void conn_destructor(void *data)
{
	struct hconn *c = data;

	list_unlink(&c->le);
	tmr_cancel(&c->tmr);
	memset(c->basic, 0, sizeof(c->basic));
	mem_deref(c->sc);
	mem_deref(c->tc);
	mem_deref(c->mb);
}


static void server_destructor(void *data)
{
	struct hserver *srv = data;

	list_flush(&srv->conns);
	list_flush(&srv->refused);
	mem_deref(srv->ts);
	mem_deref(srv->tls);
	mem_deref(srv->refusal);
	mem_deref(srv->tx);
}


static void timeout_handler(void *arg)
{
	struct hconn *c = arg;
	uint64_t now = httpopen_now_ms();

	/* a kept connection moves its deadline with each answer; the
	 * timer is not restarted for every request, only here */
	if (c->idle_until > now) {
		tmr_start(&c->tmr, c->idle_until - now, timeout_handler, c);
		return;
	}

	debug("httpopen: %J: no complete request in time, closed\n",
	      &c->peer);
	mem_deref(c);
}


static void close_handler(int err, void *arg)
{
	struct hconn *c = arg;
	(void)err;

	mem_deref(c);
}


/* Where the headers end ("\n\n" or "\n\r\n"), searching only new bytes */
static bool headers_complete(struct hconn *c)
{
	const uint8_t *b = c->mb->buf;
	size_t i = c->scanned > 2 ? c->scanned - 2 : 0;

	for (; i + 1 < c->mb->end; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n' ||
		    (b[i + 1] == '\r' && i + 2 < c->mb->end &&
		     b[i + 2] == '\n'))
			return true;
	}

	c->scanned = c->mb->end;
	return false;
}


/* "100 Continue", made in the server's answer buffer */
static int send_continue(struct hconn *c)
{
	struct mbuf *mb = hconn_txbuf(c);
	int err;

	err = mbuf_write_str(mb, "HTTP/1.1 100 Continue\r\n\r\n");
	if (!err) {
		mb->pos = 0;
		err = hconn_send(c, mb);
	}

	return err;
}


/* A POST body of up to CODES_BODY_MAX bytes after the head's used bytes
 * is waited for (within the request deadline) and handed over with the
 * request; any other body is left unread, and the request handler
 * refuses it */
static bool body_complete(struct hconn *c, const struct hreq *req,
			  size_t used)
{
	c->body.p = NULL;
	c->body.l = 0;

	if (!req->clen || req->clen > CODES_BODY_MAX || req->chunked ||
	    pl_strcmp(&req->met, "POST"))
		return true;

	/* not yet: the head is read again once it is all here (not at
	 * each byte of a body sent slowly); a client that waits to be
	 * asked for it (RFC 9110, 10.1.1) is asked once */
	if (c->mb->end - used < req->clen) {
		if (c->mb->end == used && req->expect_continue)
			(void)send_continue(c);
		c->need = used + req->clen;
		return false;
	}

	c->body.p = (const char *)c->mb->buf + used;
	c->body.l = req->clen;
	return true;
}


/* Answer each complete request in the buffer; false when c is gone */
static bool process(struct hconn *c)
{
	struct hserver *srv = c->srv;

	if (c->mb->end < c->need)
		return true;
	c->need = 0;

	while (headers_complete(c)) {
		struct hreq req;
		size_t rest, used = 0;
		int err;

		err = hreq_parse(&req, c->mb->buf, c->mb->end, &used);
		if (err == ENODATA) {
			/* blank lines before the request line: the end of
			 * the headers is still to come, in bytes not
			 * searched yet */
			c->scanned = c->mb->end;
			return true;
		}
		if (err) {
			debug("httpopen: %J: not an HTTP request, closed\n",
			      &c->peer);
			mem_deref(c);
			return false;
		}

		if (!body_complete(c, &req, used))
			return true;

		c->wants_keep = hreq_keep(&req);
		c->keep = false;
		srv->reqh(c, &req, srv->arg);

		if (!c->keep) {
			mem_deref(c);
			return false;
		}

		/* kept: what follows the request is the next one */
		used += c->body.l;
		rest = c->mb->end - used;
		memmove(c->mb->buf, c->mb->buf + used, rest);
		c->mb->end = rest;
		c->mb->pos = 0;
		c->scanned = 0;
		if (!tmr_isrunning(&c->tmr))
			tmr_start(&c->tmr, KEEP_IDLE_MS, timeout_handler, c);
	}

	return true;
}


static void recv_handler(struct mbuf *mb, void *arg)
{
	struct hconn *c = arg;
	size_t len = mbuf_get_left(mb);

	if (c->mb->end + len > BUF_MAX) {
		debug("httpopen: %J: request over %u bytes, closed\n",
		      &c->peer, BUF_MAX);
		mem_deref(c);
		return;
	}

	c->mb->pos = c->mb->end;
	if (mbuf_write_mem(c->mb, mbuf_buf(mb), len)) {
		mem_deref(c);
		return;
	}

	(void)process(c);
}


/* Discard what a refused peer sends until it closes or time is up */
static void refused_recv_handler(struct mbuf *mb, void *arg)
{
	(void)mb;
	(void)arg;
}


static struct hconn *conn_alloc(struct hserver *srv, const struct sa *peer,
				struct list *list)
{
	struct hconn *c = mem_zalloc(sizeof(*c), conn_destructor);

	if (!c)
		return NULL;

	c->peer = *peer;
	hconn_addr_print(c->addr, sizeof(c->addr), peer);
	c->af = netlist_client_key(peer, c->key);
	c->srv = srv;
	list_append(list, &c->le, c);

	return c;
}


static void refuse(struct hserver *srv, const struct sa *peer)
{
	struct hconn *c = NULL;
	bool answered = false;

	if (srv->tls || list_count(&srv->refused) >= REFUSED_MAX)
		goto out;

	c = conn_alloc(srv, peer, &srv->refused);
	if (!c || tcp_accept(&c->tc, srv->ts, NULL, refused_recv_handler,
			     close_handler, c))
		goto out;

	srv->refusal->pos = 0;
	if (tcp_send(c->tc, srv->refusal))
		goto out;

	/* all of it went out (it fits any socket buffer): end our side */
	if (!tcp_conn_txqsz(c->tc))
		(void)shutdown(tcp_conn_fd(c->tc), SHUT_WR);

	tmr_start(&c->tmr, REFUSED_MS, timeout_handler, c);
	answered = true;

 out:
	if (!answered) {
		mem_deref(c);
		tcp_reject(srv->ts);
	}

	srv->refh(peer, answered, srv->arg);
}


static bool same_client(const struct hconn *a, const struct hconn *b)
{
	return a->af == b->af && !memcmp(a->key, b->key, sizeof(a->key));
}


/* Room for c: close its client's oldest beyond PER_CLIENT, then, beyond
 * TOTAL, the oldest of the client holding the most */
static void make_room(struct hserver *srv, const struct hconn *c)
{
	struct hconn *oldest = NULL, *victim = NULL;
	uint32_t mine = 0, most = 0;
	struct le *le, *le2;

	LIST_FOREACH(&srv->conns, le) {
		struct hconn *o = le->data;

		if (o != c && same_client(o, c)) {
			if (!oldest)
				oldest = o;
			++mine;
		}
	}

	if (mine >= PER_CLIENT) {
		debug("httpopen: %J: over %u connections, oldest closed\n",
		      &c->peer, PER_CLIENT);
		mem_deref(oldest);
		return;
	}

	if (list_count(&srv->conns) <= TOTAL)
		return;

	/* the list runs oldest first: the first of a client is its oldest */
	LIST_FOREACH(&srv->conns, le) {
		struct hconn *o = le->data;
		uint32_t n = 0;

		for (le2 = le; le2; le2 = le2->next) {
			if (same_client(le2->data, o))
				++n;
		}
		if (n > most && o != c) {
			most = n;
			victim = o;
		}
	}

	debug("httpopen: %u connections open, one of %J's closed\n",
	      TOTAL, victim ? &victim->peer : &c->peer);
	mem_deref(victim ? victim : (struct hconn *)c);
}


static void connect_handler(const struct sa *peer, void *arg)
{
	struct hserver *srv = arg;
	struct hconn *c;
	int err;

	if (!netlist_isempty(srv->allow) && !netlist_match(srv->allow, peer)) {
		refuse(srv, peer);
		return;
	}

	c = conn_alloc(srv, peer, &srv->conns);
	if (!c) {
		tcp_reject(srv->ts);
		return;
	}

	c->mb = mbuf_alloc(1024);
	err = c->mb ? 0 : ENOMEM;
	if (!err)
		err = tcp_accept(&c->tc, srv->ts, NULL, recv_handler,
				 close_handler, c);
	if (!err)
		tcp_conn_rxsz_set(c->tc, RECV_SZ);
	if (!err && srv->tls)
		err = tls_start_tcp(&c->sc, srv->tls, c->tc, 0);
	if (err) {
		mem_deref(c);
		tcp_reject(srv->ts);
		return;
	}

	tmr_start(&c->tmr, REQUEST_MS, timeout_handler, c);
	make_room(srv, c);
}


/* libre's descriptor table: set once, at the first fd_listen, and never
 * grown again (fd_setsize() only tears it down) */
static int table_size(void)
{
	char buf[256];
	struct pl n;

	if (re_snprintf(buf, sizeof(buf), "%H", re_debug, NULL) < 0 ||
	    re_regex(buf, strlen(buf), "maxfds:[ ]+[0-9]+", NULL, &n))
		return FD_SETSIZE;

	return (int)pl_u32(&n);
}


static int fds_in_use(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *d;
	int n = 0;

	if (!dir)
		return -1;

	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	(void)closedir(dir);

	return n - 1;            /* the directory's own descriptor */
}


/*
 * The descriptors this process can use are the smaller of libre's table
 * and RLIMIT_NOFILE. A soft limit below the table is raised to it (never
 * beyond: a descriptor libre cannot watch is of no use, and select()
 * users break past FD_SETSIZE). Logs the figures.
 */
static void fds_check(void)
{
	int table = table_size(), used = fds_in_use(), usable;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		rl.rlim_cur = rl.rlim_max = (rlim_t)table;

	if (rl.rlim_cur < (rlim_t)table && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = MIN(rl.rlim_max, (rlim_t)table);
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}

	usable = (int)MIN((rlim_t)table, rl.rlim_cur);

	info("httpopen: descriptors: %d in use, %d usable (libre's table"
	     " %d, RLIMIT_NOFILE %llu); httpopen holds at most %u\n",
	     used, usable, table, (unsigned long long)rl.rlim_cur,
	     TOTAL + REFUSED_MAX + 1);

	if (usable - used - (TOTAL + REFUSED_MAX + 1) < FD_RESERVE)
		warning("httpopen: fewer than %u descriptors left for SIP,"
			" RTP and lines after httpopen's share\n",
			FD_RESERVE);
}


int hserver_alloc(struct hserver **srvp, const struct sa *laddr,
		  const char *cert, const struct netlist *allow,
		  hserver_req_h *reqh, hserver_refuse_h *refh, void *arg)
{
	struct hserver *srv;
	int err;

	if (!srvp || !laddr || !reqh || !refh)
		return EINVAL;

	srv = mem_zalloc(sizeof(*srv), server_destructor);
	if (!srv)
		return ENOMEM;

	srv->refusal = mbuf_alloc(256);
	srv->tx = mbuf_alloc(1024);
	if (!srv->refusal || !srv->tx) {
		err = ENOMEM;
		goto out;
	}
	err = mbuf_printf(srv->refusal, "HTTP/1.1 403 Forbidden\r\n"
			  "Content-Type: application/json\r\n"
			  "Cache-Control: no-store\r\n"
			  "Connection: close\r\n"
			  "Content-Length: %zu\r\n"
			  "\r\n"
			  "%s", strlen(refused_body), refused_body);
	if (err)
		goto out;

	srv->allow = allow;
	srv->reqh = reqh;
	srv->refh = refh;
	srv->arg = arg;

	if (cert) {
		err = tls_alloc(&srv->tls, TLS_METHOD_SSLV23, cert, NULL);
		if (err)
			goto out;
	}

	err = tcp_sock_alloc(&srv->ts, laddr, connect_handler, srv);
	if (!err)
		err = tcp_sock_bind(srv->ts, laddr);
	if (!err)
		err = tcp_sock_listen(srv->ts, BACKLOG);
	if (err)
		goto out;

	fds_check();

 out:
	if (err)
		mem_deref(srv);
	else
		*srvp = srv;

	return err;
}


const struct sa *hconn_peer(const struct hconn *c)
{
	return c ? &c->peer : NULL;
}


/** The body of the request being handled ("" when there is none) */
void hconn_body(const struct hconn *c, struct pl *body)
{
	if (!body)
		return;

	if (c) {
		*body = c->body;
	}
	else {
		body->p = NULL;
		body->l = 0;
	}
}


/**
 * Keep the connection after this answer, if its client asked for that
 * and it has served fewer than KEEP_MAX requests; the next request must
 * be complete within KEEP_IDLE_MS of now (ms, httpopen_now_ms()). Call before
 * replying: the answer's Connection header says what this returns.
 */
bool hconn_keep(struct hconn *c, uint64_t now)
{
	if (!c || !c->wants_keep || c->served + 1 >= KEEP_MAX)
		return false;

	++c->served;
	c->keep = true;
	c->idle_until = now + KEEP_IDLE_MS;
	return true;
}


/** Peer address as text: a.b.c.d:port, [v6]:port */
void hconn_addr_print(char *buf, size_t sz, const struct sa *peer)
{
	if (sa_af(peer) == AF_INET6)
		(void)re_snprintf(buf, sz, "[%j]", peer);
	else
		(void)re_snprintf(buf, sz, "%j", peer);
}


/** The peer's address as hconn_addr_print() writes it, made at accept */
const char *hconn_addr(const struct hconn *c)
{
	return c ? c->addr : "";
}


/**
 * Whether val is, byte for byte, the Basic Authorization value that
 * already authenticated on this connection (hconn_auth_remember); then
 * its user name is copied to user. A client polling a kept connection
 * sends the same value each time: this spares the decoding, and the
 * comparison takes the same time wherever the bytes differ.
 */
bool hconn_auth_known(const struct hconn *c, const struct pl *val,
		      char *user, size_t usz)
{
	if (!c || !val || !c->basic_len || !user || !usz)
		return false;

	if (!hauth_ct_equal(val->p, val->l, c->basic, c->basic_len))
		return false;

	str_ncpy(user, c->basic_user, usz);
	return true;
}


/** Remember a Basic value hauth_check() accepted on this connection */
void hconn_auth_remember(struct hconn *c, const struct pl *val,
			 const char *user)
{
	if (!c || !val || !user || val->l > sizeof(c->basic) ||
	    val->l < 6 || strncasecmp(val->p, "Basic ", 6))
		return;

	memcpy(c->basic, val->p, val->l);
	c->basic_len = val->l;
	str_ncpy(c->basic_user, user, sizeof(c->basic_user));
}


/** The buffer to make an answer in, empty; the server owns it */
struct mbuf *hconn_txbuf(struct hconn *c)
{
	if (!c)
		return NULL;

	mbuf_rewind(c->srv->tx);
	return c->srv->tx;
}


/** Send a whole answer, from mb->pos */
int hconn_send(struct hconn *c, struct mbuf *mb)
{
	if (!c || !c->tc || !mb)
		return EINVAL;

	return tcp_send(c->tc, mb);
}
