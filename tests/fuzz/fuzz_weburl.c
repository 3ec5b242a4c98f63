/**
 * @file fuzz_weburl.c  webrelay URLs: composing from host and action,
 * event templates filled from a command's query, and their redaction
 *
 * Input: host, action and template each on a line, then the event query
 * ("relay=1&peer=sip:..."). A redacted URL never shows a query value:
 * each part of its query is empty or ends in "***".
 */
#include "fuzz.h"
#include "../../modules/webrelay/webrelay.h"


static void redact_check(const char *url)
{
	const char *q, *amp;
	char *red = NULL;

	if (re_sdprintf(&red, "%H", weburl_redact, url))
		return;

	q = strchr(red, '?');
	for (; q; q = amp) {
		const char *end;

		amp = strchr(q + 1, '&');
		end = amp ? amp : q + 1 + strlen(q + 1);
		FUZZ_CHECK(end == q + 1 ||
			   (end - (q + 1) >= 3 && !memcmp(end - 3, "***", 3)));
	}

	(void)weburl_has_userinfo(url);
	mem_deref(red);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl host, action, tmpl, query;
	struct webevent_vars *vars = NULL;
	char *h = NULL, *a = NULL, *t = NULL, *qs = NULL, *url = NULL;
	const char *why = NULL;
	enum webevent_id id;

	if (!fuzz_split(data, size, &host, &action) ||
	    !fuzz_split((const uint8_t *)action.p, action.l, &action, &tmpl) ||
	    !fuzz_split((const uint8_t *)tmpl.p, tmpl.l, &tmpl, &query))
		return 0;

	h = fuzz_str(&host);
	a = fuzz_str(&action);
	t = fuzz_str(&tmpl);
	qs = fuzz_str(&query);
	if (!h || !a || !t || !qs)
		goto out;

	if (!weburl_compose(&url, h, a, &why)) {
		FUZZ_CHECK(!weburl_check(url, &why));
		redact_check(url);
		url = mem_deref(url);
	}
	else {
		FUZZ_CHECK(why != NULL);
	}

	(void)webevent_parse_name(h, &id);

	if (!webevent_query_decode(&vars, qs, &why) &&
	    !webevent_subst(&url, t, vars))
		redact_check(url);

 out:
	mem_deref(url);
	mem_deref(vars);
	mem_deref(h);
	mem_deref(a);
	mem_deref(t);
	mem_deref(qs);
	return 0;
}
