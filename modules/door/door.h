/**
 * @file door.h  Code shared by the baresip-door modules
 *
 * Linked statically into each module, so every module loads on its own.
 * Modules never call each other directly: they use baresip commands.
 */
#ifndef DOOR_H
#define DOOR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <re.h>
#include "baresip_api.h"

/* The one symbol a module exports; everything else stays hidden */
#define DOOR_EXPORT __attribute__((visibility("default")))

/* Largest N in relayN_..., webrelayN_..., dryio_inN_... */
#define DOOR_MAX_INDEX 16


/*
 * Config values (conf.c). Each getter returns 0 when the key is set and
 * valid, ENOENT when it is absent (the output is left as it was, so set the
 * default first) and EINVAL when it is set but malformed; then it has
 * already logged one line naming the key and the value's rule.
 */
int door_conf_str(const struct conf *conf, const char *key,
		  char *buf, size_t sz);
int door_conf_bool(const struct conf *conf, const char *key, bool *val);
int door_conf_u32(const struct conf *conf, const char *key,
		  uint32_t min, uint32_t max, uint32_t *val);
int door_conf_seconds(const struct conf *conf, const char *key,
		      uint32_t *msec);
int door_conf_dup(const struct conf *conf, const char *key, char **strp);

/* conftext.c: the whole rest of the line, for names and commands; and
 * a one-word value checked against its line, so it is never cut */
int door_conf_text(const struct conf *conf, const char *key,
		   char *buf, size_t sz);
int door_conf_word(const struct conf *conf, const char *key, struct pl *pl);
int door_conf_line_find(const struct pl *text, const char *key,
			struct pl *val);

/* a module's init, run with the config file read once for all its keys:
 * exports' init is `static int module_init(void) { return
 * door_conf_once(init); }` */
typedef int (door_init_h)(void);
int door_conf_once(door_init_h *init);

int door_parse_bool(const struct pl *pl, bool *val);
int door_parse_seconds(const struct pl *pl, uint32_t *msec);
int door_parse_u32(const struct pl *pl, uint32_t min, uint32_t max,
		   uint32_t *val);
bool door_dtmf_code_valid(const char *code);


/*
 * GPIO lines (line.c). Spec: "gpiochip0:17", "0:17", a line name such as
 * "DOOR_LOCK" (libgpiod), or "file:/path" (a text file holding 0 or 1).
 * Values are logical: with active_low an "on" output drives the line low.
 */
enum line_dir {
	LINE_OUTPUT = 0,
	LINE_INPUT,
};

enum line_bias {
	LINE_BIAS_AS_IS = 0,
	LINE_BIAS_DISABLE,
	LINE_BIAS_PULL_UP,
	LINE_BIAS_PULL_DOWN,
};

struct line_cfg {
	enum line_dir dir;
	bool active_low;
	enum line_bias bias;     /* inputs only */
	const char *consumer;    /* label shown by gpioinfo */

	/* inputs: a line that can no longer be read (its chip unplugged,
	 * its file: removed) reports fail_level if fail_report is set: a
	 * door contact fails open, so its alarm rises and interlock holds */
	bool fail_report;
	bool fail_level;
};

struct line;

/** Called for inputs whenever the (logical) level may have changed */
typedef void (line_change_h)(bool value, void *arg);

int  line_open(struct line **linep, const char *spec,
	       const struct line_cfg *cfg, line_change_h *changeh, void *arg);
int  line_set(struct line *line, bool on);
int  line_get(const struct line *line, bool *on);
const char *line_spec(const struct line *line);
int  line_bias_parse(const struct pl *pl, enum line_bias *bias);
const char *line_error(const char *spec, int err);   /* why open failed */


/*
 * Debounced inputs (trig.c): when an input counts as triggered. Pure
 * logic fed with levels and a clock, so it runs the same under libre
 * timers and a test's clock.
 * A level must hold for debounce_ms to count (settle), then stay at the
 * trigger level for hold_ms more before the input fires. A line that
 * keeps changing settles at the latest chatter_ms after it left its
 * level: still changing then, it counts as at the trigger level.
 */
enum trig_action {
	TRIG_NONE = 0,
	TRIG_FIRE,        /* became triggered */
	TRIG_RELEASE,     /* was triggered, left the trigger level */
};

