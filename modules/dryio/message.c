/**
 * @file message.c  SIP MESSAGE: ALERT=<text> in switches outputs, out
 *                  reports an input's alarm
 *
 * baresip 1.0.0 answers every text/plain MESSAGE with 200 itself, before
 * and whatever this handler decides, so a refusal cannot be signalled to
 * the sender; it is logged and audited here instead.
 */
#include <string.h>
#include <stdint.h>
#include "door.h"
#include "dryio.h"

#define PEER_MAX 256

static struct {
	struct list *outputs;
	struct allowlist *allow;
	char *uri;
	bool listening;
} msg;


static void audit(const char *action, const char *source, const char *who,
		  const char *result, const char *detail)
{
	struct audit_rec rec = {
		.module = "dryio",
		.action = action,
		.source = source,
		.who    = who,
		.result = result,
		.detail = detail,
	};

	(void)audit_write(&rec);
}


/**
 * Trigger every output whose dryio_outN_alert is text (case-insensitive).
 * ENOENT when none has it. text must have passed alert_text_valid().
 */
int alert_apply(struct list *outputs, const char *text, const char *source,
		const char *who)
{
	unsigned count = 0;
	struct le *le;

	LIST_FOREACH(outputs, le) {
		struct output *o = le->data;

		if (!o->alert[0] || str_casecmp(o->alert, text))
			continue;

		++count;
		(void)output_trigger(o, source, who);
	}

	if (!count) {
		info("dryio: ALERT=%s from %H: no output has this alert\n",
		     text, door_print_safe, (void *)(who ? who : source));
		audit("alert", source, who, "error", "no output for this alert");
		return ENOENT;
	}

	info("dryio: ALERT=%s from %H: %u output%s\n", text,
	     door_print_safe, (void *)(who ? who : source), count,
	     count == 1 ? "" : "s");
	audit("alert", source, who, "ok", text);

	return 0;
}


static const char *parse_error(int err)
{
	switch (err) {

	case ENODATA:  return "empty alert text";
	case EMSGSIZE: return "body too long";
	case EINVAL:   return "control characters in the text";
	case ENOTSUP:  return "not text/plain";
	default:       return "malformed body";
	}
}


static void recv_handler(struct ua *ua, const struct pl *peer,
			 const struct pl *ctype, struct mbuf *body, void *arg)
{
	char who[PEER_MAX], text[DRYIO_ALERT_MAX + 1];
	int err;
	(void)ua;
	(void)arg;

	if (!peer || !body)
		return;

	err = alert_parse(ctype, mbuf_buf(body), mbuf_get_left(body),
			  text, sizeof(text));
	if (err == EBADMSG || err == ENOTSUP) {
		/* maybe a chat message for another module: not refused */
		info("dryio: MESSAGE ignored: %s\n",
		     err == ENOTSUP ? "not text/plain" : "no ALERT= body");
		return;
	}

	if (peer->l >= sizeof(who)) {
		warning("dryio: ALERT message refused: sender address longer"
			" than %u characters\n", PEER_MAX - 1);
		audit("alert", "message", NULL, "denied", "sender too long");
		return;
	}
	(void)pl_strcpy(peer, who, sizeof(who));

	if (!allowlist_match(msg.allow, who)) {
		warning("dryio: ALERT message from %H refused: sender not in"
			" dryio_message_allow\n", door_print_safe, who);
		audit("alert", "message", who, "denied", "sender not allowed");
		return;
	}

	if (err) {
		warning("dryio: ALERT message from %H refused: %s\n",
			door_print_safe, who, parse_error(err));
		audit("alert", "message", who, "error", parse_error(err));
		return;
	}

	(void)alert_apply(msg.outputs, text, "message", who);
}


static void resp_handler(int err, const struct sip_msg *m, void *arg)
{
	unsigned n = (unsigned)(uintptr_t)arg;
	const char *uri = msg.uri ? msg.uri : "dryio_alert_uri";
	char id[16];

	(void)re_snprintf(id, sizeof(id), "in%u", n);

	if (err) {
		warning("dryio: in%u: alert to %s not delivered: %m\n", n,
			uri, err);
		audit("alert_send", "input", uri, "error", id);
		return;
	}

	if (!m || m->scode >= 300) {
		warning("dryio: in%u: alert to %s refused: %u %r\n", n,
			uri, m ? m->scode : 0,
			m ? &m->reason : NULL);
		audit("alert_send", "input", uri, "error", id);
		return;
	}

	info("dryio: in%u: alert delivered to %s (%u %r)\n", n, uri,
	     m->scode, &m->reason);
	audit("alert_send", "input", uri, "ok", id);
}


/** Send "ALERT=<text>" to dryio_alert_uri from the first account */
int dryio_msg_send(const char *text, unsigned input)
{
	struct le *le = list_head(uag_list());
	struct ua *ua = le ? le->data : NULL;
	char body[DRYIO_ALERT_MAX + 8];
	int err;

	if (!msg.uri) {
		warning("dryio: in%u: cannot send its alert:"
			" dryio_alert_uri is not set\n", input);
		return EDESTADDRREQ;
	}

	if (!ua) {
		warning("dryio: in%u: cannot send its alert: no account\n",
			input);
		return ENODEV;
	}

	if (re_snprintf(body, sizeof(body), "ALERT=%s", text) < 0)
		return EINVAL;

	err = message_send(ua, msg.uri, body, resp_handler,
			   (void *)(uintptr_t)input);
	if (err) {
		warning("dryio: in%u: cannot send alert to %s: %m\n", input,
			msg.uri, err);
		return err;
	}

	info("dryio: in%u: sending %s to %s\n", input, body, msg.uri);
	return 0;
}


int dryio_msg_init(struct list *outputs, const struct conf *conf)
{
	char spec[1024] = "";
	int err;

	msg.outputs = outputs;

	err = door_conf_text(conf, "dryio_alert_uri", spec, sizeof(spec));
	if (!err) {
		struct sip_addr addr;
		struct pl pl;

		pl_set_str(&pl, spec);
		if (sip_addr_decode(&addr, &pl)) {
			warning("dryio: config dryio_alert_uri: '%s' is not"
				" a SIP address; alerts are not sent\n",
				spec);
		}
		else if (str_dup(&msg.uri, spec)) {
			return ENOMEM;
		}
	}

	spec[0] = '\0';
	if (door_conf_text(conf, "dryio_message_allow", spec,
			   sizeof(spec)) == EINVAL)
		spec[0] = '\0';     /* refuse everyone rather than guess */

	err = allowlist_alloc(&msg.allow, spec);
	if (err)
		return err;

	if (allowlist_isempty(msg.allow))
		info("dryio: dryio_message_allow is empty:"
		     " ALERT messages are refused\n");

	err = message_listen(baresip_message(), recv_handler, NULL);
	if (err) {
		warning("dryio: cannot listen for SIP MESSAGE: %m\n", err);
		return err;
	}
	msg.listening = true;

	return 0;
}


void dryio_msg_close(void)
{
	/* after baresip_close() there is no message subsystem left */
	if (msg.listening)
		message_unlisten(baresip_message(), recv_handler);

	msg.listening = false;
	msg.allow = mem_deref(msg.allow);
	msg.uri = mem_deref(msg.uri);
	msg.outputs = NULL;
}
