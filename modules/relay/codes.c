/**
 * @file codes.c  Visitor codes, added and removed at run time
 *
 * relay_code_add gives a DTMF code to one or more door relays, until a
 * time, for a number of openings or during a time profile; relay_code_del
 * takes it back; relay_code_list shows them, never a code. They live in
 * relay_codes_file (default: "relay_codes" in baresip's config folder),
 * mode 0600, rewritten whole and atomically on each change and read at
 * start. A file that cannot be read is one error: visitor codes are then
 * off (and nothing is written over the file) while config and TOTP codes
 * keep working. The same file keeps each relay's last accepted TOTP step,
 * so a TOTP code used before a restart stays used.
 *
 * A visitor code is one more code in each call's matcher (dtmf.c), under
 * the same rules as the others. An expired code stops at once: one
 * wall-clock timer waits for the next expiry (and wakes on a clock step),
 * and a match is checked again when it is judged. Every addition,
 * removal, use, expiry and refusal is audited and put on the bus with
 * the code's id and name, never the code.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>
#include "door.h"
#include "relay.h"

#define CODES_RETRY_MS 5000
#define CODES_USES_MAX 100000

static struct {
	const struct list *relays;
	char *path;
	struct vstore *vs;
	bool broken;             /* the file could not be read */
	bool unsaved;            /* the last save failed */
	struct walltimer *wt;
	struct tmr retry;
} co;


/* ---- the file ---- */

static void save_retry(void *arg);


/* Save the store; a failure is logged and audited once, then retried */
static int codes_save(void)
{
	const struct audit_rec rec = {
		.module = "relay", .action = "code_save", .source = "store",
		.result = "error",
		.detail = "relay_codes_file not written: retrying",
	};
	int err;

	if (!co.path || co.broken)
		return 0;

	err = vstore_save(co.path, co.vs);
	if (!err) {
		if (co.unsaved)
			info("relay: relay_codes_file %s written again\n",
			     co.path);
		co.unsaved = false;
		tmr_cancel(&co.retry);
		return 0;
	}

	if (!co.unsaved) {
		warning("relay: relay_codes_file %s: cannot write it (%m);"
			" trying again every %u s\n", co.path, err,
			CODES_RETRY_MS / 1000);
		(void)audit_write(&rec);
	}
	co.unsaved = true;
	tmr_start(&co.retry, CODES_RETRY_MS, save_retry, NULL);

	return err;
}


static void save_retry(void *arg)
{
	(void)arg;
	(void)codes_save();
}


/* ---- audit and bus ---- */

/* the bus event of an audit action: code_ok and code_bad, as for the
 * other codes (event URLs take them), or what happened to the code */
static const char *bus_event(const char *action, const char *result)
{
	if (!strcmp(action, "code") || !strcmp(action, "code_refused"))
		return !strcmp(result, "ok") ? "code_ok" : "code_bad";
	if (!strcmp(action, "code_add"))
		return "code_added";
	if (!strcmp(action, "code_del"))
		return "code_removed";

	return "code_expired";
}


/* The names of a code's relays, "Front,Garage", as a config code's events
 * carry its relay's name (webrelay's $name) */
static int names_print(struct re_printf *pf, const uint32_t *relays)
{
	const char *sep = "";
	struct le *le;
	int err = 0;

	LIST_FOREACH(co.relays, le) {
		const struct relay *r = le->data;

		if (!(*relays & (1u << r->id)))
			continue;
		err |= re_hprintf(pf, "%s%s", sep, r->name);
		sep = ",";
	}

	return err;
}


