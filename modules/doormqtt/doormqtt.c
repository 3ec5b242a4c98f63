/**
 * @file doormqtt.c  MQTT for the door: config, connection, init and close
 *
 * libmosquitto driven by baresip's loop: the client's socket through
 * fd_listen (write interest while libmosquitto has bytes to send), its
 * keep-alive on a libre timer, connects that never block: the broker's
 * name is looked up by resolve.c (hosts file, then baresip's DNS client)
 * and the client connects to the address; the TCP connect and the TLS
 * handshake complete in the loop, the certificate checked for the name
 * (tls.c). A lost broker is retried after 1 s, doubling up to 60 s.
 * Nothing is published while away, and at most 256 messages wait for the
 * broker's ack: on each connect availability, discovery and every state
 * are published afresh (retained).
 */
#include <string.h>
#include <unistd.h>
#include <mosquitto.h>
#include "door.h"
#include "doormqtt.h"

enum {
	KEEPALIVE_S    = 30,
	MISC_MS        = 1000,
	INFLIGHT_MAX   = 20,
};

struct doormqtt dm;

static struct {
	int fd;
	int flags;
	struct tmr misc;
	struct tmr retry;
	uint32_t backoff_ms;     /* the last pause; 0 after a connect */
	bool resolving;
	bool closing;
	bool refused_logged;
	bool failure_logged;
} cn = {.fd = -1};


/* ---- config ---- */

static int conf_load(struct dm_conf *c, const struct conf *conf)
{
	char url[300] = "", host[256] = "";
	int err;

	memset(c, 0, sizeof(*c));
	c->discovery = true;
	str_ncpy(c->prefix, "homeassistant", sizeof(c->prefix));

	err = door_conf_str(conf, "doormqtt_broker", url, sizeof(url));
	if (err == ENOENT)
		return ENOENT;
	if (err || dm_broker_parse(url, c->host, sizeof(c->host), &c->port,
				   &c->tls)) {
		warning("doormqtt: config doormqtt_broker: '%s' is not"
			" mqtt://host[:port] or mqtts://host[:port]\n", url);
		return EINVAL;
	}

	(void)door_conf_str(conf, "doormqtt_user", c->user, sizeof(c->user));
	/* the whole line: a password may hold spaces; never logged */
	(void)door_conf_text(conf, "doormqtt_pass", c->pass, sizeof(c->pass));
	(void)door_conf_str(conf, "doormqtt_cafile", c->cafile,
			    sizeof(c->cafile));

	if (!door_conf_str(conf, "doormqtt_id", c->id, sizeof(c->id))) {
		if (!dm_id_valid(c->id)) {
			warning("doormqtt: config doormqtt_id: '%s' is not 1"
				" to %u of a-z 0-9 _ -\n", c->id,
				DM_ID_MAX - 1);
			return EINVAL;
		}
	}
	else {
		(void)gethostname(host, sizeof(host) - 1);
		dm_id_make(c->id, sizeof(c->id), host);
	}

	if (door_conf_text(conf, "doormqtt_name", c->name, sizeof(c->name)))
		str_ncpy(c->name, c->id, sizeof(c->name));

	if (door_conf_str(conf, "doormqtt_topic", c->base, sizeof(c->base)))
		re_snprintf(c->base, sizeof(c->base), "baresip-door/%s",
			    c->id);
	if (!c->base[0] || strpbrk(c->base, "#+") ||
	    c->base[str_len(c->base) - 1] == '/') {
		warning("doormqtt: config doormqtt_topic: '%s' is not a topic"
			" (no + or #, no trailing /)\n", c->base);
		return EINVAL;
	}

	if (door_conf_bool(conf, "doormqtt_discovery", &c->discovery) ==
	    EINVAL)
		return EINVAL;
	(void)door_conf_str(conf, "doormqtt_discovery_prefix", c->prefix,
			    sizeof(c->prefix));
	if (door_conf_bool(conf, "doormqtt_commands", &c->commands) ==
	    EINVAL)
		return EINVAL;

	return 0;
}


/* ---- the socket in baresip's loop ---- */

static void retry_schedule(void);


/* A refused certificate is one warning until the next connect */
static void tls_check(int rc)
{
	const char *why = dm_tls_refusal();

	if (rc != MOSQ_ERR_TLS || !why)
		return;

	if (!cn.refused_logged)
		warning("doormqtt: %s:%u: certificate refused: %s\n",
			dm.cfg.host, dm.cfg.port, why);
	cn.refused_logged = true;
	cn.failure_logged = true;
}


static void fd_handler(int flags, void *arg)
{
	int rc = MOSQ_ERR_SUCCESS;
	(void)arg;

	if (flags & FD_READ)
		rc = mosquitto_loop_read(dm.mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (flags & FD_WRITE))
		rc = mosquitto_loop_write(dm.mosq, 1);

	if (rc != MOSQ_ERR_SUCCESS) {
		debug("doormqtt: connection: %s\n", mosquitto_strerror(rc));
		tls_check(rc);
		dm.connected = false;
		retry_schedule();
	}

	dm_sock_update();
}


