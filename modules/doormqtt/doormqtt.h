/**
 * @file doormqtt.h  MQTT and Home Assistant for the door -- private
 */

#define DM_ID_MAX     64
#define DM_TOPIC_MAX  160

struct mosquitto;

struct dm_conf {
	char host[256];
	uint16_t port;
	bool tls;
	char user[128];
	char pass[256];
	char cafile[256];
	char id[DM_ID_MAX];
	char name[128];
	char base[DM_TOPIC_MAX];
	bool discovery;
	char prefix[64];
	bool commands;
};

/* The module's one state, owned by doormqtt.c */
struct doormqtt {
	struct dm_conf cfg;
	struct mosquitto *mosq;
	bool connected;
	uint64_t dropped;        /* events not published while away */
	unsigned pending;        /* QoS 1 messages the broker has not acked */
	struct list items;       /* struct dm_item, read at each connect */
};

extern struct doormqtt dm;


/* topic.c: ids, broker addresses, command topics; no baresip calls */
enum dm_kind {
	DM_RELAY = 0,
	DM_OUTPUT,
	DM_INPUT,
};

enum dm_cmd {
	DM_CMD_OPEN = 0,
	DM_CMD_ON,
	DM_CMD_OFF,
};

int  dm_broker_parse(const char *url, char *host, size_t sz, uint16_t *port,
		     bool *tls);
bool dm_id_valid(const char *id);
void dm_id_make(char *id, size_t sz, const char *from);
int  dm_cmd_topic_parse(const char *base, const char *topic,
			enum dm_kind *kind, unsigned *n);
int  dm_cmd_payload_parse(const void *payload, int len, enum dm_cmd *cmd);
const char *dm_kind_name(enum dm_kind kind);


/* One pause between connection attempts to the next: 1 s doubling to 60 s */
uint32_t dm_backoff_next(uint32_t ms);


/* hosts.c: names the machine answers itself; no baresip calls */
int  dm_hosts_find(const char *text, const char *host, struct sa *sa);


/* resolve.c: the broker's address, without blocking the loop */
typedef void (dm_resolve_h)(int err, const struct sa *addr);

int  dm_resolve(struct sa *sa, dm_resolve_h *h);
void dm_resolve_cancel(void);


/* tls.c: the broker's certificate checked for the configured host */
int  dm_tls_setup(struct mosquitto *mosq);
const char *dm_tls_refusal(void);


/* inventory.c: the relays, inputs and outputs, read through the other
 * modules' commands (relay_status, dryio_list) */
struct dm_item {
	struct le le;
	enum dm_kind kind;
	unsigned n;
	char name[64];
	bool lock;           /* a door relay: a lock in Home Assistant */
	bool on;
	char door[8];        /* its door contact's state; "" without one */
};

int  dm_inventory_load(struct list *items);
struct dm_item *dm_item_find(const struct list *items, enum dm_kind kind,
			     unsigned n);


/* publish.c: states and events, from the bus and from the modules */
int  dm_publish(const char *topic, const char *payload, bool retain);
int  dm_publish_state(enum dm_kind kind, unsigned n, bool on);
bool dm_door_state_valid(const char *state);
void dm_publish_all(void);
int  dm_publish_init(void);
void dm_publish_close(void);


/* subscribe.c: commands from MQTT */
void dm_subscribe(void);
void dm_message(const char *topic, const void *payload, int len,
		bool retained);


/* discovery.c: Home Assistant discovery */
void dm_discovery_publish(void);


/* doormqtt.c: the connection */
void dm_sock_update(void);
