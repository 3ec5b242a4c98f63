/**
 * @file cmd.c  relay_* commands and unlock
 *
 * Long commands, so they work from the console, ctrl_tcp and the other
 * door modules alike. Arguments: "<n|name> [via=<source>] [who=<who>]";
 * via and who let httpopen and dryio say who asked, for the audit log.
 */
#include <string.h>
#include "door.h"
#include "relay.h"

#define REMOTE_DIGIT_MS 120   /* tone on, then pause, per remote digit */

/* The call is named, not held: it is found again before every digit */
struct sender {
	struct tmr tmr;
	char *call_id;
	char *peer;
	char code[17];
	size_t pos;
	bool released;
};

static struct {
	struct list *relays;
	char remote_code[17];
	struct sender *sender;
} rc;


struct target {
	char key[128];
	char via[16];
	char who[256];
};


/* Trailing via=/who= tokens come off the end; the rest names the relay */
static int target_parse(struct target *t, const char *prm)
{
	struct pl rest, tok;

	memset(t, 0, sizeof(*t));
	str_ncpy(t->via, "command", sizeof(t->via));

	pl_set_str(&rest, prm);
	while (rest.l && (rest.p[rest.l-1] == ' ' || rest.p[rest.l-1] == '\t'))
		--rest.l;

	for (;;) {
		const char *sp;
		size_t i;

		for (i = rest.l, sp = NULL; i > 0; i--) {
			if (rest.p[i-1] == ' ') {
				sp = rest.p + i - 1;
				break;
			}
		}
		if (!sp)
			break;

		tok.p = sp + 1;
		tok.l = rest.p + rest.l - tok.p;

		if (tok.l > 4 && !strncmp(tok.p, "via=", 4)) {
			if (tok.l - 4 >= sizeof(t->via))
				return EINVAL;
			str_ncpy(t->via, tok.p + 4, tok.l - 4 + 1);
		}
		else if (tok.l > 4 && !strncmp(tok.p, "who=", 4)) {
			if (tok.l - 4 >= sizeof(t->who))
				return EINVAL;
			str_ncpy(t->who, tok.p + 4, tok.l - 4 + 1);
		}
		else {
			break;
		}

		rest.l = sp - rest.p;
		while (rest.l && rest.p[rest.l-1] == ' ')
			--rest.l;
	}

	if (!rest.l || rest.l >= sizeof(t->key))
		return EINVAL;

	(void)pl_strcpy(&rest, t->key, sizeof(t->key));
	return 0;
}


static int act_command(struct re_printf *pf, const struct cmd_arg *carg,
		       enum relay_act act)
{
	struct target t;
	struct relay *r;
	int err;

	if (!carg->prm || target_parse(&t, carg->prm)) {
		(void)re_hprintf(pf, "usage: relay_%s <number|name>\n",
				 relay_act_name(act));
		return EINVAL;
	}

	r = relay_lookup(rc.relays, t.key);
	if (!r) {
		(void)re_hprintf(pf, "relay: no relay '%s'\n", t.key);
		return ENOENT;
	}

	err = relay_act(r, act, t.via, t.who[0] ? t.who : NULL);
	if (err == ENODEV) {
		(void)re_hprintf(pf, "relay: relay %u (%s) is disabled: its"
				 " line did not open\n", r->id, r->name);
		return err;
	}
	if (err == EBUSY) {
		(void)re_hprintf(pf, "relay: relay %u (%s) refused: %s\n",
				 r->id, r->name, r->refused);
		return err;
	}
	if (err) {
		(void)re_hprintf(pf, "relay: relay %u: %m\n", r->id, err);
		return err;
	}

	/* the change stands (off is safe, an unsaved on is not restored);
	 * the answer says it will not survive a restart */
	return re_hprintf(pf, "relay %u (%s): %s%s\n", r->id, r->name,
			  r->on ? "on" : "off",
			  r->mode == RELAY_BISTABLE && relay_state_unsaved() ?
			  " (state not saved: off after a restart)" : "");
}


static int cmd_open(struct re_printf *pf, void *arg)
{
	return act_command(pf, arg, RELAY_ACT_OPEN);
}


static int cmd_close(struct re_printf *pf, void *arg)
{
	return act_command(pf, arg, RELAY_ACT_CLOSE);
}


static int cmd_on(struct re_printf *pf, void *arg)
{
	return act_command(pf, arg, RELAY_ACT_ON);
}


static int cmd_toggle(struct re_printf *pf, void *arg)
{
	return act_command(pf, arg, RELAY_ACT_TOGGLE);
}


static int cmd_list(struct re_printf *pf, void *arg)
{
	struct le *le;
	int err = 0;
	(void)arg;

	if (list_isempty(rc.relays))
		return re_hprintf(pf, "no relays configured\n");

	LIST_FOREACH(rc.relays, le) {
		const struct relay *r = le->data;

		err |= re_hprintf(pf, "%2u  %-16s %-24s %-10s %-6s",
				  r->id, r->name, r->spec,
				  relay_mode_name(r->mode),
				  relay_type_name(r->type));
		if (r->type == RELAY_EVENT)
			err |= re_hprintf(pf, "(%s) ",
					  door_phase_name(r->phase));
		err |= re_hprintf(pf, "%s", !r->drive ? "disabled" :
				  r->on ? "on" : "off");
		if (relay_door_state(r))
			err |= re_hprintf(pf, "  door %s",
					  relay_door_state(r));
		err |= re_hprintf(pf, "\n");
	}

	return err;
}


