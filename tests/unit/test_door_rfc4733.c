/**
 * @file test_door_rfc4733.c  Key presses from RFC 4733 telephone-events
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

enum { SSRC = 0x1234abcd };

/* what the decoder reported: "1" a key starting, "." it ending */
struct seen {
	char log[128];
};


static int packet(struct rfc4733_rx *rx, struct seen *s, uint32_t ssrc,
		  uint32_t ts, bool marker, const uint8_t *p, size_t len)
{
	struct rfc4733_keys keys;
	size_t i, n;
	int err;

	memset(&keys, 0xa5, sizeof(keys));
	err = rfc4733_rx_packet(rx, ssrc, ts, marker, p, len, &keys);
	if (err)
		return err;

	assert_true(keys.n <= 3);
	for (i = 0; i < keys.n; i++) {
		n = strlen(s->log);
		assert_true(n + 1 < sizeof(s->log));
		s->log[n] = keys.v[i].end ? '.' : keys.v[i].key;
	}

	return 0;
}


static void fresh(struct rfc4733_rx *rx, struct seen *s)
{
	memset(rx, 0, sizeof(*rx));
	memset(s, 0, sizeof(*s));
}


static int feed(struct rfc4733_rx *rx, struct seen *s, uint32_t ssrc,
		uint32_t ts, bool marker, uint8_t event, bool end,
		uint16_t duration)
{
	const uint8_t p[4] = {
		event, (uint8_t)((end ? 0x80 : 0) | 10),
		(uint8_t)(duration >> 8), (uint8_t)duration
	};

	return packet(rx, s, ssrc, ts, marker, p, sizeof(p));
}


/* a press as senders make it: a start with the marker, updates every
   20 ms, three end packets */
static void press(struct rfc4733_rx *rx, struct seen *s, uint32_t ts,
		  uint8_t event, unsigned updates)
{
	unsigned i;

	assert_int_equal(0, feed(rx, s, SSRC, ts, true, event, false, 160));
	for (i = 1; i <= updates; i++)
		assert_int_equal(0, feed(rx, s, SSRC, ts, false, event, false,
					 (uint16_t)(160 * (i + 1))));
	for (i = 0; i < 3; i++)
		assert_int_equal(0, feed(rx, s, SSRC, ts, false, event, true,
					 (uint16_t)(160 * (updates + 2))));
}


static void test_payload(void **state)
{
	const uint8_t p[4] = { 11, 0x8a, 0x03, 0x20 };
	struct rfc4733_payload pl;
	(void)state;

	assert_int_equal(0, rfc4733_payload_decode(&pl, p, 4));
	assert_int_equal(11, pl.event);
	assert_true(pl.end);
	assert_int_equal(10, pl.volume);
	assert_int_equal(800, pl.duration);
	assert_int_equal(EBADMSG, rfc4733_payload_decode(&pl, p, 3));

	assert_int_equal('0', rfc4733_key(0));
	assert_int_equal('9', rfc4733_key(9));
	assert_int_equal('*', rfc4733_key(10));
	assert_int_equal('#', rfc4733_key(11));
	assert_int_equal('A', rfc4733_key(12));
	assert_int_equal('D', rfc4733_key(15));
	assert_int_equal(0, rfc4733_key(16));
	assert_int_equal(0, rfc4733_key(255));
}


static void test_each_key_once(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	uint8_t ev;
	(void)state;

	fresh(&rx, &s);

	for (ev = 0; ev < 16; ev++)
		press(&rx, &s, 1000 + ev * 1600u, ev, 5);

	assert_string_equal("0.1.2.3.4.5.6.7.8.9.*.#.A.B.C.D.", s.log);
}


static void test_repeated_key(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	(void)state;

	fresh(&rx, &s);

	press(&rx, &s, 8000, 1, 3);
	press(&rx, &s, 9600, 1, 3);
	press(&rx, &s, 11200, 1, 3);

	assert_string_equal("1.1.1.", s.log);
}


static void test_retransmitted_end_late(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	(void)state;

	fresh(&rx, &s);

	press(&rx, &s, 100, 1, 2);
	press(&rx, &s, 2000, 2, 2);
	/* the first press's end and start packets again, late */
	assert_int_equal(0, feed(&rx, &s, SSRC, 100, false, 1, true, 640));
	assert_int_equal(0, feed(&rx, &s, SSRC, 100, true, 1, false, 160));
	press(&rx, &s, 4000, 3, 2);
	assert_int_equal(0, feed(&rx, &s, SSRC, 2000, false, 2, true, 640));

	assert_string_equal("1.2.3.", s.log);
}


