/**
 * @file hauth.c  HTTP Basic (RFC 7617) and Digest (RFC 7616, MD5) checks
 *
 * libre 1.1.0's http_auth_check() compares with memcmp(), does not check
 * that the digest was made for this request's URI and accepts a nonce
 * again and again for five minutes, so a sniffed request could be
 * replayed to open the door. Only its Digest header parser is used here.
 *
 * A nonce is a random salt, the issue time and a serial number that never
 * repeats (both encrypted with a pad drawn from HMAC-SHA1(key, salt), so
 * the nonce shows no clock and no count), and a MAC over all of it: it
 * needs no state to verify, expires by itself and no two challenges share
 * one. Which nonce counts were used is in replay.c: each (nonce, nc) opens
 * at most once.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include "httpopen.h"

enum {
	KEY_SIZE = 32,
	SHA1_SIZE = 20,
	SALT_SIZE = 8,
	SECRET_SIZE = 12,        /* issue time (4 bytes), serial (8 bytes) */
	MAC_SIZE = 16,
	NONCE_SIZE = SALT_SIZE + SECRET_SIZE + MAC_SIZE,
	NONCE_LEN = 2 * NONCE_SIZE,
	BASIC_MAX = 512,
};

struct hauth {
	char *realm;
	char *user;
	char *pass;
	uint8_t ha1[MD5_SIZE];
	uint8_t key[KEY_SIZE];
	uint64_t serial;         /* of the next nonce */
	struct replay *replay;
};


static void hauth_destructor(void *data)
{
	struct hauth *ha = data;

	/* the password should not linger in freed memory */
	if (ha->pass)
		memset(ha->pass, 0, strlen(ha->pass));
	memset(ha->key, 0, sizeof(ha->key));
	memset(ha->ha1, 0, sizeof(ha->ha1));
	mem_deref(ha->realm);
	mem_deref(ha->user);
	mem_deref(ha->pass);
	mem_deref(ha->replay);
}


/**
 * Compare a client-supplied value with a secret in time that depends only
 * on the secret's length, never on where the first difference is.
 */
bool hauth_ct_equal(const void *given, size_t glen,
		    const void *secret, size_t slen)
{
	const volatile uint8_t *g = given, *s = secret;
	volatile uint8_t diff = (glen != slen);
	size_t i;

	for (i = 0; i < slen; i++) {
		uint8_t gc = i < glen ? g[i] : 0;

		diff |= (uint8_t)(gc ^ s[i]);
	}

	return diff == 0;
}


/** A copy of a client-chosen name fit for logs and command lines */
void hauth_sanitize(char *dst, size_t sz, const char *src, size_t len)
{
	size_t i, o = 0;

	if (!dst || !sz)
		return;

	for (i = 0; src && i < len && o + 1 < sz; i++) {
		char c = src[i];

		dst[o++] = (isalnum((unsigned char)c) ||
			    strchr("._-+", c)) && c ? c : '_';
	}

	dst[o] = '\0';
}


int hauth_alloc(struct hauth **hap, const char *realm, const char *user,
		const char *pass, const uint8_t *key, size_t keylen)
{
	struct hauth *ha;
	int err;

	if (!hap || !realm || !user || !pass)
		return EINVAL;

	ha = mem_zalloc(sizeof(*ha), hauth_destructor);
	if (!ha)
		return ENOMEM;

	err  = str_dup(&ha->realm, realm);
	err |= str_dup(&ha->user, user);
	err |= str_dup(&ha->pass, pass);
	if (err) {
		err = ENOMEM;
		goto out;
	}

	err = md5_printf(ha->ha1, "%s:%s:%s", user, realm, pass);
	if (err)
		goto out;

	if (key && keylen)
		memcpy(ha->key, key, MIN(keylen, sizeof(ha->key)));
	else
		rand_bytes(ha->key, sizeof(ha->key));

	err = replay_alloc(&ha->replay, HAUTH_NONCE_TTL);

 out:
	if (err)
		mem_deref(ha);
	else
		*hap = ha;

	return err;
}


