/**
 * @file dtmf.c  Unlocking by DTMF code during a call
 *
 * Digits arrive as UA events (RFC 4733 telephone-event and SIP INFO, which
 * baresip 1.0.0 reports alike) or as tones in the received audio, decoded
 * by librem in an audio filter. Each call gets its own matcher, so a
 * caller's failures and lock-out are counted for that call only. A TOTP
 * code (otp.c) and a visitor code (codes.c) are more codes in the same
 * matcher, under the same rules.
 */
#include <string.h>
#include "door.h"
#include <rem.h>
#include "relay.h"

struct inband {
	struct aufilt_dec_st af;   /* base class, must be first */
	struct dtmf_dec *dec;
	const struct audio *au;
};

static struct {
	struct dtmf_cfg cfg;
	struct list *relays;
	struct codeset *codes;
	bool filter_on;
} dt;


/* ---- config ---- */

int dtmf_transport_parse(const char *spec, bool *event, bool *inband)
{
	struct pl rest, tok;
	bool ev = false, ib = false, none = false;

	pl_set_str(&rest, spec);
	while (!re_regex(rest.p, rest.l, "[^ \t,;]+", &tok)) {
		pl_advance(&rest, tok.p + tok.l - rest.p);

		if (!pl_strcasecmp(&tok, "event"))
			ev = true;
		else if (!pl_strcasecmp(&tok, "inband"))
			ib = true;
		else if (!pl_strcasecmp(&tok, "none"))
			none = true;
		else
			return EINVAL;
	}

	if ((none && (ev || ib)) || (!none && !ev && !ib))
		return EINVAL;

	*event = ev;
	*inband = ib;
	return 0;
}


/** Global relay_dtmf_* keys; EINVAL after logging a bad one */
int dtmf_conf(struct dtmf_cfg *cfg, const struct conf *conf)
{
	char buf[256], allow[2048];
	int err = 0, e;

	cfg->event = true;
	cfg->inband = false;
	cfg->timeout_ms = 5000;
	cfg->max_fail = 3;

	e = door_conf_str(conf, "relay_dtmf_transport", buf, sizeof(buf));
	if (!e && dtmf_transport_parse(buf, &cfg->event, &cfg->inband)) {
		warning("relay: config relay_dtmf_transport: '%s' is not a"
			" list of event and inband, or none\n", buf);
		e = EINVAL;
	}
	if (e == EINVAL)
		err = EINVAL;

	/* the whole line: patterns may be separated by spaces */
	allow[0] = '\0';
	if (door_conf_text(conf, "relay_dtmf_allow", allow, sizeof(allow)) ==
	    EINVAL) {
		/* an allowlist that cannot be read must not let everyone in */
		warning("relay: DTMF unlocking is off until relay_dtmf_allow"
			" is fixed\n");
		cfg->event = cfg->inband = false;
		err = EINVAL;
	}
	cfg->allow = mem_deref(cfg->allow);
	if (allowlist_alloc(&cfg->allow, allow))
		err = ENOMEM;

	if (door_conf_seconds(conf, "relay_dtmf_timeout", &cfg->timeout_ms) ==
	    EINVAL)
		err = EINVAL;

	if (door_conf_u32(conf, "relay_dtmf_max_fail", 1, 1000,
			  &cfg->max_fail) == EINVAL)
		err = EINVAL;

	return err;
}


/* ---- per call ---- */

static void audit_code(const char *peer, const char *result,
		       const char *relay, const char *detail)
{
	const struct audit_rec rec = {
		.module = "relay", .action = "code", .relay = relay,
		.source = "dtmf", .who = peer, .result = result,
		.detail = detail,
	};

	(void)audit_write(&rec);
}


static const char *relay_code(const void *item, int *id)
{
	const struct relay *r = item;

	*id = (int)r->id;
	/* outside its DTMF hours a relay's config code is no code at all */
	return r->remote && sched_dtmf_allowed(r) ? r->code : NULL;
}


/* The relays a right code opens: its own for a TOTP code, else every
 * relay sharing the config code inside its DTMF hours */
