/**
 * @file status.c  relay_status's JSON, kept until something changes
 *
 * An API client polling /api/relay/status on a kept connection made
 * httpopen run the relay module's relay_status command for every request:
 * the command lookup and the JSON printing were a third of the time spent
 * on a status answer. The JSON members are kept here and dropped:
 *
 * - on every door event (a relay that switches announces it on the bus
 *   before its command returns, so the next status is fresh) and every
 *   other UA event baresip raises;
 * - after MAX_AGE_MS in any case: then relay_status is looked up again
 *   (the lookup alone cost a tenth of a status answer), so what no event
 *   announces, the relay module unloaded or loaded again, shows within
 *   that time.
 *
 * Without the event map (door_event_register failed) nothing is kept.
 */
#include <string.h>
#include "httpopen.h"

enum {
	MAX_AGE_MS = 20,
};

struct status_cache {
	struct mbuf *json;        /* the members, without the braces */
	uint64_t made;            /* ms, monotonic */
	bool valid;
	bool events;              /* registered for door events */
};


static void event_handler(struct ua *ua, enum door_event ev,
			  struct call *call, const char *prm, void *arg)
{
	struct status_cache *sc = arg;
	(void)ua;
	(void)ev;
	(void)call;
	(void)prm;

	sc->valid = false;
}


static void destructor(void *data)
{
	struct status_cache *sc = data;

	if (sc->events)
		door_event_unregister(event_handler);
	mem_deref(sc->json);
}


int status_cache_alloc(struct status_cache **scp)
{
	struct status_cache *sc;

	if (!scp)
		return EINVAL;

	sc = mem_zalloc(sizeof(*sc), destructor);
	if (!sc)
		return ENOMEM;

	sc->json = mbuf_alloc(1024);
	if (!sc->json) {
		mem_deref(sc);
		return ENOMEM;
	}

	sc->events = !door_event_register(event_handler, sc);
	if (!sc->events)
		info("httpopen: no door events: relay_status runs for every"
		     " status request\n");

	*scp = sc;
	return 0;
}


/**
 * The members of relay_status's JSON object (the text between its
 * braces), valid until the next call. ENOTSUP when the relay module is
 * not loaded, EPROTO when its answer is no JSON object.
 */
int status_cache_get(struct status_cache *sc, struct pl *members,
		     uint64_t now)
{
	int err;

	if (!sc || !members)
		return EINVAL;

	if (!sc->valid || now - sc->made >= MAX_AGE_MS) {
		sc->valid = false;
		if (!door_cmd_exists("relay_status"))
			return ENOTSUP;

		err = reply_members(sc->json, "relay_status");
		if (err)
			return err;

		sc->made = now;
		sc->valid = sc->events;
	}

	members->p = (const char *)sc->json->buf;
	members->l = sc->json->end;

	return 0;
}