/* HMAC-SHA1(key, tag salt data realm), truncated to len bytes */
static void nonce_prf(const struct hauth *ha, char tag, const uint8_t *salt,
		      const uint8_t *data, size_t dlen, uint8_t *out,
		      size_t len)
{
	uint8_t buf[1 + SALT_SIZE + SECRET_SIZE + 64], mac[SHA1_SIZE];
	size_t rlen = MIN(strlen(ha->realm), 64), n = 0;

	buf[n++] = (uint8_t)tag;
	memcpy(buf + n, salt, SALT_SIZE);
	n += SALT_SIZE;
	if (dlen)                /* data is NULL for the pad */
		memcpy(buf + n, data, dlen);
	n += dlen;
	memcpy(buf + n, ha->realm, rlen);
	n += rlen;

	hmac_sha1(ha->key, sizeof(ha->key), buf, n, mac, sizeof(mac));
	memcpy(out, mac, len);
}


/* The secret part of a nonce: issue time (seconds) and serial number */
static void secret_pack(uint8_t *b, uint32_t issued, uint64_t serial)
{
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(issued >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		b[4 + i] = (uint8_t)(serial >> (56 - 8 * i));
}


static void secret_unpack(const uint8_t *b, uint32_t *issued,
			  uint64_t *serial)
{
	int i;

	*issued = 0;
	*serial = 0;
	for (i = 0; i < 4; i++)
		*issued = *issued << 8 | b[i];
	for (i = 0; i < 8; i++)
		*serial = *serial << 8 | b[4 + i];
}


/* Encrypts or decrypts in place: XOR with the salt's pad */
static void secret_crypt(const struct hauth *ha, const uint8_t *salt,
			 uint8_t *secret)
{
	uint8_t pad[SECRET_SIZE];
	size_t i;

	nonce_prf(ha, 'E', salt, NULL, 0, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		secret[i] ^= pad[i];
}


int hauth_nonce(struct hauth *ha, uint64_t now, char *buf, size_t sz)
{
	uint8_t n[NONCE_SIZE];
	uint8_t *salt = n, *secret = n + SALT_SIZE;

	if (!ha || !buf || sz < NONCE_LEN + 1)
		return EINVAL;

	rand_bytes(salt, SALT_SIZE);
	secret_pack(secret, (uint32_t)now, ha->serial++);
	secret_crypt(ha, salt, secret);
	nonce_prf(ha, 'M', salt, secret, SECRET_SIZE,
		  n + SALT_SIZE + SECRET_SIZE, MAC_SIZE);

	return re_snprintf(buf, sz, "%w", n, sizeof(n)) < 0 ? ENOMEM : 0;
}


/** WWW-Authenticate header lines for the schemes offered, Digest first */
int hauth_challenge(struct re_printf *pf, struct hauth *ha,
		    unsigned schemes, bool stale, uint64_t now)
{
	char nonce[NONCE_LEN + 1];
	int err = 0;

	if (!ha)
		return EINVAL;

	if (schemes & HAUTH_DIGEST) {
		err = hauth_nonce(ha, now, nonce, sizeof(nonce));
		if (err)
			return err;

		err = re_hprintf(pf, "WWW-Authenticate: Digest realm=\"%s\","
				 " qop=\"auth\", algorithm=MD5,"
				 " nonce=\"%s\"%s\r\n", ha->realm, nonce,
				 stale ? ", stale=true" : "");
	}

	if (schemes & HAUTH_BASIC)
		err |= re_hprintf(pf, "WWW-Authenticate: Basic realm=\"%s\","
				  " charset=\"UTF-8\"\r\n", ha->realm);

	return err;
}


enum hauth_result hauth_check_plain(const struct hauth *ha,
				    const char *user, const char *pass)
{
	bool ok;

	if (!ha)
		return HAUTH_FAIL;
	if (!user || !pass)
		return HAUTH_NONE;

	/* both compared, always: no early exit tells which one was wrong */
	ok  = hauth_ct_equal(user, strlen(user), ha->user, strlen(ha->user));
	ok &= hauth_ct_equal(pass, strlen(pass), ha->pass, strlen(ha->pass));

	return ok ? HAUTH_OK : HAUTH_FAIL;
}


/* libre's decoder maps stray characters to bits; refuse them first */
static bool base64_valid(const struct pl *pl)
{
	size_t i, pad = 0;

	if (!pl->l || pl->l % 4)
		return false;

	for (i = 0; i < pl->l; i++) {
		char c = pl->p[i];

		if (c == '=') {
			if (++pad > 2)
				return false;
		}
		else if (pad || !(isalnum((unsigned char)c) ||
				  c == '+' || c == '/')) {
			return false;
		}
	}

	return true;
}


static enum hauth_result check_basic(const struct hauth *ha,
				     const struct pl *cred,
				     char *user, size_t usz)
{
	uint8_t buf[BASIC_MAX];
	size_t len = sizeof(buf) - 1;
	const char *colon;
	char *pass;
	enum hauth_result res;

	if (!base64_valid(cred) || cred->l > 4 * (sizeof(buf) - 1) / 3 ||
	    base64_decode(cred->p, cred->l, buf, &len) || len >= sizeof(buf))
		return HAUTH_FAIL;

	buf[len] = '\0';
	colon = memchr(buf, ':', len);
	if (!colon || memchr(buf, '\0', len))
		return HAUTH_FAIL;

	hauth_sanitize(user, usz, (const char *)buf,
		       (size_t)(colon - (const char *)buf));

	pass = (char *)buf + (colon - (const char *)buf);
	*pass++ = '\0';

	res = hauth_check_plain(ha, (const char *)buf, pass);
	memset(buf, 0, sizeof(buf));

	return res;
}


static bool is_hex(const struct pl *pl, size_t len)
{
	size_t i;

	if (pl->l != len)
		return false;

	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)pl->p[i]))
			return false;
	}

	return true;
}


