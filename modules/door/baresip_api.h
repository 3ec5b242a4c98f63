/**
 * @file baresip_api.h  The part of baresip's API that baresip-door uses
 *
 * Debian ships no baresip.h, so the declarations below were written by hand
 * and checked against the include/baresip.h of both v1.0.0 (Debian 12) and
 * v1.1.0 (Debian 13): every struct, handler type and function declared here
 * is identical in the two. Where a real <baresip.h> is on the include path
 * it is used instead, so the two can never drift apart silently.
 *
 * What differs between 1.0.0 and 1.1.0, and how this project avoids it:
 * - enum ua_event: 1.1.0 inserts FALLBACK_OK and FALLBACK_FAIL after
 *   UNREGISTERING, CALL_ANSWERED after CALL_PROGRESS, MODULE and CUSTOM
 *   before MAX. Its values are never named here; uaevent.c resolves them
 *   by name through uag_event_str() (same on both; "?" for unknown).
 * - uag_current() and ua_aor() exist only in 1.0.0: not used.
 * - struct call, struct ua, struct account and struct audio are opaque in
 *   both and only reached through functions.
 * - 1.1.0 adds functions this project does not use (module_event(),
 *   call_account(), message_encode_dict(), ...).
 * tests/system/test_build.py checks that every symbol the modules import
 * exists in the baresip binary (and its libraries) of the platform.
 */
#ifndef DOOR_BARESIP_API_H
#define DOOR_BARESIP_API_H

#include <re.h>

#if defined(__has_include) && !defined(DOOR_OWN_BARESIP_API)
#if __has_include(<baresip.h>)
#define DOOR_HAVE_BARESIP_H 1
#endif
#endif

#ifdef DOOR_HAVE_BARESIP_H
#include <rem.h>
#include <baresip.h>
#else

struct ua;
struct call;
struct account;
struct audio;
struct commands;
struct message;

/* Logging: formatted with re_printf, so %r, %m, %H work */
void debug(const char *fmt, ...);
void info(const char *fmt, ...);
void warning(const char *fmt, ...);

/* Configuration: the parsed config file, and the folder it came from */
struct conf *conf_cur(void);
int conf_path_get(char *path, size_t sz);

/* Call state, as call_state() reports it */
enum call_state {
	CALL_STATE_IDLE = 0,
	CALL_STATE_INCOMING,
	CALL_STATE_OUTGOING,
	CALL_STATE_RINGING,
	CALL_STATE_EARLY,
	CALL_STATE_ESTABLISHED,
	CALL_STATE_TERMINATED,
	CALL_STATE_UNKNOWN
};

int              call_send_digit(struct call *call, char key);
enum call_state  call_state(const struct call *call);
const char      *call_id(const struct call *call);
const char      *call_peeruri(const struct call *call);
const char      *call_localuri(const struct call *call);
struct ua       *call_get_ua(const struct call *call);
struct audio    *call_audio(const struct call *call);
bool             call_is_outgoing(const struct call *call);

/*
 * User agents. The numbers of enum ua_event differ between versions: no
 * enumerator is declared, only the type (an int), so nothing here can
 * name an event by number; see door_event in door.h.
 */
enum ua_event {
	UA_EVENT_DOOR_OPAQUE_MIN_ = -1,
	UA_EVENT_DOOR_OPAQUE_MAX_ = 0x7fffffff,
};

typedef void (ua_event_h)(struct ua *ua, enum ua_event ev,
			  struct call *call, const char *prm, void *arg);

int          uag_event_register(ua_event_h *eh, void *arg);
void         uag_event_unregister(ua_event_h *eh);
const char  *uag_event_str(enum ua_event ev);
struct list *uag_list(void);
struct sip  *uag_sip(void);
struct call *ua_call(const struct ua *ua);
struct list *ua_calls(const struct ua *ua);

/* Commands; KEYCODE_REL ends a DTMF digit in call_send_digit() */
#define KEYCODE_REL (0x04)

enum {
	CMD_PRM = (1<<0),
};

struct cmd_arg {
	char key;
	char *prm;
	void *data;
};

struct cmd {
	const char *name;
	char key;
	int flags;
	const char *desc;
	re_printf_h *h;
};

struct commands *baresip_commands(void);
int  cmd_register(struct commands *commands,
		  const struct cmd *cmdv, size_t cmdc);
void cmd_unregister(struct commands *commands, const struct cmd *cmdv);
int  cmd_process_long(struct commands *commands, const char *str, size_t len,
		      struct re_printf *pf_resp, void *data);
