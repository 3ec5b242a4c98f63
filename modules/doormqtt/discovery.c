/**
 * @file discovery.c  Home Assistant MQTT discovery
 *
 * One device per door. Each door relay is a lock (unlocking sends OPEN,
 * locking OFF), other relays and the outputs are switches, each input a
 * binary sensor (dryio_inN_class sets its device class), each relay with
 * a door contact two binary sensors (the door: on while not closed; its
 * alarm: on while held or forced), plus a doorbell
 * event entity (ring) and an access event entity (granted, denied). All
 * retained under <prefix>/<component>/<id>/<object>/config; an object no
 * longer configured gets an empty retained config, which removes it.
 */
#include <string.h>
#include "door.h"
#include "doormqtt.h"

#ifndef DOORMQTT_VERSION
#define DOORMQTT_VERSION "0"
#endif


static int device_print(struct re_printf *pf, void *arg)
{
	(void)arg;

	return re_hprintf(pf, "\"device\":{\"identifiers\":[\"baresip-door_%s"
			  "\"],\"name\":\"%H\",\"model\":\"baresip-door\","
			  "\"manufacturer\":\"baresip-door\","
			  "\"sw_version\":\"%s\"}", dm.cfg.id,
			  door_json_escape, dm.cfg.name, DOORMQTT_VERSION);
}


/* The keys every entity has: name, ids, availability, device */
static int common_print(struct re_printf *pf, const char *object,
			const char *name)
{
	return re_hprintf(pf, "\"name\":\"%H\",\"unique_id\":\"%s_%s\","
			  "\"object_id\":\"%s_%s\","
			  "\"availability_topic\":\"%s/availability\",%H",
			  door_json_escape, name, dm.cfg.id, object,
			  dm.cfg.id, object, dm.cfg.base, device_print, NULL);
}


static void config_publish(const char *component, const char *object,
			   const char *payload)
{
	char topic[DM_TOPIC_MAX + 128];

	re_snprintf(topic, sizeof(topic), "%s/%s/%s/%s/config",
		    dm.cfg.prefix, component, dm.cfg.id, object);
	(void)dm_publish(topic, payload ? payload : "", true);
}


static int item_print(struct re_printf *pf, void *arg)
{
	const struct dm_item *it = arg;
	const char *kind = dm_kind_name(it->kind);
	char object[16], cls[32] = "", key[32];
	int err;

	re_snprintf(object, sizeof(object), "%s%u", kind, it->n);
	err = re_hprintf(pf, "{");
	err |= common_print(pf, object, it->name[0] ? it->name : object);
	err |= re_hprintf(pf, ",\"state_topic\":\"%s/%s/%u/state\"",
			  dm.cfg.base, kind, it->n);

	if (it->kind != DM_INPUT)
		err |= re_hprintf(pf, ",\"command_topic\":\"%s/%s/%u/set\"",
				  dm.cfg.base, kind, it->n);

	if (it->lock) {
		err |= re_hprintf(pf, ",\"payload_unlock\":\"OPEN\","
				  "\"payload_lock\":\"OFF\","
				  "\"state_unlocked\":\"ON\","
				  "\"state_locked\":\"OFF\"");
	}
	else if (it->kind == DM_INPUT) {
		err |= re_hprintf(pf, ",\"payload_on\":\"ON\","
				  "\"payload_off\":\"OFF\"");
		re_snprintf(key, sizeof(key), "dryio_in%u_class", it->n);
		if (!door_conf_str(conf_cur(), key, cls, sizeof(cls)) &&
		    re_regex(cls, str_len(cls), "[^a-z_]"))
			err |= re_hprintf(pf, ",\"device_class\":\"%s\"",
					  cls);
	}
	else {
		err |= re_hprintf(pf, ",\"payload_on\":\"ON\","
				  "\"payload_off\":\"OFF\","
				  "\"state_on\":\"ON\",\"state_off\":\"OFF\"");
	}

	return err | re_hprintf(pf, "}");
}


/* The two binary sensors of a door contact, read from <base>/door/<n>/state
 * (closed, open, held, forced) by a template */
struct door_ent {
	const struct dm_item *it;
	bool alarm;
};


