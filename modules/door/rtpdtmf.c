/**
 * @file rtpdtmf.c  Telephone-event DTMF read from each call's audio RTP
 *
 * baresip 1.1.0 loses every RFC 4733 telephone-event of a call after the
 * first (it decodes one only when the received payload type changes).
 * The one exported way to reach a stream's RTP socket on 1.0.0 and 1.1.0
 * alike is a media encryption ("menc"): a stream calls the media handler
 * of its account's menc once, when it is allocated. This menc has no
 * session and no SDP protocol, so the SDP stays RTP/AVP with no crypto
 * attribute, nothing waits for it to be secure and audio starts as usual.
 * Its media handler puts a UDP helper on the audio RTP socket, above every
 * media NAT and encryption layer. The helper takes the telephone-event
 * packets away from baresip and raises their key presses on baresip's
 * event bus as CALL_DTMF_START and CALL_DTMF_END, so every module sees
 * each press once, exactly as baresip's own DTMF, on both versions.
 */
#include <string.h>
#include "door.h"

#define MENC_ID "door_dtmf"

enum {
	LAYER = 100,     /* above ICE/STUN/TURN (0) and SRTP/DTLS (20) */
};

/*
 * One per audio stream, owned by the stream (it frees it before its RTP
 * socket), so the stream and the socket outlive it: keeping strm is safe.
 */
struct menc_media {
	struct le le;
	struct udp_helper *uh;
	const struct stream *strm;
	struct rfc4733_rx rx;
};

static struct {
	struct menc menc;
	bool registered;        /* by this module; the others find it */
	struct list medial;     /* streams being read */
	char module[16];
	int ev_start;
	int ev_end;
} rd;


/* ---- event handlers ---- */

/* The call whose audio stream this is, looked up at each digit */
static struct call *stream_call(const struct stream *strm, struct ua **uap)
{
	struct le *le, *lc;

	LIST_FOREACH(uag_list(), le) {
		struct ua *ua = le->data;

		LIST_FOREACH(ua_calls(ua), lc) {
			struct call *call = lc->data;

			if (audio_strm(call_audio(call)) == strm) {
				*uap = ua;
				return call;
			}
		}
	}

	return NULL;
}


/* strm is only compared: a handler of an earlier key may have ended the
   call, and freed the stream */
static void key_raise(const struct stream *strm, char key, bool end)
{
	struct ua *ua = NULL;
	struct call *call = stream_call(strm, &ua);

	if (!call)
		return;

	if (end)
		ua_event(ua, (enum ua_event)rd.ev_end, call, NULL);
	else
		ua_event(ua, (enum ua_event)rd.ev_start, call, "%c", key);
}


/* true (taken from baresip) for every telephone-event packet */
static bool recv_handler(struct sa *src, struct mbuf *mb, void *arg)
{
	struct menc_media *mm = arg;
	const struct stream *strm = mm->strm;
	const struct sdp_media *sdpm = stream_sdpmedia(strm);
	const struct sdp_format *fmt;
	struct rfc4733_keys keys;
	struct rtp_header hdr;
	const size_t pos = mb->pos;
	size_t len, i;
	(void)src;

	if (rtp_hdr_decode(&hdr, mb) || hdr.ver != RTP_VERSION)
		goto other;

	fmt = sdp_media_lformat(sdpm, hdr.pt);
	if (!fmt || str_casecmp(fmt->name, "telephone-event"))
		goto other;

	len = mbuf_get_left(mb);
	if (hdr.pad) {
		size_t pad = len ? mb->buf[mb->end - 1] : 0;

		len = pad <= len ? len - pad : 0;
	}

	/* baresip ignores what it receives while it does not listen */
	if (!(sdp_media_ldir(sdpm) & SDP_RECVONLY) ||
	    rfc4733_rx_packet(&mm->rx, hdr.ssrc, hdr.ts, hdr.m,
			      mbuf_buf(mb), len, &keys))
		return true;

	/* from here mm may go: an event handler may end the call */
	for (i = 0; i < keys.n; i++)
		key_raise(strm, keys.v[i].key, keys.v[i].end);

	return true;

 other:
	mb->pos = pos;
	return false;
}


