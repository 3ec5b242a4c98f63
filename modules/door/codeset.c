/**
 * @file codeset.c  DTMF codes per call: one matcher for each call
 *
 * A call gets its own matcher at its first digit, so a caller's failures
 * and lock-out stay with that call and a new call starts afresh. Callers
 * outside the allowlist are reported once per call and ignored after.
 * A call is named by Call-ID and peer URI, never by address, and its
 * entry goes when the call closes or a sweep no longer finds it.
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
	char *id;
	char *peer;
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
	mem_deref(cc->id);
	mem_deref(cc->peer);
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

	cs->h(res, id, cc->peer, cc->id, matcher_failures(cc->m), cs->arg);
}


static struct callcodes *callcodes_find(const struct codeset *cs,
					const char *id, const char *peer)
{
	struct le *le;

	LIST_FOREACH(&cs->calls, le) {
		struct callcodes *cc = le->data;

		if (!strcmp(cc->id, id) && !strcmp(cc->peer, peer))
			return cc;
	}

	return NULL;
}


static struct callcodes *callcodes_get(struct codeset *cs, const char *id,
				       const char *peer)
{
	struct callcodes *cc = callcodes_find(cs, id, peer);
	int err;

	if (cc)
		return cc;

	cc = mem_zalloc(sizeof(*cc), callcodes_destructor);
	if (!cc)
		return NULL;

	cc->cs = cs;
	err = str_dup(&cc->id, id);
	if (!err)
		err = str_dup(&cc->peer, peer);
	if (!err)
		err = matcher_alloc(&cc->m, cs->timeout_ms, cs->max_fail,
				    matcher_handler, cc);
	if (!err)
		err = cs->fillh(cc->m, cs->arg);
	if (err) {
		warning("door: cannot track DTMF for a call: %m\n", err);
		return mem_deref(cc);
	}

	cc->refused = !allowlist_isempty(cs->allow) &&
		!allowlist_match(cs->allow, cc->peer);

	list_append(&cs->calls, &cc->le, cc);
	return cc;
}


/**
 * A digit received in the call named id (its Call-ID) and peer (the
 * caller's URI). The handler may run, with MATCHER_REFUSED once per call
 * for a caller outside the allowlist.
 */
void codeset_feed(struct codeset *cs, const char *id, const char *peer,
		  char digit)
{
	struct callcodes *cc;

	if (!cs || !id)
		return;

	cc = callcodes_get(cs, id, peer ? peer : "");
	if (!cc)
		return;

	if (cc->refused) {
		if (!cc->reported) {
			cc->reported = true;
			cs->h(MATCHER_REFUSED, -1, cc->peer, cc->id, 0,
			      cs->arg);
		}
		return;
	}

	matcher_feed(cc->m, digit);
}


/** The call has closed: forget its digits and failures */
void codeset_call_closed(struct codeset *cs, const char *id,
			 const char *peer)
{
	if (cs && id)
		mem_deref(callcodes_find(cs, id, peer ? peer : ""));
}


/**
 * Forget the calls aliveh no longer finds (baresip may free a call without
 * CALL_CLOSED). Returns how many calls are still held.
 */
unsigned codeset_sweep(struct codeset *cs, door_alive_h *aliveh, void *arg)
{
	struct le *le;

	if (!cs || !aliveh)
		return 0;

	le = cs->calls.head;
	while (le) {
		struct callcodes *cc = le->data;

		le = le->next;
		if (!aliveh(cc->id, cc->peer, arg))
			mem_deref(cc);
	}

	return list_count(&cs->calls);
}
