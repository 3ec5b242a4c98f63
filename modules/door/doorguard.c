/**
 * @file doorguard.c  The wrong-code budget as the modules share it
 *
 * relay and dryio each link their own copy of this file, so the first of
 * them to load owns the guard (guard.c) and answers the door_guard
 * command; a module loaded later finds the command and asks through it.
 * Both modules' codes thus count against one budget.
 *
 * Callers are counted by the network address their call's INVITE came
 * from, not by the From URI, which anybody can write. baresip exports no
 * way to read a call's SIP message, so the owner takes libre's SIP trace
 * hook (sip_set_trace_handler on uag_sip()) and notes the source address
 * of each dialog-creating INVITE by Call-ID. A call whose INVITE was not
 * seen (another trace handler installed later) counts as address "?",
 * one bucket for all such calls: never more budget, only less.
 */
#include <string.h>
#include <ctype.h>
#include "door.h"

#define ADDR_MAX  256           /* Call-ID -> address records kept */
#define REFUSED_INTERVAL 10000  /* ms: refused codes summarised, alarmed */

struct addrrec {
	struct le le;
	char callid[128];
	char addr[64];
};

static struct {
	char module[16];
	bool owner;
	struct guard *g;
	struct tmr tmr;
	struct list addrs;      /* struct addrrec, oldest first */
	bool tracing;
	struct audit_limit *alim;   /* refused codes: first, then a count */
	uint64_t alarmed;       /* when a refused code last raised an alarm */
} dg;


/* ---- config ---- */

static void conf_defaults(struct guard_cfg *cfg)
{
	cfg->peer_budget = 5;
	cfg->total_budget = 20;
	cfg->base_ms = 30000;
	cfg->cap_ms = 3600000;
	cfg->forget_ms = 86400000;
}


/* The door_dtmf_* keys; EINVAL after logging a bad one */
static int conf_read(struct guard_cfg *cfg, const struct conf *conf)
{
	uint32_t base = 30000, cap = 3600000, forget = 86400000;
	int err = 0;

	conf_defaults(cfg);

	if (door_conf_u32(conf, "door_dtmf_budget", 1, 1000,
			  &cfg->peer_budget) == EINVAL)
		err = EINVAL;
	if (door_conf_u32(conf, "door_dtmf_budget_total", 1, 100000,
			  &cfg->total_budget) == EINVAL)
		err = EINVAL;
	if (door_conf_seconds(conf, "door_dtmf_lockout_base", &base) ==
	    EINVAL || !base)
		err = EINVAL;
	if (door_conf_seconds(conf, "door_dtmf_lockout_max", &cap) == EINVAL)
		err = EINVAL;
	if (door_conf_seconds(conf, "door_dtmf_forget", &forget) == EINVAL)
		err = EINVAL;

	if (cap < base) {
		warning("door: config door_dtmf_lockout_max is shorter than"
			" door_dtmf_lockout_base\n");
		err = EINVAL;
	}
	if (forget < cap) {
		warning("door: config door_dtmf_forget is shorter than"
			" door_dtmf_lockout_max\n");
		err = EINVAL;
	}

	cfg->base_ms = base;
	cfg->cap_ms = cap;
	cfg->forget_ms = forget;

	return err;
}


/* ---- addresses of calls, from the SIP trace ---- */

static void addrrec_destructor(void *data)
{
	struct addrrec *ar = data;

	list_unlink(&ar->le);
}


/* The caller's address as a bucket name; an IPv6 caller by its /64, as
 * one host can use every address of its network */
static void addr_print(char *buf, size_t sz, const struct sa *src)
{
	uint8_t in6[16];
	struct sa net;

	if (sa_af(src) != AF_INET6 || sa_is_linklocal(src)) {
		(void)re_snprintf(buf, sz, "%j", src);
		return;
	}

	sa_in6(src, in6);
	memset(in6 + 8, 0, 8);
	sa_set_in6(&net, in6, 0);
	(void)re_snprintf(buf, sz, "%j/64", &net);
}


