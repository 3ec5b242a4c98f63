# dryio: dry-contact inputs and outputs
dryio_LIBS := -lgpiod

test_dryio_alert_SRCS += modules/dryio/alert.c
test_dryio_io_SRCS    += modules/dryio/output.c modules/dryio/input.c \
			 modules/dryio/alert.c
