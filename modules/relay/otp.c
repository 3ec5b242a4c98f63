/**
 * @file otp.c  TOTP codes for door relays, and enrolment
 *
 * relayN_totp holds a base32 secret, relayN_totp_digits the code length
 * (6-8). During a call, the code of now (or of the step before or after,
 * for a drifting phone clock) followed by '#' opens the relay. A code
 * opens once: a step at or before the last one accepted for the relay is
 * refused as a replay, in this call or a later one, and after a restart
 * (the step is kept in relay_codes_file, codes.c). The secret is never
 * logged; relay_totp_uri prints it, as an otpauth:// URI, in the
 * command's answer only.
 */
#include <string.h>
#include <time.h>
#include "door.h"
#include "relay.h"

#define OTP_ISSUER "baresip-door"

struct otp {
	struct le le;
	unsigned relay;
	struct totp_key *key;
	uint64_t last;        /* last accepted step */
	bool used;            /* ...once one was */
};

/* what the last check saw, for the handler the matcher calls next */
static struct {
	const struct list *relays;
	struct list otps;
	struct otp *pending;  /* matched, accepted once the guard agrees */
	uint64_t step;
	bool replay;          /* refused as a replay */
} ot;


/* ---- config ---- */

static void otp_destructor(void *data)
{
	struct otp *o = data;

	list_unlink(&o->le);
	mem_deref(o->key);
}


/** relayN_totp of each door relay; EINVAL after logging a bad one */
int otp_conf(const struct conf *conf, const struct list *relays)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(relays, le) {
		const struct relay *r = le->data;
		char prefix[16], key[32];
		struct totp_key *k = NULL;
		bool remote = true;
		struct otp *o;
		int e;

		(void)re_snprintf(prefix, sizeof(prefix), "relay%u", r->id);
		e = totp_key_conf(&k, conf, prefix, false);
		if (e == ENOENT)
			continue;
		if (e) {
			warning("relay: relay %u: TOTP codes off\n", r->id);
			err = EINVAL;
			continue;
		}

		(void)re_snprintf(key, sizeof(key), "relay%u_remote", r->id);
		(void)door_conf_bool(conf, key, &remote);
		if (r->type != RELAY_DOOR || !remote) {
			warning("relay: config %s_totp: relay %u is not a door"
				" relay DTMF may open; TOTP codes off\n",
				prefix, r->id);
			mem_deref(k);
			err = EINVAL;
			continue;
		}

		o = mem_zalloc(sizeof(*o), otp_destructor);
		if (!o) {
			mem_deref(k);
			return ENOMEM;
		}
		o->relay = r->id;
		o->key = k;
		o->last = codes_totp_last(r->id);
		o->used = o->last != 0;
		list_append(&ot.otps, &o->le, o);
		info("relay: relay %u takes %u-digit TOTP codes\n", r->id,
		     k->digits);
	}

	return err;
}


/* ---- matching ---- */

/* a matcher_check_h: a valid code of a step not yet accepted */
static bool otp_check(const char *digits, size_t len, void *arg)
{
	struct otp *o = arg;
	uint64_t step;

	if (!o->key || totp_verify(o->key->key, o->key->len, o->key->digits,
				   (uint64_t)time(NULL), digits, len, &step))
		return false;

	if (o->used && step <= o->last) {
		ot.replay = true;
		return false;
	}

	ot.pending = o;
	ot.step = step;
	return true;
}


/** Add each relay's TOTP code to a call's matcher, id RELAY_TOTP_ID + n */
int otp_fill(struct matcher *m)
{
	struct le *le;
	int err = 0;

	LIST_FOREACH(&ot.otps, le) {
		struct otp *o = le->data;

		err |= matcher_add_check(m, otp_check, o,
					 RELAY_TOTP_ID + (int)o->relay);
	}

	return err;
}


/**
 * What the matcher's last submission made of TOTP codes, taken once per
 * result: *replay when a used code was refused. The match is accepted
 * (its step remembered) only if accept is true.
 */
void otp_result(bool accept, bool *replay)
{
	if (accept && ot.pending) {
		ot.pending->last = ot.step;
		ot.pending->used = true;
		codes_totp_used(ot.pending->relay, ot.step);
	}

	if (replay)
		*replay = ot.replay;

	ot.pending = NULL;
	ot.replay = false;
}


/** Whether code is any relay's TOTP code of now (or a step around) */
bool otp_valid(const char *code)
{
	struct le *le;

	LIST_FOREACH(&ot.otps, le) {
		const struct otp *o = le->data;

		if (totp_key_check(code, str_len(code), o->key))
			return true;
	}

	return false;
}


/* ---- commands ---- */

static int name_print(struct re_printf *pf, void *arg)
{
	return door_pct_encode(pf, arg);
}


static int secret_print(struct re_printf *pf, void *arg)
{
	const struct totp_key *k = arg;

	return totp_base32_print(pf, k->key, k->len);
}


static struct otp *otp_find(unsigned relay)
{
	struct le *le;

	LIST_FOREACH(&ot.otps, le) {
		struct otp *o = le->data;

		if (o->relay == relay)
			return o;
	}

	return NULL;
}


/** relay_totp_uri <n|name>: the enrolment URI, in the answer only */
static int cmd_uri(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	const struct relay *r;
	const struct otp *o;

	r = relay_lookup(ot.relays, carg->prm);
	if (!r) {
		(void)re_hprintf(pf, "usage: relay_totp_uri <number|name>"
				 " (a relay)\n");
		return EINVAL;
	}

	o = otp_find(r->id);
	if (!o) {
		(void)re_hprintf(pf, "relay %u (%s): no relay%u_totp\n",
				 r->id, r->name, r->id);
		return ENOENT;
	}

	return re_hprintf(pf, "otpauth://totp/" OTP_ISSUER ":%H"
			  "?secret=%H&issuer=" OTP_ISSUER
			  "&algorithm=SHA1&digits=%u&period=%u\n",
			  name_print, r->name, secret_print, o->key,
			  o->key->digits, (unsigned)TOTP_PERIOD);
}


static const struct cmd cmdv[] = {
	{"relay_totp_uri", 0, CMD_PRM,
	 "otpauth:// URI of a relay's TOTP secret <n|name>", cmd_uri},
};


/* ---- init and close ---- */

/** After otp_conf(): relays must outlive otp_close() */
int otp_init(const struct list *relays)
{
	ot.relays = relays;

	return cmd_register(baresip_commands(), cmdv, ARRAY_SIZE(cmdv));
}


void otp_close(void)
{
	cmd_unregister(baresip_commands(), cmdv);
	list_flush(&ot.otps);
	ot.pending = NULL;
	ot.replay = false;
	ot.relays = NULL;
}
