doormqtt_LIBS := -lmosquitto
DEPS += libmosquitto-dev mosquitto mosquitto-clients openssl

# the software version shown in Home Assistant's device card
DOORMQTT_VERSION := $(shell sed -n '1s/.*(\(.*\)).*/\1/p' \
	packaging/debian/changelog 2>/dev/null)
$(BUILD)/modules/doormqtt/discovery.o: \
	CPPFLAGS += -DDOORMQTT_VERSION=\"$(DOORMQTT_VERSION)\"

# topic and payload rules, linked alone into the unit test
test_doormqtt_SRCS := modules/doormqtt/topic.c