static void code_audit(const struct vcode *vc, const char *action,
		       const char *source, const char *who,
		       const char *result, const char *why)
{
	struct audit_rec rec = {
		.module = "relay", .action = action, .source = source,
		.who = who, .result = result,
	};
	char relays[64], names[160], detail[160], id[12];

	(void)re_snprintf(relays, sizeof(relays), "%H", vcode_relays_print,
			  &vc->relays);
	(void)re_snprintf(names, sizeof(names), "%H", names_print,
			  &vc->relays);
	(void)re_snprintf(detail, sizeof(detail), "visitor code %u (%s)%s%s",
			  vc->id, vc->name[0] ? vc->name : "no name",
			  why ? ": " : "", why ? why : "");
	rec.relay = relays;
	rec.detail = detail;
	(void)audit_write(&rec);

	(void)re_snprintf(id, sizeof(id), "%u", vc->id);
	door_bus_emit("relay", bus_event(action, result), "code_id", id,
		      "code_name", vc->name,
		      "relay", relays, "source", source, "peer", who,
		      "result", result, "name", names, NULL);
}


/* ---- expiry ---- */

static void expiry_arm(void)
{
	if (co.wt)
		(void)walltimer_start(co.wt, vstore_next_expiry(co.vs));
}


/* Drop each code whose time is over; whether any was */
static bool expire(time_t now)
{
	struct le *le = co.vs ? co.vs->codes.head : NULL;
	bool any = false;

	while (le) {
		struct vcode *vc = le->data;

		le = le->next;
		if (!vcode_expired(vc, now))
			continue;

		info("relay: visitor code %u (%s) expired\n", vc->id,
		     vc->name);
		code_audit(vc, "code_expire", "timer", NULL, "ok", NULL);
		mem_deref(vc);
		any = true;
	}

	return any;
}


static void wall_handler(bool stepped, void *arg)
{
	(void)stepped;
	(void)arg;

	if (expire(time(NULL)))
		(void)codes_save();
	expiry_arm();
}


/* ---- matching ---- */

/** Each visitor code for a call's matcher, id RELAY_VCODE_ID + its id */
int vcodes_fill(struct matcher *m)
{
	const time_t now = time(NULL);
	struct le *le;
	int err = 0;

	if (!co.vs)
		return 0;

	LIST_FOREACH(&co.vs->codes, le) {
		const struct vcode *vc = le->data;

		if (!vcode_expired(vc, now))
			err |= matcher_add(m, vc->code,
					   RELAY_VCODE_ID + (int)vc->id);
	}

	return err;
}


static bool relay_takes(const struct relay *r)
{
	return r->type == RELAY_DOOR && !r->no_dtmf;
}


/**
 * A call typed visitor code id (its matcher's id less RELAY_VCODE_ID):
 * checked again now, then its relays open and a use is counted.
 */
void codes_matched(uint32_t id, const char *peer, const char *callid)
{
	struct vcode *vc = co.vs ? vstore_find(co.vs, id, NULL) : NULL;
	const struct profile *p;
	const char *refused = NULL;
	char why[64];
	struct le *le;
	bool opened = false;

	if (!vc || vcode_expired(vc, time(NULL))) {
		struct audit_rec rec = {
			.module = "relay", .action = "code", .source = "dtmf",
			.who = peer, .result = "denied",
		};
		char detail[64], sid[12];

		/* gone since the call's first digit */
		(void)re_snprintf(detail, sizeof(detail), "visitor code %u:"
				  " expired or removed", id);
		rec.detail = detail;
		warning("relay: visitor code %u from %H: expired or"
			" removed\n", id, door_print_safe, peer);
		(void)audit_write(&rec);
		(void)re_snprintf(sid, sizeof(sid), "%u", id);
		door_bus_emit("relay", "code_bad", "code_id", sid,
			      "source", "dtmf", "peer", peer,
			      "result", "denied", NULL);
		return;
	}

	if (vc->hours[0]) {
		p = sched_profile(vc->hours);
		if (!p || !profile_active(p, time(NULL))) {
			(void)re_snprintf(why, sizeof(why), "outside hours %s",
					  vc->hours);
			warning("relay: visitor code %u (%s) from %H: %s\n",
				vc->id, vc->name, door_print_safe, peer, why);
			code_audit(vc, "code_refused", "dtmf", peer,
				   "denied", why);
			return;
		}
	}

	dguard_success(callid);
	LIST_FOREACH(co.relays, le) {
		struct relay *r = le->data;

		if (!(vc->relays & (1u << r->id)) || !relay_takes(r))
			continue;
		switch (relay_act(r, RELAY_ACT_OPEN, "dtmf", peer)) {

		case 0:     opened = true;        break;
		case EBUSY: refused = r->refused; break;
		default:    break;
		}
	}

	/* a right code an interlock refuses: no use spent, no wrong code */
	if (!opened) {
		code_audit(vc, "code", "dtmf", peer, refused ? "denied" :
			   "error", refused ? refused : "no relay opened");
		return;
	}

	info("relay: right visitor code %u (%s) from %H\n", vc->id, vc->name,
	     door_print_safe, peer);

	if (!vc->uses) {
		code_audit(vc, "code", "dtmf", peer, "ok", NULL);
		return;
	}

	--vc->uses;
	(void)re_snprintf(why, sizeof(why), "%u use%s left", vc->uses,
			  vc->uses == 1 ? "" : "s");
	code_audit(vc, "code", "dtmf", peer, "ok", why);
	if (!vc->uses) {
		info("relay: visitor code %u (%s) used up\n", vc->id,
		     vc->name);
		code_audit(vc, "code_del", "dtmf", peer, "ok", "used up");
		mem_deref(vc);
		expiry_arm();
	}
	(void)codes_save();
}


