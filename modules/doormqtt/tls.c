/**
 * @file tls.c  mqtts://: the broker's certificate, checked for the host name
 *
 * The client connects to the address resolve.c found, so libmosquitto sees
 * only the address: its own check would compare the certificate with the
 * address and send the address as SNI. The TLS context is made here and
 * handed over (MOSQ_OPT_SSL_CTX): the chain is verified against the CA
 * file or the system's CAs, OpenSSL checks the configured host (a DNS name,
 * or an IP address when the host is numeric) during the handshake, and the
 * name goes out as SNI when the handshake starts.
 */
#include <string.h>
#include <mosquitto.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "door.h"
#include "doormqtt.h"

static int verify_err;    /* why the last handshake was refused */


static int verify_handler(int ok, X509_STORE_CTX *ctx)
{
	if (!ok && !verify_err)
		verify_err = X509_STORE_CTX_get_error(ctx);

	return ok;
}


/* Before the ClientHello is written: the configured name as SNI, in place
 * of the address libmosquitto set; an address is never sent (RFC 6066) */
static void info_handler(const SSL *ssl, int where, int ret)
{
	struct sa sa;
	bool numeric;
	(void)ret;

	if (!(where & SSL_CB_HANDSHAKE_START))
		return;

	verify_err = 0;
	numeric = !sa_set_str(&sa, dm.cfg.host, 0);
	(void)SSL_set_tlsext_host_name((SSL *)ssl,
				       numeric ? NULL : dm.cfg.host);
}


/** A verifying TLS context for the client; the host checked is
 *  dm.cfg.host */
int dm_tls_setup(struct mosquitto *mosq)
{
	X509_VERIFY_PARAM *param;
	SSL_CTX *ctx;
	struct sa sa;
	int ok, rc;

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return ENOMEM;

	(void)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_handler);
	SSL_CTX_set_info_callback(ctx, info_handler);

	if (dm.cfg.cafile[0])
		ok = SSL_CTX_load_verify_locations(ctx, dm.cfg.cafile, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		warning("doormqtt: config doormqtt_cafile: cannot load CA"
			" certificates from '%s'\n", dm.cfg.cafile[0] ?
			dm.cfg.cafile : "the system");
		SSL_CTX_free(ctx);
		return EINVAL;
	}

	param = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(param,
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (!sa_set_str(&sa, dm.cfg.host, 0))
		ok = X509_VERIFY_PARAM_set1_ip_asc(param, dm.cfg.host);
	else
		ok = X509_VERIFY_PARAM_set1_host(param, dm.cfg.host, 0);
	if (ok != 1) {
		SSL_CTX_free(ctx);
		return EINVAL;
	}

	/* used as it is (libmosquitto's defaults would add its own host
	 * check, against the address); libmosquitto takes a reference */
	rc = mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, ctx);
	SSL_CTX_free(ctx);

	return rc == MOSQ_ERR_SUCCESS ? 0 : EINVAL;
}


/** Why the broker's certificate was refused, once; NULL when it was not */
const char *dm_tls_refusal(void)
{
	int err = verify_err;

	verify_err = 0;
	return err ? X509_verify_cert_error_string(err) : NULL;
}
