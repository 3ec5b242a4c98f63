/**
 * @file httpopen.c  The OpenDoor HTTP endpoint (Akuvox / 2N style)
 *
 * Serves /fcgi/OpenDoor, /fcgi/do, /api/relay/{status,ctrl} and the
 * visitor codes' /api/codes in baresip's own loop (server.c: libre's TCP
 * and TLS, requests read by hreq.c, with the allowlist checked at
 * accept), and opens doors and manages codes only through the relay
 * module's commands. A configuration that cannot be read exactly as
 * written keeps the module from loading: an endpoint that opens doors
 * must not start half-configured.
 */
#include <string.h>
#include "httpopen.h"

enum {
	LOCKOUT_ENTRIES = 1024,
	AUDIT_INTERVAL = 10000,   /* refusal summaries, ms */
	AUDIT_KEYS = 1024,
	FIELD_MAX = 1024,
};

static const char realm[] = "baresip-door";

static struct httpopen *ho;


static void httpopen_destructor(void *data)
{
	struct httpopen *h = data;

	mem_deref(h->srv);
	mem_deref(h->status);
	mem_deref(h->allow);
	mem_deref(h->auth);
	mem_deref(h->lockout);
	mem_deref(h->alim);       /* writes the summaries still pending */
	if (h->cfg.pass)
		memset(h->cfg.pass, 0, strlen(h->cfg.pass));
	mem_deref(h->cfg.user);
	mem_deref(h->cfg.pass);
	mem_deref(h->cfg.cert);
}


static int conf_schemes(const struct conf *conf, unsigned *schemes)
{
	char val[16];
	int err;

	*schemes = HAUTH_BASIC | HAUTH_DIGEST;

	err = door_conf_str(conf, "httpopen_auth", val, sizeof(val));
	if (err == ENOENT)
		return 0;
	if (err)
		return err;

	if (!str_casecmp(val, "basic"))
		*schemes = HAUTH_BASIC;
	else if (!str_casecmp(val, "digest"))
		*schemes = HAUTH_DIGEST;
	else if (str_casecmp(val, "any")) {
		warning("httpopen: config httpopen_auth: '%s' is not basic,"
			" digest or any\n", val);
		return EINVAL;
	}

	return 0;
}


static int conf_listen(const struct conf *conf, struct sa *laddr)
{
	char val[FIELD_MAX];
	int err;

	err = door_conf_str(conf, "httpopen_listen", val, sizeof(val));
	if (err == ENOENT)
		str_ncpy(val, "0.0.0.0:8080", sizeof(val));
	else if (err)
		return err;

	if (sa_decode(laddr, val, strlen(val)) || !sa_port(laddr)) {
		warning("httpopen: config httpopen_listen: '%s' is not"
			" address:port\n", val);
		return EINVAL;
	}

	return 0;
}


/* Whole-line values: a password or an allowlist may contain spaces, and
 * reading only their first word would change what they mean */
static int conf_text_dup(const struct conf *conf, const char *key,
			 char **strp)
{
	char buf[FIELD_MAX];
	int err;

	err = door_conf_text(conf, key, buf, sizeof(buf));
	if (err == ENOENT)
		return 0;
	if (!err)
		err = str_dup(strp, buf);

	memset(buf, 0, sizeof(buf));
	return err ? EINVAL : 0;
}


