/**
 * @file url.c  Action URLs: composing, checking and printing them safely
 *
 * URLs are parsed with libcurl's own URL parser, so what passes the check
 * at load is exactly what libcurl will send later.
 */
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "webrelay.h"


/* Only printable ASCII without spaces: config values cannot hold more */
static bool url_chars_ok(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}

	return true;
}


bool weburl_is_full(const char *action)
{
	return action && strstr(action, "://") != NULL;
}


static int url_parse(CURLU **up, const char *url, const char **why)
{
	const char *reason = NULL;
	char *scheme = NULL, *host = NULL;
	CURLU *u;
	CURLUcode uc;

	if (!url || !*url) {
		reason = "empty URL";
		goto fail;
	}
	if (!url_chars_ok(url)) {
		reason = "URL holds spaces or characters outside ASCII";
		goto fail;
	}

	/* libcurl reads "http:///x" as host "x"; nobody means that */
	if (strstr(url, ":///")) {
		reason = "no host in the URL";
		goto fail;
	}

	u = curl_url();
	if (!u)
		return ENOMEM;

	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc) {
		reason = curl_url_strerror(uc);
		curl_url_cleanup(u);
		goto fail;
	}

	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")))
		reason = "only http:// and https:// URLs are allowed";
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) || !*host)
		reason = "no host in the URL";

	curl_free(scheme);
	curl_free(host);

	if (reason) {
		curl_url_cleanup(u);
		goto fail;
	}

	*up = u;
	return 0;

 fail:
	if (why)
		*why = reason;
	return EINVAL;
}


int weburl_check(const char *url, const char **why)
{
	CURLU *u = NULL;
	int err;

	err = url_parse(&u, url, why);
	curl_url_cleanup(u);

	return err;
}


static size_t colons(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == ':';

	return n;
}


/*
 * A relative action goes to http://{host}/; host is "host", "host:port",
 * "[v6]:port", a bare IPv6 address, or any of these behind "http://" or
 * "https://" (the way to reach a relay over TLS with relative actions).
 */
int weburl_compose(char **urlp, const char *host, const char *action,
		   const char **why)
{
	const char *scheme = "http", *h;
	size_t hl;
	bool v6;
	char *url = NULL;
	int err;

	if (!urlp || !action)
		return EINVAL;

	if (weburl_is_full(action)) {
		err = weburl_check(action, why);
		if (err)
			return err;
		return str_dup(urlp, action);
	}

	if (!host || !*host) {
		if (why)
			*why = "a relative action needs webrelayN_host";
		return EINVAL;
	}

	h = host;
	if (!strncasecmp(h, "http://", 7)) {
		h += 7;
	}
	else if (!strncasecmp(h, "https://", 8)) {
		scheme = "https";
		h += 8;
	}
	else if (strstr(h, "://")) {
		if (why)
			*why = "only http:// and https:// hosts are allowed";
		return EINVAL;
	}

	hl = strlen(h);
	while (hl && h[hl - 1] == '/')
		--hl;
	if (!hl || memchr(h, '/', hl) || memchr(h, '@', hl)) {
		if (why)
			*why = "host must be host or host:port";
		return EINVAL;
	}

	/* two colons and no brackets: an IPv6 address without a port */
	v6 = h[0] != '[' && colons(h, hl) >= 2;

	while (*action == '/')
		++action;

	err = re_sdprintf(&url, "%s://%s%b%s/%s", scheme, v6 ? "[" : "",
			  h, hl, v6 ? "]" : "", action);
	if (err)
		return err;

	err = weburl_check(url, why);
	if (err) {
		mem_deref(url);
		return err;
	}

	*urlp = url;
	return 0;
}


bool weburl_has_userinfo(const char *url)
{
	CURLU *u = NULL;
	char *user = NULL;
	bool has;

	if (url_parse(&u, url, NULL))
		return false;

	has = !curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_free(user);
	curl_url_cleanup(u);

	return has;
}


/*
 * Query values are hidden: many relays take their password in the query
 * (?pass=..., ?pw=...) and no list of names can know them all.
 */
static int query_mask(struct re_printf *pf, const char *q)
{
	int err = 0;

	while (*q && !err) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);

		if (eq)
			err = re_hprintf(pf, "%b=***", q, (size_t)(eq - q));
		else if (len)
			err = re_hprintf(pf, "***");

		if (!amp)
			break;

		err |= re_hprintf(pf, "&");
		q = amp + 1;
	}

	return err;
}


/** Prints scheme://host[:port]/path[?key=***]: never userinfo or values */
int weburl_redact(struct re_printf *pf, const char *url)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL,
		*query = NULL;
	CURLU *u = NULL;
	int err;

	if (url_parse(&u, url, NULL))
		return re_hprintf(pf, "(invalid URL)");

	(void)curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	(void)curl_url_get(u, CURLUPART_HOST, &host, 0);
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	(void)curl_url_get(u, CURLUPART_PATH, &path, 0);
	(void)curl_url_get(u, CURLUPART_QUERY, &query, 0);

	err = re_hprintf(pf, "%s://%s%s%s%s", scheme, host,
			 port ? ":" : "", port ? port : "",
			 path ? path : "/");
	if (query) {
		err |= re_hprintf(pf, "?");
		err |= query_mask(pf, query);
	}

	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);

	return err;
}
