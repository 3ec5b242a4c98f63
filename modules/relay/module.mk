relay_LIBS := -lrem -lgpiod

# the relay's state machine and state file, linked alone into the unit
# test (relay.c, dtmf.c and cmd.c call baresip)
test_relay_SRCS := modules/relay/output.c modules/relay/store.c \
		   modules/relay/interlock.c modules/relay/contact.c

# interlock groups and refusals, on the same state machine
test_relay_interlock_SRCS := $(test_relay_SRCS)