/** Listen on the client's socket as it is now: read, and write while
 *  libmosquitto has something to send */
void dm_sock_update(void)
{
	int fd = dm.mosq ? mosquitto_socket(dm.mosq) : -1;
	int flags;

	if (cn.fd >= 0 && fd != cn.fd) {
		fd_close(cn.fd);
		cn.fd = -1;
	}

	if (fd < 0)
		return;

	flags = FD_READ | (mosquitto_want_write(dm.mosq) ? FD_WRITE : 0);
	if (fd == cn.fd && flags == cn.flags)
		return;

	if (fd_listen(fd, flags, fd_handler, NULL)) {
		warning("doormqtt: cannot watch the broker's socket\n");
		return;
	}
	cn.fd = fd;
	cn.flags = flags;
}


static void misc_handler(void *arg)
{
	(void)arg;

	tmr_start(&cn.misc, MISC_MS, misc_handler, NULL);

	/* keep-alive pings, and noticing a silent broker */
	if (mosquitto_socket(dm.mosq) >= 0 &&
	    mosquitto_loop_misc(dm.mosq) != MOSQ_ERR_SUCCESS) {
		dm.connected = false;
		retry_schedule();
	}
	dm_sock_update();
}


/* ---- connecting ---- */

static void retry_handler(void *arg);


static void retry_schedule(void)
{
	if (cn.closing || cn.resolving || tmr_isrunning(&cn.retry))
		return;

	cn.backoff_ms = dm_backoff_next(cn.backoff_ms);
	tmr_start(&cn.retry, cn.backoff_ms, retry_handler, NULL);
	debug("doormqtt: next attempt in %u s\n", cn.backoff_ms / 1000);
}


/* The first failure since the last connect is a warning, the rest debug */
static void attempt_failed(const char *why)
{
	if (cn.failure_logged)
		debug("doormqtt: %s:%u: %s\n", dm.cfg.host, dm.cfg.port, why);
	else
		warning("doormqtt: %s:%u: %s; retrying\n", dm.cfg.host,
			dm.cfg.port, why);
	cn.failure_logged = true;
	retry_schedule();
}


static void connect_to(const struct sa *addr)
{
	char ip[64];
	int rc;

	/* the new socket may reuse the old one's number: watch it afresh */
	if (cn.fd >= 0) {
		fd_close(cn.fd);
		cn.fd = -1;
	}

	re_snprintf(ip, sizeof(ip), "%j", addr);
	rc = mosquitto_connect_async(dm.mosq, ip, dm.cfg.port, KEEPALIVE_S);
	dm_sock_update();
	if (rc != MOSQ_ERR_SUCCESS) {
		tls_check(rc);
		attempt_failed(rc == MOSQ_ERR_ERRNO ? "cannot connect" :
			       mosquitto_strerror(rc));
	}
}


static void lookup_failed(int err)
{
	char why[80];

	if (err == ENOENT)
		str_ncpy(why, "no such name", sizeof(why));
	else
		re_snprintf(why, sizeof(why), "cannot look up the name (%m)",
			    err);
	attempt_failed(why);
}


static void resolve_handler(int err, const struct sa *addr)
{
	cn.resolving = false;
	if (err) {
		lookup_failed(err);
		return;
	}

	connect_to(addr);
}


/* One connection attempt: the address now, or after its DNS lookup */
static void attempt(void)
{
	struct sa addr;
	int err;

	if (dm.connected || cn.closing)
		return;

	err = dm_resolve(&addr, resolve_handler);
	if (err == EINPROGRESS) {
		cn.resolving = true;
		return;
	}
	if (err) {
		lookup_failed(err);
		return;
	}

	connect_to(&addr);
}


static void retry_handler(void *arg)
{
	(void)arg;

	attempt();
}


static void connect_handler(struct mosquitto *mosq, void *arg, int rc)
{
	(void)mosq;
	(void)arg;

	if (rc) {
		if (!cn.refused_logged)
			warning("doormqtt: %s:%u refused the connection: %s\n",
				dm.cfg.host, dm.cfg.port,
				mosquitto_connack_string(rc));
		cn.refused_logged = true;
		dm.connected = false;
		retry_schedule();
		return;
	}

	info("doormqtt: connected to %s:%u as %s (base %s)\n", dm.cfg.host,
	     dm.cfg.port, dm.cfg.id, dm.cfg.base);
	dm.connected = true;
	dm.pending = 0;    /* the last session's leftovers are not counted */
	cn.backoff_ms = 0;
	cn.refused_logged = false;
	cn.failure_logged = false;
	tmr_cancel(&cn.retry);

	if (dm.dropped) {
		info("doormqtt: %llu event%s not published (broker away or"
		     " behind)\n", (unsigned long long)dm.dropped,
		     dm.dropped == 1 ? "" : "s");
		dm.dropped = 0;
	}

	(void)dm_inventory_load(&dm.items);
	dm_subscribe();
	dm_publish_all();
	dm_sock_update();
}