/* ---- TOTP steps ---- */

/**
 * The last accepted TOTP step of relay n, 0 for none. With a store that
 * could not be read, the step after now: codes of now are refused, as
 * they may have been used before the restart.
 */
uint64_t codes_totp_last(unsigned n)
{
	if (co.broken)
		return totp_step((uint64_t)time(NULL)) + 1;

	return co.vs && n <= DOOR_MAX_INDEX ? co.vs->totp[n] : 0;
}


void codes_totp_used(unsigned n, uint64_t step)
{
	if (!co.vs || n > DOOR_MAX_INDEX)
		return;

	co.vs->totp[n] = step;
	(void)codes_save();
}


/* ---- commands ---- */

struct addargs {
	uint32_t relays;
	char code[32];
	char name[64];
	char until[64];
	char uses[16];
	char hours[32];
	char via[16];
	char who[256];
};


static int word_copy(const struct pl *w, const char *key, char *buf,
		     size_t sz)
{
	size_t klen = strlen(key);

	if (w->l <= klen || w->l - klen >= sz)
		return EINVAL;

	return pl_strcpy(&(struct pl){w->p + klen, w->l - klen}, buf, sz);
}


static bool word_next(struct pl *rest, struct pl *w)
{
	while (rest->l && rest->p[0] == ' ')
		pl_advance(rest, 1);
	if (!rest->l)
		return false;

	w->p = rest->p;
	for (w->l = 0; w->l < rest->l && w->p[w->l] != ' '; w->l++)
		;
	pl_advance(rest, w->l);
	return true;
}


/* key=value words after the positional ones; via and who for any */
static int options_parse(struct pl *rest, struct addargs *a, bool add)
{
	static const struct {
		const char *key;
		size_t off, sz;
		bool add;
	} optv[] = {
		{"name=",  offsetof(struct addargs, name),  64,  true},
		{"until=", offsetof(struct addargs, until), 64,  true},
		{"uses=",  offsetof(struct addargs, uses),  16,  true},
		{"hours=", offsetof(struct addargs, hours), 32,  true},
		{"via=",   offsetof(struct addargs, via),   16,  false},
		{"who=",   offsetof(struct addargs, who),   256, false},
	};
	struct pl w;

	while (word_next(rest, &w)) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(optv); i++) {
			char *buf = (char *)a + optv[i].off;
			size_t kl = strlen(optv[i].key);

			if ((add || !optv[i].add) && w.l > kl &&
			    !memcmp(w.p, optv[i].key, kl)) {
				if (buf[0] || word_copy(&w, optv[i].key, buf,
							optv[i].sz))
					return EINVAL;
				break;
			}
		}
		if (i == ARRAY_SIZE(optv))
			return EINVAL;
	}

	if (!a->via[0])
		str_ncpy(a->via, "command", sizeof(a->via));
	return 0;
}


