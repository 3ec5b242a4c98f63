/**
 * @file event.c  Events from the other modules and their action URLs
 *
 * Door events come from baresip's bus ("<module>,<event>,<query>") or the
 * webrelay_event command ("webrelay_event <event> <query>"),
 * the query being key=value pairs joined by '&' with percent-encoded
 * values. The values fill the $relay, $name, $source, $peer, $input and
 * $state placeholders of the event's URL, percent-encoded again there.
 */
#include <stddef.h>
#include <string.h>
#include "webrelay.h"

enum { VALUE_MAX = 256 };

static const char *event_names[WEBEVENT_COUNT] = {
	"relay_open",
	"relay_close",
	"code_ok",
	"code_bad",
	"input",
	"door_status",
	"door_forced",
	"door_held",
	"door_closed",
};

struct var_def {
	const char *name;
	size_t offset;
};

static const struct var_def var_defs[] = {
	{"relay",  offsetof(struct webevent_vars, relay)},
	{"name",   offsetof(struct webevent_vars, name)},
	{"source", offsetof(struct webevent_vars, source)},
	{"peer",   offsetof(struct webevent_vars, peer)},
	{"input",  offsetof(struct webevent_vars, input)},
	{"state",  offsetof(struct webevent_vars, state)},
};


static char **var_field(struct webevent_vars *v, const struct var_def *d)
{
	return (char **)(void *)((uint8_t *)v + d->offset);
}


static const char *var_value(const struct webevent_vars *v,
			     const struct var_def *d)
{
	if (!v)
		return "";

	return *(char * const *)(const void *)((const uint8_t *)v + d->offset);
}


int webevent_parse_name(const char *name, enum webevent_id *idp)
{
	size_t i;

	for (i = 0; i < WEBEVENT_COUNT; i++) {
		if (!str_cmp(name, event_names[i])) {
			*idp = (enum webevent_id)i;
			return 0;
		}
	}

	return ENOENT;
}


const char *webevent_name(enum webevent_id id)
{
	return id < WEBEVENT_COUNT ? event_names[id] : "?";
}


static void vars_destructor(void *data)
{
	struct webevent_vars *v = data;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(var_defs); i++)
		mem_deref(*var_field(v, &var_defs[i]));
}


/* '+' stays '+': the values are percent-encoded, and SIP users such as
 * "+4930..." keep their plus sign */
static int percent_decode(char **strp, const char *p, size_t len,
			  const char **why)
{
	char *out;
	size_t i, o = 0;

	if (len > 3 * VALUE_MAX) {
		*why = "value too long";
		return EINVAL;
	}

	out = mem_alloc(len + 1, NULL);
	if (!out)
		return ENOMEM;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '%') {
			int hi = i + 2 < len ? door_hex_digit(p[i + 1]) : -1;
			int lo = i + 2 < len ? door_hex_digit(p[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				*why = "bad percent-encoding";
				goto fail;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}

		/* control characters would forge log lines */
		if (c < 0x20 || c == 0x7f) {
			*why = "control character in a value";
			goto fail;
		}

		out[o++] = (char)c;
	}

	if (o > VALUE_MAX) {
		*why = "value too long";
		goto fail;
	}

	out[o] = '\0';
	*strp = out;
	return 0;

 fail:
	mem_deref(out);
	return EINVAL;
}


/**
 * Decode "relay=1&name=Front%20door&source=dtmf". Unknown keys are
 * skipped, so a module announcing more than this one knows still works.
 */
int webevent_query_decode(struct webevent_vars **varsp, const char *query,
			  const char **why)
{
	struct webevent_vars *v;
	const char *reason = "bad query";
	const char *p = query ? query : "";
	int err = 0;

	if (!varsp)
		return EINVAL;

	v = mem_zalloc(sizeof(*v), vars_destructor);
	if (!v)
		return ENOMEM;

	while (*p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t i;

		if (len) {
			if (!eq || eq == p) {
				reason = "query item is not key=value";
				err = EINVAL;
				break;
			}

			for (i = 0; i < ARRAY_SIZE(var_defs); i++) {
				const struct var_def *d = &var_defs[i];
				char **field = var_field(v, d);
				char *val = NULL;

				if (strlen(d->name) != (size_t)(eq - p) ||
				    memcmp(d->name, p, (size_t)(eq - p)))
					continue;

				err = percent_decode(&val, eq + 1,
						     len - (size_t)(eq - p) - 1,
						     &reason);
				if (err)
					break;

				mem_deref(*field);
				*field = val;
				break;
			}
			if (err)
				break;
		}

		if (!amp)
			break;
		p = amp + 1;
	}

	if (err) {
		if (why)
			*why = reason;
		mem_deref(v);
		return err;
	}

	*varsp = v;
	return 0;
}


static const struct var_def *var_at(const char *p)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(var_defs); i++) {
		size_t n = strlen(var_defs[i].name);

		if (!strncmp(p, var_defs[i].name, n))
			return &var_defs[i];
	}

	return NULL;
}


struct subst {
	const char *tmpl;
	const struct webevent_vars *vars;
};


static int subst_print(struct re_printf *pf, const struct subst *sb)
{
	const struct webevent_vars *vars = sb->vars;
	const char *p = sb->tmpl;
	int err = 0;

	while (*p && !err) {
		const char *dollar = strchr(p, '$');
		const struct var_def *d;

		if (!dollar) {
			err = re_hprintf(pf, "%s", p);
			break;
		}

		err = re_hprintf(pf, "%b", p, (size_t)(dollar - p));

		d = var_at(dollar + 1);
		if (d) {
			err |= door_pct_encode(pf, var_value(vars, d));
			p = dollar + 1 + strlen(d->name);
		}
		else {
			/* not a placeholder: a '$' the URL itself holds */
			err |= re_hprintf(pf, "$");
			p = dollar + 1;
		}
	}

	return err;
}


int webevent_subst(char **urlp, const char *tmpl,
		   const struct webevent_vars *vars)
{
	const struct subst sb = {tmpl, vars};

	if (!urlp || !tmpl)
		return EINVAL;

	return re_sdprintf(urlp, "%H", subst_print, &sb);
}
