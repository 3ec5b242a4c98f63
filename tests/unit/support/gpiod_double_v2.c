/**
 * @file gpiod_double_v2.c  libgpiod 2.x test double, on gpiod_kernel.c
 *
 * Implements the gpiod_* calls of modules/door/gpiod_v2.c as libgpiod 2.2
 * does them: a chip opened by device path only; settings copied into the
 * line config when added; a request that outlives its chip; values that
 * are logical; a blocking request descriptor read into an edge-event
 * buffer of fixed capacity. The chips answer at /dev/gpiochipN; since
 * /dev here has none to list, the double lists them in a folder of its
 * own, made at start, and points gline_dev_dir at it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gpiod.h>
#include "gline.h"
#include "support.h"
#include "gpiod_kernel.h"

#define NAME_MAX_ 32         /* the kernel's consumer and name size */
#define CONFIG_MAX 64        /* lines in one request (GPIO_V2_LINES_MAX) */
#define BUFFER_MAX (CONFIG_MAX * 16)

const int kuapi = 2;         /* libgpiod 2.x speaks the kernel's uAPI v2 */

struct gpiod_chip {
	int index;
};

struct gpiod_chip_info {
	int index;
};

struct gpiod_line_settings {
	enum gpiod_line_direction direction;
	enum gpiod_line_edge edge;
	enum gpiod_line_bias bias;
	bool active_low;
	enum gpiod_line_value output;
};

struct gpiod_line_config {
	size_t n;
	unsigned offsets[CONFIG_MAX];
	struct gpiod_line_settings settings[CONFIG_MAX];
};

struct gpiod_request_config {
	char consumer[NAME_MAX_];
};

struct gpiod_line_request {
	int chip;
	unsigned offset;      /* the double asks one line per request */
	int fd;
};

struct gpiod_edge_event {
	enum gpiod_edge_event_type type;
	unsigned offset;
};

struct gpiod_edge_event_buffer {
	size_t capacity;
	size_t n;
	struct gpiod_edge_event events[];
};

static char dev_dir[64];


/* ---- the chips' folder ---- */

__attribute__((constructor)) static void dev_make(void)
{
	strcpy(dev_dir, "/tmp/gpiod_double_XXXXXX");
	if (!mkdtemp(dev_dir))
		abort();

	for (int c = 0; c < KCHIPS; c++) {
		char path[128];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dev_dir, kchip_name(c));
		f = fopen(path, "w");
		if (!f)
			abort();
		fclose(f);
	}

	gline_dev_dir = dev_dir;
}


__attribute__((destructor)) static void dev_remove(void)
{
	for (int c = 0; c < KCHIPS; c++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/%s", dev_dir, kchip_name(c));
		(void)unlink(path);
	}
	(void)rmdir(dev_dir);
}


/* The name of a device in /dev or in the double's folder, else "" */
static const char *dev_name(const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	size_t len;

	if (!base)
		return "";

	len = (size_t)(base - path);
	if (!(len == 4 && !strncmp(path, "/dev", 4)) &&
	    !(len == strlen(dev_dir) && !strncmp(path, dev_dir, len)))
		return "";

	return base + 1;
}


/* "/dev/gpiochipN" or the double's folder's gpiochipN: chip N */
static int chip_of_path(const char *path)
{
	return kchip_find(dev_name(path));
}


bool gpiod_is_gpiochip_device(const char *path)
{
	return chip_of_path(path) >= 0;
}


/* ---- chips ---- */

struct gpiod_chip *gpiod_chip_open(const char *path)
{
	struct gpiod_chip *chip;
	int index;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}

	index = chip_of_path(path);
	if (index < 0) {
		/* a device, but not a GPIO chip */
		errno = strcmp(dev_name(path), "null") ? ENOENT : ENODEV;
		return NULL;
	}

	chip = calloc(1, sizeof(*chip));
	if (!chip)
		return NULL;

	kchip_opened(1);
	chip->index = index;
	return chip;
}


/* requests live on: they hold their own descriptors */
void gpiod_chip_close(struct gpiod_chip *chip)
{
	if (!chip)
		return;

	kchip_opened(-1);
	free(chip);
}


struct gpiod_chip_info *gpiod_chip_get_info(struct gpiod_chip *chip)
{
	struct gpiod_chip_info *info = calloc(1, sizeof(*info));

	if (info)
		info->index = chip->index;

	return info;
}


void gpiod_chip_info_free(struct gpiod_chip_info *info)
{
	free(info);
}


const char *gpiod_chip_info_get_label(struct gpiod_chip_info *info)
{
	return kchip_label(info->index);
}


int gpiod_chip_get_line_offset_from_name(struct gpiod_chip *chip,
					 const char *name)
{
	if (!name) {
		errno = EINVAL;
		return -1;
	}

	for (unsigned i = 0; i < kchip_lines(chip->index); i++) {
		if (!strcmp(name, kline_name(chip->index, i)))
			return (int)i;
	}

	errno = ENOENT;
	return -1;
}


/* ---- settings and configs ---- */

struct gpiod_line_settings *gpiod_line_settings_new(void)
{
	struct gpiod_line_settings *s = calloc(1, sizeof(*s));