const struct cmd *cmd_find_long(const struct commands *commands,
				const char *name);

/* SIP MESSAGE */
typedef void (message_recv_h)(struct ua *ua, const struct pl *peer,
			      const struct pl *ctype,
			      struct mbuf *body, void *arg);

struct message *baresip_message(void);
int  message_listen(struct message *message, message_recv_h *h, void *arg);
void message_unlisten(struct message *message, message_recv_h *recvh);
int  message_send(struct ua *ua, const char *peer, const char *msg,
		  sip_resp_h *resph, void *arg);

/* Audio filters: the decode side sees each call's received audio */
struct auframe {
	int fmt;
	void *sampv;
	size_t sampc;
	uint64_t timestamp;
};

struct aufilt;

struct aufilt_enc_st {
	const struct aufilt *af;
	struct le le;
};

struct aufilt_dec_st {
	const struct aufilt *af;
	struct le le;
};

struct aufilt_prm {
	uint32_t srate;
	uint8_t  ch;
	int      fmt;
};

typedef int (aufilt_encupd_h)(struct aufilt_enc_st **stp, void **ctx,
			      const struct aufilt *af, struct aufilt_prm *prm,
			      const struct audio *au);
typedef int (aufilt_encode_h)(struct aufilt_enc_st *st, struct auframe *af);
typedef int (aufilt_decupd_h)(struct aufilt_dec_st **stp, void **ctx,
			      const struct aufilt *af, struct aufilt_prm *prm,
			      const struct audio *au);
typedef int (aufilt_decode_h)(struct aufilt_dec_st *st, struct auframe *af);

struct aufilt {
	struct le le;
	const char *name;
	aufilt_encupd_h *encupdh;
	aufilt_encode_h *ench;
	aufilt_decupd_h *decupdh;
	aufilt_decode_h *dech;
};

struct list *baresip_aufiltl(void);
void aufilt_register(struct list *aufiltl, struct aufilt *af);
void aufilt_unregister(struct aufilt *af);

/* Raising a UA event on baresip's bus, as baresip does itself */
void ua_event(struct ua *ua, enum ua_event ev, struct call *call,
	      const char *fmt, ...);
struct account *ua_account(const struct ua *ua);

/* Accounts' media encryption, by menc id (NULL for none) */
int         account_set_mediaenc(struct account *acc, const char *mencid);
const char *account_mediaenc(const struct account *acc);
const char *account_aor(const struct account *acc);

/* Network: baresip's DNS client, asking the dns_server lines of the
 * config (or the system's servers) from the loop, without blocking */
struct network;
struct network *baresip_network(void);
struct dnsc *net_dnsc(const struct network *net);

/* Media streams */
struct stream;
struct stream *audio_strm(const struct audio *au);
struct sdp_media *stream_sdpmedia(const struct stream *s);

/*
 * Media encryption. struct menc and the handler types are the same in
 * baresip v1.0.0 and v1.1.0 (include/baresip.h of both tags compared);
 * this is the one place that would hold a difference.
 */
struct menc_sess;
struct menc_media;

enum menc_event {
	MENC_EVENT_SECURE,
	MENC_EVENT_VERIFY_REQUEST,
	MENC_EVENT_PEER_VERIFIED,
};

typedef void (menc_event_h)(enum menc_event event, const char *prm,
			    struct stream *strm, void *arg);
typedef void (menc_error_h)(int err, void *arg);
typedef int  (menc_sess_h)(struct menc_sess **sessp, struct sdp_session *sdp,
			   bool offerer, menc_event_h *eventh,
			   menc_error_h *errorh, void *arg);
typedef int  (menc_media_h)(struct menc_media **mp, struct menc_sess *sess,
			    struct rtp_sock *rtp,
			    struct udp_sock *rtpsock, struct udp_sock *rtcpsock,
			    const struct sa *raddr_rtp,
			    const struct sa *raddr_rtcp,
			    struct sdp_media *sdpm,
			    const struct stream *strm);

struct menc {
	struct le le;
	const char *id;
	const char *sdp_proto;
	bool wait_secure;
	menc_sess_h *sessh;
	menc_media_h *mediah;
};

struct list *baresip_mencl(void);
void menc_register(struct list *mencl, struct menc *menc);
void menc_unregister(struct menc *menc);
const struct menc *menc_find(const struct list *mencl, const char *id);

#endif /* DOOR_HAVE_BARESIP_H */

#endif /* DOOR_BARESIP_API_H */
