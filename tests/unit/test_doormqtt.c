/**
 * @file test_doormqtt.c  doormqtt's topic rules: broker addresses, door
 * ids, and every shape of command topic and payload a broker could send
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


static void test_broker(void **state)
{
	char host[64];
	uint16_t port;
	bool tls;
	(void)state;

	assert_int_equal(0, dm_broker_parse("mqtt://127.0.0.1", host,
					    sizeof(host), &port, &tls));
	assert_string_equal("127.0.0.1", host);
	assert_int_equal(1883, port);
	assert_false(tls);

	assert_int_equal(0, dm_broker_parse("mqtts://broker.lan:8884/", host,
					    sizeof(host), &port, &tls));
	assert_string_equal("broker.lan", host);
	assert_int_equal(8884, port);
	assert_true(tls);

	assert_int_equal(0, dm_broker_parse("mqtts://b", host, sizeof(host),
					    &port, &tls));
	assert_int_equal(8883, port);

	static const char *bad[] = {
		"", "mqtt://", "http://b", "mqtt://b:", "mqtt://b:0",
		"mqtt://b:65536", "mqtt://b:1x", "mqtt://u:p@b", "mqtt://b/x",
		"mqtt://b c", "tcp://b:1883", "mqtt:/b",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(EINVAL, dm_broker_parse(bad[i], host,
							 sizeof(host), &port,
							 &tls));
}


static void test_id(void **state)
{
	char id[DM_ID_MAX];
	(void)state;

	assert_true(dm_id_valid("door-1_a"));
	assert_false(dm_id_valid(""));
	assert_false(dm_id_valid("Door"));
	assert_false(dm_id_valid("a/b"));
	assert_false(dm_id_valid("a+"));

	dm_id_make(id, sizeof(id), "Gate.House 2");
	assert_string_equal("gate_house_2", id);
	dm_id_make(id, sizeof(id), "");
	assert_string_equal("door", id);
}


static void test_cmd_topic(void **state)
{
	const char *base = "baresip-door/d1";
	enum dm_kind kind;
	unsigned n;
	(void)state;

	assert_int_equal(0, dm_cmd_topic_parse(base,
			 "baresip-door/d1/relay/3/set", &kind, &n));
	assert_int_equal(DM_RELAY, kind);
	assert_int_equal(3, n);
	assert_int_equal(0, dm_cmd_topic_parse(base,
			 "baresip-door/d1/output/16/set", &kind, &n));
	assert_int_equal(DM_OUTPUT, kind);
	assert_int_equal(16, n);

	static const char *bad[] = {
		"baresip-door/d1/relay/0/set", "baresip-door/d1/relay/17/set",
		"baresip-door/d1/relay/01/set", "baresip-door/d1/input/1/set",
		"baresip-door/d1/relay/1/set/x",
		"baresip-door/d1/relay/1/state",
		"baresip-door/d1/relay//set", "baresip-door/d12/relay/1/set",
		"baresip-door/d1x/relay/1/set", "baresip-door/d1/relay/1/setx",
		"x/baresip-door/d1/relay/1/set", "baresip-door/d1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(EINVAL, dm_cmd_topic_parse(base, bad[i],
							    &kind, &n));
}


static void test_cmd_payload(void **state)
{
	enum dm_cmd cmd;
	(void)state;

	assert_int_equal(0, dm_cmd_payload_parse("OPEN", 4, &cmd));
	assert_int_equal(DM_CMD_OPEN, cmd);
	assert_int_equal(0, dm_cmd_payload_parse("OFF", 3, &cmd));
	assert_int_equal(DM_CMD_OFF, cmd);
	assert_int_equal(EINVAL, dm_cmd_payload_parse("OPEN", 3, &cmd));
	assert_int_equal(EINVAL, dm_cmd_payload_parse("open", 4, &cmd));
	assert_int_equal(EINVAL, dm_cmd_payload_parse("OPEN\n", 5, &cmd));
	assert_int_equal(EINVAL, dm_cmd_payload_parse("", 0, &cmd));
	assert_int_equal(EINVAL, dm_cmd_payload_parse(NULL, 4, &cmd));
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broker),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_cmd_topic),
		cmocka_unit_test(test_cmd_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
