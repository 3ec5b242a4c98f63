# httpopen: the OpenDoor HTTP endpoint (libre's TCP, TLS and HTTP parser; no extra libs)
httpopen_LIBS :=

# tests: curl and Python's http.client as clients, openssl for the
# test certificate, sipp for the DTMF call of the flood test
DEPS += curl openssl sip-tester python3-pytest

# the pure logic, linked alone into the unit test
test_httpopen_SRCS += modules/httpopen/query.c modules/httpopen/netlist.c \
	modules/httpopen/hauth.c modules/httpopen/lockout.c \
	modules/httpopen/replay.c


# the request-head reader, beside libre's parser as its reference
test_httpopen_hreq_SRCS += modules/httpopen/hreq.c


# the visitor-code body parser, alone
test_httpopen_codes_SRCS += modules/httpopen/codebody.c
