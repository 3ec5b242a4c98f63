/**
 * @file inventory.c  The door's relays, inputs and outputs
 *
 * Read through the other modules' own commands, as any client would:
 * relay_status (JSON) for the relays and their door contacts, dryio_list
 * for inputs and outputs. A module not loaded simply contributes nothing.
 */
#include <string.h>
#include "door.h"
#include "doormqtt.h"


static struct dm_item *item_add(struct list *items, enum dm_kind kind,
				unsigned n, const char *name, size_t namelen,
				bool lock, bool on)
{
	struct dm_item *it;

	if (!n || n > DOOR_MAX_INDEX || dm_item_find(items, kind, n))
		return NULL;

	it = mem_zalloc(sizeof(*it), NULL);
	if (!it)
		return NULL;

	it->kind = kind;
	it->n = n;
	it->lock = lock;
	it->on = on;
	if (namelen >= sizeof(it->name))
		namelen = sizeof(it->name) - 1;
	memcpy(it->name, name, namelen);
	list_append(items, &it->le, it);

	return it;
}


static void relays_load(struct list *items)
{
	struct odict *od = NULL;
	const struct odict_entry *arr;
	struct mbuf *mb = mbuf_alloc(1024);
	struct le *le;

	if (!mb)
		return;

	if (door_cmd_run(mb, "relay_status") ||
	    json_decode_odict(&od, 16, (const char *)mb->buf, mb->end, 4))
		goto out;

	arr = odict_lookup(od, "relays");
	if (!arr || arr->type != ODICT_ARRAY)
		goto out;

	LIST_FOREACH(&arr->u.odict->lst, le) {
		const struct odict_entry *e = le->data;
		const char *name, *type, *state, *door;
		struct dm_item *it;
		uint64_t n;

		if (e->type != ODICT_OBJECT ||
		    !odict_get_number(e->u.odict, &n, "relay"))
			continue;

		name  = odict_string(e->u.odict, "name");
		type  = odict_string(e->u.odict, "type");
		state = odict_string(e->u.odict, "state");
		/* null: no door contact, or it could not be opened */
		door  = odict_string(e->u.odict, "door");
		it = item_add(items, DM_RELAY, (unsigned)n, name ? name : "",
			      str_len(name), !str_cmp(type, "door"),
			      !str_cmp(state, "on"));
		if (it && dm_door_state_valid(door))
			str_ncpy(it->door, door, sizeof(it->door));
	}

 out:
	mem_deref(od);
	mem_deref(mb);
}


/* in1  "Doorbell"  file:/x  level=0 ... triggered=no ...
 * out2  "Light"  file:/y  state=on hold=... */
static void dryio_load(struct list *items)
{
	struct mbuf *mb = mbuf_alloc(1024);
	struct pl line, kind, num, name, state;
	const char *p, *end;

	if (!mb)
		return;

	if (door_cmd_run(mb, "dryio_list"))
		goto out;

	p = (const char *)mb->buf;
	end = p + mb->end;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		uint32_t n;

		line.p = p;
		line.l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p = nl ? nl + 1 : end;

		if (re_regex(line.p, line.l, "[a-z]+[0-9]+  \"[^\"]*\"",
			     &kind, &num, &name) || kind.p != line.p ||
		    door_parse_u32(&num, 1, DOOR_MAX_INDEX, &n))
			continue;

		if (!pl_strcmp(&kind, "in")) {
			bool on = !re_regex(line.p, line.l, "triggered=yes");

			item_add(items, DM_INPUT, n, name.p, name.l, false,
				 on);
		}
		else if (!pl_strcmp(&kind, "out")) {
			bool on = !re_regex(line.p, line.l, "state=[a-z]+",
					    &state) &&
				!pl_strcmp(&state, "on");

			item_add(items, DM_OUTPUT, n, name.p, name.l, false,
				 on);
		}
	}

 out:
	mem_deref(mb);
}


/** Read the inventory afresh into items (emptied first) */
int dm_inventory_load(struct list *items)
{
	if (!items)
		return EINVAL;

	list_flush(items);
	relays_load(items);
	dryio_load(items);

	return 0;
}


struct dm_item *dm_item_find(const struct list *items, enum dm_kind kind,
			     unsigned n)
{
	struct le *le;

	LIST_FOREACH(items, le) {
		struct dm_item *it = le->data;

		if (it->kind == kind && it->n == n)
			return it;
	}

	return NULL;
}
