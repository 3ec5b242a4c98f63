/**
 * @file test_door_conftext.c  Whole-line config values during a module's
 * init: the config file is read once for all its keys (door_conf_once),
 * and read afresh outside one
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"

static struct conf *conf;
static char seen[3][64];
static int results[3];


/* reads a key, removes the file, reads two more: only a copy kept from
 * the first read can answer the later ones */
static int init_reads_three(void)
{
	results[0] = door_conf_text(conf, "relay1_name", seen[0],
				    sizeof(seen[0]));
	(void)unlink(test_conf_file());
	results[1] = door_conf_text(conf, "relay2_name", seen[1],
				    sizeof(seen[1]));
	results[2] = door_conf_text(conf, "httpopen_pass", seen[2],
				    sizeof(seen[2]));
	return 42;
}


static int init_nested(void)
{
	return door_conf_once(init_reads_three) + 1;
}


static void make_conf(void)
{
	static const char text[] =
		"relay1_name Front door\n"
		"relay2_name Back gate\n"
		"httpopen_pass open sesame\n";

	memset(seen, 0, sizeof(seen));
	memset(results, 0xff, sizeof(results));
	assert_int_equal(0, conf_alloc_buf(&conf, (const uint8_t *)text,
					   sizeof(text) - 1));
}


static void test_read_once_per_init(void **state)
{
	char buf[64] = "keep";
	(void)state;

	make_conf();
	assert_int_equal(42, door_conf_once(init_reads_three));
	assert_int_equal(0, results[0]);
	assert_int_equal(0, results[1]);
	assert_int_equal(0, results[2]);
	assert_string_equal("Front door", seen[0]);
	assert_string_equal("Back gate", seen[1]);
	assert_string_equal("open sesame", seen[2]);

	/* after init the copy is gone: the file is read again, and it is
	 * not there any more */
	test_log_clear();
	assert_int_equal(EINVAL, door_conf_text(conf, "relay2_name", buf,
						sizeof(buf)));
	assert_string_equal("keep", buf);
	assert_true(test_log_has("relay2_name"));
	conf = mem_deref(conf);
}


static void test_nested_init_keeps_the_copy(void **state)
{
	(void)state;

	make_conf();
	assert_int_equal(43, door_conf_once(init_nested));
	assert_int_equal(0, results[2]);
	assert_string_equal("open sesame", seen[2]);
	conf = mem_deref(conf);

	assert_int_equal(EINVAL, door_conf_once(NULL));
}


/* without door_conf_once every value reads the file as it is now */
static void test_outside_init_reads_each_time(void **state)
{
	(void)state;

	make_conf();
	assert_int_equal(42, init_reads_three());
	assert_int_equal(0, results[0]);
	assert_int_equal(EINVAL, results[1]);
	assert_int_equal(EINVAL, results[2]);
	conf = mem_deref(conf);
}


/* a file that cannot be read during init: every key says so, by name */
static void test_unreadable_during_init(void **state)
{
	(void)state;

	make_conf();
	assert_int_equal(0, unlink(test_conf_file()));
	test_log_clear();
	assert_int_equal(42, door_conf_once(init_reads_three));
	assert_int_equal(EINVAL, results[0]);
	assert_int_equal(EINVAL, results[1]);
	assert_int_equal(EINVAL, results[2]);
	assert_true(test_log_has("relay1_name"));
	assert_true(test_log_has("relay2_name"));
	assert_true(test_log_has("httpopen_pass"));
	conf = mem_deref(conf);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_once_per_init),
		cmocka_unit_test(test_nested_init_keeps_the_copy),
		cmocka_unit_test(test_outside_init_reads_each_time),
		cmocka_unit_test(test_unreadable_during_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
