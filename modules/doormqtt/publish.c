/**
 * @file publish.c  States and events to the broker
 *
 * Reads baresip's event bus like every other listener: door events become
 * state topics (retained) and one JSON object on <base>/event; an incoming
 * call rings the doorbell event entity; access decisions fire the access
 * event entity. Nothing is queued while the broker is away: the states
 * are published afresh at the next connect.
 */
#include <string.h>
#include <mosquitto.h>
#include "door.h"
#include "doormqtt.h"

enum {
	VAL_MAX     = 256,
	PENDING_MAX = 256,   /* unacked messages before new ones are dropped */
};



/**
 * Publish at QoS 1; ENOTCONN while away (nothing kept for later), ENOBUFS
 * while PENDING_MAX messages wait for the broker's ack (a broker that
 * takes but never acks cannot make the queue grow without bound)
 */
int dm_publish(const char *topic, const char *payload, bool retain)
{
	int rc;

	if (!dm.mosq || !dm.connected)
		return ENOTCONN;

	if (dm.pending >= PENDING_MAX)
		return ENOBUFS;

	rc = mosquitto_publish(dm.mosq, NULL, topic, (int)str_len(payload),
			       payload, 1, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		debug("doormqtt: publish %s: %s\n", topic,
		      mosquitto_strerror(rc));
		return EIO;
	}

	++dm.pending;
	dm_sock_update();
	return 0;
}


int dm_publish_state(enum dm_kind kind, unsigned n, bool on)
{
	char topic[DM_TOPIC_MAX + 32];

	re_snprintf(topic, sizeof(topic), "%s/%s/%u/state", dm.cfg.base,
		    dm_kind_name(kind), n);

	return dm_publish(topic, on ? "ON" : "OFF", true);
}


/** A door state as relay names it: closed, open, held or forced */
bool dm_door_state_valid(const char *state)
{
	static const char *names[] = {"closed", "open", "held", "forced"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!str_cmp(state, names[i]))
			return true;
	}

	return false;
}


/* <base>/door/<n>/state: the door's state, or empty (retained: the topic
 * removed) for a relay with no contact */
static int door_publish(unsigned n, const char *state)
{
	char topic[DM_TOPIC_MAX + 32];

	re_snprintf(topic, sizeof(topic), "%s/door/%u/state", dm.cfg.base, n);

	return dm_publish(topic, state, true);
}


static void doors_publish(void)
{
	unsigned n;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		const struct dm_item *it = dm_item_find(&dm.items, DM_RELAY,
							n);

		(void)door_publish(n, it && it->door[0] ? it->door : NULL);
	}
}


/* Availability, discovery and every state: at each connect */
void dm_publish_all(void)
{
	char topic[DM_TOPIC_MAX + 16];
	struct le *le;

	re_snprintf(topic, sizeof(topic), "%s/availability", dm.cfg.base);
	(void)dm_publish(topic, "online", true);

	if (dm.cfg.discovery)
		dm_discovery_publish();

	LIST_FOREACH(&dm.items, le) {
		const struct dm_item *it = le->data;

		(void)dm_publish_state(it->kind, it->n, it->on);
	}

	doors_publish();
}


static void publish_event(const char *sub, const char *json)
{
	char topic[DM_TOPIC_MAX + 16];

	re_snprintf(topic, sizeof(topic), "%s/%s", dm.cfg.base, sub);
	if (dm_publish(topic, json, false))
		++dm.dropped;
}


struct bus_ev {
	struct pl module;
	struct pl event;
	struct pl fields;
};


/* %H: {"module":"relay","event":"relay_open","relay":"1",...} */
static int event_json(struct re_printf *pf, void *arg)
{
	const struct bus_ev *be = arg;
	char val[VAL_MAX];
	struct pl rest = be->fields, key;
	int err, r;

	err = re_hprintf(pf, "{\"module\":\"%r\",\"event\":\"%r\"",
			 &be->module, &be->event);

	while (!err && (r = door_bus_field_next(&rest, &key, val,
						sizeof(val))) != ENOENT) {
		if (r || !re_regex(key.p, key.l, "[^a-z_]"))
			continue;
		err = re_hprintf(pf, ",\"%r\":\"%H\"", &key, door_json_escape,
				 val);
	}

	return err | re_hprintf(pf, "}");
}


/* State topics follow the state events */
static void state_follow(const struct pl *event, const struct pl *fields)
{
	static const struct {
		const char *event;
		const char *field;
		enum dm_kind kind;
		bool on;
	} map[] = {
		{"relay_open",     "relay",  DM_RELAY,  true},
		{"relay_close",    "relay",  DM_RELAY,  false},
		{"input",          "input",  DM_INPUT,  true},
		{"input_released", "input",  DM_INPUT,  false},
		{"output_on",      "output", DM_OUTPUT, true},
		{"output_off",     "output", DM_OUTPUT, false},
	};
	char num[8];
	struct pl pl;
	uint32_t n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		struct dm_item *it;

		if (pl_strcmp(event, map[i].event))
			continue;

		if (door_bus_field(fields, map[i].field, num, sizeof(num)))
			return;
		pl_set_str(&pl, num);
		if (door_parse_u32(&pl, 1, DOOR_MAX_INDEX, &n))
			return;

		it = dm_item_find(&dm.items, map[i].kind, n);
		if (it)
			it->on = map[i].on;
		(void)dm_publish_state(map[i].kind, n, map[i].on);
		return;
	}
}