/* "1", "1,2" or a relay's name (one word) */
static int relays_parse(const struct pl *w, uint32_t *relays, char *bad,
			size_t sz)
{
	const struct relay *r;
	char key[128];

	if (!vcode_relays_parse(w, relays)) {
		unsigned n;

		for (n = 1; n <= DOOR_MAX_INDEX; n++) {
			char num[8];

			if (!(*relays & (1u << n)))
				continue;
			(void)re_snprintf(num, sizeof(num), "%u", n);
			if (!relay_lookup(co.relays, num)) {
				(void)re_snprintf(bad, sz, "%u", n);
				return ENOENT;
			}
		}
		return 0;
	}

	if (pl_strcpy(w, key, sizeof(key)) || !(r = relay_lookup(co.relays,
								  key))) {
		(void)re_snprintf(bad, sz, "%r", w);
		return ENOENT;
	}

	*relays = 1u << r->id;
	return 0;
}


/* ENOENT, or EEXIST after printing which kind of code is in the way */
static int clash_find(struct re_printf *pf, const char *code)
{
	const size_t len = strlen(code);
	struct le *le;
	unsigned n;

	/* one a prefix of the other would open before it is typed whole */
#define CLASH(c) (!strncmp((c), code, min(strlen(c), len)))

	LIST_FOREACH(co.relays, le) {
		const struct relay *r = le->data;

		if (r->code[0] && CLASH(r->code)) {
			(void)re_hprintf(pf, "relay: code in use by a config"
					 " code (or one begins the other)\n");
			return EEXIST;
		}
	}

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		char key[32], cfg[32];

		(void)re_snprintf(key, sizeof(key), "dryio_out%u_dtmf", n);
		if (!conf_get_str(conf_cur(), key, cfg, sizeof(cfg)) &&
		    cfg[0] && CLASH(cfg)) {
			(void)re_hprintf(pf, "relay: code in use by a config"
					 " code (or one begins the other)\n");
			return EEXIST;
		}
	}

	LIST_FOREACH(&co.vs->codes, le) {
		const struct vcode *vc = le->data;

		if (CLASH(vc->code)) {
			(void)re_hprintf(pf, "relay: code in use by visitor"
					 " code %u (or one begins the"
					 " other)\n", vc->id);
			return EEXIST;
		}
	}
#undef CLASH

	if (otp_valid(code)) {
		(void)re_hprintf(pf, "relay: code in use by a TOTP code\n");
		return EEXIST;
	}

	return ENOENT;
}


