/**
 * @file http.c  HTTP GET through libcurl's multi interface in libre's loop
 *
 * libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and
 * when to wake it (CURLMOPT_TIMERFUNCTION); the sockets go to fd_listen,
 * the wake-up to a libre timer, and both hand control back through
 * curl_multi_socket_action. Nothing here blocks or sleeps, so a relay
 * that never answers costs its timeout and nothing else.
 */
#include <string.h>
#include <curl/curl.h>
#include "webrelay.h"

enum { REQ_MAX = 128 };   /* in flight or waiting to retry */

struct webhttp {
	CURLM *multi;
	struct tmr tmr;          /* libcurl's timeout */
	struct list reql;        /* in flight or waiting to retry */
	struct list sockl;       /* sockets libcurl asked us to watch */
	struct webhttp_opts opts;
	bool closing;
};

struct sock {
	struct le le;
	struct webhttp *wh;
	curl_socket_t fd;
};

struct req {
	struct le le;
	struct webhttp *wh;
	CURL *easy;
	struct tmr retry;
	char *label;             /* "webrelay 1 action 1 http://h/p?k=***" */
	char errbuf[CURL_ERROR_SIZE];
	char why[CURL_ERROR_SIZE + 64];
	uint32_t attempt;
	uint64_t started;
	bool added;              /* in the multi handle */
	webhttp_done_h *doneh;
	void *arg;
};


static void multi_check(struct webhttp *wh);


static size_t body_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}


static void sock_destructor(void *data)
{
	struct sock *s = data;

	fd_close(s->fd);
	list_unlink(&s->le);
}


static void req_destructor(void *data)
{
	struct req *r = data;

	tmr_cancel(&r->retry);
	list_unlink(&r->le);

	if (r->easy) {
		if (r->added)
			(void)curl_multi_remove_handle(r->wh->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}

	mem_deref(r->label);
	mem_deref(r->arg);
}


static void webhttp_destructor(void *data)
{
	struct webhttp *wh = data;

	/* libcurl may still call back while it is being taken down */
	wh->closing = true;

	/* requests first: removing their handles may close sockets */
	list_flush(&wh->reql);

	if (wh->multi)
		(void)curl_multi_cleanup(wh->multi);

	/* whatever libcurl did not hand back through the callback */
	list_flush(&wh->sockl);
	tmr_cancel(&wh->tmr);
}


static void sock_handler(int flags, void *arg)
{
	struct sock *s = arg;
	struct webhttp *wh = s->wh;
	int running = 0, ev = 0;

	if (flags & FD_READ)
		ev |= CURL_CSELECT_IN;
	if (flags & FD_WRITE)
		ev |= CURL_CSELECT_OUT;
	if (flags & FD_EXCEPT)
		ev |= CURL_CSELECT_ERR;

	/* s may be gone after this: libcurl can drop the socket */
	(void)curl_multi_socket_action(wh->multi, s->fd, ev, &running);

	multi_check(wh);
}


static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct webhttp *wh = userp;
	struct sock *s = socketp;
	int flags = 0, err;

	(void)easy;

	if (what == CURL_POLL_REMOVE || wh->closing) {
		if (s) {
			(void)curl_multi_assign(wh->multi, fd, NULL);
			mem_deref(s);
		}
		else {
			fd_close(fd);
		}
		return 0;
	}

	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		flags |= FD_READ;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		flags |= FD_WRITE;

	if (!s) {
		s = mem_zalloc(sizeof(*s), sock_destructor);
		if (!s)
			return -1;
		s->wh = wh;
		s->fd = fd;
		list_append(&wh->sockl, &s->le, s);
		(void)curl_multi_assign(wh->multi, fd, s);
	}

	err = fd_listen(fd, flags, sock_handler, s);
	if (err) {
		warning("webrelay: cannot watch socket %d (%m)\n", fd, err);
		return -1;
	}

	return 0;
}


static void timeout_handler(void *arg)
{
	struct webhttp *wh = arg;
	int running = 0;

	(void)curl_multi_socket_action(wh->multi, CURL_SOCKET_TIMEOUT, 0,
				       &running);
	multi_check(wh);
}


/* libcurl must not be re-entered from here, hence a timer even for 0 */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct webhttp *wh = userp;

	(void)multi;

	if (timeout_ms < 0 || wh->closing)
		tmr_cancel(&wh->tmr);
	else
		tmr_start(&wh->tmr, (uint64_t)timeout_ms, timeout_handler,
			  wh);

	return 0;
}


static int req_start(struct req *r)
{
	CURLMcode mc;

	r->errbuf[0] = '\0';
	r->started = tmr_jiffies();
	++r->attempt;

	mc = curl_multi_add_handle(r->wh->multi, r->easy);
	if (mc) {
		warning("webrelay: %s: %s\n", r->label,
			curl_multi_strerror(mc));
		return ENOMEM;
	}

	r->added = true;
	return 0;
}


static void retry_handler(void *arg)
{
	struct req *r = arg;
	struct webhttp_result res;

	if (!req_start(r))
		return;

	memset(&res, 0, sizeof(res));
	res.error = "cannot start the request";
	res.attempts = r->attempt;
	if (r->doneh)
		r->doneh(&res, r->arg);
	mem_deref(r);
}