/* A door contact's state follows door_status (every change, and the
 * state at start) */
static void door_follow(const struct pl *module, const struct pl *event,
			const struct pl *fields)
{
	char num[8], state[8];
	struct dm_item *it;
	struct pl pl;
	uint32_t n;

	if (pl_strcmp(module, "relay") || pl_strcmp(event, "door_status"))
		return;

	if (door_bus_field(fields, "relay", num, sizeof(num)) ||
	    door_bus_field(fields, "state", state, sizeof(state)) ||
	    !dm_door_state_valid(state))
		return;
	pl_set_str(&pl, num);
	if (door_parse_u32(&pl, 1, DOOR_MAX_INDEX, &n))
		return;

	it = dm_item_find(&dm.items, DM_RELAY, n);
	if (it)
		str_ncpy(it->door, state, sizeof(it->door));
	(void)door_publish(n, state);
}


/* A relay record fires for its own decisions: a right DTMF code names
 * its relay, and each relay's open record follows (granted, or denied by
 * an interlock), one event per decision, so the code's record stays; a
 * visitor code added, removed, expired or not saved is no access decision
 * (one refused outside its hours is: code_refused) */
static bool relay_fires(const char *action, const char *relay)
{
	if (!str_cmp(action, "code") && relay[0])
		return false;

	return strncmp(action, "code_", 5) || !str_cmp(action, "code_refused");
}


/* An httpopen record fires unless the relay module decided and recorded
 * it (decided_by); managing visitor codes fires only when the client was
 * denied or locked out, never for a code added, listed or removed */
static bool http_fires(const char *action, const char *result,
		       const char *decided_by)
{
	static const char *codes[] = {
		"codes", "code_add", "code_list", "code_del",
	};
	size_t i;

	if (decided_by[0])
		return false;

	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		if (!str_cmp(action, codes[i]))
			return str_cmp(result, "ok");
	}

	return true;
}


/* An access decision (an audit record of relay or httpopen) fires the
 * access event entity: granted (ok) or denied (denied, locked), with its
 * source; error, and httpopen's challenge and invalid, decide nothing */
static void access_follow(const struct pl *module, const struct pl *event,
			  const struct pl *fields)
{
	char action[16], result[16], source[32], relay[8], decided_by[16];
	char detail[VAL_MAX];
	char json[VAL_MAX + 128];
	const char *type;
	bool fires;

	if (pl_strcmp(event, "audit"))
		return;

	(void)door_bus_field(fields, "action", action, sizeof(action));
	(void)door_bus_field(fields, "result", result, sizeof(result));
	(void)door_bus_field(fields, "relay", relay, sizeof(relay));
	(void)door_bus_field(fields, "decided_by", decided_by,
			     sizeof(decided_by));

	if (!pl_strcmp(module, "relay"))
		fires = relay_fires(action, relay);
	else if (!pl_strcmp(module, "httpopen"))
		fires = http_fires(action, result, decided_by);
	else
		fires = false;
	if (!fires)
		return;

	if (!str_cmp(result, "ok"))
		type = "granted";
	else if (!str_cmp(result, "denied") || !str_cmp(result, "locked"))
		type = "denied";
	else
		return;

	/* the detail says why (an interlock's "interlock: door 1 open");
	 * audit details never hold a code or a password */
	(void)door_bus_field(fields, "source", source, sizeof(source));
	(void)door_bus_field(fields, "detail", detail, sizeof(detail));
	re_snprintf(json, sizeof(json), "{\"event_type\":\"%s\",\"source\":"
		    "\"%H\",\"relay\":\"%H\",\"detail\":\"%H\"}", type,
		    door_json_escape, source, door_json_escape, relay,
		    door_json_escape, detail);
	publish_event("access", json);
}


static void bus_handler(struct ua *ua, enum door_event ev,
			struct call *call, const char *prm, void *arg)
{
	struct bus_ev be;
	char *json = NULL;
	(void)ua;
	(void)call;
	(void)arg;

	if (ev == DOOR_EV_CALL_INCOMING) {
		publish_event("doorbell", "{\"event_type\":\"ring\"}");
		return;
	}

	if (ev != DOOR_EV_MODULE ||
	    door_bus_parse(prm, &be.module, &be.event, &be.fields))
		return;

	state_follow(&be.event, &be.fields);
	door_follow(&be.module, &be.event, &be.fields);
	access_follow(&be.module, &be.event, &be.fields);

	if (!re_sdprintf(&json, "%H", event_json, &be)) {
		publish_event("event", json);
		mem_deref(json);
	}
}


int dm_publish_init(void)
{
	return door_event_register(bus_handler, NULL);
}


void dm_publish_close(void)
{
	door_event_unregister(bus_handler);
}
