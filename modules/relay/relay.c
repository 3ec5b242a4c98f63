/**
 * @file relay.c  Local relays on GPIO: door, chime-bell and event relays
 *
 * Door relays open on a DTMF code during a call, on commands and (through
 * httpopen) over HTTP. Chime relays ring while an incoming call does.
 * Event relays follow a call state. Module close leaves every relay off.
 */
#include <string.h>
#include "door.h"
#include "relay.h"


/* ---- config and state ---- */

static struct list relays;
static struct calltrack *calls;
static struct callsweep *sweep;
static struct dtmf_cfg dtmf_cfg;
static char *state_file;
static bool state_unsaved;       /* the last save failed */
static struct tmr state_tmr;     /* retries a failed save */
static unsigned phases;          /* call phases in progress */

#define STATE_RETRY_MS 5000


static void load_relays(const struct conf *conf)
{
	unsigned n;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		struct relay *r = NULL;
		int err = relay_conf(&r, conf, n);

		if (err == ENOENT)
			continue;
		if (err) {
			warning("relay: relay %u not created: fix its config"
				" keys\n", n);
			continue;
		}

		list_append(&relays, &r->le, r);
		(void)contact_conf(r, conf);
	}
}


/* ---- the state file ---- */

static void state_retry(void *arg);


/* Retried every STATE_RETRY_MS from now on, until a save succeeds */
static void state_unsaved_set(void)
{
	state_unsaved = true;
	tmr_start(&state_tmr, STATE_RETRY_MS, state_retry, NULL);
}


/*
 * Save every bistable state. A failure is logged, audited and announced
 * once, then retried quietly until a save succeeds: until then commands
 * say so, and the next start leaves the relays off (store.c).
 */
static void state_save(void)
{
	struct audit_rec rec = {
		.module = "relay", .action = "save", .source = "store",
		.result = "error",
		.detail = "state not saved: bistable relays start off",
	};
	bool removed;
	int err;

	if (!state_file)
		return;

	err = store_save(state_file, &relays, &removed);
	if (!err) {
		if (state_unsaved)
			info("relay: relay_state_file %s saved again\n",
			     state_file);
		state_unsaved = false;
		tmr_cancel(&state_tmr);
		return;
	}

	if (state_unsaved) {
		state_unsaved_set();
		return;
	}

	if (removed) {
		warning("relay: relay_state_file %s: cannot save (%m); old"
			" state removed, bistable relays will start off\n",
			state_file, err);
	}
	else {
		warning("relay: relay_state_file %s: cannot save (%m) nor"
			" remove the old state; it is not restored unless it"
			" can be rewritten at start\n", state_file, err);
	}

	state_unsaved_set();
	(void)audit_write(&rec);
	door_announce("relay_state_unsaved", "file", state_file, NULL);
}


static void state_retry(void *arg)
{
	(void)arg;
	state_save();
}


bool relay_state_unsaved(void)
{
	return state_unsaved;
}


/* Each relay a stale file would have switched on is audited, refused */
static void state_refused(uint32_t on)
{
	struct audit_rec rec = {
		.module = "relay", .action = "on", .source = "restore",
		.result = "denied",
		.detail = "state file cannot be rewritten: may be stale",
	};
	struct le *le;
	char rid[8];

	LIST_FOREACH(&relays, le) {
		const struct relay *r = le->data;

		if (!(on & (1u << r->id)))
			continue;

		re_snprintf(rid, sizeof(rid), "%u", r->id);
		rec.relay = rid;
		(void)audit_write(&rec);
	}
}


/*
 * The relays to switch back on, as a bit per relay number. Fail-secure:
 * a file that cannot be read, is malformed, or cannot be rewritten now
 * (so a change after it may have been lost) restores nothing, with one
 * log line. Rewriting it first, with every relay still off, also means a
 * crash halfway through the restore leaves nothing on.
 */