static void test_long_press(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	uint32_t ts = 50000;
	unsigned i;
	(void)state;

	fresh(&rx, &s);

	/* 3 s of updates */
	press(&rx, &s, ts, 5, 150);
	assert_string_equal("5.", s.log);

	/* 20 s: the duration field fills up after 65535 samples, the
	   event goes on in segments with new timestamps, no marker */
	memset(&s, 0, sizeof(s));
	ts = 900000;
	assert_int_equal(0, feed(&rx, &s, SSRC, ts, true, 7, false, 160));
	for (i = 0; i < 2; i++) {
		assert_int_equal(0, feed(&rx, &s, SSRC, ts, false, 7, false,
					 0xffff));
		ts += 0xffff;
		assert_int_equal(0, feed(&rx, &s, SSRC, ts, false, 7, false,
					 160));
	}
	assert_int_equal(0, feed(&rx, &s, SSRC, ts, false, 7, true, 3200));
	assert_int_equal(0, feed(&rx, &s, SSRC, ts, false, 7, true, 3200));
	assert_string_equal("7.", s.log);
}


static void test_lost_start(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	unsigned i;
	(void)state;

	fresh(&rx, &s);

	/* only the end packets arrive */
	for (i = 0; i < 3; i++)
		assert_int_equal(0, feed(&rx, &s, SSRC, 4000, false, 9, true,
					 800));
	/* only updates, then the next press: the first one ends there */
	assert_int_equal(0, feed(&rx, &s, SSRC, 6000, false, 4, false, 480));
	assert_int_equal(0, feed(&rx, &s, SSRC, 6000, false, 4, false, 640));
	press(&rx, &s, 9000, 4, 1);
	assert_string_equal("9.4.4.", s.log);

	/* one packet does three things: a press left open ends, the next,
	   seen only by its end, starts and ends */
	memset(&s, 0, sizeof(s));
	assert_int_equal(0, feed(&rx, &s, SSRC, 12000, true, 5, false, 160));
	assert_int_equal(0, feed(&rx, &s, SSRC, 14000, false, 6, true, 800));
	assert_string_equal("5.6.", s.log);
}


static void test_wrap(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	(void)state;

	fresh(&rx, &s);

	/* timestamps wrap around 2^32 between presses */
	press(&rx, &s, 0xfffff000u, 1, 2);
	press(&rx, &s, 0x00000200u, 2, 2);
	assert_int_equal(0, feed(&rx, &s, SSRC, 0xfffff000u, false, 1, true,
				 640));
	press(&rx, &s, 0x00002000u, 3, 2);

	/* a long press across the wrap is still one segment chain */
	assert_int_equal(0, feed(&rx, &s, SSRC, 0xffffff00u, true, 6, false,
				 160));
	assert_int_equal(0, feed(&rx, &s, SSRC, 0x0000ff00u, false, 6, false,
				 160));
	assert_int_equal(0, feed(&rx, &s, SSRC, 0x0000ff00u, false, 6, true,
				 800));

	assert_string_equal("1.2.3.6.", s.log);
}


static void test_out_of_order_presses(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	(void)state;

	fresh(&rx, &s);

	/* pcaps played one after another: each keeps its own timestamps,
	   and a later press may carry an older one */
	press(&rx, &s, 90000, 4, 2);
	press(&rx, &s, 60000, 3, 2);
	press(&rx, &s, 30000, 2, 2);
	press(&rx, &s, 10000, 1, 2);

	assert_string_equal("4.3.2.1.", s.log);
}


static void test_unknown_and_bad(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	const uint8_t shortp[3] = { 1, 0x80, 0 };
	(void)state;

	fresh(&rx, &s);

	press(&rx, &s, 1000, 16, 2);       /* flash */
	press(&rx, &s, 2000, 200, 2);
	assert_int_equal(EBADMSG, packet(&rx, &s, SSRC, 3000, true, shortp,
					 sizeof(shortp)));
	assert_int_equal(EINVAL, rfc4733_rx_packet(NULL, SSRC, 3000, true,
						   shortp, sizeof(shortp),
						   NULL));
	assert_string_equal("", s.log);

	/* an unknown event between the ends of a press changes nothing */
	assert_int_equal(0, feed(&rx, &s, SSRC, 4000, true, 8, false, 160));
	assert_int_equal(0, feed(&rx, &s, SSRC, 4000, false, 99, true, 320));
	assert_int_equal(0, feed(&rx, &s, SSRC, 4000, false, 8, true, 320));
	assert_int_equal(0, feed(&rx, &s, SSRC, 4000, false, 8, true, 320));
	assert_string_equal("8.", s.log);
}


static void test_new_ssrc(void **state)
{
	struct rfc4733_rx rx;
	struct seen s;
	(void)state;

	fresh(&rx, &s);

	/* a press left open ends when another source starts, and that
	   source's timestamps are its own */
	assert_int_equal(0, feed(&rx, &s, SSRC, 500, true, 1, false, 160));
	press(&rx, &s, 500, 2, 2);   /* same timestamp, new key: ignored */
	assert_int_equal(0, feed(&rx, &s, 0x42, 500, true, 2, false, 160));
	assert_int_equal(0, feed(&rx, &s, 0x42, 500, false, 2, true, 320));

	assert_string_equal("1.2.", s.log);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_each_key_once),
		cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_retransmitted_end_late),
		cmocka_unit_test(test_long_press),
		cmocka_unit_test(test_lost_start),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_out_of_order_presses),
		cmocka_unit_test(test_unknown_and_bad),
		cmocka_unit_test(test_new_ssrc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