static int door_print(struct re_printf *pf, void *arg)
{
	const struct door_ent *d = arg;
	char object[24], name[96];
	int err;

	re_snprintf(object, sizeof(object), "door%u%s", d->it->n,
		    d->alarm ? "_alarm" : "");
	if (d->it->name[0])
		re_snprintf(name, sizeof(name), "%s %s", d->it->name,
			    d->alarm ? "alarm" : "contact");
	else
		re_snprintf(name, sizeof(name), "Door %u%s", d->it->n,
			    d->alarm ? " alarm" : "");

	err = re_hprintf(pf, "{");
	err |= common_print(pf, object, name);
	err |= re_hprintf(pf, ",\"state_topic\":\"%s/door/%u/state\","
			  "\"payload_on\":\"ON\",\"payload_off\":\"OFF\",",
			  dm.cfg.base, d->it->n);
	if (d->alarm)
		err |= re_hprintf(pf, "\"device_class\":\"problem\","
				  "\"value_template\":\"{{ 'ON' if value in"
				  " ('held', 'forced') else 'OFF' }}\"");
	else
		err |= re_hprintf(pf, "\"device_class\":\"door\","
				  "\"value_template\":\"{{ 'OFF' if value =="
				  " 'closed' else 'ON' }}\"");

	return err | re_hprintf(pf, "}");
}


static void door_entity(const struct dm_item *it, bool alarm)
{
	struct door_ent d = {it, alarm};
	char object[24], *json = NULL;

	re_snprintf(object, sizeof(object), "door%u%s", it->n,
		    alarm ? "_alarm" : "");
	if (re_sdprintf(&json, "%H", door_print, &d))
		return;

	config_publish("binary_sensor", object, json);
	mem_deref(json);
}


static const char *component(const struct dm_item *it)
{
	if (it->kind == DM_INPUT)
		return "binary_sensor";

	return it->lock ? "lock" : "switch";
}


struct event_ent {
	const char *object;
	const char *name;
	const char *types;
	const char *cls;
};


static int event_print(struct re_printf *pf, void *arg)
{
	const struct event_ent *e = arg;
	int err;

	err = re_hprintf(pf, "{");
	err |= common_print(pf, e->object, e->name);
	err |= re_hprintf(pf, ",\"state_topic\":\"%s/%s\","
			  "\"event_types\":[%s]", dm.cfg.base, e->object,
			  e->types);
	if (e->cls)
		err |= re_hprintf(pf, ",\"device_class\":\"%s\"", e->cls);

	return err | re_hprintf(pf, "}");
}


static void event_entity(const char *object, const char *name,
			 const char *types, const char *cls)
{
	struct event_ent e = {object, name, types, cls};
	char *json = NULL;

	if (re_sdprintf(&json, "%H", event_print, &e))
		return;

	config_publish("event", object, json);
	mem_deref(json);
}


/* Empty configs for whatever a number could have been and is not now */
static void stale_clear(void)
{
	static const struct {
		enum dm_kind kind;
		const char *component;
		int lock;        /* -1 any, else the lock flag it must have */
	} objs[] = {
		{DM_RELAY,  "lock",          1},
		{DM_RELAY,  "switch",        0},
		{DM_OUTPUT, "switch",       -1},
		{DM_INPUT,  "binary_sensor", -1},
	};
	char object[24];
	unsigned n;
	size_t i;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		const struct dm_item *r = dm_item_find(&dm.items, DM_RELAY, n);

		if (!r || !r->door[0]) {
			re_snprintf(object, sizeof(object), "door%u", n);
			config_publish("binary_sensor", object, NULL);
			re_snprintf(object, sizeof(object), "door%u_alarm", n);
			config_publish("binary_sensor", object, NULL);
		}

		for (i = 0; i < ARRAY_SIZE(objs); i++) {
			const struct dm_item *it;

			it = dm_item_find(&dm.items, objs[i].kind, n);
			if (it && (objs[i].lock < 0 ||
				   objs[i].lock == (int)it->lock))
				continue;

			re_snprintf(object, sizeof(object), "%s%u",
				    dm_kind_name(objs[i].kind), n);
			config_publish(objs[i].component, object, NULL);
		}
	}
}


void dm_discovery_publish(void)
{
	struct le *le;

	LIST_FOREACH(&dm.items, le) {
		const struct dm_item *it = le->data;
		char object[16], *json = NULL;

		re_snprintf(object, sizeof(object), "%s%u",
			    dm_kind_name(it->kind), it->n);
		if (re_sdprintf(&json, "%H", item_print, it))
			continue;
		config_publish(component(it), object, json);
		mem_deref(json);

		if (it->kind == DM_RELAY && it->door[0]) {
			door_entity(it, false);
			door_entity(it, true);
		}
	}

	event_entity("doorbell", "Doorbell", "\"ring\"", "doorbell");
	event_entity("access", "Access", "\"granted\",\"denied\"", NULL);
	stale_clear();
}
