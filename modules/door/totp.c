/**
 * @file totp.c  Time-based one-time codes (RFC 6238), free of baresip calls
 *
 * HMAC-SHA1 (libre's hmac_sha1) over the number of 30 s steps since the
 * Unix epoch, truncated as RFC 4226 section 5.3 describes, 6 to 8 digits.
 * The secret comes base32-encoded (RFC 4648), as authenticator apps show
 * and take it: letters in either case, spaces and '=' padding ignored.
 */
#include <string.h>
#include "door.h"

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";


/* the value of a base32 letter, -1 for anything else */
static int b32_value(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;

	return -1;
}


/**
 * Decode a base32 secret into key (at most *keylen bytes); *keylen gets
 * the length. EINVAL for a character outside the alphabet, a '=' before
 * the end or leftover bits that are not zero (a truncated secret);
 * EOVERFLOW when the key does not fit.
 */
int totp_base32_decode(uint8_t *key, size_t *keylen, const char *str)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t n = 0;
	bool pad = false;

	if (!key || !keylen || !str)
		return EINVAL;

	for (; *str; str++) {
		int v;

		if (*str == ' ' || *str == '\t' || *str == '-')
			continue;
		if (*str == '=') {
			pad = true;
			continue;
		}
		v = b32_value(*str);
		if (v < 0 || pad)
			return EINVAL;

		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (n >= *keylen)
				return EOVERFLOW;
			key[n++] = (uint8_t)(acc >> bits);
		}
		acc &= (1u << bits) - 1;
	}

	/* the last character's unused bits are zero in a whole secret */
	if (acc)
		return EINVAL;

	*keylen = n;
	return 0;
}


/** Print key in base32 without padding, as otpauth:// URIs carry it */
int totp_base32_print(struct re_printf *pf, const uint8_t *key, size_t len)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i;
	int err = 0;

	if (!key)
		return EINVAL;

	for (i = 0; i < len && !err; i++) {
		acc = (acc << 8) | key[i];
		bits += 8;
		while (bits >= 5 && !err) {
			bits -= 5;
			err = re_hprintf(pf, "%c",
					 b32_alphabet[(acc >> bits) & 31]);
		}
		acc &= (1u << bits) - 1;
	}

	if (bits && !err)
		err = re_hprintf(pf, "%c",
				 b32_alphabet[(acc << (5 - bits)) & 31]);

	return err;
}


/** The step of Unix time t: the number of whole periods since 1970 */
uint64_t totp_step(uint64_t t)
{
	return t / TOTP_PERIOD;
}


/** The code of one step, digits (6-8) long, with leading zeros */
int totp_code(char *buf, size_t sz, const uint8_t *key, size_t keylen,
	      uint64_t step, unsigned digits)
{
	static const uint32_t mod[] = {1000000, 10000000, 100000000};
	uint8_t msg[8], mac[20];
	uint32_t bin;
	unsigned off, i;

	if (!buf || !key || !keylen || digits < TOTP_DIGITS_MIN ||
	    digits > TOTP_DIGITS_MAX || sz <= digits)
		return EINVAL;

	for (i = 0; i < 8; i++)
		msg[i] = (uint8_t)(step >> (56 - 8 * i));

	hmac_sha1(key, keylen, msg, sizeof(msg), mac, sizeof(mac));

	off = mac[19] & 0x0f;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 |
	      (uint32_t)mac[off + 1] << 16 |
	      (uint32_t)mac[off + 2] << 8 |
	      (uint32_t)mac[off + 3];
	bin %= mod[digits - TOTP_DIGITS_MIN];

	for (i = digits; i > 0; i--) {
		buf[i - 1] = (char)('0' + bin % 10);
		bin /= 10;
	}
	buf[digits] = '\0';

	/* the MAC could rebuild the code: leave none of it behind */
	memset(mac, 0, sizeof(mac));
	return 0;
}


/* equal strings of length len, in time independent of where they differ */
static bool same(const char *a, const char *b, size_t len)
{
	unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);

	return diff == 0;
}


/**
 * Whether code (len digits) is the code of the step of time now or of the
 * step before or after it (clock drift). Returns 0 and sets *step to the
 * step it belongs to, or ENOENT.
 */
int totp_verify(const uint8_t *key, size_t keylen, unsigned digits,
		uint64_t now, const char *code, size_t len, uint64_t *step)
{
	char want[TOTP_DIGITS_MAX + 1];
	uint64_t cur = totp_step(now);
	int found = ENOENT;
	unsigned i;

	if (!key || !code || len != digits)
		return ENOENT;

	/* all three are computed, so time says nothing of which matched */
	for (i = 0; i < 3; i++) {
		uint64_t s = cur + i - 1;

		if (cur == 0 && i == 0)
			continue;
		if (totp_code(want, sizeof(want), key, keylen, s, digits))
			return ENOENT;
		if (same(want, code, len) && found) {
			found = 0;
			if (step)
				*step = s;
		}
	}

	memset(want, 0, sizeof(want));
	return found;
}
