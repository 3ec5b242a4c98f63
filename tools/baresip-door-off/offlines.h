/**
 * @file offlines.h  baresip-door-off: the output lines a config names
 */

/** One output line: its key ("relay2_gpio"), its spec and off level.
 * err: EINVAL when the line's keys are malformed (logged); its off level
 * is then unknown and the line is left alone */
typedef int (off_line_h)(const char *key, const struct drive_conf *dc,
			 int err, void *arg);

int off_lines(const struct conf *conf, off_line_h *lineh, void *arg);
