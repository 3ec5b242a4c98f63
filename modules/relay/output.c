/**
 * @file output.c  One relay: its config, its line and its state machine
 */
#include <string.h>
#include "door.h"
#include "relay.h"

static void relay_destructor(void *data)
{
	struct relay *r = data;

	mem_deref(r->drive);
	mem_deref(r->contact);
}


static int conf_key(char *key, size_t sz, unsigned n, const char *what)
{
	return re_snprintf(key, sz, "relay%u_%s", n, what) < 0 ? EINVAL : 0;
}


static int conf_enum(const struct conf *conf, const char *key,
		     const char *const names[], size_t count, int *val)
{
	struct pl pl;
	size_t i;

	if (conf_get(conf, key, &pl) || !pl_isset(&pl))
		return ENOENT;

	for (i = 0; i < count; i++) {
		if (!pl_strcasecmp(&pl, names[i])) {
			*val = (int)i;
			return 0;
		}
	}

	warning("relay: config %s: unknown value '%r'\n", key, &pl);
	return EINVAL;
}


static const char *const mode_names[] = {"monostable", "bistable"};
static const char *const type_names[] = {"door", "chime", "event"};


/**
 * Read relayN_* keys. ENOENT: relayN_gpio is not set, there is no relay N.
 * EINVAL: a key is malformed (already logged, naming it); no relay.
 */
int relay_conf(struct relay **rp, const struct conf *conf, unsigned n)
{
	struct relay *r;
	char key[64];
	struct pl pl;
	static const struct drive_keys keys = {"relay", "relay", "event",
					       "Relay"};
	struct drive_conf dc;
	int mode = RELAY_MONOSTABLE, type = RELAY_DOOR, err;

	if (!rp || !conf || n < 1 || n > DOOR_MAX_INDEX)
		return EINVAL;

	err = drive_conf_read(&dc, conf, &keys, n);
	if (err == ENOENT)
		return err;

	r = mem_zalloc(sizeof(*r), relay_destructor);
	if (!r)
		return ENOMEM;

	r->id = n;
	str_ncpy(r->spec, dc.spec, sizeof(r->spec));
	str_ncpy(r->name, dc.name, sizeof(r->name));
	r->active_low = dc.active_low;
	r->hold_ms = dc.hold_ms;
	r->phase = dc.phase;

	conf_key(key, sizeof(key), n, "mode");
	if (conf_enum(conf, key, mode_names, ARRAY_SIZE(mode_names),
		      &mode) == EINVAL)
		err = EINVAL;
	r->mode = (enum relay_mode)mode;

	conf_key(key, sizeof(key), n, "type");
	if (conf_enum(conf, key, type_names, ARRAY_SIZE(type_names),
		      &type) == EINVAL)
		err = EINVAL;
	r->type = (enum relay_type)type;

	if (r->mode == RELAY_MONOSTABLE && r->type == RELAY_DOOR &&
	    !r->hold_ms && !err) {
		/* a door that never closes again is not a monostable relay */
		warning("relay: config relay%u_hold: a monostable door relay"
			" needs a hold delay above 0\n", n);
		err = EINVAL;
	}
	if (r->type == RELAY_EVENT && !r->phase && !err) {
		warning("relay: config relay%u_type is event but relay%u_event"
			" is not set\n", n, n);
		err = EINVAL;
	}

	conf_key(key, sizeof(key), n, "dtmf");
	if (!conf_get(conf, key, &pl) && pl_isset(&pl)) {
		/* the code itself is a secret: never echo it */
		if (pl.l >= sizeof(r->code) ||
		    (pl_strcpy(&pl, r->code, sizeof(r->code)),
		     !door_dtmf_code_valid(r->code))) {
			warning("relay: config %s: a code is 1 to 16 of"
				" 0-9 * # A-D\n", key);
			r->code[0] = '\0';
			err = EINVAL;
		}
	}

	r->remote = r->code[0] != '\0';
	conf_key(key, sizeof(key), n, "remote");
	switch (door_conf_bool(conf, key, &r->remote)) {

	case EINVAL: err = EINVAL; break;
	case 0:      r->no_dtmf = !r->remote; break;
	default:     break;
	}

	if (err) {
		mem_deref(r);
		return EINVAL;
	}

	*rp = r;
	return 0;
}


/* The shared output model reports each real change; the relay mirrors it
 * and passes it on, unless the module is closing */
static void drive_changed(bool on, enum drive_reason reason,
			  const char *source, const char *who, void *arg)
{
	struct relay *r = arg;
	(void)reason;

	r->on = on;
	if (r->changeh)
		r->changeh(r, on, source, who, r->arg);
}


/** Open the relay's line, off. On failure the relay stays, disabled. */
int relay_attach(struct relay *r, relay_change_h *changeh, void *arg)
{
	struct line_cfg cfg = {
		.dir = LINE_OUTPUT,
		.active_low = r->active_low,
		.consumer = "baresip-door relay",
	};
	struct drive_cfg dcfg = {.name = r->label};
	struct line *line = NULL;
	int err;

	r->changeh = changeh;
	r->arg = arg;
	re_snprintf(r->label, sizeof(r->label), "relay: relay %u", r->id);

	err = line_open(&line, r->spec, &cfg, NULL, NULL);
	if (err) {
		warning("relay: relay%u_gpio: cannot open line '%s' (%s);"
			" relay %u disabled\n", r->id, r->spec,
			line_error(r->spec, err), r->id);
		return err;
	}

	return drive_alloc(&r->drive, line, &dcfg, drive_changed, r);
}


