"""sipp scenarios for the system tests, written as XML text.

Each function returns a scenario for harness.Sipp. sipp plays RFC 2833
telephone-events from the pcaps it ships (one per key), sends SIP INFO
application/dtmf-relay, or just rings and hangs up.
"""
from xml.sax.saxutils import escape

PCAP_KEYS = {"*": "star", "#": "pound"}
PCAP_DIR = "/usr/share/sip-tester"
# each pcap lasts 140 ms; leave a gap so the door sees separate presses
DIGIT_MS = 400
# CANCEL and the ACK of a non-2xx answer reuse the INVITE's branch
INVITE_BRANCH = "z9hG4bK-inv[pid]-[call_number]"

_INVITE = """
  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
    ]]>
  </send>
"""

_ACK = """
  <send>
    <![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
"""

_INFO = """
  <send retrans="{retrans}">
    <![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} INFO
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal={digit}
Duration=160
    ]]>
  </send>
  <recv response="200"/>
"""

_BYE = """
  <send retrans="500">
    <![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} BYE
Contact: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
"""


def _pause(ms):
    return f'  <pause milliseconds="{int(ms)}"/>\n'


def pcap_step(path, wait_ms=0):
    """Play a pcap's RTP to the door; sipp goes on at once, so wait_ms
    should cover the pcap's length."""
    return ('  <nop><action><exec play_pcap_audio="'
            f'{escape(path)}"/></action></nop>\n'
            + (_pause(wait_ms) if wait_ms else ""))


def _pcap(digit):
    name = PCAP_KEYS.get(digit, digit)
    return pcap_step(f"{PCAP_DIR}/dtmf_2833_{name}.pcap")


def dtmf_steps(digits, mode="rfc2833", gap_ms=DIGIT_MS, caller="caller",
               first_cseq=2, retrans_ms=500):
    """Steps that send digits in an established call. A space in digits
    is a pause of gap_ms*3 (for inter-digit timeout tests). mode may be a
    list giving each digit's mode. retrans_ms: when an unanswered INFO is
    sent again (baresip counts a resent digit it had not answered yet
    twice; raise it for a slow baresip)."""
    out, cseq = "", first_cseq
    modes = [mode] * len(digits) if isinstance(mode, str) else list(mode)
    for d, mode in zip(digits, modes):
        if d == " ":
            out += _pause(gap_ms * 3)
            continue
        if mode == "rfc2833":
            out += _pcap(d) + _pause(gap_ms)
        elif mode == "info":
            out += _INFO.format(caller=caller, cseq=cseq, digit=escape(d),
                                retrans=int(retrans_ms)) + _pause(gap_ms)
            cseq += 1
        else:
            raise ValueError(mode)
    return out, cseq


def uac_call(digits="", mode="rfc2833", caller="caller", hold_ms=500,
             gap_ms=DIGIT_MS, lead_ms=500, steps_after="", retrans_ms=500):
    """Call the door (sipp's -s service), wait for 200, send the digits,
    stay hold_ms more, then hang up with BYE."""
    steps, cseq = dtmf_steps(digits, mode, gap_ms, caller,
                             retrans_ms=retrans_ms)
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
            '<scenario name="uac call">\n'
            + _INVITE.format(caller=caller, branch="[branch]")
            + '  <recv response="100" optional="true"/>\n'
            + '  <recv response="180" optional="true"/>\n'
            + '  <recv response="183" optional="true"/>\n'
            + '  <recv response="200" rrs="true"/>\n'
            + _ACK.format(caller=caller)
            + _pause(lead_ms) + steps + steps_after + _pause(hold_ms)
            + _BYE.format(caller=caller, cseq=cseq)
            + '</scenario>\n')


def uac_ring(caller="caller", ring_ms=1500, then="cancel"):
    """Call a door with answermode=manual: it rings; then CANCEL, or wait
    for the answer (then='answer': wait for 200, ACK, BYE after 500 ms)."""
    head = ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
            '<scenario name="uac ring">\n'
            + _INVITE.format(caller=caller, branch=INVITE_BRANCH)
            + '  <recv response="100" optional="true"/>\n'
            + '  <recv response="180"/>\n')
    if then == "answer":
        return (head + '  <recv response="200" timeout="20000" rrs="true"/>\n'
                + _ACK.format(caller=caller) + _pause(500)
                + _BYE.format(caller=caller, cseq=2) + '</scenario>\n')
    cancel = """
  <send>
    <![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487"/>
  <send>
    <![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch={branch}
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
""".format(caller=caller, branch=INVITE_BRANCH)
    return head + _pause(ring_ms) + cancel + '</scenario>\n'


def uac_options():
    """One OPTIONS request, answered 200 (to measure SIP responsiveness)."""
    return """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options">
  <send retrans="500">
    <![CDATA[
OPTIONS sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Contact: <sip:probe@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200" rtd="true"/>
</scenario>
"""


_REPLY = """
  <send>
    <![CDATA[
SIP/2.0 {code} {reason}
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

    ]]>
  </send>
"""


def uac_refer_fail(digits="", mode="info", caller="caller", gap_ms=DIGIT_MS,
                   refer_to="sip:nobody@127.0.0.1:9;transport=tcp",
                   notify_answer=500, retrans_ms=500):
    """Call the door, send the digits, then transfer the call with REFER
    and answer the door's NOTIFY with an error: the transfer fails.
    baresip 1.0.0 then frees the call without CALL_CLOSED and ends the
    dialog with a BYE, which is answered. A second NOTIFY (the transfer
    target's failure, if it comes first) is answered 481."""
    steps, cseq = dtmf_steps(digits, mode, gap_ms, caller,
                             retrans_ms=retrans_ms)
    bye_ok = ('  <recv request="BYE" timeout="20000"/>\n'
              + _REPLY.format(code=200, reason="OK"))
    # REFER is resent late: a 202 to a resent REFER differs from the first
    # (its Expires counts down), so sipp would take it as unexpected
    refer = f"""
  <send retrans="4000">
    <![CDATA[
REFER [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{caller}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: {cseq} REFER
Contact: <sip:{caller}@[local_ip]:[local_port]>
Refer-To: <{escape(refer_to)}>
Referred-By: <sip:{caller}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="202"/>
  <recv request="NOTIFY"/>
"""
    refer += (_REPLY.format(code=int(notify_answer), reason="Refused")
              + '  <recv request="NOTIFY" optional="true"'
              ' next="answer_notify"/>\n'
              + bye_ok + '  <nop next="end"/>\n'
              + '  <label id="answer_notify"/>\n'
              + _REPLY.format(code=481, reason="Subscription Does Not Exist")
              + bye_ok + '  <label id="end"/>\n')
    return ('<?xml version="1.0" encoding="ISO-8859-1" ?>\n'
            '<scenario name="uac refer, failed notify">\n'
            + _INVITE.format(caller=caller, branch="[branch]")
            + '  <recv response="100" optional="true"/>\n'
            + '  <recv response="180" optional="true"/>\n'
            + '  <recv response="183" optional="true"/>\n'
            + '  <recv response="200" rrs="true"/>\n'
            + _ACK.format(caller=caller)
            + _pause(500) + steps + refer + _pause(200)
            + '</scenario>\n')