static void addr_note(const struct pl *callid, const struct sa *src)
{
	struct addrrec *ar;

	if (!callid->l || callid->l >= sizeof(ar->callid))
		return;

	/* a reused Call-ID must not inherit the earlier call's count */
	if (dg.g) {
		char id[sizeof(ar->callid)];

		(void)pl_strcpy(callid, id, sizeof(id));
		guard_call_start(dg.g, id);
	}

	if (list_count(&dg.addrs) >= ADDR_MAX)
		mem_deref(list_ledata(list_head(&dg.addrs)));

	ar = mem_zalloc(sizeof(*ar), addrrec_destructor);
	if (!ar)
		return;

	(void)pl_strcpy(callid, ar->callid, sizeof(ar->callid));
	addr_print(ar->addr, sizeof(ar->addr), src);
	list_append(&dg.addrs, &ar->le, ar);
}


static void trace_handler(bool tx, enum sip_transp tp, const struct sa *src,
			  const struct sa *dst, const uint8_t *pkt,
			  size_t len, void *arg)
{
	struct sip_msg *msg = NULL;
	struct mbuf *mb;
	(void)tp;
	(void)dst;
	(void)arg;

	if (tx || !src || len < 7 || memcmp(pkt, "INVITE ", 7))
		return;

	mb = mbuf_alloc(len);
	if (!mb)
		return;
	(void)mbuf_write_mem(mb, pkt, len);
	mb->pos = 0;

	/* only a dialog-creating INVITE: no tag in To */
	if (!sip_msg_decode(&msg, mb) && !pl_isset(&msg->to.tag))
		addr_note(&msg->callid, src);

	mem_deref(msg);
	mem_deref(mb);
}


/* The address a call's INVITE came from; "?" when it was not seen */
static const char *addr_of(const char *callid)
{
	struct le *le;

	for (le = list_tail(&dg.addrs); le && callid; le = le->prev) {
		const struct addrrec *ar = le->data;

		if (!strcmp(ar->callid, callid))
			return ar->addr;
	}

	return "?";
}


/* ---- the owner: guard, timer, alarms ---- */

static void audit_guard(const char *action, const char *who,
			const char *result, const char *detail)
{
	const struct audit_rec rec = {
		.module = dg.module, .action = action, .source = "dtmf",
		.who = who, .result = result, .detail = detail,
	};

	(void)audit_write(&rec);
}


static void guard_handler(enum guard_event ev, const char *peer,
			  uint64_t ms, void *arg)
{
	const char *who = peer ? peer : "all callers";
	char detail[80];
	(void)arg;

	if (ev == GUARD_SUSPEND) {
		(void)re_snprintf(detail, sizeof(detail), "too many wrong"
				  " codes: suspended %llu s",
				  (unsigned long long)((ms + 999) / 1000));
		warning("door: DTMF unlocking suspended for %s for %llu s:"
			" too many wrong codes\n", who,
			(unsigned long long)((ms + 999) / 1000));
		audit_guard("suspend", who, "locked", detail);
		door_announce("code_bad", "source", "dtmf", "peer", who,
			      "state", "suspended", NULL);
	}
	else {
		warning("door: DTMF unlocking resumed for %s\n", who);
		audit_guard("resume", who, "ok", "suspension ended");
		door_announce("code_bad", "source", "dtmf", "peer", who,
			      "state", "resumed", NULL);
	}
}


static void tmr_handler(void *arg);


static void tmr_arm(void)
{
	uint64_t at, now = tmr_jiffies();

	if (!guard_next(dg.g, &at)) {
		tmr_cancel(&dg.tmr);
		return;
	}

	tmr_start(&dg.tmr, at > now ? at - now : 0, tmr_handler, NULL);
}