static void disconnect_handler(struct mosquitto *mosq, void *arg, int rc)
{
	(void)mosq;
	(void)arg;

	if (dm.connected) {
		warning("doormqtt: lost the broker %s:%u (%s)\n", dm.cfg.host,
			dm.cfg.port, rc ? mosquitto_strerror(rc) : "closed");
		cn.failure_logged = true;
	}
	dm.connected = false;
	retry_schedule();
}


static void publish_handler(struct mosquitto *mosq, void *arg, int mid)
{
	(void)mosq;
	(void)arg;
	(void)mid;

	if (dm.pending)
		--dm.pending;
}


static void message_handler(struct mosquitto *mosq, void *arg,
			    const struct mosquitto_message *msg)
{
	(void)mosq;
	(void)arg;

	dm_message(msg->topic, msg->payload, msg->payloadlen, msg->retain);
}


static int client_setup(void)
{
	char cid[DM_ID_MAX + 16], topic[DM_TOPIC_MAX + 16];
	int rc;

	re_snprintf(cid, sizeof(cid), "baresip-door-%s", dm.cfg.id);
	dm.mosq = mosquitto_new(cid, true, NULL);
	if (!dm.mosq)
		return ENOMEM;

	mosquitto_connect_callback_set(dm.mosq, connect_handler);
	mosquitto_disconnect_callback_set(dm.mosq, disconnect_handler);
	mosquitto_message_callback_set(dm.mosq, message_handler);
	mosquitto_publish_callback_set(dm.mosq, publish_handler);
	(void)mosquitto_max_inflight_messages_set(dm.mosq, INFLIGHT_MAX);
	/* a state is one small packet: send it now, not after an ACK */
	(void)mosquitto_int_option(dm.mosq, MOSQ_OPT_TCP_NODELAY, 1);

	re_snprintf(topic, sizeof(topic), "%s/availability", dm.cfg.base);
	rc = mosquitto_will_set(dm.mosq, topic, 7, "offline", 1, true);

	if (!rc && dm.cfg.user[0])
		rc = mosquitto_username_pw_set(dm.mosq, dm.cfg.user,
					       dm.cfg.pass[0] ? dm.cfg.pass
							      : NULL);

	if (rc) {
		warning("doormqtt: client setup: %s\n",
			mosquitto_strerror(rc));
		return EINVAL;
	}

	/* the broker's certificate and name are always verified */
	return dm.cfg.tls ? dm_tls_setup(dm.mosq) : 0;
}


/* ---- init and close ---- */

static int init(void)
{
	int err;

	audit_configure(conf_cur());

	err = conf_load(&dm.cfg, conf_cur());
	if (err == ENOENT) {
		info("doormqtt: no doormqtt_broker: MQTT off\n");
		return 0;
	}
	if (err)
		goto out;

	mosquitto_lib_init();
	err = client_setup();
	if (err)
		goto out;

	err = dm_publish_init();
	if (err)
		goto out;

	info("doormqtt: broker %s://%s:%u, id %s, base %s, discovery %s,"
	     " commands %s\n", dm.cfg.tls ? "mqtts" : "mqtt", dm.cfg.host,
	     dm.cfg.port, dm.cfg.id, dm.cfg.base,
	     dm.cfg.discovery ? "on" : "off",
	     dm.cfg.commands ? "on" : "off");

	cn.backoff_ms = 0;
	tmr_start(&cn.misc, MISC_MS, misc_handler, NULL);
	attempt();

	return 0;

 out:
	warning("doormqtt: not started (%m)\n", err);
	if (dm.mosq) {
		mosquitto_destroy(dm.mosq);
		mosquitto_lib_cleanup();
	}
	memset(&dm, 0, sizeof(dm));
	audit_close();
	return err;
}


static int module_close(void)
{
	cn.closing = true;
	tmr_cancel(&cn.misc);
	tmr_cancel(&cn.retry);
	dm_resolve_cancel();
	dm_publish_close();

	if (dm.mosq) {
		/* a clean "offline", then the DISCONNECT, written now: the
		 * loop will not run for us again */
		if (dm.connected) {
			char topic[DM_TOPIC_MAX + 16];

			re_snprintf(topic, sizeof(topic), "%s/availability",
				    dm.cfg.base);
			(void)mosquitto_publish(dm.mosq, NULL, topic, 7,
						"offline", 1, true);
			dm.connected = false;      /* no "lost" line */
			(void)mosquitto_disconnect(dm.mosq);
			(void)mosquitto_loop_write(dm.mosq, 1);
		}
		if (cn.fd >= 0)
			fd_close(cn.fd);
		mosquitto_destroy(dm.mosq);
		mosquitto_lib_cleanup();
	}

	list_flush(&dm.items);
	memset(&dm.cfg, 0, sizeof(dm.cfg));   /* the password too */
	dm.mosq = NULL;
	dm.connected = false;
	cn.fd = -1;
	cn.flags = 0;
	cn.resolving = false;
	cn.refused_logged = false;
	cn.failure_logged = false;
	cn.closing = false;
	audit_close();

	return 0;
}


/* the config file is read once for all the keys init reads */
static int module_init(void)
{
	return door_conf_once(init);
}


DOOR_EXPORT const struct mod_export exports = {
	"doormqtt",
	"application",
	module_init,
	module_close,
};
