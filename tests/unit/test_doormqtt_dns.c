/**
 * @file test_doormqtt_dns.c  doormqtt's broker lookup without blocking:
 * names from the hosts file's text, and the pause between attempts
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "door.h"
#include "../../modules/doormqtt/doormqtt.h"
#include "support.h"


static const char hosts[] =
	"# comment 10.0.0.9 broker\n"
	"127.0.0.1\tlocalhost\n"
	"::1 localhost ip6-localhost\n"
	"\n"
	"   10.1.2.3   broker.lan  Broker  # the building's broker\n"
	"fd00::7 v6only.lan\r\n"
	"notanaddress badline.lan\n"
	"10.9.9.9 second.lan broker.lan\n"
	"10.4.4.4 last.lan";


static void assert_found(const char *text, const char *host,
			 const char *addr)
{
	char buf[64];
	struct sa sa;

	assert_int_equal(0, dm_hosts_find(text, host, &sa));
	re_snprintf(buf, sizeof(buf), "%j", &sa);
	assert_string_equal(addr, buf);
}


static void test_hosts(void **state)
{
	struct sa sa;
	(void)state;

	assert_found(hosts, "localhost", "127.0.0.1");  /* IPv4 first */
	assert_found(hosts, "broker.lan", "10.1.2.3");  /* first line wins */
	assert_found(hosts, "BROKER", "10.1.2.3");      /* any case */
	assert_found(hosts, "ip6-localhost", "::1");
	assert_found(hosts, "v6only.lan", "fd00::7");
	assert_found(hosts, "second.lan", "10.9.9.9");
	assert_found(hosts, "last.lan", "10.4.4.4");    /* no final newline */

	/* comments, parts of names, lines without an address */
	assert_int_equal(ENOENT, dm_hosts_find(hosts, "comment", &sa));
	assert_int_equal(ENOENT, dm_hosts_find(hosts, "broker.la", &sa));
	assert_int_equal(ENOENT, dm_hosts_find(hosts, "badline.lan", &sa));
	assert_int_equal(ENOENT, dm_hosts_find(hosts, "10.1.2.3", &sa));
	assert_int_equal(EINVAL, dm_hosts_find(hosts, "", &sa));

	/* localhost is the loopback, even with no hosts file (RFC 6761) */
	assert_found("", "localhost", "127.0.0.1");
	assert_found("", "door.localhost", "127.0.0.1");
	assert_int_equal(ENOENT, dm_hosts_find("", "notlocalhost", &sa));
	assert_int_equal(ENOENT, dm_hosts_find("", "localhost.lan", &sa));
}


static void test_backoff(void **state)
{
	static const uint32_t want[] = {
		1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000
	};
	uint32_t ms = 0;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		ms = dm_backoff_next(ms);
		assert_int_equal(want[i], ms);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
