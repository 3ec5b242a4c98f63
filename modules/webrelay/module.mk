# webrelay: web relays and event action URLs over HTTP (libcurl multi).
# The module opens libcurl.so.4 itself at first use (curlapi.c), so a
# door with nothing to send never maps libcurl and its dependencies.
webrelay_LIBS :=
# openssl: the system tests make a self-signed certificate with it
DEPS += libcurl4-openssl-dev openssl

WEBRELAY_PURE := modules/webrelay/url.c modules/webrelay/event.c \
		 modules/webrelay/peer.c modules/webrelay/config.c
test_webrelay_SRCS += $(WEBRELAY_PURE)
test_webrelay_LIBS += -lcurl
test_webrelay_http_SRCS += modules/webrelay/http.c
test_webrelay_http_LIBS += -lcurl
