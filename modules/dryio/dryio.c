/**
 * @file dryio.c  Dry-contact inputs and outputs
 *
 * An input that triggers can switch a linked output, send ALERT=<text>
 * by SIP MESSAGE, run a baresip command and tell webrelay. An output is
 * switched by an ALERT message from an allowed sender, a linked input, a
 * DTMF code in a call, a call state, or the dryio_out command.
 */
#include <string.h>
#include "door.h"
#include "dryio.h"


static struct list inputs;    /* struct input */
static struct list outputs;   /* struct output */


static void audit_input(const struct input *in, const char *action,
			const char *result, const char *detail)
{
	char id[16];
	struct audit_rec rec = {
		.module = "dryio",
		.action = action,
		.relay  = id,
		.source = "input",
		.result = result,
		.detail = detail,
	};

	(void)re_snprintf(id, sizeof(id), "in%u", in->n);
	(void)audit_write(&rec);
}


/* Only the command's name is logged: its arguments may be private */
static void run_command(const struct input *in)
{
	char name[64], reason[64], detail[136];
	struct mbuf *out;
	int err;

	(void)re_snprintf(name, sizeof(name), "%s", in->command);
	name[strcspn(name, " ")] = '\0';

	out = mbuf_alloc(128);
	err = out ? door_cmd_run(out, "%s", in->command) : ENOMEM;
	if (err == EBUSY && !door_cmd_refusal(out, reason, sizeof(reason))) {
		/* a relay's interlock: a refusal, not a failure */
		mem_deref(out);
		warning("dryio: in%u: command '%s' refused: %s\n", in->n,
			name, reason);
		(void)re_snprintf(detail, sizeof(detail), "%s: %s", name,
				  reason);
		audit_input(in, "command", "denied", detail);
		return;
	}
	mem_deref(out);
	if (err == ENOTSUP) {
		warning("dryio: in%u: command '%s' does not exist (no module"
			" registers it)\n", in->n, name);
		audit_input(in, "command", "error", name);
		return;
	}
	if (err) {
		warning("dryio: in%u: command '%s' failed: %m\n", in->n,
			name, err);
		audit_input(in, "command", "error", name);
		return;
	}

	info("dryio: in%u: command '%s' done\n", in->n, name);
	audit_input(in, "command", "ok", name);
}


static void input_fire_handler(struct input *in, void *arg)
{
	char id[8];
	(void)arg;

	info("dryio: in%u (%s) triggered\n", in->n, in->name);
	audit_input(in, "input", "ok", in->name);

	if (in->output) {
		struct output *o = output_find(&outputs, in->output);
		char who[16];

		(void)re_snprintf(who, sizeof(who), "in%u", in->n);
		if (o)
			(void)output_trigger(o, "input", who);
	}

	if (in->alert)
		(void)dryio_msg_send(in->alert, in->n);

	if (in->command)
		run_command(in);

	(void)re_snprintf(id, sizeof(id), "%u", in->n);
	door_bus_emit("dryio", "input", "input", id, "name", in->name,
		      "state", "on", "source", "input", NULL);
}


static void conf_outputs(const struct conf *conf)
{
	for (unsigned n = 1; n <= DOOR_MAX_INDEX; n++) {
		struct output *o = NULL;
		int err = output_conf(&o, conf, n);

		if (err == ENOENT)
			continue;
		if (err) {
			warning("dryio: out%u not set up (%m)\n", n, err);
			continue;
		}

		list_append(&outputs, &o->le, o);
	}
}


static void conf_inputs(const struct conf *conf)
{
	for (unsigned n = 1; n <= DOOR_MAX_INDEX; n++) {
		struct input *in = NULL;
		int err = input_conf(&in, conf, n, input_fire_handler, NULL);

		if (err == ENOENT)
			continue;
		if (err) {
			warning("dryio: in%u not set up (%m)\n", n, err);
			continue;
		}

		if (in->output && !output_find(&outputs, in->output)) {
			warning("dryio: config dryio_in%u_output: there is no"
				" output %u; the link is ignored\n", n,
				in->output);
			in->output = 0;
		}

		list_append(&inputs, &in->le, in);
	}
}


static int module_close(void);


static int init(void)
{
	struct conf *conf = conf_cur();
	int err;

	/* before any line is opened: a baresip we cannot read is refused */
	err = door_event_init();
	if (err)
		return err;

	audit_configure(conf);

	conf_outputs(conf);
	conf_inputs(conf);

	err = dryio_msg_init(&outputs, conf);
	if (err)
		goto out;

	err = dryio_call_init(&outputs, conf);
	if (err)
		goto out;

	err = dryio_cmd_init(&inputs, &outputs);
	if (err)
		goto out;

	err = rtpdtmf_init("dryio");
	if (err)
		goto out;

	info("dryio: %u input%s, %u output%s\n",
	     list_count(&inputs), list_count(&inputs) == 1 ? "" : "s",
	     list_count(&outputs), list_count(&outputs) == 1 ? "" : "s");

 out:
	if (err) {
		warning("dryio: cannot start: %m\n", err);
		(void)module_close();
	}

	return err;
}


static int module_close(void)
{
	struct le *le;

	rtpdtmf_close();
	dryio_cmd_close();
	dryio_call_close();
	dryio_msg_close();

	/* inputs first: nothing may switch an output on after this */
	list_flush(&inputs);

	LIST_FOREACH(&outputs, le)
		output_shutdown(le->data);
	list_flush(&outputs);

	audit_close();

	return 0;
}


/* the config file is read once for all the keys init reads */
static int module_init(void)
{
	return door_conf_once(init);
}


DOOR_EXPORT const struct mod_export exports = {
	"dryio",
	"application",
	module_init,
	module_close,
};
