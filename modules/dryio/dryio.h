/**
 * @file dryio.h  Dry-contact inputs and outputs -- private interface
 */

#define DRYIO_NAME_MAX   64
#define DRYIO_ALERT_MAX  128    /* text after "ALERT=" */
#define DRYIO_BODY_MAX   1024   /* longer MESSAGE bodies are refused */


/*
 * alert.c: "ALERT=<text>" bodies, and percent-encoding for webrelay
 */
int  alert_parse(const struct pl *ctype, const uint8_t *body, size_t len,
		 char *text, size_t sz);
bool alert_text_valid(const char *text);
int  dryio_pct_encode(struct re_printf *pf, void *str);


/*
 * output.c: one output, its line, its hold timer
 */
struct output {
	struct le le;
	unsigned n;
	char name[DRYIO_NAME_MAX];
	struct drive *drive;               /* NULL: its line did not open */
	uint32_t hold_ms;
	char alert[DRYIO_ALERT_MAX + 1];   /* "" for none */
	char dtmf[17];                     /* "" for none */
	unsigned phase;                    /* DOOR_PHASE_*, 0 for none */
};

int  output_conf(struct output **op, const struct conf *conf, unsigned n);
int  output_trigger(struct output *o, const char *source, const char *who);
int  output_switch(struct output *o, bool on, const char *source,
		   const char *who);
int  output_pulse(struct output *o, const char *source, const char *who);
void output_follow(struct output *o, unsigned phases);
void output_shutdown(struct output *o);
bool output_is_on(const struct output *o);
struct output *output_find(const struct list *outputs, unsigned n);
struct output *output_lookup(const struct list *outputs, const char *key);


/*
 * input.c: one input, its line, its debounce/hold timer, what it does
 */
struct input;
typedef void (input_fire_h)(struct input *in, void *arg);

struct input {
	struct le le;
	unsigned n;
	char name[DRYIO_NAME_MAX];
	struct dinput di;     /* its line, debounce and hold */
	char *alert;          /* NULL for none */
	char *command;        /* NULL for none */
	unsigned output;      /* 0 for none */
	input_fire_h *fireh;
	void *arg;
};

int  input_conf(struct input **ip, const struct conf *conf, unsigned n,
		input_fire_h *fireh, void *arg);
bool input_level(const struct input *in);


/*
 * message.c: SIP MESSAGE in (ALERT= switches outputs) and out (alarms)
 */
int  dryio_msg_init(struct list *outputs, const struct conf *conf);
void dryio_msg_close(void);
int  dryio_msg_send(const char *text, unsigned input);
int  alert_apply(struct list *outputs, const char *text, const char *source,
		 const char *who);


/*
 * call.c: call states and per-call DTMF codes
 */
int  dryio_call_init(struct list *outputs, const struct conf *conf);
void dryio_call_close(void);


/*
 * cmd.c: dryio_list, dryio_out, dryio_alert
 */
int  dryio_cmd_init(struct list *inputs, struct list *outputs);
void dryio_cmd_close(void);