/**
 * The response a client must send (RFC 7616 3.4.1, qop=auth), as 32
 * lower-case hex digits into hex[33]
 */
int hauth_digest_expect(char *hex, const uint8_t *ha1,
			const struct pl *method, const struct pl *uri,
			const struct pl *nonce, const struct pl *nc,
			const struct pl *cnonce, const struct pl *qop)
{
	uint8_t ha2[MD5_SIZE], digest[MD5_SIZE];
	int err;

	err = md5_printf(ha2, "%r:%r", method, uri);
	if (err)
		return err;

	err = md5_printf(digest, "%w:%r:%r:%r:%r:%w", ha1, (size_t)MD5_SIZE,
			 nonce, nc, cnonce, qop, ha2, sizeof(ha2));
	if (err)
		return err;

	return re_snprintf(hex, 2 * MD5_SIZE + 1, "%w", digest,
			   sizeof(digest)) < 0 ? ENOMEM : 0;
}


static enum hauth_result check_digest(struct hauth *ha,
				      const struct pl *hval,
				      const struct pl *method,
				      const struct pl *uri, uint64_t now,
				      char *user, size_t usz)
{
	struct httpauth_digest_resp resp;
	uint8_t n[NONCE_SIZE], mac[MAC_SIZE];
	uint8_t *salt = n, *secret = n + SALT_SIZE;
	char expect[2 * MD5_SIZE + 1], given[2 * MD5_SIZE + 1];
	uint32_t issued, nc;
	uint64_t serial;
	bool ok;
	size_t i;

	if (httpauth_digest_response_decode(&resp, hval))
		return HAUTH_FAIL;

	hauth_sanitize(user, usz, resp.username.p, resp.username.l);

	if (pl_strcmp(&resp.realm, ha->realm) ||
	    pl_strcasecmp(&resp.qop, "auth") ||
	    !is_hex(&resp.nc, 8) || !pl_isset(&resp.cnonce) ||
	    !is_hex(&resp.response, 2 * MD5_SIZE) ||
	    !is_hex(&resp.nonce, NONCE_LEN) ||
	    pl_cmp(&resp.uri, uri))
		return HAUTH_FAIL;

	for (i = 0; i < NONCE_SIZE; i++) {
		n[i] = (uint8_t)(ch_hex(resp.nonce.p[2*i]) << 4 |
				 ch_hex(resp.nonce.p[2*i + 1]));
	}
	nonce_prf(ha, 'M', salt, secret, SECRET_SIZE, mac, sizeof(mac));
	if (!hauth_ct_equal(n + SALT_SIZE + SECRET_SIZE, MAC_SIZE,
			    mac, sizeof(mac)))
		return HAUTH_FAIL;    /* a nonce we never issued */

	secret_crypt(ha, salt, secret);
	secret_unpack(secret, &issued, &serial);

	if (hauth_digest_expect(expect, ha->ha1, method, uri, &resp.nonce,
				&resp.nc, &resp.cnonce, &resp.qop))
		return HAUTH_FAIL;

	for (i = 0; i < 2 * MD5_SIZE; i++)
		given[i] = (char)tolower((unsigned char)resp.response.p[i]);
	given[i] = '\0';

	ok  = hauth_ct_equal(resp.username.p, resp.username.l,
			     ha->user, strlen(ha->user));
	ok &= hauth_ct_equal(given, strlen(given), expect, strlen(expect));
	if (!ok)
		return HAUTH_FAIL;

	if (issued > now || now - issued > HAUTH_NONCE_TTL)
		return HAUTH_STALE;

	nc = (uint32_t)pl_x32(&resp.nc);

	return replay_accept(ha->replay, serial, issued, nc, now);
}


