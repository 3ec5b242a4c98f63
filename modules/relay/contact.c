/**
 * @file contact.c  A door relay's door contact: state, alarms, relock
 *
 * relayN_contact names an input line (the shared line layer: libgpiod or
 * file:), debounced by door/dinput.c; door/doorstate.c decides closed,
 * open, held or forced from the contact and the relay's on/off. This file
 * carries the decisions out: log, audit, bus events, the alarm output
 * (dryio_out through its command), the alarm command and relock.
 */
#include <string.h>
#include "door.h"
#include "relay.h"

#define DEBOUNCE_MAX_MS 60000

struct contact {
	struct relay *r;               /* the owner */
	char spec[256];
	struct line_cfg lcfg;
	struct dinput_cfg icfg;
	struct dinput di;
	struct doorstate ds;
	struct tmr tmr;                /* the held deadline */
	bool monitored;                /* the line opened */
	bool relock;
	uint32_t alarm_output;         /* dryio output, 0 for none */
	char *alarm_command;
	uint64_t since;                /* when the door opened or closed */
};

/* doors in alarm per dryio output: one siren shared by several doors
 * stays on until the last of them closes */
static unsigned alarms_on[DOOR_MAX_INDEX + 1];


/* ---- config ---- */

static void destructor(void *data)
{
	struct contact *c = data;

	tmr_cancel(&c->tmr);
	dinput_close(&c->di);
	mem_deref(c->alarm_command);
}


static void key_make(char *key, size_t sz, unsigned n, const char *what)
{
	(void)re_snprintf(key, sz, "relay%u_%s", n, what);
}


/* The keys that tune a contact, read whether relayN_contact is set */
static int conf_tuning(struct contact *c, const struct conf *conf,
		       unsigned n)
{
	uint32_t entry = 5000, held = 30000;
	char key[48];
	int err = 0;

	key_make(key, sizeof(key), n, "contact_open");
	if (dinput_conf_level(conf, "relay", key, &c->icfg.high) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "contact_bias");
	if (dinput_conf_bias(conf, "relay", key, &c->lcfg.bias) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "contact_debounce");
	if (door_conf_u32(conf, key, 0, DEBOUNCE_MAX_MS,
			  &c->icfg.debounce_ms) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "entry_time");
	if (door_conf_seconds(conf, key, &entry) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "held_alarm");
	if (door_conf_seconds(conf, key, &held) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "relock");
	if (door_conf_bool(conf, key, &c->relock) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "alarm_output");
	if (door_conf_u32(conf, key, 1, DOOR_MAX_INDEX,
			  &c->alarm_output) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "alarm_command");
	if (door_conf_command(conf, "relay", key,
			      &c->alarm_command) == EINVAL)
		err = EINVAL;

	c->ds.cfg.entry_ms = entry;
	c->ds.cfg.held_ms = held;

	return err;
}


/**
 * Read relayN_contact and its keys. ENOENT: no contact. EINVAL: a key is
 * malformed (logged, naming it): the relay works without monitoring.
 */
int contact_conf(struct relay *r, const struct conf *conf)
{
	struct contact *c;
	char key[48];
	int err;

	if (!r || !conf)
		return EINVAL;

	c = mem_zalloc(sizeof(*c), destructor);
	if (!c)
		return ENOMEM;

	key_make(key, sizeof(key), r->id, "contact");
	err = door_conf_str(conf, key, c->spec, sizeof(c->spec));
	if (err)
		goto out;

	if (r->type != RELAY_DOOR) {
		warning("relay: config %s: only a door relay has a door"
			" contact; relay %u is not monitored\n", key, r->id);
		err = EINVAL;
		goto out;
	}

	c->r = r;
	c->lcfg.dir = LINE_INPUT;
	c->lcfg.consumer = "baresip-door contact";
	c->icfg.high = true;      /* an NC loop with pull-up: high is open */
	c->icfg.debounce_ms = 50;
	tmr_init(&c->tmr);

	err = conf_tuning(c, conf, r->id);

	/* a line that can no longer be read (unplugged, its file removed)
	 * is an open door: an alarm, and the interlock holds */
	c->lcfg.fail_report = true;
	c->lcfg.fail_level = c->icfg.high;
	if (err)
		warning("relay: relay %u: door contact not monitored: fix"
			" the keys named above\n", r->id);

 out:
	if (err)
		mem_deref(c);
	else
		r->contact = c;

	return err;
}