struct trig {
	bool high;            /* the level that triggers */
	uint32_t debounce_ms;
	uint32_t hold_ms;
	uint32_t chatter_ms;  /* trig_init: trig_chatter_ms(); 0 unbounded */
	bool level;           /* last level seen */
	bool stable;          /* debounced level */
	bool fired;
	bool moving;          /* changed since it last rested */
	bool chattered;       /* stable taken at chatter_ms, not yet rested */
	bool holding;
	uint64_t settle_at;   /* last level seen + debounce_ms */
	uint64_t chatter_at;  /* left its stable level + chatter_ms */
	uint64_t hold_at;
};

uint32_t trig_chatter_ms(uint32_t debounce_ms);
void trig_init(struct trig *t, bool high, uint32_t debounce_ms,
	       uint32_t hold_ms, bool level);
enum trig_action trig_level(struct trig *t, bool level, uint64_t now);
enum trig_action trig_tick(struct trig *t, uint64_t now);
bool trig_deadline(const struct trig *t, uint64_t *at);
bool trig_active(const struct trig *t);
bool trig_chattering(const struct trig *t);
const char *trig_action_name(enum trig_action act);

/* dinput.c: a line, its trig and one timer, as dryio's inputs and relay's
 * door contacts use them. The handler runs for every action and for every
 * change of the debounced level (trig_active). A line taken as active at
 * the chatter limit is logged once, as "<name> chattering: taken as
 * <active_name>" */
typedef void (dinput_h)(enum trig_action action, void *arg);

struct dinput_cfg {
	bool high;               /* the active level */
	uint32_t debounce_ms;
	uint32_t hold_ms;
	const char *name;        /* "relay: door of relay 1 (Front) contact" */
	const char *active_name; /* "open", "triggered" */
};

struct dinput {
	struct line *line;       /* NULL: closed, or it did not open */
	struct trig trig;
	struct tmr tmr;
	dinput_h *h;
	void *arg;
	bool chattering;         /* logged */
	char name[96];
	char active_name[16];
};

int  dinput_open(struct dinput *di, const char *spec,
		 const struct line_cfg *cfg, const struct dinput_cfg *icfg,
		 dinput_h *h, void *arg);
void dinput_close(struct dinput *di);
int  dinput_conf_level(const struct conf *conf, const char *module,
		       const char *key, bool *high);
int  dinput_conf_bias(const struct conf *conf, const char *module,
		      const char *key, enum line_bias *bias);


/*
 * A monitored door (doorstate.c), pure logic with an injected clock in
 * ms: the debounced contact and its relay's on/off go in, the state comes
 * out. held and forced are alarms; each ends when the door closes.
 */
enum door_state {
	DOOR_CLOSED = 0,
	DOOR_OPEN,      /* opened in the access window */
	DOOR_HELD,      /* open held_ms past access, or open at start */
	DOOR_FORCED,    /* opened with no access granted */
};

struct doorstate_cfg {
	uint64_t entry_ms;     /* access window after the relay goes off */
	uint64_t held_ms;      /* 0: no held alarm */
};

struct doorstate {
	struct doorstate_cfg cfg;
	enum door_state state;
	bool access;           /* the relay is on */
	bool window;           /* ...or went off less than entry_ms ago */
	uint64_t window_end;
	uint64_t held_at;
	bool opened_on;        /* opened while the relay was on */
	bool used;             /* ...at any time during this access */
	bool relock;           /* closed again with the relay still on */
};

void doorstate_init(struct doorstate *ds, const struct doorstate_cfg *cfg,
		    bool open, uint64_t now);
enum door_state doorstate_contact(struct doorstate *ds, bool open,
				  uint64_t now);
enum door_state doorstate_access(struct doorstate *ds, bool on,
				 uint64_t now);
enum door_state doorstate_tick(struct doorstate *ds, uint64_t now);
bool doorstate_deadline(const struct doorstate *ds, uint64_t *at);
bool doorstate_relock_due(const struct doorstate *ds);
bool doorstate_alarm(enum door_state state);
const char *doorstate_name(enum door_state state);