/** relay_code_add <relays> <code> [name=] [until=] [uses=] [hours=] */
static int cmd_add(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	const time_t now = time(NULL);
	struct addargs a;
	struct pl rest, wr, wc;
	struct vcode *vc;
	char bad[64];
	struct le *le;
	uint32_t uses = 0;
	time_t until = 0;
	int err;

	memset(&a, 0, sizeof(a));
	pl_set_str(&rest, carg->prm ? carg->prm : "");
	if (!word_next(&rest, &wr) || !word_next(&rest, &wc) ||
	    pl_strcpy(&wc, a.code, sizeof(a.code)) ||
	    options_parse(&rest, &a, true)) {
		(void)re_hprintf(pf, "relay: usage: relay_code_add <relays>"
				 " <code> [name=<name>] [until=<time>]"
				 " [uses=<n>] [hours=<profile>]\n");
		return EINVAL;
	}

	if (co.broken) {
		(void)re_hprintf(pf, "relay: relay_codes_file %s could not be"
				 " read at start: fix or remove it, then"
				 " restart\n", co.path);
		return EIO;
	}
	if (!co.vs) {
		(void)re_hprintf(pf, "relay: visitor codes are off\n");
		return EIO;
	}

	err = relays_parse(&wr, &a.relays, bad, sizeof(bad));
	if (err) {
		(void)re_hprintf(pf, "relay: no relay '%s'\n", bad);
		return ENOENT;
	}
	LIST_FOREACH(co.relays, le) {
		const struct relay *r = le->data;

		if ((a.relays & (1u << r->id)) && !relay_takes(r)) {
			(void)re_hprintf(pf, "relay: relay %u is not a door"
					 " relay DTMF may open\n", r->id);
			return EINVAL;
		}
	}

	if (!vcode_digits_valid(a.code)) {
		(void)re_hprintf(pf, "relay: a code is %u to 16 of 0-9 * A-D"
				 "\n", VCODE_DIGITS_MIN);
		return EINVAL;
	}
	if (a.name[0] && !vcode_name_valid(a.name)) {
		(void)re_hprintf(pf, "relay: a name is 1 to %u of A-Z a-z 0-9"
				 " _ . @ -, not only digits\n",
				 VCODE_NAME_MAX);
		return EINVAL;
	}
	if (a.until[0]) {
		if (vcode_time_parse(a.until, now, &until)) {
			(void)re_hprintf(pf, "relay: until: '%s' is not"
					 " YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]"
					 " nor +<n>m, +<n>h, +<n>d\n",
					 a.until);
			return EINVAL;
		}
		if (until <= now) {
			(void)re_hprintf(pf, "relay: until: %s is past\n",
					 a.until);
			return EINVAL;
		}
	}
	if (a.uses[0]) {
		struct pl pl;

		pl_set_str(&pl, a.uses);
		if (door_parse_u32(&pl, 1, CODES_USES_MAX, &uses)) {
			(void)re_hprintf(pf, "relay: uses: a number from 1 to"
					 " %u\n", CODES_USES_MAX);
			return EINVAL;
		}
	}
	if (a.hours[0] && !sched_profile(a.hours)) {
		(void)re_hprintf(pf, "relay: hours: no door_profileN named"
				 " '%s'\n", a.hours);
		return ENOENT;
	}

	if (a.name[0] && (vc = vstore_find(co.vs, 0, a.name))) {
		(void)re_hprintf(pf, "relay: name '%s' is in use by code"
				 " %u\n", a.name, vc->id);
		return EEXIST;
	}
	err = clash_find(pf, a.code);
	if (err != ENOENT)
		return err;

	if (list_count(&co.vs->codes) >= VCODE_MAX) {
		(void)re_hprintf(pf, "relay: the store is full (%u codes)\n",
				 VCODE_MAX);
		return ENOSPC;
	}

	err = vcode_alloc(&vc);
	if (err)
		return err;
	vc->relays = a.relays;
	str_ncpy(vc->code, a.code, sizeof(vc->code));
	str_ncpy(vc->name, a.name, sizeof(vc->name));
	str_ncpy(vc->hours, a.hours, sizeof(vc->hours));
	vc->until = until;
	vc->uses = uses;
	vstore_add(co.vs, vc);

	err = vstore_save(co.path, co.vs);
	if (err) {
		(void)re_hprintf(pf, "relay: relay_codes_file %s: cannot"
				 " write it (%m): code not added\n", co.path,
				 err);
		warning("relay: relay_codes_file %s: cannot write it (%m)\n",
			co.path, err);
		code_audit(vc, "code_add", a.via, a.who[0] ? a.who : NULL,
			   "error", "file not written");
		mem_deref(vc);
		return EIO;
	}

	info("relay: visitor code %u (%s) added\n", vc->id, vc->name);
	code_audit(vc, "code_add", a.via, a.who[0] ? a.who : NULL, "ok",
		   NULL);
	expiry_arm();
	memset(&a, 0, sizeof(a));

	return re_hprintf(pf, "relay: code %u added\n", vc->id);
}