/* ---- what a change does ---- */

static const char *alarm_action(enum door_state state)
{
	return state == DOOR_FORCED ? "door_forced" : "door_held";
}


static void audit_door(const struct contact *c, const char *action,
		       const char *result, const char *detail)
{
	struct audit_rec rec = {
		.module = "relay", .action = action, .source = "contact",
		.result = result, .detail = detail,
	};
	char rid[8];

	re_snprintf(rid, sizeof(rid), "%u", c->r->id);
	rec.relay = rid;
	(void)audit_write(&rec);
}


static void emit(const struct contact *c, const char *event,
		 enum door_state state)
{
	char rid[8];

	re_snprintf(rid, sizeof(rid), "%u", c->r->id);
	door_bus_emit("relay", event, "relay", rid, "name", c->r->name,
		      "state", doorstate_name(state), "source", "contact",
		      NULL);
}


/* Count c in or out of its output's alarms: whether to switch it (on:
 * always, as a reminder; off: only for the last door in alarm) */
static bool output_count(const struct contact *c, bool on)
{
	unsigned *n = &alarms_on[c->alarm_output];

	if (!c->alarm_output)
		return false;
	if (on)
		++*n;
	else if (*n && --*n)
		return false;

	return true;
}


static void alarm_output(const struct contact *c, bool on)
{
	int err;

	if (!output_count(c, on))
		return;

	err = door_cmd_run(NULL, "dryio_out %u %s", c->alarm_output,
			   on ? "on" : "off");
	if (err == ENOTSUP)
		warning("relay: relay%u_alarm_output: dryio is not loaded\n",
			c->r->id);
	else if (err)
		warning("relay: relay%u_alarm_output: dryio_out %u failed"
			" (%m)\n", c->r->id, c->alarm_output, err);
}


static void alarm_command(const struct contact *c)
{
	int err;

	if (!c->alarm_command)
		return;

	err = door_cmd_run(NULL, "%s", c->alarm_command);
	if (err == ENOTSUP)
		warning("relay: relay%u_alarm_command: no such command (is"
			" the module that registers it loaded?)\n", c->r->id);
	else if (err)
		warning("relay: relay%u_alarm_command failed (%m)\n",
			c->r->id, err);
	else
		info("relay: relay%u_alarm_command done\n", c->r->id);
}


static void alarm_start(const struct contact *c, enum door_state state,
			const char *detail)
{
	warning("relay: door of relay %u (%s) %s: %s\n", c->r->id,
		c->r->name, doorstate_name(state), detail);
	audit_door(c, alarm_action(state), "alarm", detail);
	emit(c, alarm_action(state), state);
	alarm_output(c, true);
	alarm_command(c);
}


static void alarm_end(const struct contact *c, enum door_state was,
		      uint64_t now)
{
	char detail[64];

	re_snprintf(detail, sizeof(detail), "door closed after %llu ms open",
		    (unsigned long long)(now - c->since));
	info("relay: door of relay %u (%s) closed: %s alarm ended\n",
	     c->r->id, c->r->name, doorstate_name(was));
	audit_door(c, alarm_action(was), "ended", detail);
	alarm_output(c, false);
}


static void held_tmr(void *arg);


/* One state change: announced, alarms raised or ended, relock done */
static void changed(struct contact *c, enum door_state was, uint64_t now)
{
	enum door_state state = c->ds.state;
	uint64_t at;

	if (doorstate_deadline(&c->ds, &at))
		tmr_start(&c->tmr, at > now ? at - now : 0, held_tmr, c);
	else
		tmr_cancel(&c->tmr);

	if (state == was)
		return;

	if (state != DOOR_CLOSED && !doorstate_alarm(state))
		info("relay: door of relay %u (%s) open\n", c->r->id,
		     c->r->name);

	emit(c, "door_status", state);

	if (state == DOOR_FORCED)
		alarm_start(c, state, trig_chattering(&c->di.trig) ?
			    "contact chattering: taken as open" :
			    "opened with no access granted");
	else if (state == DOOR_HELD)
		alarm_start(c, state, "open too long after access");

	if (state == DOOR_CLOSED) {
		if (doorstate_alarm(was))
			alarm_end(c, was, now);
		else
			info("relay: door of relay %u (%s) closed\n",
			     c->r->id, c->r->name);
		emit(c, "door_closed", state);
	}

	if (was == DOOR_CLOSED || state == DOOR_CLOSED)
		c->since = now;

	/* only a pulse: relay_on and unlocked hours stay as they were */
	if (state == DOOR_CLOSED && c->relock &&
	    doorstate_relock_due(&c->ds) && c->r->drive &&
	    drive_reason(c->r->drive) == DRIVE_PULSE) {
		info("relay: relay %u (%s) relocked: its door closed\n",
		     c->r->id, c->r->name);
		(void)relay_set(c->r, false, false, "relock", NULL);
	}
}