/*
 * DTMF code matching (matcher.c), one matcher per call. Digits collect;
 * a code matches as soon as the digits equal it, '#' submits what was
 * typed, the inter-digit timeout submits too. A submitted non-match is a
 * failure; at max_fail failures the matcher locks for good.
 */
/* id of a code another door module acts on: clears silently, no failure */
#define MATCHER_FOREIGN (-2)

enum matcher_result {
	MATCHER_MATCH = 0,
	MATCHER_FAIL,
	MATCHER_LOCKED,
	MATCHER_REFUSED,     /* codeset only: caller not on the allowlist */
};

struct matcher;

/** id is the matched code's id for MATCHER_MATCH, otherwise -1 */
typedef void (matcher_h)(enum matcher_result res, int id, void *arg);

/** Whether the len digits submitted by '#' are a code now (no '#') */
typedef bool (matcher_check_h)(const char *digits, size_t len, void *arg);

int  matcher_alloc(struct matcher **mp, uint32_t timeout_ms,
		   uint32_t max_fail, matcher_h *h, void *arg);
int  matcher_add(struct matcher *m, const char *code, int id);
int  matcher_add_check(struct matcher *m, matcher_check_h *checkh, void *arg,
		       int id);
int  matcher_add_exact(struct matcher *m, matcher_check_h *checkh, void *arg,
		       int id);
void matcher_feed(struct matcher *m, char digit);
bool matcher_locked(const struct matcher *m);
uint32_t matcher_failures(const struct matcher *m);


/*
 * baresip's UA events by name (evmap.c, uaevent.c). The numbers of
 * enum ua_event differ between baresip versions (1.1.0 inserted events in
 * the middle), so no module uses them: they are resolved once, by the
 * names uag_event_str() gives, into the project's own door_event.
 */
enum door_event {
	DOOR_EV_NONE = 0,          /* an event no module uses */
	DOOR_EV_SHUTDOWN,
	DOOR_EV_EXIT,
	DOOR_EV_CALL_INCOMING,
	DOOR_EV_CALL_RINGING,
	DOOR_EV_CALL_PROGRESS,
	DOOR_EV_CALL_ANSWERED,     /* baresip 1.1.0 and later only */
	DOOR_EV_CALL_ESTABLISHED,
	DOOR_EV_CALL_CLOSED,
	DOOR_EV_CALL_TRANSFER,
	DOOR_EV_CALL_TRANSFER_FAILED,
	DOOR_EV_CALL_DTMF_START,
	DOOR_EV_CALL_DTMF_END,
	DOOR_EV_CALL_RTPESTAB,
	DOOR_EV_CALL_LOCAL_SDP,
	DOOR_EV_CALL_REMOTE_SDP,
	DOOR_EV_MODULE,            /* the door bus; see door_evmap_build() */
	DOOR_EV_MAX
};

/* baresip's numbers are scanned from 0 up to this bound */
#define DOOR_EV_SCAN 128

struct door_evmap {
	int ua[DOOR_EV_MAX];                  /* door -> baresip, or -1 */
	uint8_t door[DOOR_EV_SCAN];           /* baresip -> door */
};

/** baresip's name for its event number ev; NULL or "?" when unknown */
typedef const char *(door_evname_h)(int ev);

int  door_evmap_build(struct door_evmap *map, door_evname_h *nameh,
		      const char **missing);
enum door_event door_evmap_door(const struct door_evmap *map, int ev);
int  door_evmap_ua(const struct door_evmap *map, enum door_event ev);
const char *door_event_name(enum door_event ev);

typedef void (door_event_h)(struct ua *ua, enum door_event ev,
			    struct call *call, const char *prm, void *arg);

int  door_event_init(void);
int  door_event_register(door_event_h *h, void *arg);
void door_event_unregister(door_event_h *h);
int  door_event_ua(enum door_event ev);


/*
 * Calls by identity (calls.c). A call is named by its SIP Call-ID and its
 * peer URI, never by its address: baresip may free a call without an event
 * (1.0.0 does on a failed transfer and on quit), and a new call may then
 * get the old one's address. Per-call state is looked up again by name and
 * swept once the call is no longer in baresip's call list.
 */
/** Whether the call named id and peer is still in baresip's call list */
typedef bool (door_alive_h)(const char *id, const char *peer, void *arg);