/** relay_code_del <id|name> */
static int cmd_del(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	struct addargs a;
	struct pl rest, w, num;
	struct vcode *vc = NULL;
	char key[64];
	uint32_t id = 0;

	memset(&a, 0, sizeof(a));
	pl_set_str(&rest, carg->prm ? carg->prm : "");
	if (!word_next(&rest, &w) || pl_strcpy(&w, key, sizeof(key)) ||
	    options_parse(&rest, &a, false)) {
		(void)re_hprintf(pf, "relay: usage: relay_code_del"
				 " <id|name>\n");
		return EINVAL;
	}

	num = w;
	if (co.vs) {
		vc = door_parse_u32(&num, 1, UINT32_MAX, &id) ?
			vstore_find(co.vs, 0, key) :
			vstore_find(co.vs, id, NULL);
	}
	if (!vc) {
		(void)re_hprintf(pf, "relay: no code '%s'\n", key);
		return ENOENT;
	}

	id = vc->id;
	info("relay: visitor code %u (%s) removed\n", vc->id, vc->name);
	code_audit(vc, "code_del", a.via, a.who[0] ? a.who : NULL, "ok",
		   NULL);
	mem_deref(vc);
	expiry_arm();

	/* it stops now; a failed write is retried until it is gone */
	(void)codes_save();

	return re_hprintf(pf, "relay: code %u removed\n", id);
}


static int json_print(struct re_printf *pf, const struct vcode *vc,
		      bool first)
{
	unsigned n;
	int err;
	const char *sep = "";

	err = re_hprintf(pf, "%s{\"id\":%u,\"name\":", first ? "" : ",",
			 vc->id);
	if (vc->name[0])
		err |= re_hprintf(pf, "\"%s\"", vc->name);
	else
		err |= re_hprintf(pf, "null");

	err |= re_hprintf(pf, ",\"relays\":[");
	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		if (vc->relays & (1u << n)) {
			err |= re_hprintf(pf, "%s%u", sep, n);
			sep = ",";
		}
	}
	err |= re_hprintf(pf, "],\"until\":");
	if (vc->until)
		err |= re_hprintf(pf, "\"%H\"", vcode_time_print,
				  &vc->until);
	else
		err |= re_hprintf(pf, "null");

	err |= re_hprintf(pf, ",\"uses_left\":");
	err |= vc->uses ? re_hprintf(pf, "%u", vc->uses) :
		re_hprintf(pf, "null");

	err |= re_hprintf(pf, ",\"hours\":");
	if (vc->hours[0]) {
		err |= re_hprintf(pf, "\"");
		err |= door_json_escape(pf, vc->hours);
		err |= re_hprintf(pf, "\"");
	}
	else {
		err |= re_hprintf(pf, "null");
	}

	return err | re_hprintf(pf, "}");
}


/** relay_code_list [json]: never a code */
static int cmd_list(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	bool json = carg->prm && !strcmp(carg->prm, "json");
	struct le *le;
	int err;

	if (carg->prm && carg->prm[0] && !json) {
		(void)re_hprintf(pf, "relay: usage: relay_code_list"
				 " [json]\n");
		return EINVAL;
	}

	if (json) {
		err = re_hprintf(pf, "{\"codes\":[");
		if (co.vs) {
			LIST_FOREACH(&co.vs->codes, le)
				err |= json_print(pf, le->data,
						  le == co.vs->codes.head);
		}
		return err | re_hprintf(pf, "]}\n");
	}

	if (co.broken)
		return re_hprintf(pf, "visitor codes off: relay_codes_file %s"
				  " could not be read\n", co.path);
	if (!co.vs || list_isempty(&co.vs->codes))
		return re_hprintf(pf, "no visitor codes\n");

	err = re_hprintf(pf, "%4s  %-20s %-8s %-20s %-6s %s\n", "id", "name",
			 "relays", "until", "uses", "hours");
	LIST_FOREACH(&co.vs->codes, le) {
		const struct vcode *vc = le->data;
		char relays[48], until[32] = "-", uses[12] = "-";

		(void)re_snprintf(relays, sizeof(relays), "%H",
				  vcode_relays_print, &vc->relays);
		if (vc->until)
			(void)re_snprintf(until, sizeof(until), "%H",
					  vcode_time_print, &vc->until);
		if (vc->uses)
			(void)re_snprintf(uses, sizeof(uses), "%u", vc->uses);

		err |= re_hprintf(pf, "%4u  %-20s %-8s %-20s %-6s %s\n",
				  vc->id, vc->name[0] ? vc->name : "-",
				  relays, until, uses,
				  vc->hours[0] ? vc->hours : "-");
	}

	return err;
}