	if (s) {
		s->direction = GPIOD_LINE_DIRECTION_AS_IS;
		s->edge = GPIOD_LINE_EDGE_NONE;
		s->bias = GPIOD_LINE_BIAS_AS_IS;
		s->output = GPIOD_LINE_VALUE_INACTIVE;
	}

	return s;
}


void gpiod_line_settings_free(struct gpiod_line_settings *settings)
{
	free(settings);
}


static int einval(void)
{
	errno = EINVAL;
	return -1;
}


int gpiod_line_settings_set_direction(struct gpiod_line_settings *s,
				      enum gpiod_line_direction direction)
{
	switch (direction) {

	case GPIOD_LINE_DIRECTION_AS_IS:
	case GPIOD_LINE_DIRECTION_INPUT:
	case GPIOD_LINE_DIRECTION_OUTPUT:
		s->direction = direction;
		return 0;
	default:
		s->direction = GPIOD_LINE_DIRECTION_AS_IS;
		return einval();
	}
}


int gpiod_line_settings_set_edge_detection(struct gpiod_line_settings *s,
					   enum gpiod_line_edge edge)
{
	switch (edge) {

	case GPIOD_LINE_EDGE_NONE:
	case GPIOD_LINE_EDGE_RISING:
	case GPIOD_LINE_EDGE_FALLING:
	case GPIOD_LINE_EDGE_BOTH:
		s->edge = edge;
		return 0;
	default:
		s->edge = GPIOD_LINE_EDGE_NONE;
		return einval();
	}
}


int gpiod_line_settings_set_bias(struct gpiod_line_settings *s,
				 enum gpiod_line_bias bias)
{
	switch (bias) {

	case GPIOD_LINE_BIAS_AS_IS:
	case GPIOD_LINE_BIAS_DISABLED:
	case GPIOD_LINE_BIAS_PULL_UP:
	case GPIOD_LINE_BIAS_PULL_DOWN:
		s->bias = bias;
		return 0;
	default:
		s->bias = GPIOD_LINE_BIAS_AS_IS;
		return einval();
	}
}


void gpiod_line_settings_set_active_low(struct gpiod_line_settings *s,
					bool active_low)
{
	s->active_low = active_low;
}


int gpiod_line_settings_set_output_value(struct gpiod_line_settings *s,
					 enum gpiod_line_value value)
{
	if (value != GPIOD_LINE_VALUE_INACTIVE &&
	    value != GPIOD_LINE_VALUE_ACTIVE) {
		s->output = GPIOD_LINE_VALUE_INACTIVE;
		return einval();
	}

	s->output = value;
	return 0;
}


struct gpiod_line_config *gpiod_line_config_new(void)
{
	return calloc(1, sizeof(struct gpiod_line_config));
}


void gpiod_line_config_free(struct gpiod_line_config *config)
{
	free(config);
}


/* the settings are copied: later changes to them change nothing here */
int gpiod_line_config_add_line_settings(struct gpiod_line_config *config,
					const unsigned int *offsets,
					size_t num_offsets,
					struct gpiod_line_settings *settings)
{
	struct gpiod_line_settings *defaults = NULL;

	if (!offsets || !num_offsets)
		return einval();

	if (!settings) {
		defaults = gpiod_line_settings_new();
		if (!defaults)
			return -1;
		settings = defaults;
	}

	for (size_t i = 0; i < num_offsets; i++) {
		size_t j;

		for (j = 0; j < config->n; j++) {
			if (config->offsets[j] == offsets[i])
				break;
		}
		if (j == CONFIG_MAX) {
			free(defaults);
			errno = E2BIG;
			return -1;
		}

		config->offsets[j] = offsets[i];
		config->settings[j] = *settings;
		if (j == config->n)
			++config->n;
	}

	free(defaults);
	return 0;
}


struct gpiod_request_config *gpiod_request_config_new(void)
{
	return calloc(1, sizeof(struct gpiod_request_config));
}


void gpiod_request_config_free(struct gpiod_request_config *config)
{
	free(config);
}


/* the kernel keeps 31 characters */
void gpiod_request_config_set_consumer(struct gpiod_request_config *config,
				       const char *consumer)
{
	memset(config->consumer, 0, sizeof(config->consumer));
	if (consumer)
		strncpy(config->consumer, consumer,
			sizeof(config->consumer) - 1);
}


/* ---- requests ---- */

static int flags_of(const struct gpiod_line_settings *s)
{
	int flags = s->active_low ? GPIOD_DOUBLE_ACTIVE_LOW : 0;

	if (s->direction == GPIOD_LINE_DIRECTION_INPUT)
		flags |= GPIOD_DOUBLE_INPUT;
	else if (s->direction == GPIOD_LINE_DIRECTION_OUTPUT)
		flags |= GPIOD_DOUBLE_OUTPUT;

	/* libgpiod adds the input flag to any edge detection; the double
	 * models both edges only, which is what the backend asks */
	if (s->edge == GPIOD_LINE_EDGE_BOTH)
		flags |= GPIOD_DOUBLE_INPUT | GPIOD_DOUBLE_BOTH_EDGES;
	else if (s->edge != GPIOD_LINE_EDGE_NONE)
		abort();

	if (s->bias == GPIOD_LINE_BIAS_DISABLED)
		flags |= GPIOD_DOUBLE_BIAS_DISABLE;
	else if (s->bias == GPIOD_LINE_BIAS_PULL_UP)
		flags |= GPIOD_DOUBLE_PULL_UP;
	else if (s->bias == GPIOD_LINE_BIAS_PULL_DOWN)
		flags |= GPIOD_DOUBLE_PULL_DOWN;

	return flags;
}


