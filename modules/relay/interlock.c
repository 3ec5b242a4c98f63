/**
 * @file interlock.c  Interlocked doors: one open at a time (an airlock)
 *
 * relay_interlock (or relay_interlock1), relay_interlock2, ...
 * relay_interlock16 each list the door relays of one group ("1,2" or
 * "outer,inner"). While a door of a group is open (its door contact,
 * contact.c, says it is not closed) or its relay is on, every other
 * relay of the group refuses to switch on; switching off is never
 * refused. A relay may sit in several groups. Chime and event relays
 * follow calls, not people: listing one is a config error and it is left
 * out, while the door relays of the group stay interlocked.
 */
#include <string.h>
#include "door.h"
#include "relay.h"

static const struct list *il_relays;


/* ---- config ---- */

/* group 0 is relay_interlock, and relay_interlock1 is read too, so
 * that no spelling of the first group is silently ignored */
static int group_key(char *key, size_t sz, unsigned g)
{
	return (g ? re_snprintf(key, sz, "relay_interlock%u", g) :
		re_snprintf(key, sz, "relay_interlock")) < 0 ? EINVAL : 0;
}


/**
 * The members of one group as a bit per relay number. Each bad member is
 * logged (one line naming the key) and left out, the others are kept, so
 * a typo does not leave the other doors free to open together.
 * EINVAL: something was logged.
 */
int interlock_parse(const char *key, const char *spec,
		    const struct list *relays, uint32_t *members)
{
	struct pl rest, tok;
	uint32_t set = 0;
	int err = 0;

	pl_set_str(&rest, spec);
	while (rest.l) {
		const char *comma = pl_strchr(&rest, ',');
		const struct relay *r;
		char name[64];

		tok.p = rest.p;
		tok.l = comma ? (size_t)(comma - rest.p) : rest.l;
		pl_advance(&rest, tok.l + (comma ? 1 : 0));

		while (tok.l && (tok.p[0] == ' ' || tok.p[0] == '\t'))
			pl_advance(&tok, 1);
		while (tok.l && (tok.p[tok.l-1] == ' ' ||
				 tok.p[tok.l-1] == '\t'))
			--tok.l;

		if (!tok.l || tok.l >= sizeof(name)) {
			warning("relay: config %s: an empty or overlong"
				" member in '%s'\n", key, spec);
			err = EINVAL;
			continue;
		}
		(void)pl_strcpy(&tok, name, sizeof(name));

		r = relay_lookup(relays, name);
		if (!r) {
			warning("relay: config %s: no relay '%s'; left out of"
				" the interlock\n", key, name);
			err = EINVAL;
		}
		else if (r->type != RELAY_DOOR) {
			warning("relay: config %s: relay %u is of type %s;"
				" only door relays are interlocked\n", key,
				r->id, relay_type_name(r->type));
			err = EINVAL;
		}
		else if (set & (1u << r->id)) {
			warning("relay: config %s: relay %u named twice\n",
				key, r->id);
			err = EINVAL;
		}
		else {
			set |= 1u << r->id;
		}
	}

	if (set && !(set & (set - 1))) {
		warning("relay: config %s: an interlock needs two door relays"
			" or more; not applied\n", key);
		set = 0;
		err = EINVAL;
	}
	else if (!set && !err) {
		warning("relay: config %s: no door relay named\n", key);
		err = EINVAL;
	}

	*members = set;
	return err;
}


/**
 * Read every relay_interlock key: each relay learns the others it is
 * interlocked with (r->interlock). EINVAL after logging a bad one.
 */
int interlock_conf(const struct conf *conf, const struct list *relays)
{
	char key[32], spec[512];
	struct le *le;
	unsigned g;
	int err = 0, e;

	il_relays = relays;

	LIST_FOREACH(relays, le) {
		struct relay *r = le->data;

		r->interlock = 0;
	}

	for (g = 0; g <= DOOR_MAX_INDEX; g++) {
		uint32_t members = 0;

		(void)group_key(key, sizeof(key), g);
		/* the whole line: "1, 2" as well as "1,2" */
		e = door_conf_text(conf, key, spec, sizeof(spec));
		if (e == ENOENT)
			continue;
		if (e) {
			err = EINVAL;     /* logged, naming the key */
			continue;
		}

		if (interlock_parse(key, spec, relays, &members))
			err = EINVAL;

		LIST_FOREACH(relays, le) {
			struct relay *r = le->data;

			if (members & (1u << r->id))
				r->interlock |= members & ~(1u << r->id);
		}
	}

	return err;
}


/* ---- the check ---- */

/**
 * Whether switching r on is refused now. The reason ("interlock: door 1
 * open", "interlock: relay 1 on") goes into reason. An open door is named
 * before a relay that is on: it is what people see.
 */
bool interlock_refused(const struct relay *r, char *reason, size_t sz)
{
	const struct relay *on = NULL;
	struct le *le;

	if (!r || !r->interlock || !il_relays)
		return false;

	LIST_FOREACH(il_relays, le) {
		const struct relay *o = le->data;

		if (o == r || !(r->interlock & (1u << o->id)))
			continue;

		if (relay_door_open(o)) {
			(void)re_snprintf(reason, sz, "interlock: door %u"
					  " open", o->id);
			return true;
		}
		if (o->on && !on)
			on = o;
	}

	if (on) {
		(void)re_snprintf(reason, sz, "interlock: relay %u on",
				  on->id);
		return true;
	}

	return false;
}


void interlock_close(void)
{
	il_relays = NULL;
}