static void tmr_handler(void *arg)
{
	(void)arg;

	guard_tick(dg.g, tmr_jiffies());
	tmr_arm();
}


static uint64_t local_wait(const char *callid)
{
	return guard_wait(dg.g, addr_of(callid), tmr_jiffies());
}


static void local_fail(const char *callid, uint32_t nth)
{
	const char *addr = addr_of(callid);

	/* without the INVITE seen, calls cannot be told apart: no merging */
	if (!strcmp(addr, "?"))
		callid = NULL;

	guard_fail(dg.g, callid, nth, addr, tmr_jiffies());
	tmr_arm();
}


/* door_guard wait|fail|ok <callid> [nth] */
static int cmd_guard(struct re_printf *pf, void *arg)
{
	const struct cmd_arg *carg = arg;
	struct pl verb, id, nth = PL_INIT;
	char callid[128];
	uint32_t n = 0;

	if (!carg->prm || re_regex(carg->prm, str_len(carg->prm),
				   "[a-z]+ [^ ]+[ ]*[0-9]*",
				   &verb, &id, NULL, &nth) ||
	    id.l >= sizeof(callid)) {
		(void)re_hprintf(pf, "usage: door_guard wait|fail|ok"
				 " <callid> [n]\n");
		return EINVAL;
	}

	(void)pl_strcpy(&id, callid, sizeof(callid));
	if (pl_isset(&nth))
		n = pl_u32(&nth);

	if (!pl_strcmp(&verb, "wait"))
		return re_hprintf(pf, "%llu",
				  (unsigned long long)local_wait(callid));
	if (!pl_strcmp(&verb, "fail")) {
		local_fail(callid, n);
		return re_hprintf(pf, "ok");
	}
	if (!pl_strcmp(&verb, "ok")) {
		guard_success(dg.g, addr_of(callid));
		return re_hprintf(pf, "ok");
	}

	return EINVAL;
}


static const struct cmd cmdv[] = {
	{"door_guard", 0, CMD_PRM, "DTMF wrong-code budget (door modules)",
	 cmd_guard},
};


/* ---- what the modules call ---- */

/* A call id usable as a command word; otherwise the call is unknown */
static const char *id_word(const char *callid)
{
	const char *p;

	if (!callid || !callid[0] || strlen(callid) >= 128)
		return "?";

	for (p = callid; *p; p++) {
		if (!isgraph((unsigned char)*p))
			return "?";
	}

	return callid;
}


/* ms left of the caller's suspension; fail-secure when nobody answers */
static uint64_t wait_ms(const char *callid)
{
	struct mbuf *mb;
	uint64_t ms = UINT64_MAX;
	struct pl pl;

	if (dg.owner)
		return local_wait(callid);

	mb = mbuf_alloc(32);
	if (!mb)
		return ms;

	if (!door_cmd_run(mb, "door_guard wait %s", id_word(callid))) {
		pl.p = (const char *)mb->buf;
		pl.l = mb->end;
		ms = pl_u64(&pl);
	}

	mem_deref(mb);
	return ms;
}


/**
 * Whether a code from this call must be refused unjudged: the caller (or
 * every caller) is suspended. Then audits, logs and announces the refusal:
 * the first refused code of an interval at once, the others of that
 * interval as one audit record with their count, so a guesser redialling
 * through a suspension cannot fill the disk or flood the alarm URL.
 */
