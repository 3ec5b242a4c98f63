/**
 * @file codeset.c  DTMF codes per call: one matcher for each call
 *
 * A call gets its own matcher at its first digit, so a caller's failures
 * and lock-out stay with that call and a new call starts afresh. Callers
 * outside the allowlist are reported once per call and ignored after.
 */
#include <string.h>
#include "door.h"

struct codeset {
	struct list calls;
	uint32_t timeout_ms;
	uint32_t max_fail;
	const struct allowlist *allow;
	codeset_fill_h *fillh;
	codeset_h *h;
	void *arg;
};

struct callcodes {
	struct le le;
	struct codeset *cs;
	const struct call *call;
	char peer[256];
	struct matcher *m;
	bool refused;
	bool reported;
};


static void codeset_destructor(void *data)
{
	struct codeset *cs = data;

	list_flush(&cs->calls);
}


static void callcodes_destructor(void *data)
{
	struct callcodes *cc = data;

	list_unlink(&cc->le);
	mem_deref(cc->m);
}


/** allow: NULL or empty lets every caller in; it must outlive the set */
int codeset_alloc(struct codeset **csp, uint32_t timeout_ms,
		  uint32_t max_fail, const struct allowlist *allow,
		  codeset_fill_h *fillh, codeset_h *h, void *arg)
{
	struct codeset *cs;

	if (!csp || !fillh || !h)
		return EINVAL;

	cs = mem_zalloc(sizeof(*cs), codeset_destructor);
	if (!cs)
		return ENOMEM;

	cs->timeout_ms = timeout_ms;
	cs->max_fail   = max_fail;
	cs->allow      = allow;
	cs->fillh      = fillh;
	cs->h          = h;
	cs->arg        = arg;

	*csp = cs;
	return 0;
}


static void matcher_handler(enum matcher_result res, int id, void *arg)
{
	struct callcodes *cc = arg;
	struct codeset *cs = cc->cs;

	cs->h(res, id, cc->peer, matcher_failures(cc->m), cs->arg);
}


static struct callcodes *callcodes_find(const struct codeset *cs,
					const struct call *call)
{
	struct le *le;

	LIST_FOREACH(&cs->calls, le) {
		struct callcodes *cc = le->data;

		if (cc->call == call)
			return cc;
	}

	return NULL;
}


static struct callcodes *callcodes_get(struct codeset *cs,
				       const struct call *call,
				       const char *peer)
{
	struct callcodes *cc = callcodes_find(cs, call);
	int err;

	if (cc)
		return cc;

	cc = mem_zalloc(sizeof(*cc), callcodes_destructor);
	if (!cc)
		return NULL;

	cc->cs = cs;
	cc->call = call;
	str_ncpy(cc->peer, peer ? peer : "", sizeof(cc->peer));
	cc->refused = !allowlist_isempty(cs->allow) &&
		!allowlist_match(cs->allow, cc->peer);

	err = matcher_alloc(&cc->m, cs->timeout_ms, cs->max_fail,
			    matcher_handler, cc);
	if (!err)
		err = cs->fillh(cc->m, cs->arg);
	if (err) {
		warning("door: cannot track DTMF for a call: %m\n", err);
		return mem_deref(cc);
	}

	list_append(&cs->calls, &cc->le, cc);
	return cc;
}


/**
 * A digit received in a call. peer is the caller's URI; it is kept from
 * the call's first digit. The handler may run, with MATCHER_REFUSED once
 * per call for a caller outside the allowlist.
 */
void codeset_feed(struct codeset *cs, const struct call *call,
		  const char *peer, char digit)
{
	struct callcodes *cc;

	if (!cs || !call)
		return;

	cc = callcodes_get(cs, call, peer);
	if (!cc)
		return;

	if (cc->refused) {
		if (!cc->reported) {
			cc->reported = true;
			cs->h(MATCHER_REFUSED, -1, cc->peer, 0, cs->arg);
		}
		return;
	}

	matcher_feed(cc->m, digit);
}


/** The call has closed: forget its digits and failures */
void codeset_call_closed(struct codeset *cs, const struct call *call)
{
	if (cs)
		mem_deref(callcodes_find(cs, call));
}