static bool code_opens(const struct relay *r, const struct relay *matched,
		       bool totp)
{
	if (totp)
		return r == matched;

	return r->remote && !strcmp(r->code, matched->code) &&
		sched_dtmf_allowed(r);
}


/* A right code none of whose relays an interlock lets open; the first
 * refusal's reason goes into reason */
static bool code_refused(const struct relay *matched, bool totp,
			 char *reason, size_t sz)
{
	bool refused = false;
	struct le *le;

	LIST_FOREACH(dt.relays, le) {
		const struct relay *r = le->data;

		if (!code_opens(r, matched, totp))
			continue;
		if (!relay_act_refused(r, RELAY_ACT_OPEN, reason, sz))
			return false;
		refused = true;
	}

	return refused;
}


/* dryio's codes are not wrong codes here: foreign */
static int codes_fill(struct matcher *m, void *arg)
{
	(void)arg;
	return door_codes_fill(m, dt.relays, relay_code, "relay") |
		otp_fill(m) | vcodes_fill(m);
}


static void codes_handler(enum matcher_result res, int id, const char *peer,
			  const char *callid, uint32_t failures, void *arg)
{
	struct relay *matched = NULL;
	bool totp = id >= RELAY_TOTP_ID && id < RELAY_VCODE_ID;
	bool replay = false;
	char detail[80], rid[8];
	struct le *le;
	(void)arg;

	LIST_FOREACH(dt.relays, le) {
		struct relay *r = le->data;

		if ((int)r->id == (totp ? id - RELAY_TOTP_ID : id))
			matched = r;
	}

	/* while suspended no code is judged, so none can be tested, and a
	 * TOTP code refused then stays unused */
	if (res != MATCHER_REFUSED && dguard_refused("relay", callid, peer)) {
		otp_result(false, NULL);
		return;
	}
	otp_result(res == MATCHER_MATCH && totp && matched, &replay);

	if (res == MATCHER_MATCH && id >= RELAY_VCODE_ID) {
		codes_matched((uint32_t)(id - RELAY_VCODE_ID), peer, callid);
		return;
	}

	switch (res) {

	case MATCHER_MATCH:
		if (!matched)
			return;

		/* right, even when an interlock refuses it: no lock-out */
		dguard_success(callid);
		re_snprintf(rid, sizeof(rid), "%u", matched->id);
		if (code_refused(matched, totp, detail, sizeof(detail))) {
			info("relay: right %scode from %H refused: %s\n",
			     totp ? "TOTP " : "", door_print_safe, peer,
			     detail);
			audit_code(peer, "denied", rid, detail);
			door_bus_emit("relay", "code_refused", "relay", rid,
				      "name", matched->name, "source", "dtmf",
				      "peer", peer, "result", "denied",
				      "detail", detail, NULL);
		}
		else {
			info("relay: right %scode from %H\n",
			     totp ? "TOTP " : "", door_print_safe, peer);
			audit_code(peer, "ok", rid, totp ? "TOTP code" : NULL);
			door_bus_emit("relay", "code_ok", "relay", rid,
				      "name", matched->name, "source", "dtmf",
				      "peer", peer, "result", "ok", NULL);
		}

		LIST_FOREACH(dt.relays, le) {
			struct relay *r = le->data;

			if (code_opens(r, matched, totp))
				(void)relay_act(r, RELAY_ACT_OPEN, "dtmf",
						peer);
		}
		break;

	case MATCHER_FAIL:
		dguard_fail(callid, failures);
		re_snprintf(detail, sizeof(detail), "%swrong code, %u of %u",
			    replay ? "TOTP code already used, " : "",
			    failures, dt.cfg.max_fail);
		warning("relay: wrong code from %H (%s)\n", door_print_safe,
			peer, detail);
		audit_code(peer, "denied", NULL, detail);
		door_bus_emit("relay", "code_bad", "source", "dtmf",
			      "peer", peer, "result", "denied", NULL);
		break;

	case MATCHER_LOCKED:
		dguard_fail(callid, failures);
		warning("relay: %u wrong codes from %H: DTMF ignored for the"
			" rest of this call\n", dt.cfg.max_fail,
			door_print_safe, peer);
		audit_code(peer, "locked", NULL, "too many wrong codes");
		door_bus_emit("relay", "code_bad", "source", "dtmf",
			      "peer", peer, "result", "locked", NULL);
		break;

	case MATCHER_REFUSED:
		warning("relay: DTMF from %H ignored: not on"
			" relay_dtmf_allow\n", door_print_safe, peer);
		audit_code(peer, "denied", NULL, "caller not allowed");
		door_bus_emit("relay", "code_refused", "source", "dtmf",
			      "peer", peer, "result", "denied", NULL);
		break;
	}
}