static uint32_t state_restorable(void)
{
	uint32_t on = 0, bistable = 0;
	struct le *le;
	int err;

	LIST_FOREACH(&relays, le) {
		const struct relay *r = le->data;

		if (r->mode == RELAY_BISTABLE && r->drive)
			bistable |= 1u << r->id;
	}
	if (!bistable)
		return 0;

	err = store_load(state_file, &on);
	if (err == ENOENT) {
		info("relay: relay_state_file %s: none saved yet; bistable"
		     " relays start off\n", state_file);
		return 0;
	}
	if (err) {
		warning("relay: relay_state_file %s: unreadable or malformed"
			" (%m); bistable relays start off\n", state_file,
			err);
		return 0;
	}

	on &= bistable;
	if (!on)
		return 0;

	err = store_save(state_file, &relays, NULL);
	if (err) {
		warning("relay: relay_state_file %s cannot be rewritten"
			" (%m), so a later change may have been lost: not"
			" restored, bistable relays start off\n", state_file,
			err);
		state_refused(on);

		/* rewritten (all off) as soon as it can be, so the stale
		 * "on" is gone before the next start */
		state_unsaved_set();
		return 0;
	}

	return on;
}


/* ---- event handlers ---- */

static void change_handler(struct relay *r, bool on, const char *source,
			   const char *who, void *arg)
{
	char rid[8];
	(void)arg;

	info("relay: %s (%u) %s (%s%s%H)\n", r->name, r->id,
	     on ? "on" : "off", source ? source : "", who ? " " : "",
	     door_print_safe, (void *)who);

	if (r->mode == RELAY_BISTABLE)
		state_save();

	sched_changed(r, on, source);
	contact_relay_changed(r, on);

	re_snprintf(rid, sizeof(rid), "%u", r->id);
	door_bus_emit("relay", on ? "relay_open" : "relay_close", "relay", rid,
		      "name", r->name, "source", source, "peer", who, NULL);
}


/* Chime and event relays follow the calls in progress; those that end
 * switch off before those that begin switch on (break before make) */
static void follow_calls(unsigned now)
{
	bool ringing = now & DOOR_PHASE_INCOMING;
	bool was_ringing = phases & DOOR_PHASE_INCOMING;
	struct le *le;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		bool on = pass == 1;

		LIST_FOREACH(&relays, le) {
			struct relay *r = le->data;
			bool want = r->type == RELAY_CHIME ? ringing :
				(now & r->phase) != 0;

			if (r->type == RELAY_CHIME) {
				/* the hold delay caps a call nobody answers */
				if (ringing != was_ringing && want == on)
					(void)relay_set(r, on, true, "call",
							NULL);
			}
			else if (r->type == RELAY_EVENT) {
				if (want != r->on && want == on && on)
					(void)drive_on(r->drive, DRIVE_CALL, 0,
						       "call", NULL);
				else if (want != r->on && want == on)
					(void)relay_set(r, false, false,
							"call", NULL);
			}
		}
	}

	phases = now;
}


/* Calls baresip freed without CALL_CLOSED leave no state or relay on */
static bool sweep_handler(void *arg)
{
	(void)arg;

	if (calltrack_sweep(calls, door_call_alive, NULL))
		follow_calls(calltrack_phases(calls));

	return dtmf_sweep() > 0 || calltrack_phases(calls) != 0;
}


static void event_handler(struct ua *ua, enum door_event ev,
			  struct call *call, const char *prm, void *arg)
{
	(void)ua;
	(void)arg;

	if (call) {
		if (calltrack_event(calls, ev, call_id(call),
				    call_peeruri(call),
				    call_is_outgoing(call)))
			follow_calls(calltrack_phases(calls));

		switch (ev) {

		case DOOR_EV_CALL_DTMF_START:
			if (prm && prm[0])
				dtmf_digit(call, prm[0], false);
			break;

		case DOOR_EV_CALL_CLOSED:
			dtmf_call_closed(call);
			break;

		default:
			break;
		}
	}