bool dguard_refused(const char *module, const char *callid,
		    const char *peer)
{
	uint64_t ms = wait_ms(id_word(callid)), now = tmr_jiffies();
	char detail[64];

	if (!ms)
		return false;

	if (ms == UINT64_MAX)
		(void)re_snprintf(detail, sizeof(detail), "suspended");
	else
		(void)re_snprintf(detail, sizeof(detail),
				  "suspended, %llu s left",
				  (unsigned long long)((ms + 999) / 1000));

	{
		const struct audit_rec rec = {
			.module = module, .action = "code", .source = "dtmf",
			.who = peer, .result = "locked", .detail = detail,
		};

		if (audit_refusal(dg.alim, "dtmf-refused", &rec))
			(void)audit_write(&rec);
	}

	if (dg.alarmed && now - dg.alarmed < REFUSED_INTERVAL) {
		debug("%s: DTMF code refused: %s\n", module, detail);
		return true;
	}

	dg.alarmed = now;
	warning("%s: DTMF code from %H refused: %s\n", module,
		door_print_safe, (void *)peer, detail);
	door_announce("code_bad", "source", "dtmf", "peer", peer,
		      "state", "refused", NULL);

	return true;
}


/* How many calls in progress carry this Call-ID (a peer may reuse one) */
static unsigned calls_with_id(const char *callid)
{
	struct le *le, *lc;
	unsigned n = 0;

	LIST_FOREACH(uag_list(), le) {
		LIST_FOREACH(ua_calls(le->data), lc) {
			if (!str_cmp(call_id(lc->data), callid))
				++n;
		}
	}

	return n;
}


/**
 * The call's nth wrong code (as its matcher counts them). The reports of
 * relay and dryio for one call are merged by Call-ID; when two calls in
 * progress share a Call-ID they cannot be, and each report counts.
 */
void dguard_fail(const char *callid, uint32_t nth)
{
	callid = id_word(callid);
	if (calls_with_id(callid) != 1)
		nth = 0;

	if (dg.owner)
		local_fail(callid, nth);
	else
		(void)door_cmd_run(NULL, "door_guard fail %s %u", callid, nth);
}


/** A right code in the call */
void dguard_success(const char *callid)
{
	callid = id_word(callid);

	if (dg.owner)
		guard_success(dg.g, addr_of(callid));
	else
		(void)door_cmd_run(NULL, "door_guard ok %s", callid);
}


/** The warning at start for a code too short to withstand guessing */
void dguard_code_warn(const char *module, const char *key, const char *code)
{
	if (code && code[0] && strlen(code) < 6)
		warning("%s: config %s: a code of %zu digits can be guessed"
			" (see the README's guessing figures); use 6 or"
			" more\n", module, key, strlen(code));
}


/* ---- init and close ---- */

int dguard_init(const char *module, const struct conf *conf)
{
	struct guard_cfg cfg;
	int err;

	str_ncpy(dg.module, module, sizeof(dg.module));
	dg.alarmed = 0;

	err = audit_limit_alloc(&dg.alim, REFUSED_INTERVAL, 64);
	if (err)
		return err;

	if (door_cmd_exists("door_guard"))
		return 0;       /* another door module owns it */

	if (conf_read(&cfg, conf)) {
		warning("door: the DTMF guard settings named above are"
			" wrong; using the defaults\n");
		conf_defaults(&cfg);
	}

	err = guard_alloc(&dg.g, &cfg, guard_handler, NULL);
	if (err)
		return err;

	err = cmd_register(baresip_commands(), cmdv, ARRAY_SIZE(cmdv));
	if (err) {
		dg.g = mem_deref(dg.g);
		return err;
	}

	tmr_init(&dg.tmr);
	dg.owner = true;

	if (uag_sip()) {
		sip_set_trace_handler(uag_sip(), trace_handler);
		dg.tracing = true;
	}

	return 0;
}


void dguard_close(void)
{
	if (dg.owner) {
		if (dg.tracing && uag_sip())
			sip_set_trace_handler(uag_sip(), NULL);
		cmd_unregister(baresip_commands(), cmdv);
	}

	tmr_cancel(&dg.tmr);
	audit_limit_flush(dg.alim);
	dg.alim = mem_deref(dg.alim);
	dg.g = mem_deref(dg.g);
	list_flush(&dg.addrs);
	dg.owner = false;
	dg.tracing = false;
}