static void media_destructor(void *data)
{
	struct menc_media *mm = data;

	list_unlink(&mm->le);
	mem_deref(mm->uh);
}


static int media_alloc(struct menc_media **mp, struct menc_sess *sess,
		       struct rtp_sock *rtp, struct udp_sock *rtpsock,
		       struct udp_sock *rtcpsock, const struct sa *raddr_rtp,
		       const struct sa *raddr_rtcp, struct sdp_media *sdpm,
		       const struct stream *strm)
{
	struct menc_media *mm;
	int err;
	(void)sess;
	(void)rtp;
	(void)rtcpsock;
	(void)raddr_rtp;
	(void)raddr_rtcp;

	if (!mp || !rtpsock || !strm)
		return EINVAL;

	/* telephone-events travel with audio only */
	if (*mp || str_casecmp(sdp_media_name(sdpm), "audio"))
		return 0;

	mm = mem_zalloc(sizeof(*mm), media_destructor);
	if (!mm)
		return ENOMEM;

	mm->strm = strm;
	err = udp_register_helper(&mm->uh, rtpsock, LAYER, NULL,
				  recv_handler, mm);
	if (err) {
		warning("%s: telephone-event DTMF not read for this call:"
			" %m\n", rd.module, err);
		mem_deref(mm);
		return err;
	}

	list_append(&rd.medial, &mm->le, mm);
	*mp = mm;

	return 0;
}


/* ---- init and close ---- */

static void accounts_attach(void)
{
	struct le *le;

	LIST_FOREACH(uag_list(), le) {
		struct account *acc = ua_account(le->data);
		const char *id = account_mediaenc(acc);
		int err;

		if (id && !str_cmp(id, MENC_ID))
			continue;

		if (id) {
			warning("%s: account %s uses media encryption '%s':"
				" on baresip 1.1.0 its telephone-event digits"
				" after a call's first are lost (SIP INFO"
				" digits arrive)\n", rd.module,
				account_aor(acc), id);
			continue;
		}

		err = account_set_mediaenc(acc, MENC_ID);
		if (err)
			warning("%s: account %s: telephone-event DTMF left"
				" to baresip: %m\n", rd.module,
				account_aor(acc), err);
	}
}


/**
 * Read telephone-events from the RTP of every account without media
 * encryption, unless another door module does already.
 */
int rtpdtmf_init(const char *module)
{
	if (rd.registered ||
	    menc_find(baresip_mencl(), MENC_ID))
		return 0;

	str_ncpy(rd.module, module, sizeof(rd.module));

	/* baresip's numbers for them, resolved by name (uaevent.c) */
	rd.ev_start = door_event_ua(DOOR_EV_CALL_DTMF_START);
	rd.ev_end   = door_event_ua(DOOR_EV_CALL_DTMF_END);
	if (rd.ev_start < 0 || rd.ev_end < 0) {
		warning("%s: this baresip names no CALL_DTMF_START/END"
			" event: telephone-event DTMF left to baresip\n",
			module);
		return 0;
	}

	rd.menc.id     = MENC_ID;
	rd.menc.mediah = media_alloc;
	menc_register(baresip_mencl(), &rd.menc);
	rd.registered = true;

	accounts_attach();

	return 0;
}


/**
 * Stop reading: accounts get back no media encryption and the streams of
 * calls in progress lose their helper. baresip ends every call before it
 * closes modules; a stream that outlived its module (module_unload during
 * a call) would call back into unloaded code, as with any baresip menc.
 */
void rtpdtmf_close(void)
{
	struct le *le;

	if (!rd.registered)
		return;

	LIST_FOREACH(uag_list(), le) {
		struct account *acc = ua_account(le->data);

		if (!str_cmp(account_mediaenc(acc), MENC_ID))
			(void)account_set_mediaenc(acc, NULL);
	}

	LIST_FOREACH(&rd.medial, le) {
		struct menc_media *mm = le->data;

		mm->uh = mem_deref(mm->uh);
	}
	list_clear(&rd.medial);

	menc_unregister(&rd.menc);
	memset(&rd, 0, sizeof(rd));
}