/** relay_code_known <digits>: 0 if they are a visitor code, silently;
 * for dryio, so a visitor code is no wrong code there */
static int cmd_known(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	const time_t now = time(NULL);
	struct le *le;
	(void)pf;

	if (!co.vs || !carg->prm)
		return ENOENT;

	LIST_FOREACH(&co.vs->codes, le) {
		const struct vcode *vc = le->data;

		if (!vcode_expired(vc, now) && !strcmp(vc->code, carg->prm))
			return 0;
	}

	return ENOENT;
}


static const struct cmd cmdv[] = {
	{"relay_code_add",  0, CMD_PRM, "Add a visitor code <relays> <code>"
	 " [name= until= uses= hours=]", cmd_add},
	{"relay_code_del",  0, CMD_PRM, "Remove a visitor code <id|name>",
	 cmd_del},
	{"relay_code_list", 0, CMD_PRM, "Visitor codes [json], never a code",
	 cmd_list},
	{"relay_code_known", 0, CMD_PRM, "For dryio: whether digits are a"
	 " visitor code", cmd_known},
};


/* ---- init and close ---- */

/** relay_codes_file, read before the TOTP codes take their last steps */
int codes_init(const struct conf *conf, const struct list *relays)
{
	char dir[256];
	bool loose;
	int err;

	co.relays = relays;
	tmr_init(&co.retry);

	err = vstore_alloc(&co.vs);
	if (err)
		return err;

	if (door_conf_dup(conf, "relay_codes_file", &co.path) == ENOENT) {
		if (!conf_path_get(dir, sizeof(dir)))
			(void)re_sdprintf(&co.path, "%s/relay_codes", dir);
	}
	if (!co.path) {
		warning("relay: no relay_codes_file: visitor codes off\n");
		co.vs = mem_deref(co.vs);
		return cmd_register(baresip_commands(), cmdv,
				    ARRAY_SIZE(cmdv));
	}

	err = vstore_load(co.vs, co.path, &loose);
	if (err && err != ENOENT) {
		warning("relay: relay_codes_file %s: unreadable or malformed"
			" (%m): visitor codes off, TOTP codes of now refused;"
			" config codes still work\n", co.path, err);
		co.broken = true;
	}
	if (loose)
		warning("relay: relay_codes_file %s could be read by others:"
			" mode set to 0600; its codes may be known\n",
			co.path);
	if (!err)
		info("relay: %u visitor code%s from %s\n",
		     list_count(&co.vs->codes),
		     list_count(&co.vs->codes) == 1 ? "" : "s", co.path);

	if (!co.broken && expire(time(NULL)))
		(void)codes_save();

	err = walltimer_alloc(&co.wt, wall_handler, NULL);
	if (err) {
		warning("relay: no wall-clock timer: visitor codes off\n");
		co.vs = mem_deref(co.vs);
	}
	expiry_arm();

	return cmd_register(baresip_commands(), cmdv, ARRAY_SIZE(cmdv));
}


void codes_close(void)
{
	cmd_unregister(baresip_commands(), cmdv);
	tmr_cancel(&co.retry);
	co.wt = mem_deref(co.wt);
	co.vs = mem_deref(co.vs);
	co.path = mem_deref(co.path);
	co.broken = co.unsaved = false;
	co.relays = NULL;
}