/* A finished attempt: success, retry, or the final failure */
static void req_finish(struct req *r, CURLcode cc)
{
	struct webhttp_result res;
	long status = 0;

	(void)curl_multi_remove_handle(r->wh->multi, r->easy);
	r->added = false;

	(void)curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);

	memset(&res, 0, sizeof(res));
	res.status = status;
	res.attempts = r->attempt;
	res.msec = tmr_jiffies() - r->started;

	if (cc != CURLE_OK) {
		(void)re_snprintf(r->why, sizeof(r->why), "%s",
				  r->errbuf[0] ? r->errbuf :
				  curl_easy_strerror(cc));
		res.error = r->why;
	}
	else if (status >= 200 && status < 300) {
		res.ok = true;
	}
	else if (status >= 300 && status < 400) {
		(void)re_snprintf(r->why, sizeof(r->why),
				  "HTTP %ld: redirects are not followed",
				  status);
		res.error = r->why;
	}
	else {
		(void)re_snprintf(r->why, sizeof(r->why), "HTTP %ld",
				  status);
		res.error = r->why;
	}

	if (!res.ok && r->attempt <= r->wh->opts.retries) {
		warning("webrelay: %s: %s after %llu ms"
			" (attempt %u of %u), retrying in %u ms\n",
			r->label, res.error, (unsigned long long)res.msec,
			r->attempt, r->wh->opts.retries + 1,
			r->wh->opts.retry_delay_ms);
		tmr_start(&r->retry, r->wh->opts.retry_delay_ms,
			  retry_handler, r);
		return;
	}

	if (r->doneh)
		r->doneh(&res, r->arg);

	mem_deref(r);
}


static void multi_check(struct webhttp *wh)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(wh->multi, &left))) {
		char *priv = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;

		(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					&priv);
		if (priv)
			req_finish((struct req *)(void *)priv,
				   msg->data.result);
	}
}


int webhttp_alloc(struct webhttp **whp, const struct webhttp_opts *opts)
{
	struct webhttp *wh;

	if (!whp || !opts)
		return EINVAL;

	wh = mem_zalloc(sizeof(*wh), webhttp_destructor);
	if (!wh)
		return ENOMEM;

	wh->opts = *opts;
	tmr_init(&wh->tmr);

	wh->multi = curl_multi_init();
	if (!wh->multi) {
		mem_deref(wh);
		return ENOMEM;
	}

	(void)curl_multi_setopt(wh->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	(void)curl_multi_setopt(wh->multi, CURLMOPT_SOCKETDATA, wh);
	(void)curl_multi_setopt(wh->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	(void)curl_multi_setopt(wh->multi, CURLMOPT_TIMERDATA, wh);

	*whp = wh;
	return 0;
}


static int easy_setup(struct req *r, const char *url, const char *user,
		      const char *pass)
{
	const struct webhttp_opts *o = &r->wh->opts;
	CURL *e = r->easy;
	CURLcode cc = CURLE_OK;

#define SET(opt, val) if (!cc) cc = curl_easy_setopt(e, opt, val)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_HTTPGET, 1L);
	SET(CURLOPT_WRITEFUNCTION, body_discard);
	SET(CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* relays sit on the local network: no proxy from the environment */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_USERAGENT, "baresip-door webrelay");
	SET(CURLOPT_SSL_VERIFYPEER, o->tls_verify ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, o->tls_verify ? 2L : 0L);
	/* no NTLM or Negotiate: only what relays speak */
	SET(CURLOPT_HTTPAUTH, (long)(CURLAUTH_BASIC | CURLAUTH_DIGEST));
	if (pass && *pass) {
		SET(CURLOPT_USERNAME, user ? user : "");
		SET(CURLOPT_PASSWORD, pass);
	}
#undef SET

	return cc ? EINVAL : 0;
}


/**
 * Send GET url. A non-empty pass adds HTTP authentication (user may be
 * NULL for an empty user name); credentials in the URL itself are used by libcurl.
 * doneh is called once with the final result, never from inside this call.
 */
int webhttp_get(struct webhttp *wh, const char *url, const char *user,
		const char *pass, const char *label,
		webhttp_done_h *doneh, void *arg)
{
	struct req *r;
	int err;

	if (!wh || !url || wh->closing)
		return EINVAL;

	/* a flood of events must not exhaust file descriptors */
	if (list_count(&wh->reql) >= REQ_MAX)
		return EBUSY;

	r = mem_zalloc(sizeof(*r), req_destructor);
	if (!r)
		return ENOMEM;

	r->wh = wh;
	tmr_init(&r->retry);
	list_append(&wh->reql, &r->le, r);

	r->easy = curl_easy_init();
	if (!r->easy) {
		err = ENOMEM;
		goto out;
	}

	err = str_dup(&r->label, label ? label : "request");
	if (err)
		goto out;

	err = easy_setup(r, url, user, pass);
	if (err)
		goto out;

	err = req_start(r);
	if (err)
		goto out;

	r->doneh = doneh;
	r->arg = mem_ref(arg);

 out:
	if (err)
		mem_deref(r);

	return err;
}


unsigned webhttp_pending(const struct webhttp *wh)
{
	return wh ? list_count(&wh->reql) : 0;
}
