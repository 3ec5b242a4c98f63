/**
 * @file curlapi.c  libcurl, loaded when webrelay first needs it
 *
 * Debian's libcurl4 brings LDAP, Kerberos, RTMP, SSH and, through them,
 * GnuTLS with p11-kit, nettle, gmp and more: about 4.3 MiB of resident
 * memory in baresip, for a door whose config has no web relay and no
 * event URL as much as for one that sends. So webrelay.so does not link
 * libcurl: this file defines the libcurl functions webrelay calls, and the
 * first call (a URL checked while the config is read, the HTTP client made
 * because something is configured) opens libcurl.so.4 and calls
 * curl_global_init(). A door with nothing to send never maps it.
 *
 * The library stays mapped after curl_global_cleanup(): the libraries
 * below it register exit handlers, and unloading them while baresip runs
 * is not safe. A later module load opens the same mapping again.
 *
 * The unit tests and fuzz targets link libcurl directly and not this file.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>
/* curl 8 made curl_url_get()'s handle const, 7.88 (Debian 12) has not:
 * its declaration is kept out of the way and defined here without const,
 * the same call either way */
#define curl_url_get curl_url_get_as_declared
#include <curl/curl.h>
#undef curl_url_get
#include "webrelay.h"

static const char soname[] = "libcurl.so.4";

static struct {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_assign)(CURLM *m, curl_socket_t s, void *p);
	CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t s,
					 int ev_bitmask, int *running);
	CURLMsg *(*multi_info_read)(CURLM *m, int *msgs);
	const char *(*multi_strerror)(CURLMcode code);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_get)(CURLU *u, CURLUPart what, char **part,
			     unsigned int flags);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part,
			     unsigned int flags);
	const char *(*url_strerror)(CURLUcode code);
	void (*free)(void *p);
} api;

#define SYM(f) {"curl_" #f, (void **)&api.f}

static const struct {
	const char *name;
	void **fn;
} syms[] = {
	SYM(global_init), SYM(global_cleanup), SYM(easy_init),
	SYM(easy_cleanup), SYM(easy_setopt), SYM(easy_getinfo),
	SYM(easy_strerror), SYM(multi_init), SYM(multi_cleanup),
	SYM(multi_setopt), SYM(multi_add_handle), SYM(multi_remove_handle),
	SYM(multi_assign), SYM(multi_socket_action), SYM(multi_info_read),
	SYM(multi_strerror), SYM(url), SYM(url_cleanup), SYM(url_get),
	SYM(url_set), SYM(url_strerror), SYM(free),
};

static bool ready;           /* opened and curl_global_init() done */
static bool failed;          /* no libcurl: said once, not tried again */
static const char unavailable[] = "libcurl.so.4 could not be loaded";


static void fail(const char *what, const char *why)
{
	if (!failed)
		warning("webrelay: %s %s: %s: web relays and event URLs"
			" are off\n", what, soname, why ? why : "?");
	failed = true;
	memset(&api, 0, sizeof(api));
}


/* Open libcurl and initialise it, once; false when it cannot be had */
static bool load(void)
{
	void *h;
	size_t i;

	if (ready)
		return true;
	if (failed)
		return false;

	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fail("cannot load", dlerror());
		return false;
	}

	for (i = 0; i < ARRAY_SIZE(syms); i++) {
		*syms[i].fn = dlsym(h, syms[i].name);
		if (!*syms[i].fn) {
			fail(syms[i].name, "missing in");
			return false;
		}
	}

	if (api.global_init(CURL_GLOBAL_DEFAULT)) {
		fail("curl_global_init failed for", NULL);
		return false;
	}

	debug("webrelay: %s loaded\n", soname);
	ready = true;
	return true;
}


/** Whether libcurl has been loaded (for the module's status line) */
bool curlapi_loaded(void)
{
	return ready;
}


CURLcode curl_global_init(long flags)
{
	(void)flags;

	return load() ? CURLE_OK : CURLE_FAILED_INIT;
}


