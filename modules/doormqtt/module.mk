doormqtt_LIBS := -lmosquitto -lssl -lcrypto
DEPS += libmosquitto-dev libssl-dev mosquitto mosquitto-clients openssl \
	python3-jinja2

# the software version shown in Home Assistant's device card
DOORMQTT_VERSION := $(shell sed -n '1s/.*(\(.*\)).*/\1/p' \
	packaging/debian/changelog 2>/dev/null)
$(BUILD)/modules/doormqtt/discovery.o: \
	CPPFLAGS += -DDOORMQTT_VERSION=\"$(DOORMQTT_VERSION)\"

# topic and payload rules, linked alone into the unit test
test_doormqtt_SRCS := modules/doormqtt/topic.c
# the hosts file and the back-off, for the broker lookup's unit test
test_doormqtt_dns_SRCS := modules/doormqtt/hosts.c modules/doormqtt/topic.c
