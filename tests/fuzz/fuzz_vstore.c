/**
 * @file fuzz_vstore.c  The visitor code store read from any text
 *
 * A store is taken whole or refused whole (then empty); one taken is
 * written back to the same text it reads as: its codes, TOTP steps and
 * next id survive a second round.
 */
#include "fuzz.h"
#include "door.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vstore *vs = NULL, *again = NULL;
	struct mbuf *mb = NULL, *mb2 = NULL;
	int err;

	if (vstore_alloc(&vs) || vstore_alloc(&again))
		goto out;

	err = vstore_decode(vs, (const char *)data, size);
	if (err) {
		FUZZ_CHECK(err == EBADMSG);
		FUZZ_CHECK(list_isempty(&vs->codes) && vs->next_id == 1);
		goto out;
	}

	mb = mbuf_alloc(256);
	mb2 = mbuf_alloc(256);
	if (!mb || !mb2 || vstore_encode(mb, vs))
		goto out;

	FUZZ_CHECK(!vstore_decode(again, (char *)mb->buf, mb->end));
	FUZZ_CHECK(list_count(&again->codes) == list_count(&vs->codes));
	FUZZ_CHECK(again->next_id == vs->next_id);
	FUZZ_CHECK(!memcmp(again->totp, vs->totp, sizeof(vs->totp)));
	FUZZ_CHECK(!vstore_encode(mb2, again));
	FUZZ_CHECK(mb2->end == mb->end &&
		   !memcmp(mb2->buf, mb->buf, mb->end));

 out:
	mem_deref(mb2);
	mem_deref(mb);
	mem_deref(again);
	mem_deref(vs);
	return 0;
}