static void held_tmr(void *arg)
{
	struct contact *c = arg;
	uint64_t now = tmr_jiffies();
	enum door_state was = c->ds.state;

	(void)doorstate_tick(&c->ds, now);
	changed(c, was, now);
}


static void contact_handler(enum trig_action action, void *arg)
{
	struct contact *c = arg;
	uint64_t now = tmr_jiffies();
	enum door_state was = c->ds.state;
	(void)action;

	(void)doorstate_contact(&c->ds, trig_active(&c->di.trig), now);
	changed(c, was, now);
}


/** The relay switched: access begins, or its window starts running out */
void contact_relay_changed(struct relay *r, bool on)
{
	struct contact *c = r ? r->contact : NULL;
	uint64_t now = tmr_jiffies();
	enum door_state was;

	if (!c || !c->monitored)
		return;

	was = c->ds.state;
	(void)doorstate_access(&c->ds, on, now);
	changed(c, was, now);
}


/* ---- state for the commands ---- */

/**
 * Whether the relay's door is monitored and not closed, or its contact
 * reads open while still settling: the debounce delays alarms, never an
 * interlock, and a chattering contact that never settles holds it too
 */
bool relay_door_open(const struct relay *r)
{
	const struct contact *c = r ? r->contact : NULL;

	return c && c->monitored && (c->ds.state != DOOR_CLOSED ||
				     c->di.trig.level == c->di.trig.high);
}


/** The door's state name, NULL when the relay has no monitored contact */
const char *relay_door_state(const struct relay *r)
{
	const struct contact *c = r ? r->contact : NULL;

	return c && c->monitored ? doorstate_name(c->ds.state) : NULL;
}


/* ---- start and stop ---- */

/**
 * Open the contact's line and read the door's state from it: an open
 * door at start is held (an alarm when held_alarm is on), never forced.
 * A line that does not open is one error; the relay works unmonitored.
 */
int contact_attach(struct relay *r)
{
	struct contact *c = r ? r->contact : NULL;
	uint64_t now = tmr_jiffies();
	struct doorstate_cfg dcfg;
	struct dinput_cfg icfg;
	char name[96];
	int err;

	if (!c)
		return 0;

	re_snprintf(name, sizeof(name), "relay: door of relay %u (%s) contact",
		    r->id, r->name);
	icfg = c->icfg;
	icfg.name = name;
	icfg.active_name = "open";

	err = dinput_open(&c->di, c->spec, &c->lcfg, &icfg, contact_handler,
			  c);
	if (err) {
		warning("relay: relay%u_contact: cannot open line '%s' (%s);"
			" relay %u works without door monitoring\n", r->id,
			c->spec, line_error(c->spec, err), r->id);
		return err;
	}

	c->monitored = true;
	c->since = now;
	dcfg = c->ds.cfg;
	doorstate_init(&c->ds, &dcfg, trig_active(&c->di.trig), now);
	if (r->on)
		(void)doorstate_access(&c->ds, true, now);

	info("relay: relay %u (%s): door %s at start\n", r->id, r->name,
	     doorstate_name(c->ds.state));
	emit(c, "door_status", c->ds.state);
	if (c->ds.state == DOOR_HELD)
		alarm_start(c, DOOR_HELD, "open at start");

	return 0;
}


/** Module close: no more events; an alarm output still on goes off */
void contact_close(struct relay *r)
{
	struct contact *c = r ? r->contact : NULL;

	if (!c)
		return;

	tmr_cancel(&c->tmr);
	dinput_close(&c->di);
	if (c->monitored && doorstate_alarm(c->ds.state)) {
		if (door_cmd_exists("dryio_out"))
			alarm_output(c, false);
		else
			(void)output_count(c, false);
	}
	c->monitored = false;
}