struct call *door_call_find(const char *id, const char *peer);
bool door_call_alive(const char *id, const char *peer, void *arg);

/** Sweep per-call state; return true while some call is still tracked */
typedef bool (callsweep_h)(void *arg);

struct callsweep;

int  callsweep_alloc(struct callsweep **swp, callsweep_h *h, void *arg);
void callsweep_run(struct callsweep *sw);


/*
 * Wrong-code budget across calls (guard.c), pure logic with an injected
 * clock in ms. peer is the caller's network address ("" when unknown);
 * the handler's peer is NULL for the total budget over all callers.
 */
struct guard_cfg {
	uint32_t peer_budget;    /* wrong codes from one address */
	uint32_t total_budget;   /* wrong codes from all addresses */
	uint64_t base_ms;        /* first suspension, doubled each time */
	uint64_t cap_ms;         /* longest suspension */
	uint64_t forget_ms;      /* quiet time that forgets wrong codes */
};

enum guard_event {
	GUARD_SUSPEND = 0,
	GUARD_RESUME,
};

struct guard;

typedef void (guard_h)(enum guard_event ev, const char *peer, uint64_t ms,
		       void *arg);

int  guard_alloc(struct guard **gp, const struct guard_cfg *cfg,
		 guard_h *h, void *arg);
uint64_t guard_wait(const struct guard *g, const char *peer, uint64_t now);
void guard_fail(struct guard *g, const char *callid, uint32_t nth,
		const char *peer, uint64_t now);
void guard_success(struct guard *g, const char *peer);
void guard_call_start(struct guard *g, const char *callid);
void guard_tick(struct guard *g, uint64_t now);
bool guard_next(const struct guard *g, uint64_t *at);
uint64_t guard_backoff(const struct guard_cfg *cfg, uint32_t n);


/*
 * The guard as the modules use it (doorguard.c): the first door module
 * to load owns it and answers the door_guard command; the others ask it
 * through that command, so relay and dryio share one budget. Keys:
 * door_dtmf_budget, door_dtmf_budget_total, door_dtmf_lockout_base,
 * door_dtmf_lockout_max, door_dtmf_forget.
 */
int  dguard_init(const char *module, const struct conf *conf);
void dguard_close(void);
bool dguard_refused(const char *module, const char *callid,
		    const char *peer);
void dguard_fail(const char *callid, uint32_t nth);
void dguard_success(const char *callid);
void dguard_code_warn(const char *module, const char *key,
		      const char *code);


/*
 * DTMF codes per call (codeset.c): a matcher for each call, created at its
 * first digit from the codes fillh adds, freed when the call closes or is
 * swept. The handler gets no call: only the caller's URI.
 */
struct codeset;
struct allowlist;

typedef int  (codeset_fill_h)(struct matcher *m, void *arg);
typedef void (codeset_h)(enum matcher_result res, int id, const char *peer,
			 const char *callid, uint32_t failures, void *arg);

int  codeset_alloc(struct codeset **csp, uint32_t timeout_ms,
		   uint32_t max_fail, const struct allowlist *allow,
		   codeset_fill_h *fillh, codeset_h *h, void *arg);
void codeset_feed(struct codeset *cs, const char *id, const char *peer,
		  char digit);
void codeset_call_closed(struct codeset *cs, const char *id,
			 const char *peer);
unsigned codeset_sweep(struct codeset *cs, door_alive_h *aliveh, void *arg);
int  door_foreign_init(const char *module);
void door_foreign_close(void);
int  door_codes_foreign(struct matcher *m, const char *module);
/* a module's codes for a codeset_fill_h: each item's code and its id */
typedef const char *(door_code_h)(const void *item, int *id);
int  door_codes_fill(struct matcher *m, const struct list *items,
		     door_code_h *codeh, const char *module);


/*
 * Caller allowlists (allow.c): SIP URIs or user parts, '*' matches any
 * run of characters. Patterns are separated by ',' ';' or white space.
 */
struct allowlist;

int  allowlist_alloc(struct allowlist **alp, const char *spec);
bool allowlist_isempty(const struct allowlist *al);
bool allowlist_match(const struct allowlist *al, const char *uri);
bool door_glob_match(const char *pattern, const char *str);


