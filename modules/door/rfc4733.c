/**
 * @file rfc4733.c  Key presses from RFC 4733 telephone-event packets
 *
 * Pure decoder, no baresip calls. A sender repeats each event in several
 * packets that share one RTP timestamp (the event's start), growing the
 * duration, then sends the end packet three times. So one key press is
 * one timestamp: the first packet seen of a new timestamp starts the key,
 * the first with the end bit ends it, the rest are ignored. The
 * timestamps of the last few presses are remembered, so a late or
 * retransmitted packet of an earlier press never counts again, whatever
 * order the packets come in and however the 32-bit timestamp wraps.
 * An event longer than the duration field holds (about 8 s at 8 kHz) goes
 * on in segments with new timestamps and no marker bit: one press.
 */
#include <string.h>
#include "door.h"

enum {
	PAYLOAD_LEN = 4,
	/* a segment's timestamp moves on by at most the 16-bit duration */
	SEGMENT_MAX = 0x10000,
};


/** The key of event code 0-15, or 0 for any other (flash, tones...) */
char rfc4733_key(uint8_t event)
{
	static const char keys[] = "0123456789*#ABCD";

	return event < 16 ? keys[event] : 0;
}


int rfc4733_payload_decode(struct rfc4733_payload *pl, const uint8_t *p,
			   size_t len)
{
	if (!pl || !p)
		return EINVAL;

	if (len < PAYLOAD_LEN)
		return EBADMSG;

	pl->event    = p[0];
	pl->end      = (p[1] & 0x80) != 0;
	pl->volume   = p[1] & 0x3f;
	pl->duration = (uint16_t)(p[2] << 8 | p[3]);

	return 0;
}


static bool seen(const struct rfc4733_rx *rx, uint32_t ts)
{
	size_t i;

	for (i = 0; i < rx->seenc; i++) {
		if (rx->seenv[i] == ts)
			return true;
	}

	return false;
}


static void remember(struct rfc4733_rx *rx, uint32_t ts)
{
	const size_t n = ARRAY_SIZE(rx->seenv);

	if (rx->seenc < n) {
		rx->seenv[rx->seenc++] = ts;
		return;
	}

	memmove(rx->seenv, rx->seenv + 1, (n - 1) * sizeof(rx->seenv[0]));
	rx->seenv[n - 1] = ts;
}


static void key_add(struct rfc4733_keys *keys, char key, bool end)
{
	if (keys->n >= ARRAY_SIZE(keys->v))
		return;

	keys->v[keys->n].key = key;
	keys->v[keys->n].end = end;
	keys->n++;
}


static void key_end(struct rfc4733_rx *rx, struct rfc4733_keys *keys)
{
	if (!rx->active || rx->ended)
		return;

	rx->ended = true;
	key_add(keys, rx->key, true);
}


/**
 * Feed one telephone-event packet (its RTP header fields and payload).
 * keys gets, in order, each key press starting (end false) or ending (end
 * true) with this packet, at most once each per press; all the state is
 * updated before the caller acts on them. Returns EBADMSG for a payload
 * too short to hold an event; packets of unknown events change nothing.
 */
int rfc4733_rx_packet(struct rfc4733_rx *rx, uint32_t ssrc, uint32_t ts,
		      bool marker, const uint8_t *p, size_t len,
		      struct rfc4733_keys *keys)
{
	struct rfc4733_payload pl;
	char key;
	int err;

	if (!rx || !keys)
		return EINVAL;

	keys->n = 0;

	err = rfc4733_payload_decode(&pl, p, len);
	if (err)
		return err;

	key = rfc4733_key(pl.event);
	if (!key)
		return 0;

	/* a new sender (or a restarted one) forgets the old presses */
	if (rx->active && ssrc != rx->ssrc) {
		key_end(rx, keys);
		rx->active = false;
		rx->seenc = 0;
	}

	if (rx->active && ts == rx->ts) {
		if (pl.end && key == rx->key)
			key_end(rx, keys);
		return 0;
	}

	/* the next segment of a press too long for one duration field */
	if (rx->active && !rx->ended && !marker && key == rx->key &&
	    ts - rx->ts <= SEGMENT_MAX) {
		rx->ts = ts;
		remember(rx, ts);
		if (pl.end)
			key_end(rx, keys);
		return 0;
	}

	if (rx->active && seen(rx, ts))
		return 0;

	/* a new press; one whose end packets were all lost ends here */
	key_end(rx, keys);

	rx->active = true;
	rx->ssrc   = ssrc;
	rx->ts     = ts;
	rx->key    = key;
	rx->ended  = false;
	remember(rx, ts);

	key_add(keys, key, false);
	if (pl.end)
		key_end(rx, keys);

	return 0;
}
