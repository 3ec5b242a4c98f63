/**
 * @file cmd.c  Reaching the other door modules through baresip commands
 */
#include <stdarg.h>
#include <string.h>
#include "door.h"


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return arg ? mbuf_write_mem(arg, (const uint8_t *)p, size) : 0;
}


/* A command line from a config key: printable, 1 to DOOR_CMD_MAX */
static bool command_valid(const char *cmd)
{
	size_t n = str_len(cmd);

	if (!n || n > DOOR_CMD_MAX)
		return false;

	for (; *cmd; cmd++) {
		if ((unsigned char)*cmd < 0x20 || *cmd == 0x7f)
			return false;
	}

	return true;
}


/**
 * A baresip command to run later, from a config key (dryio_inN_command,
 * relayN_alarm_command). ENOENT: not set; EINVAL: unusable, logged with
 * the module's prefix.
 */
int door_conf_command(const struct conf *conf, const char *module,
		      const char *key, char **cmdp)
{
	char text[DOOR_CMD_MAX + 1];
	int err;

	err = door_conf_text(conf, key, text, sizeof(text));
	if (err)
		return err;

	if (!command_valid(text)) {
		warning("%s: config %s: not a usable command (1 to %u"
			" printable characters)\n", module, key,
			DOOR_CMD_MAX);
		return EINVAL;
	}

	return str_dup(cmdp, text);
}


bool door_cmd_exists(const char *name)
{
	return cmd_find_long(baresip_commands(), name) != NULL;
}


/**
 * Run a long command ("relay_open 1"); its output goes into resp (may be
 * NULL). Returns the command handler's error code, ENOTSUP if no module
 * has registered the command.
 */
int door_cmd_run(struct mbuf *resp, const char *fmt, ...)
{
	struct re_printf pf = {print_mbuf, resp};
	char line[1024], name[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = re_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return EOVERFLOW;

	/* only the first word: re_snprintf() would leave "" for a line
	 * longer than name[] */
	for (n = 0; line[n] && line[n] != ' ' &&
		     (size_t)n < sizeof(name) - 1; n++)
		name[n] = line[n];
	name[n] = '\0';
	if (line[n] && line[n] != ' ')
		return ENOTSUP;     /* no command has so long a name */

	if (!door_cmd_exists(name))
		return ENOTSUP;

	return cmd_process_long(baresip_commands(), line, str_len(line),
				&pf, NULL);
}



/**
 * The reason of a refused relay command (EBUSY): the text after
 * "refused: " in its answer ("interlock: door 1 open"), trimmed and cut
 * to sz.
 * ENOENT when the answer gives none.
 */
int door_cmd_refusal(const struct mbuf *resp, char *reason, size_t sz)
{
	static const char mark[] = "refused: ";
	const size_t ml = sizeof(mark) - 1;
	struct pl pl = PL_INIT;
	size_t i;

	for (i = 0; resp && i + ml <= resp->end; i++) {
		if (!memcmp(resp->buf + i, mark, ml)) {
			pl.p = (const char *)resp->buf + i + ml;
			pl.l = resp->end - i - ml;
			break;
		}
	}

	while (pl.l && strchr(" \t\r\n", pl.p[pl.l - 1]))
		--pl.l;
	if (!pl.l || !reason || !sz)
		return ENOENT;

	return pl_strcpy(&pl, reason, sz);
}