/*
 * Audit log (audit.c): one JSON object per line in door_audit_file for
 * every access decision. Fields left NULL are written as "".
 * Never pass a password or a full code.
 */
struct audit_rec {
	const char *module;
	const char *action;
	const char *relay;
	const char *source;   /* dtmf, command, http, input, call, message */
	const char *who;
	const char *result;   /* ok, denied, locked, error; challenge and
				 invalid decide nothing (httpopen) */
	const char *detail;   /* optional */
	const char *decided_by;  /* optional: "relay" when that module ran
				    the command and recorded the decision */
};

void audit_configure(const struct conf *conf);
void audit_close(void);
int  audit_write(const struct audit_rec *rec);
int  audit_format(struct mbuf *mb, const struct audit_rec *rec,
		  uint64_t unix_ms);
int  door_json_escape(struct re_printf *pf, const char *str);

/*
 * Refusal summaries (auditlim.c): the first refusal per key (for example
 * client address and reason) in an interval is written at once, the rest
 * are counted into one record at its end; bounded by max_keys, so a flood
 * cannot fill the disk. Granted accesses go to audit_write() directly.
 */
struct audit_limit;

int  audit_limit_alloc(struct audit_limit **alp, uint32_t interval_ms,
		       uint32_t max_keys);
int  audit_refusal(struct audit_limit *al, const char *key,
		   const struct audit_rec *rec);
void audit_limit_flush(struct audit_limit *al);


/*
 * Call phases (calltrack.c), fed from a module's UA event handler, for
 * outputs that follow a call state: on while it lasts, off when it ends.
 */
enum {
	DOOR_PHASE_INCOMING    = 1 << 0,   /* ringing here, not answered */
	DOOR_PHASE_OUTGOING    = 1 << 1,   /* dialled, not answered */
	DOOR_PHASE_ESTABLISHED = 1 << 2,
	DOOR_PHASE_CALL        = 1 << 3,   /* any call, start to close */
};

struct calltrack;

int  calltrack_alloc(struct calltrack **ctp);
bool calltrack_event(struct calltrack *ct, enum door_event ev,
		     const char *id, const char *peer, bool outgoing);
bool calltrack_sweep(struct calltrack *ct, door_alive_h *aliveh, void *arg);
unsigned calltrack_phases(const struct calltrack *ct);
int  door_phase_parse(const struct pl *pl, unsigned *phase);
const char *door_phase_name(unsigned phase);


/*
 * Outputs (drive.c): one output line and why it is on. The reason decides
 * what switches it off again: a pulse's hold timer, drive_off(), the end
 * of the call phase it follows, or the end of its schedule. A switch-off
 * the line refuses (a full disk, no descriptors left) is tried again every
 * DRIVE_RETRY_MS until the line takes it: an output is never left on
 * because one write failed. The change handler runs for every real change,
 * so the owning module audits and announces it.
 */
enum drive_reason {
	DRIVE_OFF = 0,
	DRIVE_PULSE,       /* on until its hold timer ends */
	DRIVE_LATCHED,     /* on until switched off */
	DRIVE_CALL,        /* on while one of its call phases lasts */
	DRIVE_SCHEDULE,    /* on until its schedule ends (drive_off); a
			    * pulse does not shorten it */
};

enum { DRIVE_RETRY_MS = 1000 };

struct drive_cfg {
	const char *name;      /* in log lines, "relay 1", "dryio: out2" */
	unsigned phase;        /* DOOR_PHASE_* mask drive_follow() uses */
	uint32_t retry_ms;     /* 0: DRIVE_RETRY_MS */
};

struct drive;

/** A real change; source: who caused it ("timer", "call", "retry"...) */
typedef void (drive_change_h)(bool on, enum drive_reason reason,
			      const char *source, const char *who,
			      void *arg);

int  drive_alloc(struct drive **dp, struct line *line,
		 const struct drive_cfg *cfg, drive_change_h *changeh,
		 void *arg);
int  drive_on(struct drive *d, enum drive_reason reason, uint32_t hold_ms,
	      const char *source, const char *who);
