/**
 * @file main.c  baresip-door-off: every configured output off, now
 *
 * The service runs it before baresip starts and after it stops, however it
 * stopped: after a kill -9 or a crash no module is left to switch a relay
 * or a dryio output off, and a door must not stay open until the restart.
 * It reads the config baresip reads (-f DIR, DIR/config), drives each
 * relayN_gpio and dryio_outN_gpio line to its off level and exits 0, or 1
 * when a line could not be switched off (one line on stderr each; the
 * others are switched all the same), 2 when the config cannot be read.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "door.h"
#include <unistd.h>
#include "offlines.h"

#define PROG "baresip-door-off"


/* The shared door code logs through baresip's logger; here, stderr */
static void vlog(const char *fmt, va_list ap)
{
	(void)re_fprintf(stderr, "%s: ", PROG);
	(void)re_vfprintf(stderr, fmt, ap);
}


void warning(const char *fmt, ...);
void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}


/* info and debug lines of the shared code are not this program's news */
void info(const char *fmt, ...);
void info(const char *fmt, ...)
{
	(void)fmt;
}


void debug(const char *fmt, ...);
void debug(const char *fmt, ...)
{
	(void)fmt;
}


/* door_conf_str() reads whole values again from baresip's config file,
 * which it finds through baresip's conf_path_get(): the -f folder here */
static const char *conf_dir = "/etc/baresip-door";

int conf_path_get(char *path, size_t sz)
{
	return re_snprintf(path, sz, "%s", conf_dir) < 0 ? ENAMETOOLONG : 0;
}


struct counts {
	unsigned off;
	unsigned failed;
};


static int line_off(const char *key, const struct drive_conf *dc, int err,
		    void *arg)
{
	struct line_cfg cfg = {
		.dir = LINE_OUTPUT,
		.active_low = dc->active_low,
		.consumer = PROG,
	};
	struct counts *c = arg;
	struct line *line = NULL;

	if (err) {
		(void)re_fprintf(stderr, "%s: %s '%s': its off level is not"
				 " known (see above); left as it is\n", PROG,
				 key, dc->spec);
		++c->failed;
		return 0;
	}

	/* an output line opens off; set it again all the same */
	err = line_open(&line, dc->spec, &cfg, NULL, NULL);
	if (err) {
		(void)re_fprintf(stderr, "%s: %s '%s': cannot open the line"
				 " (%s); it may still be on\n", PROG, key,
				 dc->spec, line_error(dc->spec, err));
		++c->failed;
		return 0;
	}

	err = line_set(line, false);
	mem_deref(line);
	if (err) {
		(void)re_fprintf(stderr, "%s: %s '%s': cannot switch it off"
				 " (%m); it may still be on\n", PROG, key,
				 dc->spec, err);
		++c->failed;
		return 0;
	}

	++c->off;
	(void)re_printf("%s: %s '%s' off\n", PROG, key, dc->spec);
	return 0;
}


static void usage(void)
{
	(void)re_fprintf(stderr, "usage: %s [-f DIR]\n"
			 "Switch every relay and dryio output in DIR/config"
			 " off (default DIR: /etc/baresip-door).\n", PROG);
}


int main(int argc, char *argv[])
{
	struct counts c = {0, 0};
	struct conf *conf = NULL;
	char path[512];
	int opt, err;

	while ((opt = getopt(argc, argv, "f:h")) != -1) {
		switch (opt) {

		case 'f':
			conf_dir = optarg;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}

	(void)re_snprintf(path, sizeof(path), "%s/config", conf_dir);
	err = conf_alloc(&conf, path);
	if (err) {
		(void)re_fprintf(stderr, "%s: cannot read %s (%m)\n", PROG,
				 path, err);
		return 2;
	}

	(void)off_lines(conf, line_off, &c);
	mem_deref(conf);

	if (!c.off && !c.failed)
		(void)re_printf("%s: no output lines in %s\n", PROG, path);

	return c.failed ? 1 : 0;
}
