/**
 * @file call.c  Call states and DTMF codes, from baresip's UA events
 *
 * Each call gets its own DTMF matcher, so a caller cannot reset the count
 * by pausing; wrong codes also count against the door guard's budget
 * across calls, shared with the relay module (doorguard.c).
 */
#include <string.h>
#include "door.h"
#include "dryio.h"

static struct {
	struct list *outputs;
	struct calltrack *ct;
	struct codeset *codes;
	struct callsweep *sweep;
	struct allowlist *allow;
	bool dtmf;               /* some output has a code */
	uint32_t timeout_ms;
	uint32_t max_fail;
} cs;


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


static const char *output_code(const void *item, int *id)
{
	const struct output *o = item;

	*id = (int)o->n;
	return o->dtmf;
}


/* the relay module's codes are not wrong codes here: foreign */
static int codes_fill(struct matcher *m, void *arg)
{
	(void)arg;
	return door_codes_fill(m, cs.outputs, output_code, "dryio");
}


static void codes_handler(enum matcher_result res, int id, const char *peer,
			  const char *callid, uint32_t failures, void *arg)
{
	struct output *o;
	char rid[16];
	(void)arg;

	/* while suspended no code is judged, so none can be tested */
	if (res != MATCHER_REFUSED && dguard_refused("dryio", callid, peer))
		return;

	switch (res) {

	case MATCHER_MATCH:
		o = output_find(cs.outputs, (unsigned)id);
		if (!o)
			return;

		dguard_success(callid);
		(void)re_snprintf(rid, sizeof(rid), "out%u", o->n);
		info("dryio: DTMF code for out%u (%s) from %H\n", o->n,
		     o->name, door_print_safe, peer);
		audit(rid, peer, "ok", o->name);
		(void)output_trigger(o, "dtmf", peer);
		break;

	case MATCHER_FAIL:
		/* the relay module's codes are foreign codes, never here */
		dguard_fail(callid, failures);
		warning("dryio: DTMF digits from %H match no output code"
			" (%u wrong)\n", door_print_safe, peer, failures);
		audit(NULL, peer, "denied", "wrong code");
		break;

	case MATCHER_LOCKED:
		dguard_fail(callid, failures);
		warning("dryio: DTMF codes locked for the call from %H after"
			" %u wrong codes\n", door_print_safe, peer, failures);
		audit(NULL, peer, "locked", "too many wrong codes");
		break;

	case MATCHER_REFUSED:
		warning("dryio: DTMF from %H ignored: not on"
			" dryio_dtmf_allow\n", door_print_safe, peer);
		audit(NULL, peer, "denied", "caller not allowed");
		break;
	}
}


static void follow(void)
{
	unsigned phases = calltrack_phases(cs.ct);
	struct le *le;

	LIST_FOREACH(cs.outputs, le)
		output_follow(le->data, phases);
}


/* Calls baresip freed without CALL_CLOSED leave no state or output on */
static bool sweep_handler(void *arg)
{
	unsigned held;
	(void)arg;

	if (calltrack_sweep(cs.ct, door_call_alive, NULL))
		follow();

	held = codeset_sweep(cs.codes, door_call_alive, NULL);

	return held > 0 || calltrack_phases(cs.ct) != 0;
}


static void event_handler(struct ua *ua, enum door_event ev,
			  struct call *call, const char *prm, void *arg)
{
	(void)ua;
	(void)arg;

	if (call) {
		const char *id = call_id(call);
		const char *peer = call_peeruri(call);

		if (calltrack_event(cs.ct, ev, id, peer,
				    call_is_outgoing(call)))
			follow();

		switch (ev) {

		case DOOR_EV_CALL_DTMF_START:
			if (cs.dtmf && prm && prm[0])
				codeset_feed(cs.codes, id, peer, prm[0]);
			break;

		case DOOR_EV_CALL_CLOSED:
			codeset_call_closed(cs.codes, id, peer);
			break;

		default:
			break;
		}
	}

	callsweep_run(cs.sweep);
}


int dryio_call_init(struct list *outputs, const struct conf *conf)
{
	char allow[2048] = "";
	struct le *le;
	int err;

	cs.outputs = outputs;
	cs.timeout_ms = 5000;
	cs.max_fail = 3;
	cs.dtmf = false;

	(void)door_conf_seconds(conf, "dryio_dtmf_timeout", &cs.timeout_ms);
	/* 0 used to mean unlimited guesses in a call: refused now */
	(void)door_conf_u32(conf, "dryio_dtmf_max_fail", 1, 100,
			    &cs.max_fail);

	LIST_FOREACH(outputs, le) {
		const struct output *o = le->data;
		char key[32];

		if (!o->dtmf[0])
			continue;

		cs.dtmf = true;
		(void)re_snprintf(key, sizeof(key), "dryio_out%u_dtmf", o->n);
		dguard_code_warn("dryio", key, o->dtmf);
	}

	/* an allowlist that cannot be read must not let everyone in */
	if (door_conf_text(conf, "dryio_dtmf_allow", allow, sizeof(allow)) ==
	    EINVAL) {
		warning("dryio: DTMF codes are off until dryio_dtmf_allow is"
			" fixed\n");
		cs.dtmf = false;
	}

	err = allowlist_alloc(&cs.allow, allow);
	if (!err)
		err = dguard_init("dryio", conf);
	if (!err)
		err = door_foreign_init("dryio");
	if (!err)
		err = calltrack_alloc(&cs.ct);
	if (!err)
		err = callsweep_alloc(&cs.sweep, sweep_handler, NULL);
	if (!err)
		err = codeset_alloc(&cs.codes, cs.timeout_ms, cs.max_fail,
				    cs.allow, codes_fill, codes_handler,
				    NULL);
	if (err)
		return err;

	return door_event_register(event_handler, NULL);
}


void dryio_call_close(void)
{
	door_event_unregister(event_handler);
	cs.sweep = mem_deref(cs.sweep);
	cs.codes = mem_deref(cs.codes);
	cs.ct = mem_deref(cs.ct);
	cs.allow = mem_deref(cs.allow);
	dguard_close();
	door_foreign_close();
	cs.outputs = NULL;
}
