/**
 * @file fuzz_rfc4733.c  RFC 4733 telephone-event packets as they arrive
 *
 * Input: packets, each a header byte (bit 7 marker, bit 6 a new SSRC,
 * bits 0-5 a timestamp step in 160s), a length byte and that much
 * payload. Every press that starts ends at most once, keys come from the
 * 16 DTMF events only, and a packet reports at most three keys.
 */
#include "fuzz.h"
#include "door.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfc4733_rx rx;
	struct rfc4733_payload pl;
	uint32_t ssrc = 1, ts = 0;
	int open = 0;
	size_t i = 0;

	memset(&rx, 0, sizeof(rx));

	while (i + 2 <= size) {
		struct rfc4733_keys keys;
		uint8_t hdr = data[i], len = data[i + 1];

		i += 2;
		if (len > size - i)
			len = (uint8_t)(size - i);

		if (hdr & 0x40)
			++ssrc;
		ts += (uint32_t)(hdr & 0x3f) * 160;

		(void)rfc4733_payload_decode(&pl, data + i, len);

		if (!rfc4733_rx_packet(&rx, ssrc, ts, hdr & 0x80, data + i,
				       len, &keys)) {
			FUZZ_CHECK(keys.n <= 3);
			for (size_t k = 0; k < keys.n; k++) {
				FUZZ_CHECK(keys.v[k].key &&
					   strchr("0123456789*#ABCD",
						  keys.v[k].key));
				open += keys.v[k].end ? -1 : 1;
				FUZZ_CHECK(open == 0 || open == 1);
			}
		}
		FUZZ_CHECK(rx.seenc <= 8);
		i += len;
	}

	for (unsigned e = 0; e < 256; e++) {
		char k = rfc4733_key((uint8_t)e);
		FUZZ_CHECK(e < 16 ? k != 0 : k == 0);
	}

	return 0;
}
