/**
 * @file calls.c  Calls found by name, and per-call state swept when they go
 *
 * baresip owns its calls and may free one without any event (1.0.0 does
 * when a transfer fails and on quit), so no module keeps a struct call
 * beyond the event that carried it. A call is named by its Call-ID and
 * peer URI and found again in every user agent's call list.
 */
#include <string.h>
#include "door.h"

#define SWEEP_MS 500   /* while a call is tracked: catch silent frees */

struct callsweep {
	struct tmr tmr;
	callsweep_h *h;
	void *arg;
};


/** The call with this Call-ID and peer URI, or NULL when it has gone */
struct call *door_call_find(const char *id, const char *peer)
{
	struct le *le, *lc;

	if (!id)
		return NULL;

	LIST_FOREACH(uag_list(), le) {
		LIST_FOREACH(ua_calls(le->data), lc) {
			struct call *call = lc->data;

			if (!str_cmp(call_id(call), id) &&
			    !str_cmp(call_peeruri(call), peer ? peer : ""))
				return call;
		}
	}

	return NULL;
}


/** door_alive_h for the calls in baresip's lists */
bool door_call_alive(const char *id, const char *peer, void *arg)
{
	(void)arg;

	return door_call_find(id, peer) != NULL;
}


static void sweep_timeout(void *arg)
{
	callsweep_run(arg);
}


static void callsweep_destructor(void *data)
{
	struct callsweep *sw = data;

	tmr_cancel(&sw->tmr);
}


/** h sweeps a module's per-call state, on demand and by a timer */
int callsweep_alloc(struct callsweep **swp, callsweep_h *h, void *arg)
{
	struct callsweep *sw;

	if (!swp || !h)
		return EINVAL;

	sw = mem_zalloc(sizeof(*sw), callsweep_destructor);
	if (!sw)
		return ENOMEM;

	tmr_init(&sw->tmr);
	sw->h = h;
	sw->arg = arg;

	*swp = sw;
	return 0;
}


/**
 * Sweep now, after each UA event; the timer runs only while a call is
 * tracked, so an idle door costs nothing.
 */
void callsweep_run(struct callsweep *sw)
{
	if (!sw)
		return;

	if (sw->h(sw->arg))
		tmr_start(&sw->tmr, SWEEP_MS, sweep_timeout, sw);
	else
		tmr_cancel(&sw->tmr);
}
