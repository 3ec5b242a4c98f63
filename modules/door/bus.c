/**
 * @file bus.c  Door events on baresip's event bus
 *
 * Every door module announces its state changes and access decisions as a
 * baresip module event (MODULE on baresip 1.1.0), so ctrl_tcp clients,
 * baresip's mqtt module, webrelay and doormqtt all hear the same thing.
 * The event's text is stable:
 *
 *   <module>,<event>,<key>=<value>&<key>=<value>...
 *
 * values percent-encoded. It never carries a password or a code.
 */
#include <stdarg.h>
#include <string.h>
#include "door.h"

enum { TEXT_MAX = 255 };

/* The modules whose events door_bus_parse() accepts */
static const char *door_modules[] = {
	"door", "relay", "dryio", "httpopen", "webrelay", "doormqtt",
};


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


/* Raise it with a real user agent when there is one: no listener of the
 * bus need cope with a NULL one */
static struct ua *first_ua(void)
{
	struct le *le = list_head(uag_list());

	return le ? le->data : NULL;
}


static int emitv(const char *module, const char *event, va_list ap)
{
	struct re_printf pf;
	struct mbuf *mb;
	const char *key;
	size_t keep;
	int ev, err;

	if (!module || !event)
		return EINVAL;

	ev = door_event_ua(DOOR_EV_MODULE);
	if (ev < 0)
		return ENOTSUP;

	mb = mbuf_alloc(128);
	if (!mb)
		return ENOMEM;
	pf.vph = print_mbuf;
	pf.arg = mb;

	err = mbuf_printf(mb, "%s,%s,", module, event);
	keep = mb->end;

	while (!err && (key = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);
		size_t start = mb->end;

		err = mbuf_printf(mb, "%s%s=", start > keep ? "&" : "", key);
		err |= door_pct_encode(&pf, val ? val : "");
		if (mb->end > TEXT_MAX) {
			mb->end = start;
			break;
		}
	}

	if (!err)
		ua_event(first_ua(), (enum ua_event)ev, NULL, "%b",
			 mb->buf, mb->end);

	mem_deref(mb);
	return err;
}


/**
 * Announce a door event: door_bus_emit("relay", "relay_open", "relay", "1",
 * "source", "dtmf", NULL). Fields that do not fit the bus's 255 characters
 * are left off, whole.
 */
int door_bus_emit(const char *module, const char *event, ...)
{
	va_list ap;
	int err;

	va_start(ap, event);
	err = emitv(module, event, ap);
	va_end(ap);

	return err;
}


/**
 * An alarm of the shared code (audit_error, relay_state_unsaved), as a
 * door event of module "door": door_announce("audit_error", "file", path,
 * NULL)
 */
int door_announce(const char *event, ...)
{
	va_list ap;
	int err;

	va_start(ap, event);
	err = emitv("door", event, ap);
	va_end(ap);

	return err;
}


/**
 * Split a bus event's text into module, event and fields; ENOENT when it
 * is no door event
 */
int door_bus_parse(const char *prm, struct pl *module, struct pl *event,
		   struct pl *fields)
{
	struct pl m, e, f;
	size_t i;

	if (re_regex(prm, str_len(prm), "[a-z]+,[a-z_]+,[^]*", &m, &e, &f))
		return ENOENT;

	for (i = 0; i < ARRAY_SIZE(door_modules); i++) {
		if (!pl_strcmp(&m, door_modules[i]))
			break;
	}
	if (i == ARRAY_SIZE(door_modules))
		return ENOENT;

	if (module)
		*module = m;
	if (event)
		*event = e;
	if (fields)
		*fields = f;

	return 0;
}


/**
 * Take the next "key=value" off rest, its value percent-decoded into val;
 * ENOENT when none is left, EINVAL for a malformed pair (skipped)
 */
int door_bus_field_next(struct pl *rest, struct pl *key, char *val,
			size_t sz)
{
	const char *amp, *eq, *p;
	struct pl pair;
	size_t n = 0;

	if (!rest || !key || !val || !sz)
		return EINVAL;

	if (!rest->l)
		return ENOENT;

	amp = pl_strchr(rest, '&');
	pair.p = rest->p;
	pair.l = amp ? (size_t)(amp - rest->p) : rest->l;
	pl_advance(rest, amp ? pair.l + 1 : pair.l);

	eq = pl_strchr(&pair, '=');
	if (!eq || eq == pair.p)
		return EINVAL;

	key->p = pair.p;
	key->l = (size_t)(eq - pair.p);

	for (p = eq + 1; p < pair.p + pair.l; p++) {
		char c = *p;

		if (c == '%') {
			int hi, lo;

			if (p + 2 >= pair.p + pair.l ||
			    (hi = door_hex_digit(p[1])) < 0 ||
			    (lo = door_hex_digit(p[2])) < 0)
				return EINVAL;
			c = (char)(hi << 4 | lo);
			p += 2;
		}
		if (n + 1 >= sz)
			return EINVAL;
		val[n++] = c;
	}
	val[n] = '\0';

	return 0;
}


/** The decoded value of key in fields ("" and ENOENT when absent) */
int door_bus_field(const struct pl *fields, const char *key, char *val,
		   size_t sz)
{
	struct pl rest, k;
	int err;

	if (!fields || !val || !sz)
		return EINVAL;

	rest = *fields;
	while ((err = door_bus_field_next(&rest, &k, val, sz)) != ENOENT) {
		if (!err && !pl_strcmp(&k, key))
			return 0;
	}

	val[0] = '\0';
	return ENOENT;
}