int  drive_off(struct drive *d, const char *source, const char *who);
void drive_follow(struct drive *d, unsigned phases);
void drive_close(struct drive *d);
enum drive_reason drive_reason(const struct drive *d);
bool drive_is_on(const struct drive *d);
bool drive_off_pending(const struct drive *d);
const char *drive_spec(const struct drive *d);
const char *drive_reason_name(enum drive_reason reason);

/* driveconf.c: PREFIXn_gpio, _active_low, _name, _hold, _<phase_key> */
struct drive_keys {
	const char *module;     /* "relay": log lines start with it */
	const char *prefix;     /* "relay", "dryio_out" */
	const char *phase_key;  /* "event", "call" */
	const char *name;       /* default name, before N: "Relay" */
};

struct drive_conf {
	char spec[256];
	char name[64];
	bool active_low;
	uint32_t hold_ms;       /* 5 s unless set */
	unsigned phase;
};

int  drive_conf_line(struct drive_conf *dc, const struct conf *conf,
		     const char *prefix, unsigned n);
int  drive_conf_read(struct drive_conf *dc, const struct conf *conf,
		     const struct drive_keys *keys, unsigned n);


/*
 * Calling other modules (cmd.c), through baresip's long commands.
 */
#define DOOR_CMD_MAX 400

bool door_cmd_exists(const char *name);
int  door_conf_command(const struct conf *conf, const char *module,
		       const char *key, char **cmdp);
int  door_cmd_run(struct mbuf *resp, const char *fmt, ...);
int  door_cmd_refusal(const struct mbuf *resp, char *reason, size_t sz);

/*
 * Door events on baresip's bus (bus.c): "<module>,<event>,<k>=<v>&...",
 * values percent-encoded. The event is DOOR_EV_MODULE.
 */
int  door_bus_emit(const char *module, const char *event, ...);
int  door_announce(const char *event, ...);
int  door_bus_parse(const char *prm, struct pl *module, struct pl *event,
		    struct pl *fields);
int  door_bus_field_next(struct pl *rest, struct pl *key, char *val,
			 size_t sz);
int  door_bus_field(const struct pl *fields, const char *key, char *val,
		    size_t sz);


/*
 * TOTP codes (totp.c), RFC 6238 over HMAC-SHA1, free of baresip calls.
 * key is the raw secret; times are Unix seconds.
 */
#define TOTP_PERIOD     30
#define TOTP_DIGITS_MIN 6
#define TOTP_DIGITS_MAX 8
#define TOTP_KEY_MIN    16     /* RFC 4226: at least 128 bits */
#define TOTP_KEY_MAX    64

int  totp_base32_decode(uint8_t *key, size_t *keylen, const char *str);
int  totp_base32_print(struct re_printf *pf, const uint8_t *key,
		       size_t len);
uint64_t totp_step(uint64_t t);
int  totp_code(char *buf, size_t sz, const uint8_t *key, size_t keylen,
	       uint64_t step, unsigned digits);
int  totp_verify(const uint8_t *key, size_t keylen, unsigned digits,
		 uint64_t now, const char *code, size_t len, uint64_t *step);

/* totpkey.c: a secret from <prefix>_totp and <prefix>_totp_digits */
struct totp_key {
	uint8_t key[TOTP_KEY_MAX];
	size_t len;
	unsigned digits;
};

int  totp_key_conf(struct totp_key **kp, const struct conf *conf,
		   const char *prefix, bool quiet);
bool totp_key_check(const char *digits, size_t len, void *arg);


/*
 * Time profiles (profile.c), weekly hours in local time, free of baresip
 * calls: "Mo-Fr 08:00-18:00, Sa 09:00-12:00". profconf.c reads them from
 * door_profileN <name> <hours> and finds them by name.
 */
struct profile;

int  profile_parse(struct profile **pp, const char *name, const char *spec);
const char *profile_name(const struct profile *p);
void profile_link(struct profile *p, struct list *profiles);
bool profile_active(const struct profile *p, time_t t);
time_t profile_next_change(const struct profile *p, time_t now);
int  profile_conf(struct list *profiles, const struct conf *conf);
const struct profile *profile_find(const struct list *profiles,
				   const char *name);