static int config_read(struct httpopen_cfg *cfg, struct netlist **allow)
{
	const struct conf *conf = conf_cur();
	char *spec = NULL;
	uint32_t secs = 60;
	int err = 0;

	cfg->max_fail = 5;

	err |= conf_listen(conf, &cfg->laddr);
	err |= conf_schemes(conf, &cfg->schemes);
	err |= conf_text_dup(conf, "httpopen_user", &cfg->user);
	err |= conf_text_dup(conf, "httpopen_pass", &cfg->pass);
	err |= conf_text_dup(conf, "httpopen_cert", &cfg->cert);
	if (door_conf_bool(conf, "httpopen_secure", &cfg->secure) == EINVAL)
		err |= EINVAL;
	if (door_conf_u32(conf, "httpopen_max_fail", 1, 1000,
			  &cfg->max_fail) == EINVAL)
		err |= EINVAL;
	if (door_conf_u32(conf, "httpopen_lockout", 1, 86400,
			  &secs) == EINVAL)
		err |= EINVAL;
	cfg->lockout_ms = secs * 1000;

	err |= conf_text_dup(conf, "httpopen_allow", &spec);
	if (netlist_alloc(allow, spec))
		err |= EINVAL;
	mem_deref(spec);

	if (err)
		return EINVAL;

	if (!cfg->user != !cfg->pass) {
		warning("httpopen: config: httpopen_user and httpopen_pass"
			" must be set together\n");
		return EINVAL;
	}

	if (cfg->secure) {
		if (!cfg->user) {
			warning("httpopen: config httpopen_secure: secure mode"
				" needs httpopen_user and httpopen_pass\n");
			return EINVAL;
		}
		if (!(cfg->schemes & HAUTH_DIGEST)) {
			warning("httpopen: config httpopen_secure: secure mode"
				" is Digest only, httpopen_auth is basic\n");
			return EINVAL;
		}
		cfg->schemes = HAUTH_DIGEST;
	}

	return 0;
}


static int init(void)
{
	int err;

	audit_configure(conf_cur());

	ho = mem_zalloc(sizeof(*ho), httpopen_destructor);
	if (!ho)
		return ENOMEM;

	err = config_read(&ho->cfg, &ho->allow);
	if (err)
		goto out;

	if (ho->cfg.user) {
		err = hauth_alloc(&ho->auth, realm, ho->cfg.user,
				  ho->cfg.pass, NULL, 0);
		if (err)
			goto out;
	}

	err = lockout_alloc(&ho->lockout, ho->cfg.max_fail,
			    ho->cfg.lockout_ms, LOCKOUT_ENTRIES);
	if (!err)
		err = audit_limit_alloc(&ho->alim, AUDIT_INTERVAL, AUDIT_KEYS);
	if (!err)
		err = status_cache_alloc(&ho->status);
	if (err)
		goto out;

	err = hserver_alloc(&ho->srv, &ho->cfg.laddr, ho->cfg.cert,
			    ho->allow, request_handler, request_refused, ho);
	if (err) {
		warning("httpopen: cannot serve %s on %J: %m\n",
			ho->cfg.cert ? "HTTPS" : "HTTP", &ho->cfg.laddr, err);
		goto out;
	}

	if (!ho->auth)
		warning("httpopen: no httpopen_user/httpopen_pass set: anyone"
			" who reaches %J can open the doors\n",
			&ho->cfg.laddr);
	if (!ho->cfg.cert)
		info("httpopen: plain HTTP: credentials and requests can be"
		     " read on the network; set httpopen_cert for HTTPS\n");

	info("httpopen: serving %s://%J (auth: %s%s, allowlist: %s)\n",
	     ho->cfg.cert ? "https" : "http", &ho->cfg.laddr,
	     !ho->auth ? "none" :
	     ho->cfg.schemes == HAUTH_BASIC ? "basic" :
	     ho->cfg.schemes == HAUTH_DIGEST ? "digest" : "basic, digest",
	     ho->cfg.secure ? ", secure mode" : "",
	     netlist_isempty(ho->allow) ? "any address" : "set");

 out:
	if (err) {
		ho = mem_deref(ho);
		audit_close();
	}

	return err;
}


static int module_close(void)
{
	ho = mem_deref(ho);
	audit_close();

	return 0;
}


/* the config file is read once for all the keys init reads */
static int module_init(void)
{
	return door_conf_once(init);
}


DOOR_EXPORT const struct mod_export exports = {
	"httpopen",
	"application",
	module_init,
	module_close
};