/*
 * "Scheme credentials", anchored: optional white space, then the scheme's
 * letters from there on, white space, something. A header that starts
 * with anything else ("\x01 Basic ...") is malformed, not searched for a
 * scheme further on.
 */
static int scheme_split(const struct pl *hval, struct pl *scheme,
			struct pl *cred)
{
	const char *p = hval->p, *end = hval->p + hval->l;

	while (p < end && (*p == ' ' || *p == '\t'))
		++p;

	scheme->p = p;
	while (p < end && isalpha((unsigned char)*p))
		++p;
	scheme->l = (size_t)(p - scheme->p);

	if (!scheme->l || p == end || (*p != ' ' && *p != '\t'))
		return EBADMSG;

	while (p < end && (*p == ' ' || *p == '\t'))
		++p;
	if (p == end)
		return EBADMSG;

	cred->p = p;
	cred->l = (size_t)(end - p);

	return 0;
}


/**
 * Check an Authorization header value against the schemes offered.
 * user receives the (sanitised) user name the client claimed, for the
 * audit log. now is in seconds.
 */
enum hauth_result hauth_check(struct hauth *ha, const struct pl *hval,
			      unsigned schemes, const struct pl *method,
			      const struct pl *uri, uint64_t now,
			      char *user, size_t usz)
{
	struct pl scheme, cred;

	if (user && usz)
		user[0] = '\0';

	if (!ha || !hval || !pl_isset(hval) || !method || !uri || !user)
		return HAUTH_NONE;

	if (scheme_split(hval, &scheme, &cred))
		return HAUTH_FAIL;

	if (!pl_strcasecmp(&scheme, "Basic")) {
		if (!(schemes & HAUTH_BASIC))
			return HAUTH_NONE;

		while (cred.l && (cred.p[cred.l-1] == ' ' ||
				  cred.p[cred.l-1] == '\t'))
			--cred.l;

		return check_basic(ha, &cred, user, usz);
	}

	if (!pl_strcasecmp(&scheme, "Digest")) {
		if (!(schemes & HAUTH_DIGEST))
			return HAUTH_NONE;

		return check_digest(ha, hval, method, uri, now, user, usz);
	}

	return HAUTH_NONE;
}


/** Bytes held to refuse replays */
size_t hauth_replay_bytes(const struct hauth *ha)
{
	return ha ? replay_bytes(ha->replay) : 0;
}
