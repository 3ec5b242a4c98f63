/**
 * @file call.c  Call states and DTMF codes, from baresip's UA events
 *
 * Each call gets its own DTMF matcher, so wrong guesses in one call never
 * lock out another, and a caller cannot reset the count by pausing.
 */
#include <string.h>
#include "door.h"
#include "dryio.h"

struct dcall {
	struct le le;
	const struct call *call;
	struct matcher *m;
	char peer[256];
};

static struct {
	struct list *outputs;
	struct calltrack *ct;
	struct list calls;       /* struct dcall */
	bool dtmf;               /* some output has a code */
	uint32_t timeout_ms;
	uint32_t max_fail;
} cs;


static void dcall_destructor(void *data)
{
	struct dcall *dc = data;

	list_unlink(&dc->le);
	mem_deref(dc->m);
}


static void audit(const char *relay, const char *who, const char *result,
		  const char *detail)
{
	struct audit_rec rec = {
		.module = "dryio",
		.action = "dtmf",
		.relay  = relay,
		.source = "dtmf",
		.who    = who,
		.result = result,
		.detail = detail,
	};

	(void)audit_write(&rec);
}


static void matcher_handler(enum matcher_result res, int id, void *arg)
{
	struct dcall *dc = arg;
	struct output *o;
	char rid[16];

	switch (res) {

	case MATCHER_MATCH:
		o = output_find(cs.outputs, (unsigned)id);
		if (!o)
			return;

		(void)re_snprintf(rid, sizeof(rid), "out%u", o->n);
		info("dryio: DTMF code for out%u (%s) from %s\n", o->n,
		     o->name, dc->peer);
		audit(rid, dc->peer, "ok", o->name);
		(void)output_trigger(o, "dtmf", dc->peer);
		break;

	case MATCHER_FAIL:
		/* the relay module's codes arrive here too: not an alarm */
		info("dryio: DTMF digits from %s match no output code"
		     " (%u wrong)\n", dc->peer, matcher_failures(dc->m));
		audit(NULL, dc->peer, "denied", "wrong code");
		break;

	case MATCHER_LOCKED:
		warning("dryio: DTMF codes locked for the call from %s after"
			" %u wrong codes\n", dc->peer,
			matcher_failures(dc->m));
		audit(NULL, dc->peer, "locked", "too many wrong codes");
		break;
	}
}


static struct dcall *dcall_find(const struct call *call)
{
	struct le *le;

	LIST_FOREACH(&cs.calls, le) {
		struct dcall *dc = le->data;

		if (dc->call == call)
			return dc;
	}

	return NULL;
}


static struct dcall *dcall_get(const struct call *call)
{
	struct dcall *dc = dcall_find(call);
	struct le *le;
	int err;

	if (dc)
		return dc;

	dc = mem_zalloc(sizeof(*dc), dcall_destructor);
	if (!dc)
		return NULL;

	dc->call = call;
	str_ncpy(dc->peer, call_peeruri(call), sizeof(dc->peer));

	err = matcher_alloc(&dc->m, cs.timeout_ms, cs.max_fail,
			    matcher_handler, dc);

	LIST_FOREACH(cs.outputs, le) {
		const struct output *o = le->data;

		if (!err && o->dtmf[0])
			err = matcher_add(dc->m, o->dtmf, (int)o->n);
	}

	if (err) {
		warning("dryio: cannot track DTMF for a call: %m\n", err);
		return mem_deref(dc);
	}

	list_append(&cs.calls, &dc->le, dc);
	return dc;
}


static void ua_event_handler(struct ua *ua, enum ua_event ev,
			     struct call *call, const char *prm, void *arg)
{
	struct dcall *dc;
	struct le *le;
	(void)ua;
	(void)arg;

	if (!call)
		return;

	if (calltrack_event(cs.ct, ev, call, call_is_outgoing(call))) {
		unsigned phases = calltrack_phases(cs.ct);

		LIST_FOREACH(cs.outputs, le)
			output_follow(le->data, phases);
	}

	switch (ev) {

	case UA_EVENT_CALL_DTMF_START:
		if (!cs.dtmf || !prm || !prm[0])
			break;

		dc = dcall_get(call);
		if (dc)
			matcher_feed(dc->m, prm[0]);
		break;

	case UA_EVENT_CALL_CLOSED:
		mem_deref(dcall_find(call));
		break;

	default:
		break;
	}
}


int dryio_call_init(struct list *outputs, const struct conf *conf)
{
	struct le *le;
	int err;

	cs.outputs = outputs;
	cs.timeout_ms = 5000;
	cs.max_fail = 3;
	cs.dtmf = false;

	(void)door_conf_seconds(conf, "dryio_dtmf_timeout", &cs.timeout_ms);
	(void)door_conf_u32(conf, "dryio_dtmf_max_fail", 0, 100,
			    &cs.max_fail);

	LIST_FOREACH(outputs, le) {
		const struct output *o = le->data;

		if (o->dtmf[0])
			cs.dtmf = true;
	}

	err = calltrack_alloc(&cs.ct);
	if (err)
		return err;

	return uag_event_register(ua_event_handler, NULL);
}


void dryio_call_close(void)
{
	uag_event_unregister(ua_event_handler);
	list_flush(&cs.calls);
	cs.ct = mem_deref(cs.ct);
	cs.outputs = NULL;
}
