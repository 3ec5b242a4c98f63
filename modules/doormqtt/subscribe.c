/**
 * @file subscribe.c  Commands from MQTT
 *
 * <base>/relay/<n>/set and <base>/output/<n>/set take OPEN, ON or OFF and
 * reach the relay and dryio modules through their own commands. Refused
 * unless doormqtt_commands is yes; a retained command never acts (a stale
 * OPEN left on a broker must not open the door at each reconnect). Every
 * command is audited with source mqtt; a malformed one is a debug line.
 */
#include <string.h>
#include <mosquitto.h>
#include "door.h"
#include "doormqtt.h"


static void audit(enum dm_kind kind, unsigned n, enum dm_cmd cmd,
		  const char *result, const char *detail)
{
	static const char *cmd_names[] = {"open", "on", "off"};
	char action[32], id[8];
	struct audit_rec rec = {
		.module = "doormqtt",
		.action = action,
		.relay  = id,
		.source = "mqtt",
		.who    = "mqtt",
		.result = result,
		.detail = detail,
	};

	re_snprintf(action, sizeof(action), "%s_%s", dm_kind_name(kind),
		    cmd_names[cmd]);
	re_snprintf(id, sizeof(id), "%u", n);
	(void)audit_write(&rec);
}


static int command_run(struct mbuf *out, enum dm_kind kind, unsigned n,
		       enum dm_cmd cmd)
{
	static const char *relay_cmds[] = {"relay_open", "relay_on",
					   "relay_close"};
	static const char *out_words[] = {"pulse", "on", "off"};

	if (kind == DM_RELAY)
		return door_cmd_run(out, "%s %u via=mqtt who=mqtt",
				    relay_cmds[cmd], n);

	return door_cmd_run(out, "dryio_out %u %s", n, out_words[cmd]);
}


void dm_message(const char *topic, const void *payload, int len,
		bool retained)
{
	enum dm_kind kind;
	enum dm_cmd cmd;
	struct mbuf *out;
	char reason[64];
	unsigned n;
	int err;

	if (dm_cmd_topic_parse(dm.cfg.base, topic, &kind, &n) ||
	    dm_cmd_payload_parse(payload, len, &cmd)) {
		debug("doormqtt: ignored a message on %s: not a command\n",
		      topic);
		return;
	}

	if (retained) {
		warning("doormqtt: %s: a retained command never acts;"
			" refused\n", topic);
		audit(kind, n, cmd, "denied", "retained command");
		return;
	}

	if (!dm.cfg.commands) {
		warning("doormqtt: %s: refused, doormqtt_commands is off\n",
			topic);
		audit(kind, n, cmd, "denied", "commands off");
		return;
	}

	out = mbuf_alloc(128);
	err = out ? command_run(out, kind, n, cmd) : ENOMEM;
	if (err == EBUSY &&
	    !door_cmd_refusal(out, reason, sizeof(reason))) {
		/* an interlock: a refusal, not a failure */
		warning("doormqtt: %s %u refused: %s\n", dm_kind_name(kind),
			n, reason);
		audit(kind, n, cmd, "denied", reason);
		mem_deref(out);
		return;
	}
	mem_deref(out);
	if (err) {
		warning("doormqtt: %s %u: %m\n", dm_kind_name(kind), n, err);
		audit(kind, n, cmd, "error", NULL);
		return;
	}

	info("doormqtt: %s %u by MQTT\n", dm_kind_name(kind), n);
	audit(kind, n, cmd, "ok", NULL);
}


void dm_subscribe(void)
{
	char topic[DM_TOPIC_MAX + 16];
	int rc;

	re_snprintf(topic, sizeof(topic), "%s/+/+/set", dm.cfg.base);
	rc = mosquitto_subscribe(dm.mosq, NULL, topic, 1);
	if (rc != MOSQ_ERR_SUCCESS)
		warning("doormqtt: subscribe %s: %s\n", topic,
			mosquitto_strerror(rc));
}
