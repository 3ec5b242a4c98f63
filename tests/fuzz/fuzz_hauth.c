/**
 * @file fuzz_hauth.c  Authorization header values, Basic and Digest
 *
 * "@N" in the input stands for a nonce freshly issued by the same hauth
 * object, so the fuzzer reaches the Digest checks past the nonce (its
 * integrity, age and replay bits) and not only the header syntax.
 */
#include "fuzz.h"
#include "../../modules/httpopen/httpopen.h"

static struct hauth *ha;
static uint64_t now = 1000;


static int setup(void)
{
	static const uint8_t key[32] = "fuzz key, not a secret of any..";

	return hauth_alloc(&ha, "door", "admin", "s3cret", key, sizeof(key));
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pl method = PL("GET");
	static const struct pl uri = PL("/api/OpenDoor?DoorNum=1");
	char nonce[128], user[HAUTH_USER_MAX + 1];
	struct mbuf *mb;
	struct pl hval;
	enum hauth_result res;

	if (!ha && setup())
		abort();

	if (hauth_nonce(ha, now, nonce, sizeof(nonce)))
		abort();

	mb = mbuf_alloc(size + 64);
	if (!mb)
		return 0;

	for (size_t i = 0; i < size; i++) {
		if (data[i] == '@' && i + 1 < size && data[i+1] == 'N') {
			(void)mbuf_write_str(mb, nonce);
			++i;
		}
		else {
			(void)mbuf_write_u8(mb, data[i]);
		}
	}

	hval.p = (const char *)mb->buf;
	hval.l = mb->end;

	res = hauth_check(ha, &hval, HAUTH_BASIC | HAUTH_DIGEST, &method,
			  &uri, now, user, sizeof(user));
	FUZZ_CHECK(res <= HAUTH_STALE);
	FUZZ_CHECK(memchr(user, '\0', sizeof(user)));
	/* nothing is right without the password: Basic carries it, and a
	 * Digest response is a hash of it no fuzzer computes by chance */
	FUZZ_CHECK(res != HAUTH_OK ||
		   memmem(hval.p, hval.l, "YWRtaW46czNjcmV0", 16));

	(void)hauth_check(ha, &hval, HAUTH_DIGEST, &method, &uri, now + 400,
			  user, sizeof(user));
	hauth_sanitize(user, sizeof(user), hval.p, hval.l);
	FUZZ_CHECK(memchr(user, '\0', sizeof(user)));

	++now;
	mem_deref(mb);
	return 0;
}