static int cmd_status(struct re_printf *pf, void *arg)
{
	struct le *le;
	int err;
	(void)arg;

	err = re_hprintf(pf, "{\"relays\":[");
	LIST_FOREACH(rc.relays, le) {
		const struct relay *r = le->data;

		err |= re_hprintf(pf, "%s{\"relay\":%u,\"name\":\"",
				  le == list_head(rc.relays) ? "" : ",", r->id);
		err |= door_json_escape(pf, r->name);
		err |= re_hprintf(pf, "\",\"line\":\"");
		err |= door_json_escape(pf, r->spec);
		err |= re_hprintf(pf, "\",\"mode\":\"%s\",\"type\":\"%s\","
				  "\"state\":\"%s\",\"enabled\":%s,\"door\":",
				  relay_mode_name(r->mode),
				  relay_type_name(r->type),
				  r->on ? "on" : "off",
				  r->drive ? "true" : "false");
		/* null: no door contact, or it did not open */
		err |= relay_door_state(r) ?
			re_hprintf(pf, "\"%s\"}", relay_door_state(r)) :
			re_hprintf(pf, "null}");
	}
	err |= re_hprintf(pf, "]}\n");

	return err;
}


/* ---- unlock: the remote relay code, then bound web relays ---- */

static void sender_destructor(void *data)
{
	struct sender *s = data;

	tmr_cancel(&s->tmr);
	mem_deref(s->call_id);
	mem_deref(s->peer);
}


static void sender_step(void *arg)
{
	struct sender *s = arg;
	struct call *call = door_call_find(s->call_id, s->peer);
	int err;

	if (!call) {
		info("relay: unlock: the call ended before the remote relay"
		     " code was sent\n");
		rc.sender = mem_deref(rc.sender);
		return;
	}

	if (!s->released) {
		err = call_send_digit(call, KEYCODE_REL);
		s->released = true;
	}
	else if (s->code[s->pos]) {
		err = call_send_digit(call, s->code[s->pos++]);
		s->released = false;
	}
	else {
		rc.sender = mem_deref(rc.sender);
		return;
	}

	if (err) {
		warning("relay: sending the remote relay code failed (%m)\n",
			err);
		rc.sender = mem_deref(rc.sender);
		return;
	}

	tmr_start(&s->tmr, REMOTE_DIGIT_MS, sender_step, s);
}


/* The first user agent's current call (uag_current() is 1.0.0 only) */
static struct call *current_call(void)
{
	struct call *call;
	struct le *le;

	LIST_FOREACH(uag_list(), le) {
		call = ua_call(le->data);
		if (call)
			return call;
	}

	return NULL;
}


static int cmd_unlock(struct re_printf *pf, void *arg)
{
	struct call *call = current_call();
	const char *peer;
	struct sender *s;
	int err = 0;
	(void)arg;

	if (!call) {
		(void)re_hprintf(pf, "unlock: no call in progress\n");
		return ENOENT;
	}

	peer = call_peeruri(call);

	if (rc.remote_code[0]) {
		s = mem_zalloc(sizeof(*s), sender_destructor);
		if (!s)
			return ENOMEM;

		tmr_init(&s->tmr);
		if (str_dup(&s->call_id, call_id(call)) ||
		    str_dup(&s->peer, peer ? peer : "")) {
			mem_deref(s);
			return ENOMEM;
		}
		s->released = true;
		str_ncpy(s->code, rc.remote_code, sizeof(s->code));

		/* a new unlock replaces one still being sent */
		mem_deref(rc.sender);
		rc.sender = s;
		sender_step(s);

		info("relay: unlock: sending the remote relay code to %H\n",
		     door_print_safe, (void *)peer);
		err |= re_hprintf(pf, "unlock: remote relay code sent to %s\n",
				  peer);
	}

	if (door_cmd_exists("webrelay_unlock")) {
		if (door_cmd_run(NULL, "webrelay_unlock %s", peer) == 0)
			err |= re_hprintf(pf, "unlock: web relays for %s"
					  " fired\n", peer);
	}
	else if (!rc.remote_code[0]) {
		(void)re_hprintf(pf, "unlock: relay_remote_dtmf is not set"
				 " and no web relay is loaded\n");
		return ENOENT;
	}

	{
		const struct audit_rec rec = {
			.module = "relay", .action = "unlock",
			.source = "command", .who = peer, .result = "ok",
		};
		(void)audit_write(&rec);
	}

	return err;
}


static const struct cmd cmdv[] = {
	{"relay_list",   0, 0,       "List local relays",             cmd_list},
	{"relay_status", 0, 0,       "Local relays as JSON",          cmd_status},
	{"relay_open",   0, CMD_PRM, "Open a relay <n|name>",         cmd_open},
	{"relay_close",  0, CMD_PRM, "Switch a relay off <n|name>",   cmd_close},
	{"relay_on",     0, CMD_PRM, "Switch a relay on <n|name>",    cmd_on},
	{"relay_toggle", 0, CMD_PRM, "Toggle a relay <n|name>",       cmd_toggle},
	{"unlock",       0, 0,       "Open the door of the current call",
								     cmd_unlock},
};


int relay_cmd_init(struct list *relays, const char *remote_code)
{
	rc.relays = relays;
	str_ncpy(rc.remote_code, remote_code ? remote_code : "",
		 sizeof(rc.remote_code));

	return cmd_register(baresip_commands(), cmdv, ARRAY_SIZE(cmdv));
}


void relay_cmd_close(void)
{
	cmd_unregister(baresip_commands(), cmdv);
	rc.sender = mem_deref(rc.sender);
	rc.relays = NULL;
}