/**
 * Switch the relay. timed: turn off again after the hold delay. A
 * switch-off the line refuses is retried (see drive.c). The change
 * handler runs only when the state really changed.
 */
int relay_set(struct relay *r, bool on, bool timed, const char *source,
	      const char *who)
{
	if (!r)
		return EINVAL;
	if (!r->drive)
		return ENODEV;

	if (!on)
		return drive_off(r->drive, source, who);
	if (timed && r->hold_ms)
		return drive_on(r->drive, DRIVE_PULSE, r->hold_ms, source,
				who);

	return drive_on(r->drive, DRIVE_LATCHED, 0, source, who);
}


/** Open as configured: a monostable pulse, or a bistable change */
int relay_trigger(struct relay *r, const char *source, const char *who)
{
	if (!r)
		return EINVAL;

	/* on for its unlocked hours: a pulse must not end them early */
	if (r->drive && drive_reason(r->drive) == DRIVE_SCHEDULE)
		return 0;

	if (r->mode == RELAY_BISTABLE)
		return relay_set(r, !r->on, false, source, who);

	return relay_set(r, true, true, source, who);
}


const char *relay_act_name(enum relay_act act)
{
	static const char *const names[] = {"open", "close", "on", "toggle",
					    "on"};

	return (size_t)act < ARRAY_SIZE(names) ? names[act] : "?";
}


/* Whether act would switch r on: what an interlock may refuse */
static bool act_switches_on(const struct relay *r, enum relay_act act)
{
	switch (act) {

	case RELAY_ACT_OPEN:
		return r->mode == RELAY_MONOSTABLE || !r->on;
	case RELAY_ACT_ON:
	case RELAY_ACT_HOURS:
		return true;
	case RELAY_ACT_TOGGLE:
		return !r->on;
	default:
		return false;
	}
}


/**
 * Whether an interlock refuses act on r now, with the reason. Only a
 * change that switches the relay on is ever refused.
 */
bool relay_act_refused(const struct relay *r, enum relay_act act,
		       char *reason, size_t sz)
{
	return r && r->drive && act_switches_on(r, act) &&
		interlock_refused(r, reason, sz);
}


/* An interlock refusal: logged, audited, announced; r->refused says why */
static int act_refused(struct relay *r, struct audit_rec *rec)
{
	info("relay: %s (%u) %s refused (%s%s%H): %s\n", r->name, r->id,
	     rec->action, rec->source ? rec->source : "",
	     rec->who ? " " : "", door_print_safe, (void *)rec->who,
	     r->refused);

	rec->result = "denied";
	rec->detail = r->refused;
	(void)audit_write(rec);

	door_bus_emit("relay", "relay_refused", "relay", rec->relay,
		      "name", r->name, "action", rec->action,
		      "source", rec->source,
		      "peer", rec->who, "detail", r->refused, NULL);

	return EBUSY;
}


/**
 * An access action: carried out, then audited whatever its result.
 * EBUSY: refused by an interlock (interlock.c), the reason in r->refused.
 */
int relay_act(struct relay *r, enum relay_act act, const char *source,
	      const char *who)
{
	struct audit_rec rec = {
		.module = "relay", .action = relay_act_name(act),
		.source = source, .who = who,
	};
	char rid[8];
	int err;

	if (!r)
		return EINVAL;

	re_snprintf(rid, sizeof(rid), "%u", r->id);
	rec.relay = rid;
	r->refused[0] = '\0';
	if (relay_act_refused(r, act, r->refused, sizeof(r->refused)))
		return act_refused(r, &rec);

	switch (act) {

	case RELAY_ACT_OPEN:
		err = relay_trigger(r, source, who);
		break;
	case RELAY_ACT_CLOSE:
		err = relay_set(r, false, false, source, who);
		break;
	case RELAY_ACT_ON:
		err = relay_set(r, true, false, source, who);
		break;
	case RELAY_ACT_HOURS:
		err = r->drive ? drive_on(r->drive, DRIVE_SCHEDULE, 0, source,
					  who) : ENODEV;
		break;
	case RELAY_ACT_TOGGLE:
		err = relay_set(r, !r->on, !r->on && r->mode ==
				RELAY_MONOSTABLE, source, who);
		break;
	default:
		err = EINVAL;
		break;
	}

	rec.result = err ? "error" : "ok";
	(void)audit_write(&rec);

	return err;
}


/** Fail-secure: line off, timer stopped, no change reported */
void relay_shutdown(struct relay *r)
{
	if (!r)
		return;

	r->changeh = NULL;
	drive_close(r->drive);
	r->on = false;
}


const char *relay_mode_name(enum relay_mode mode)
{
	return (size_t)mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}


const char *relay_type_name(enum relay_type type)
{
	return (size_t)type < ARRAY_SIZE(type_names) ? type_names[type] : "?";
}


/** By number ("2") or by name, case-insensitive */
struct relay *relay_lookup(const struct list *relays, const char *key)
{
	struct pl pl;
	uint32_t id = 0;
	struct le *le;

	if (!key || !*key)
		return NULL;

	pl_set_str(&pl, key);
	(void)door_parse_u32(&pl, 1, DOOR_MAX_INDEX, &id);

	LIST_FOREACH(relays, le) {
		struct relay *r = le->data;

		if ((id && r->id == id) || (!id && !str_casecmp(r->name, key)))
			return r;
	}

	return NULL;
}
