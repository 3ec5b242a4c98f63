/**
 * @file output.c  One relay: its config, its line and its state machine
 */
#include <string.h>
#include "door.h"
#include "relay.h"

enum { RELAY_OFF_RETRY_MS = 1000 };


static void relay_destructor(void *data)
{
	struct relay *r = data;

	tmr_cancel(&r->tmr);
	mem_deref(r->line);
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
	int mode = RELAY_MONOSTABLE, type = RELAY_DOOR, err = 0;

	if (!rp || !conf || n < 1 || n > DOOR_MAX_INDEX)
		return EINVAL;

	conf_key(key, sizeof(key), n, "gpio");
	if (conf_get(conf, key, &pl) || !pl_isset(&pl))
		return ENOENT;

	r = mem_zalloc(sizeof(*r), relay_destructor);
	if (!r)
		return ENOMEM;

	tmr_init(&r->tmr);
	r->id = n;
	r->hold_ms = 5000;
	re_snprintf(r->name, sizeof(r->name), "Relay %u", n);

	if (door_conf_str(conf, key, r->spec, sizeof(r->spec)) == EINVAL)
		err = EINVAL;

	conf_key(key, sizeof(key), n, "name");
	if (door_conf_text(conf, key, r->name, sizeof(r->name)) == EINVAL)
		err = EINVAL;

	conf_key(key, sizeof(key), n, "active_low");
	if (door_conf_bool(conf, key, &r->active_low) == EINVAL)
		err = EINVAL;

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

	conf_key(key, sizeof(key), n, "hold");
	if (door_conf_seconds(conf, key, &r->hold_ms) == EINVAL)
		err = EINVAL;

	conf_key(key, sizeof(key), n, "event");
	if (!conf_get(conf, key, &pl) && pl_isset(&pl)) {
		if (door_phase_parse(&pl, &r->phase)) {
			warning("relay: config %s: '%r' is not incoming,"
				" outgoing, established or call\n", key, &pl);
			err = EINVAL;
		}
	}
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
	if (door_conf_bool(conf, key, &r->remote) == EINVAL)
		err = EINVAL;

	if (err) {
		mem_deref(r);
		return EINVAL;
	}

	*rp = r;
	return 0;
}


/** Open the relay's line, off. On failure the relay stays, disabled. */
int relay_attach(struct relay *r, relay_change_h *changeh, void *arg)
{
	struct line_cfg cfg = {
		.dir = LINE_OUTPUT,
		.active_low = r->active_low,
		.consumer = "baresip-door relay",
	};
	int err;

	r->changeh = changeh;
	r->arg = arg;

	err = line_open(&r->line, r->spec, &cfg, NULL, NULL);
	if (err) {
		warning("relay: relay%u_gpio: cannot open line '%s' (%s);"
			" relay %u disabled\n", r->id, r->spec,
			line_error(r->spec, err), r->id);
	}

	return err;
}


static void hold_expired(void *arg)
{
	struct relay *r = arg;

	/* fail-secure: a line that would not switch off is tried again,
	 * rather than left on until someone next opens the relay */
	if (relay_set(r, false, false, "timer", NULL) && r->line)
		tmr_start(&r->tmr, RELAY_OFF_RETRY_MS, hold_expired, r);
}


/**
 * Switch the relay. timed: turn off again after the hold delay.
 * The change handler runs only when the state really changed.
 */
int relay_set(struct relay *r, bool on, bool timed, const char *source,
	      const char *who)
{
	bool was;
	int err;

	if (!r)
		return EINVAL;
	if (!r->line)
		return ENODEV;

	err = line_set(r->line, on);
	if (err) {
		warning("relay: relay %u: cannot drive line '%s' (%m)\n",
			r->id, r->spec, err);
		return err;
	}

	was = r->on;
	r->on = on;

	if (on && timed && r->hold_ms)
		tmr_start(&r->tmr, r->hold_ms, hold_expired, r);
	else
		tmr_cancel(&r->tmr);

	if (was != on && r->changeh)
		r->changeh(r, on, source, who, r->arg);

	return 0;
}


/** Open as configured: a monostable pulse, or a bistable change */
int relay_trigger(struct relay *r, const char *source, const char *who)
{
	if (!r)
		return EINVAL;

	if (r->mode == RELAY_BISTABLE)
		return relay_set(r, !r->on, false, source, who);

	return relay_set(r, true, true, source, who);
}


const char *relay_act_name(enum relay_act act)
{
	static const char *const names[] = {"open", "close", "on", "toggle"};

	return (size_t)act < ARRAY_SIZE(names) ? names[act] : "?";
}


/** An access action: carried out, then audited whatever its result */
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
	case RELAY_ACT_TOGGLE:
		err = relay_set(r, !r->on, !r->on && r->mode ==
				RELAY_MONOSTABLE, source, who);
		break;
	default:
		err = EINVAL;
		break;
	}

	re_snprintf(rid, sizeof(rid), "%u", r->id);
	rec.relay  = rid;
	rec.result = err ? "error" : "ok";
	(void)audit_write(&rec);

	return err;
}


/** Fail-secure: line off, timer stopped, no change reported */
void relay_shutdown(struct relay *r)
{
	if (!r)
		return;

	tmr_cancel(&r->tmr);
	r->changeh = NULL;
	if (r->line)
		(void)line_set(r->line, false);
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
