/**
 * @file cmd.c  Commands: dryio_list, dryio_out, dryio_alert
 */
#include <string.h>
#include "door.h"
#include "dryio.h"

static struct list *inputs;
static struct list *outputs;


static const char *onoff(bool on)
{
	return on ? "on" : "off";
}


static int print_input(struct re_printf *pf, const struct input *in)
{
	const struct trig *t = &in->di.trig;
	int err;

	err = re_hprintf(pf, "in%u  \"%s\"  %s  ", in->n, in->name,
			 line_spec(in->di.line) ? line_spec(in->di.line)
					     : "(line failed)");
	err |= re_hprintf(pf, "level=%u trigger=%s active=%s triggered=%s"
			  " debounce=%ums hold=%ums", input_level(in),
			  t->high ? "high" : "low",
			  trig_active(t) ? "yes" : "no",
			  t->fired ? "yes" : "no", t->debounce_ms, t->hold_ms);
	if (in->output)
		err |= re_hprintf(pf, " output=%u", in->output);
	if (in->alert)
		err |= re_hprintf(pf, " alert=%s", in->alert);
	if (in->command)
		err |= re_hprintf(pf, " command=yes");

	return err | re_hprintf(pf, "\n");
}


static int print_output(struct re_printf *pf, const struct output *o)
{
	int err;

	err = re_hprintf(pf, "out%u  \"%s\"  %s  state=%s hold=%ums", o->n,
			 o->name, o->drive ? drive_spec(o->drive)
					   : "(line failed)",
			 onoff(output_is_on(o)), o->hold_ms);
	if (o->alert[0])
		err |= re_hprintf(pf, " alert=%s", o->alert);
	if (o->dtmf[0])
		err |= re_hprintf(pf, " dtmf=yes");   /* never the code */
	if (o->phase)
		err |= re_hprintf(pf, " call=%s", door_phase_name(o->phase));

	return err | re_hprintf(pf, "\n");
}


static int cmd_list(struct re_printf *pf, void *arg)
{
	struct le *le;
	int err = 0;
	(void)arg;

	if (list_isempty(inputs) && list_isempty(outputs))
		return re_hprintf(pf, "dryio: no inputs or outputs\n");

	LIST_FOREACH(inputs, le)
		err |= print_input(pf, le->data);
	LIST_FOREACH(outputs, le)
		err |= print_output(pf, le->data);

	return err;
}


/* "<n|name> on|off|pulse": the last word is the action */
static int cmd_out(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	struct pl pl, key, verb;
	struct output *o;
	char name[DRYIO_NAME_MAX];
	const char *sp;
	int err;

	/* pl_set_str() leaves pl untouched for NULL: never pass one */
	pl_set_str(&pl, carg && carg->prm ? carg->prm : "");
	while (pl.l && pl.p[pl.l - 1] == ' ')
		--pl.l;
	while (pl.l && pl.p[0] == ' ')
		pl_advance(&pl, 1);

	sp = pl.l ? pl_strrchr(&pl, ' ') : NULL;
	if (!sp)
		goto usage;

	key.p = pl.p;
	key.l = sp - pl.p;
	while (key.l && key.p[key.l - 1] == ' ')
		--key.l;
	verb.p = sp + 1;
	verb.l = pl.p + pl.l - verb.p;

	if (!key.l || key.l >= sizeof(name))
		goto usage;
	(void)pl_strcpy(&key, name, sizeof(name));

	o = output_lookup(outputs, name);
	if (!o) {
		(void)re_hprintf(pf, "dryio_out: no output '%s'\n", name);
		return ENOENT;
	}

	if (!pl_strcasecmp(&verb, "on"))
		err = output_switch(o, true, "command", NULL);
	else if (!pl_strcasecmp(&verb, "off"))
		err = output_switch(o, false, "command", NULL);
	else if (!pl_strcasecmp(&verb, "pulse"))
		err = output_pulse(o, "command", NULL);
	else
		goto usage;

	if (err) {
		(void)re_hprintf(pf, "dryio_out: out%u: %m\n", o->n, err);
		return err;
	}

	return re_hprintf(pf, "out%u %s\n", o->n, onoff(output_is_on(o)));

 usage:
	(void)re_hprintf(pf, "usage: dryio_out <n|name> on|off|pulse\n");
	return EINVAL;
}


static int cmd_alert(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	char text[DRYIO_ALERT_MAX + 1];
	struct pl pl;
	int err;

	/* pl_set_str() leaves pl untouched for NULL: never pass one */
	pl_set_str(&pl, carg && carg->prm ? carg->prm : "");
	while (pl.l && pl.p[pl.l - 1] == ' ')
		--pl.l;
	while (pl.l && pl.p[0] == ' ')
		pl_advance(&pl, 1);

	if (!pl.l || pl.l >= sizeof(text)) {
		(void)re_hprintf(pf, "usage: dryio_alert <text> (1 to %u"
				 " characters)\n", DRYIO_ALERT_MAX);
		return EINVAL;
	}
	(void)pl_strcpy(&pl, text, sizeof(text));

	if (!alert_text_valid(text)) {
		(void)re_hprintf(pf, "dryio_alert: not a usable alert"
				 " text\n");
		return EINVAL;
	}

	err = alert_apply(outputs, text, "command", NULL);
	if (err == ENOENT) {
		(void)re_hprintf(pf, "dryio_alert: no output has alert"
				 " '%s'\n", text);
		return err;
	}

	return re_hprintf(pf, "dryio_alert: %s applied\n", text);
}


static const struct cmd cmdv[] = {
	{"dryio_list",  0, 0,       "List dry-contact inputs and outputs",
	 cmd_list},
	{"dryio_out",   0, CMD_PRM, "Switch an output: <n|name> on|off|pulse",
	 cmd_out},
	{"dryio_alert", 0, CMD_PRM, "Act as if ALERT=<text> arrived",
	 cmd_alert},
};


int dryio_cmd_init(struct list *inl, struct list *outl)
{
	inputs = inl;
	outputs = outl;

	return cmd_register(baresip_commands(), cmdv, ARRAY_SIZE(cmdv));
}


void dryio_cmd_close(void)
{
	cmd_unregister(baresip_commands(), cmdv);
	inputs = NULL;
	outputs = NULL;
}
