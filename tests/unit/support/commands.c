/**
 * @file commands.c  baresip's command table, as far as door_cmd_run()
 * uses it: "webrelay_event" exists, and each line run is recorded so
 * tests can assert the alarms a module raised
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <re.h>
#include "baresip_api.h"
#include "support.h"

static char announced[8192];
static size_t announced_len;
static const struct cmd webrelay_event = {"webrelay_event", 0, 0, "", NULL};


struct commands *baresip_commands(void)
{
	return NULL;
}


const struct cmd *cmd_find_long(const struct commands *commands,
				const char *name)
{
	(void)commands;

	return name && !strcmp(name, webrelay_event.name) ?
		&webrelay_event : NULL;
}


int cmd_process_long(struct commands *commands, const char *str, size_t len,
		     struct re_printf *pf_resp, void *data)
{
	int n;
	(void)commands;
	(void)pf_resp;
	(void)data;

	n = re_snprintf(announced + announced_len,
			sizeof(announced) - announced_len, "%b\n", str, len);
	if (n > 0)
		announced_len += (size_t)n;
	return 0;
}


const char *test_announced(void)
{
	return announced;
}


void test_announced_clear(void)
{
	announced_len = 0;
	announced[0] = '\0';
}