void curl_global_cleanup(void)
{
	if (!ready)
		return;

	api.global_cleanup();
	ready = false;
}


CURL *curl_easy_init(void)
{
	return load() ? api.easy_init() : NULL;
}


void curl_easy_cleanup(CURL *c)
{
	if (ready)
		api.easy_cleanup(c);
}


/* An option's type is in its number (CURLOPTTYPE_*): res = fn(h, opt,
 * the one argument in ap, read as that type) */
#define PASS_OPTION(res, fn, h, opt, ap)				\
	do {								\
		if ((opt) < CURLOPTTYPE_OBJECTPOINT)			\
			res = fn(h, opt, va_arg(ap, long));		\
		else if ((opt) < CURLOPTTYPE_FUNCTIONPOINT)		\
			res = fn(h, opt, va_arg(ap, void *));		\
		else if ((opt) < CURLOPTTYPE_OFF_T)			\
			res = fn(h, opt, va_arg(ap, void (*)(void)));	\
		else if ((opt) < CURLOPTTYPE_BLOB)			\
			res = fn(h, opt, va_arg(ap, curl_off_t));	\
		else							\
			res = fn(h, opt, va_arg(ap, void *));		\
	} while (0)


CURLcode curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	CURLcode res;
	va_list ap;

	if (!ready)
		return CURLE_FAILED_INIT;

	va_start(ap, opt);
	PASS_OPTION(res, api.easy_setopt, c, opt, ap);
	va_end(ap);

	return res;
}


/* Every CURLINFO takes one pointer */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	CURLcode res;
	va_list ap;

	if (!ready)
		return CURLE_FAILED_INIT;

	va_start(ap, info);
	res = api.easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);

	return res;
}


const char *curl_easy_strerror(CURLcode code)
{
	return ready ? api.easy_strerror(code) : unavailable;
}


CURLM *curl_multi_init(void)
{
	return load() ? api.multi_init() : NULL;
}


CURLMcode curl_multi_cleanup(CURLM *m)
{
	return ready ? api.multi_cleanup(m) : CURLM_BAD_HANDLE;
}


CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	CURLMcode res;
	va_list ap;

	if (!ready)
		return CURLM_BAD_HANDLE;

	va_start(ap, opt);
	PASS_OPTION(res, api.multi_setopt, m, opt, ap);
	va_end(ap);

	return res;
}


CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
	return ready ? api.multi_add_handle(m, c) : CURLM_BAD_HANDLE;
}


CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
	return ready ? api.multi_remove_handle(m, c) : CURLM_BAD_HANDLE;
}


CURLMcode curl_multi_assign(CURLM *m, curl_socket_t s, void *p)
{
	return ready ? api.multi_assign(m, s, p) : CURLM_BAD_HANDLE;
}


CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s,
				   int ev_bitmask, int *running)
{
	return ready ? api.multi_socket_action(m, s, ev_bitmask, running) :
		CURLM_BAD_HANDLE;
}


CURLMsg *curl_multi_info_read(CURLM *m, int *msgs)
{
	return ready ? api.multi_info_read(m, msgs) : NULL;
}


const char *curl_multi_strerror(CURLMcode code)
{
	return ready ? api.multi_strerror(code) : unavailable;
}


CURLU *curl_url(void)
{
	return load() ? api.url() : NULL;
}


void curl_url_cleanup(CURLU *u)
{
	if (ready)
		api.url_cleanup(u);
}


CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part,
		       unsigned int flags);

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part,
		       unsigned int flags)
{
	return ready ? api.url_get(u, what, part, flags) :
		CURLUE_OUT_OF_MEMORY;
}


CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part,
		       unsigned int flags)
{
	return ready ? api.url_set(u, what, part, flags) :
		CURLUE_OUT_OF_MEMORY;
}


const char *curl_url_strerror(CURLUcode code)
{
	return ready ? api.url_strerror(code) : unavailable;
}


void curl_free(void *p)
{
	if (ready)
		api.free(p);
}
