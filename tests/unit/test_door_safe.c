/**
 * @file test_door_safe.c  Peer strings printed into the log
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include "door.h"
#include "support.h"


static void test_control_bytes_replaced(void **state)
{
	char buf[256], longer[200];
	(void)state;

	(void)re_snprintf(buf, sizeof(buf), "[%H]", door_print_safe,
			  "sip:esc\x1b[2J\r\nx\x7f\xc3\xa9@h");
	assert_string_equal("[sip:esc?[2J??x???@h]", buf);

	(void)re_snprintf(buf, sizeof(buf), "[%H]", door_print_safe, NULL);
	assert_string_equal("[]", buf);

	/* longer than the handler's own buffer */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	longer[100] = '\t';
	(void)re_snprintf(buf, sizeof(buf), "%H", door_print_safe, longer);
	assert_int_equal(sizeof(longer) - 1, strlen(buf));
	assert_int_equal('?', buf[100]);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_bytes_replaced),
	};

	return cmocka_run_group_tests_name("door_safe", tests, NULL, NULL);
}