/*
 * Visitor codes (vcode.c, free of baresip calls; vfile.c, their file).
 * A store holds the codes and the last accepted TOTP step of each relay.
 */
#define VCODE_NAME_MAX   32
#define VCODE_DIGITS_MIN 4
#define VCODE_MAX        200

struct vcode {
	struct le le;
	uint32_t id;                  /* never given twice */
	char name[VCODE_NAME_MAX + 1];  /* "" for none */
	uint32_t relays;              /* bit n: relay n */
	char code[17];
	time_t until;                 /* 0: no expiry */
	uint32_t uses;                /* uses left, 0: no limit */
	char hours[32];               /* time profile, "" for any time */
};

struct vstore {
	struct list codes;
	uint32_t next_id;
	uint64_t totp[DOOR_MAX_INDEX + 1];   /* last step per relay, 0 */
};

int  vcode_time_parse(const char *s, time_t now, time_t *t);
int  vcode_time_print(struct re_printf *pf, const time_t *t);
bool vcode_name_valid(const char *name);
bool vcode_digits_valid(const char *code);
bool vcode_expired(const struct vcode *vc, time_t now);
int  vcode_relays_parse(const struct pl *pl, uint32_t *relays);
int  vcode_relays_print(struct re_printf *pf, const uint32_t *relays);
int  vcode_alloc(struct vcode **vcp);
int  vstore_alloc(struct vstore **vsp);
void vstore_add(struct vstore *vs, struct vcode *vc);
struct vcode *vstore_find(const struct vstore *vs, uint32_t id,
			  const char *name);
time_t vstore_next_expiry(const struct vstore *vs);
int  vstore_encode(struct mbuf *mb, const struct vstore *vs);
int  vstore_decode(struct vstore *vs, const char *buf, size_t len);
int  vstore_save(const char *path, const struct vstore *vs);
int  vstore_load(struct vstore *vs, const char *path, bool *loose);
int  door_file_replace(const char *path, const void *buf, size_t len,
		       unsigned mode);


/* walltimer.c: a timer at a wall-clock time that also wakes when the
 * clock is stepped (stepped true), through a timerfd in libre's loop */
struct walltimer;

typedef void (walltimer_h)(bool stepped, void *arg);

int  walltimer_alloc(struct walltimer **wtp, walltimer_h *h, void *arg);
int  walltimer_start(struct walltimer *wt, time_t at);


/* safe.c: %H of a peer's string, control and non-ASCII bytes as '?' */
int  door_print_safe(struct re_printf *pf, void *str);

/* Percent-encoding (pct.c), free of baresip calls */
int  door_pct_encode(struct re_printf *pf, const char *str);
int  door_hex_digit(char c);


/*
 * RFC 4733 telephone-event key presses (rfc4733.c), free of baresip calls.
 * Zero a struct rfc4733_rx before the first packet of a stream.
 */
struct rfc4733_payload {
	uint8_t event;
	bool end;
	uint8_t volume;
	uint16_t duration;
};

struct rfc4733_rx {
	bool active;          /* a press has been seen */
	bool ended;           /* ...and its end too */
	char key;
	uint32_t ssrc;
	uint32_t ts;          /* the current press's RTP timestamp */
	uint32_t seenv[8];    /* timestamps of the latest presses */
	size_t seenc;
};

/* What one packet did: key presses starting (end false) or ending */
struct rfc4733_keys {
	struct {
		char key;
		bool end;
	} v[3];
	size_t n;
};

char rfc4733_key(uint8_t event);
int  rfc4733_payload_decode(struct rfc4733_payload *pl, const uint8_t *p,
			    size_t len);
int  rfc4733_rx_packet(struct rfc4733_rx *rx, uint32_t ssrc, uint32_t ts,
		       bool marker, const uint8_t *p, size_t len,
		       struct rfc4733_keys *keys);


/*
 * Telephone-event DTMF read from each call's audio RTP (rtpdtmf.c) and
 * put on baresip's event bus as CALL_DTMF_START/END, because baresip
 * 1.1.0 loses every telephone-event after a call's first. module names
 * the module in log lines. The first door module to call it owns it.
 */
int  rtpdtmf_init(const char *module);
void rtpdtmf_close(void);

#endif /* DOOR_H */
