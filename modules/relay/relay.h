/**
 * @file relay.h  Local relays on GPIO lines -- private interface
 */

enum relay_mode {
	RELAY_MONOSTABLE = 0,   /* resets by itself after the hold delay */
	RELAY_BISTABLE,         /* changes state each time it is triggered */
};

enum relay_type {
	RELAY_DOOR = 0,         /* opened by unlock actions */
	RELAY_CHIME,            /* on while an incoming call rings */
	RELAY_EVENT,            /* follows a call state */
};

enum relay_act {
	RELAY_ACT_OPEN = 0,     /* as configured: pulse, or bistable change */
	RELAY_ACT_CLOSE,
	RELAY_ACT_ON,           /* on until closed */
	RELAY_ACT_TOGGLE,
	RELAY_ACT_HOURS,        /* on until its hours end: a pulse keeps it */
};

struct relay;

/** Every state change; source says who caused it ("timer" for the hold) */
typedef void (relay_change_h)(struct relay *r, bool on, const char *source,
			      const char *who, void *arg);

struct relay {
	struct le le;
	unsigned id;
	char name[64];
	char spec[256];
	bool active_low;
	enum relay_mode mode;
	enum relay_type type;
	unsigned phase;         /* RELAY_EVENT: a DOOR_PHASE_* */
	uint32_t hold_ms;
	char code[17];          /* DTMF code, "" for none */
	bool remote;            /* DTMF may trigger it */
	bool no_dtmf;           /* relayN_remote no: no DTMF code of any kind */
	char label[24];         /* "relay: relay N", in the drive's logs */
	struct drive *drive;    /* NULL: disabled, the line did not open */
	bool on;                /* the drive's state, mirrored */
	uint32_t interlock;     /* relays interlocked with this one, a bit
				 * per number (interlock.c) */
	char refused[48];       /* why relay_act last returned EBUSY */
	relay_change_h *changeh;
	void *arg;
	struct contact *contact; /* door contact, NULL for none (contact.c) */
};

/* output.c */
int  relay_conf(struct relay **rp, const struct conf *conf, unsigned n);
int  relay_attach(struct relay *r, relay_change_h *changeh, void *arg);
int  relay_set(struct relay *r, bool on, bool timed, const char *source,
	       const char *who);
int  relay_trigger(struct relay *r, const char *source, const char *who);
int  relay_act(struct relay *r, enum relay_act act, const char *source,
	       const char *who);
const char *relay_act_name(enum relay_act act);
bool relay_act_refused(const struct relay *r, enum relay_act act,
		       char *reason, size_t sz);
void relay_shutdown(struct relay *r);
const char *relay_mode_name(enum relay_mode mode);
const char *relay_type_name(enum relay_type type);
struct relay *relay_lookup(const struct list *relays, const char *key);

/* contact.c: the door contact, its states and alarms */
struct contact;

int  contact_conf(struct relay *r, const struct conf *conf);
int  contact_attach(struct relay *r);
void contact_relay_changed(struct relay *r, bool on);
void contact_close(struct relay *r);
bool relay_door_open(const struct relay *r);
const char *relay_door_state(const struct relay *r);

/* store.c */
int  store_save(const char *path, const struct list *relays,
		 bool *removed);
int  store_load(const char *path, uint32_t *on);

/* dtmf.c */
struct dtmf_cfg {
	bool event;             /* telephone-event and SIP INFO */
	bool inband;            /* tones in the received audio */
	struct allowlist *allow;
	uint32_t timeout_ms;
	uint32_t max_fail;
};

int  dtmf_conf(struct dtmf_cfg *cfg, const struct conf *conf);
int  dtmf_transport_parse(const char *spec, bool *event, bool *inband);
int  dtmf_init(const struct dtmf_cfg *cfg, struct list *relays);
void dtmf_close(void);
void dtmf_digit(struct call *call, char digit, bool inband);
void dtmf_call_closed(struct call *call);
unsigned dtmf_sweep(void);

/* otp.c: TOTP codes, matcher ids RELAY_TOTP_ID + relay number */
#define RELAY_TOTP_ID 1000

int  otp_conf(const struct conf *conf, const struct list *relays);
int  otp_init(const struct list *relays);
void otp_close(void);
int  otp_fill(struct matcher *m);
void otp_result(bool accept, bool *replay);
bool otp_valid(const char *code);

/* codes.c: visitor codes, matcher ids RELAY_VCODE_ID + code id */
#define RELAY_VCODE_ID 100000

int  codes_init(const struct conf *conf, const struct list *relays);
void codes_close(void);
int  vcodes_fill(struct matcher *m);
void codes_matched(uint32_t id, const char *peer, const char *callid);
uint64_t codes_totp_last(unsigned n);
void codes_totp_used(unsigned n, uint64_t step);

/* sched.c: time profiles for unlocked hours and DTMF hours */
int  sched_init(const struct conf *conf, struct list *relays);
void sched_close(void);
void sched_changed(struct relay *r, bool on, const char *source);
bool sched_dtmf_allowed(const struct relay *r);
const struct profile *sched_profile(const char *name);

/* relay.c */
bool relay_state_unsaved(void);

/* interlock.c: relay_interlock groups, one door of a group open at once */
int  interlock_parse(const char *key, const char *spec,
		     const struct list *relays, uint32_t *members);
int  interlock_conf(const struct conf *conf, const struct list *relays);
bool interlock_refused(const struct relay *r, char *reason, size_t sz);
void interlock_close(void);

/* cmd.c */
int  relay_cmd_init(struct list *relays, const char *remote_code);
void relay_cmd_close(void);