struct gpiod_line_request *
gpiod_chip_request_lines(struct gpiod_chip *chip,
			 struct gpiod_request_config *req_cfg,
			 struct gpiod_line_config *line_cfg)
{
	struct gpiod_line_request *req;
	const struct gpiod_line_settings *s;

	if (!line_cfg || !line_cfg->n) {
		errno = EINVAL;
		return NULL;
	}

	if (line_cfg->n > 1) {
		fprintf(stderr, "libgpiod double: one line per request\n");
		abort();
	}

	req = calloc(1, sizeof(*req));
	if (!req)
		return NULL;

	s = &line_cfg->settings[0];
	req->chip = chip->index;
	req->offset = line_cfg->offsets[0];
	req->fd = kline_request(chip->index, req->offset, flags_of(s),
				req_cfg ? req_cfg->consumer : NULL,
				s->output == GPIOD_LINE_VALUE_ACTIVE);
	if (req->fd < 0) {
		free(req);
		return NULL;
	}

	return req;
}


void gpiod_line_request_release(struct gpiod_line_request *request)
{
	if (!request)
		return;

	kline_release(request->chip, request->offset);
	free(request);
}


enum gpiod_line_value
gpiod_line_request_get_value(struct gpiod_line_request *request,
			     unsigned int offset)
{
	int v;

	if (offset != request->offset) {
		errno = EINVAL;
		return GPIOD_LINE_VALUE_ERROR;
	}

	v = kline_get(request->chip, offset);
	if (v < 0)
		return GPIOD_LINE_VALUE_ERROR;

	return v ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}


int gpiod_line_request_set_value(struct gpiod_line_request *request,
				 unsigned int offset,
				 enum gpiod_line_value value)
{
	if (offset != request->offset)
		return einval();

	/* libgpiod sets the bit for any value but INACTIVE */
	return kline_set(request->chip, offset,
			 value != GPIOD_LINE_VALUE_INACTIVE);
}


int gpiod_line_request_get_fd(struct gpiod_line_request *request)
{
	return request->fd;
}


int gpiod_line_request_wait_edge_events(struct gpiod_line_request *request,
					int64_t timeout_ns)
{
	struct pollfd pfd = {.fd = request->fd, .events = POLLIN | POLLPRI};
	struct timespec ts = {(time_t)(timeout_ns / 1000000000),
			      (long)(timeout_ns % 1000000000)};
	int r;

	r = ppoll(&pfd, 1, timeout_ns < 0 ? NULL : &ts, NULL);
	return r < 0 ? -1 : r > 0;
}


int gpiod_line_request_read_edge_events(struct gpiod_line_request *request,
					struct gpiod_edge_event_buffer *buffer,
					size_t max_events)
{
	bool rising[BUFFER_MAX];
	int n;

	if (!buffer)
		return einval();

	buffer->n = 0;
	if (max_events > buffer->capacity)
		max_events = buffer->capacity;

	n = kline_read(request->fd, rising, (int)max_events,
		       "gpiod_line_request_read_edge_events");
	if (n < 0)
		return -1;

	for (int i = 0; i < n; i++) {
		buffer->events[i].type = rising[i]
			? GPIOD_EDGE_EVENT_RISING_EDGE
			: GPIOD_EDGE_EVENT_FALLING_EDGE;
		buffer->events[i].offset = request->offset;
	}
	buffer->n = (size_t)n;

	return n;
}


/* ---- edge events ---- */

struct gpiod_edge_event_buffer *gpiod_edge_event_buffer_new(size_t capacity)
{
	struct gpiod_edge_event_buffer *buf;

	if (!capacity)
		capacity = 64;
	if (capacity > BUFFER_MAX)
		capacity = BUFFER_MAX;

	buf = calloc(1, sizeof(*buf) + capacity * sizeof(buf->events[0]));
	if (buf)
		buf->capacity = capacity;

	return buf;
}


void gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer)
{
	free(buffer);
}


size_t
gpiod_edge_event_buffer_get_num_events(struct gpiod_edge_event_buffer *buffer)
{
	return buffer->n;
}


struct gpiod_edge_event *
gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer,
				  unsigned long index)
{
	if (index >= buffer->n) {
		errno = EINVAL;
		return NULL;
	}

	return &buffer->events[index];
}


enum gpiod_edge_event_type
gpiod_edge_event_get_event_type(struct gpiod_edge_event *event)
{
	return event->type;
}


unsigned int gpiod_edge_event_get_line_offset(struct gpiod_edge_event *event)
{
	return event->offset;
}