/** A digit received in a call, by either transport */
void dtmf_digit(struct call *call, char digit, bool inband)
{
	if (!call || !dt.codes)
		return;

	if (inband ? !dt.cfg.inband : !dt.cfg.event) {
		debug("relay: ignoring %s DTMF digit (relay_dtmf_transport)\n",
		      inband ? "inband" : "event");
		return;
	}

	codeset_feed(dt.codes, call_id(call), call_peeruri(call), digit);
}


void dtmf_call_closed(struct call *call)
{
	codeset_call_closed(dt.codes, call_id(call), call_peeruri(call));
}


/** Forget the digits of calls baresip has freed; how many remain */
unsigned dtmf_sweep(void)
{
	return codeset_sweep(dt.codes, door_call_alive, NULL);
}


/* ---- inband tones ---- */

static struct call *call_by_audio(const struct audio *au)
{
	struct le *le, *lc;

	LIST_FOREACH(uag_list(), le) {
		LIST_FOREACH(ua_calls(le->data), lc) {
			struct call *call = lc->data;

			if (call_audio(call) == au)
				return call;
		}
	}

	return NULL;
}


static void inband_digit(char digit, void *arg)
{
	struct inband *st = arg;
	struct call *call = call_by_audio(st->au);

	/* digits one by one would spell the code in the log */
	debug("relay: inband DTMF digit\n");
	if (call)
		dtmf_digit(call, digit, true);
}


static void inband_destructor(void *data)
{
	struct inband *st = data;

	list_unlink(&st->af.le);
	mem_deref(st->dec);
}


static int inband_update(struct aufilt_dec_st **stp, void **ctx,
			 const struct aufilt *af, struct aufilt_prm *prm,
			 const struct audio *au)
{
	struct inband *st;
	(void)ctx;
	(void)af;

	if (!stp || !prm)
		return EINVAL;
	if (*stp)
		return 0;

	st = mem_zalloc(sizeof(*st), inband_destructor);
	if (!st)
		return ENOMEM;

	st->au = au;
	if (prm->fmt == AUFMT_S16LE)
		(void)dtmf_dec_alloc(&st->dec, prm->srate, prm->ch,
				     inband_digit, st);
	else
		warning("relay: inband DTMF needs 16-bit audio\n");

	*stp = (struct aufilt_dec_st *)st;
	return 0;
}


static int inband_decode(struct aufilt_dec_st *stp, struct auframe *af)
{
	struct inband *st = (struct inband *)stp;

	if (st && st->dec && af && af->fmt == AUFMT_S16LE)
		dtmf_dec_probe(st->dec, af->sampv, af->sampc);

	return 0;
}


static struct aufilt inband_filter = {
	.name = "relay_dtmf",
	.decupdh = inband_update,
	.dech = inband_decode,
};


int dtmf_init(const struct dtmf_cfg *cfg, struct list *relays)
{
	int err;

	dt.cfg = *cfg;
	dt.cfg.allow = mem_ref(cfg->allow);
	dt.relays = relays;

	err = codeset_alloc(&dt.codes, dt.cfg.timeout_ms, dt.cfg.max_fail,
			    dt.cfg.allow, codes_fill, codes_handler, NULL);
	if (err)
		return err;

	if (dt.cfg.inband) {
		aufilt_register(baresip_aufiltl(), &inband_filter);
		dt.filter_on = true;
	}

	return 0;
}


void dtmf_close(void)
{
	if (dt.filter_on)
		aufilt_unregister(&inband_filter);
	dt.filter_on = false;

	dt.codes = mem_deref(dt.codes);
	dt.cfg.allow = mem_deref(dt.cfg.allow);
	dt.relays = NULL;
}