	callsweep_run(sweep);
}


/* ---- init and close ---- */

static int init(void)
{
	const struct conf *conf = conf_cur();
	char remote[32] = "";
	struct le *le;
	uint32_t on;
	int err;

	/* before anything is switched: a baresip we cannot read is refused */
	err = door_event_init();
	if (err)
		return err;

	audit_configure(conf);

	err = calltrack_alloc(&calls);
	if (!err)
		err = callsweep_alloc(&sweep, sweep_handler, NULL);
	if (err)
		return err;

	(void)door_conf_dup(conf, "relay_state_file", &state_file);

	if (!door_conf_str(conf, "relay_remote_dtmf", remote,
			   sizeof(remote)) && !door_dtmf_code_valid(remote)) {
		warning("relay: config relay_remote_dtmf: a code is 1 to 16"
			" of 0-9 * # A-D; unlock will not send one\n");
		remote[0] = '\0';
	}

	if (dtmf_conf(&dtmf_cfg, conf))
		warning("relay: the DTMF settings named above were not"
			" applied\n");

	load_relays(conf);

	/* before the first switch: a restored relay is interlocked too */
	if (interlock_conf(conf, &relays))
		warning("relay: the interlock settings named above were not"
			" all applied\n");

	LIST_FOREACH(&relays, le) {
		struct relay *r = le->data;
		char key[32];

		if (r->remote && r->code[0]) {
			(void)re_snprintf(key, sizeof(key), "relay%u_dtmf",
					  r->id);
			dguard_code_warn("relay", key, r->code);
		}

		(void)relay_attach(r, change_handler, NULL);
		(void)contact_attach(r);
	}

	/* audited as an "on" with source "restore" */
	on = state_file ? state_restorable() : 0;
	LIST_FOREACH(&relays, le) {
		struct relay *r = le->data;

		if (!(on & (1u << r->id)))
			continue;

		info("relay: %s (%u) restored on\n", r->name, r->id);
		(void)relay_act(r, RELAY_ACT_ON, "restore", NULL);
	}

	/* visitor codes, and the TOTP steps otp_conf() takes from them */
	err = codes_init(conf, &relays);
	if (err)
		return err;

	if (otp_conf(conf, &relays))
		warning("relay: the TOTP settings named above were not"
			" applied\n");
	if (sched_init(conf, &relays))
		warning("relay: the time profiles named above were not"
			" applied\n");

	err  = dguard_init("relay", conf);
	err |= door_foreign_init("relay");
	err |= otp_init(&relays);
	err |= dtmf_init(&dtmf_cfg, &relays);
	err |= relay_cmd_init(&relays, remote);
	err |= door_event_register(event_handler, NULL);
	err |= rtpdtmf_init("relay");
	if (err)
		return err;

	info("relay: %u relay%s configured\n", list_count(&relays),
	     list_count(&relays) == 1 ? "" : "s");
	return 0;
}


static int module_close(void)
{
	struct le *le;

	rtpdtmf_close();
	door_event_unregister(event_handler);
	sweep = mem_deref(sweep);
	relay_cmd_close();
	dtmf_close();
	otp_close();
	codes_close();
	sched_close();
	dguard_close();
	door_foreign_close();

	/* fail-secure, and without touching the saved bistable states */
	LIST_FOREACH(&relays, le) {
		contact_close(le->data);
		relay_shutdown(le->data);
	}

	interlock_close();
	list_flush(&relays);
	calls = mem_deref(calls);
	dtmf_cfg.allow = mem_deref(dtmf_cfg.allow);
	tmr_cancel(&state_tmr);
	state_unsaved = false;
	state_file = mem_deref(state_file);
	phases = 0;
	audit_close();

	return 0;
}


/* the config file is read once for all the keys init reads */
static int module_init(void)
{
	return door_conf_once(init);
}


DOOR_EXPORT const struct mod_export exports = {
	"relay",
	"application",
	module_init,
	module_close,
};
