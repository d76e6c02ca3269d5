#!/usr/bin/env python3
"""remote-tls.t: STARTTLS in herald-remote against scripted SMTP servers
(t/integ/smtpsrv.py) with test certificates: opportunistic TLS by
default (used when offered, the clear otherwise), control/tlsremote
"required", "verify" (a self-signed certificate refused unless
control/tlsremoteca trusts it, and then only for the name it was made
for) and "none", a server whose answer to STARTTLS carries a second,
injected reply that must not be taken for one after the handshake, and a
server that accepts STARTTLS and then sends garbage instead of a TLS
handshake: opportunistic TLS goes on in plain text on a new connection
(the host not marked down), "required" defers."""
import os
import re
import sys
import shutil
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from dnslib import DnsServer  # noqa: E402
from smtpsrv import (SmtpServer, common_port, make_cert, outcome, outcomes,  # noqa: E402
                     qstates, remote_setup)

t = Tap()
DOM = "herald.test"

# a domain CASE.test per case, its one MX mx.CASE.test at A[CASE]
CASES = ["opp", "clear", "req", "reqok", "vbad", "vok", "vname", "none", "inj", "brk", "brkreq"]
A = {c: "127.0.0.%d" % n for n, c in enumerate(CASES, start=40)}


def zone():
    z = {"test": {"SOA": (3600, 60)}}
    for c in CASES:
        z["%s.test" % c] = {"MX": [(10, "mx.%s.test" % c)]}
        z["mx.%s.test" % c] = {"A": [A[c]]}
    return z


def wait(d, cond, what, timeout=15):
    try:
        return d.wait_for(cond, what, timeout=timeout)
    except TimeoutError as e:
        t.diag(str(e))
        return False


def wait_results(d, rcpts, timeout=15):
    def done():
        got = {r for r, _, _, _ in outcomes(d.text())}
        return all(r in got for r in rcpts)
    return wait(d, done, "results for %s" % ", ".join(rcpts), timeout)


def verbs(srv):
    return [c.split(" ")[0].upper() for c in srv.commands()]


def delivered(d, srv, rcpt, label):
    """Checks that rcpt was delivered to srv; returns its transaction or None."""
    kind, text = outcome(d.text(), rcpt)
    t.is_(kind, "success", label + ": a success (%s)" % text)
    txns = srv.wait_txns(1)
    t.is_([x.rcpts for x in txns], [[rcpt]], label + ": the server got the message")
    return txns[0] if txns else None


def run(inst, d, srv):
    rc = {c: "u@%s.test" % c for c in CASES}
    for c in CASES:
        inst.queue(b"Subject: tls " + c.encode() + b"\n\nbody of " + c.encode() + b"\n",
                   b"alice@" + DOM.encode(), [rc[c].encode()])
    wait_results(d, list(rc.values()), timeout=25)
    log = d.text()
    st = qstates(inst)

    # opportunistic (the default): STARTTLS offered, used
    x = delivered(d, srv["opp"], rc["opp"], "opportunistic")
    t.ok(x is not None and x.tls, "opportunistic: the message came over TLS")
    ss = srv["opp"].sessions
    t.ok(ss and ss[0].tls and ss[0].tls_version in ("TLSv1.2", "TLSv1.3"),
         "opportunistic: TLS 1.2 or later (%s)" % (ss[0].tls_version if ss else None))
    t.is_(verbs(srv["opp"])[:3], ["EHLO", "STARTTLS", "EHLO"],
          "opportunistic: EHLO, STARTTLS, EHLO again")

    # no STARTTLS offered: delivered in the clear
    x = delivered(d, srv["clear"], rc["clear"], "not offered")
    t.ok(x is not None and not x.tls, "not offered: the message came in the clear")
    t.ok("STARTTLS" not in verbs(srv["clear"]), "not offered: no STARTTLS sent")

    # required, not offered: deferral 4.7.x, nothing sent
    kind, text = outcome(log, rc["req"])
    t.is_(kind, "deferral", "required without STARTTLS: a deferral")
    t.ok(text and re.search(r"\(#4\.7\.\d+\)$", text), "required: a 4.7.x text: %s" % text)
    t.ok("MAIL" not in verbs(srv["req"]), "required: no MAIL FROM in the clear: %r" %
         verbs(srv["req"]))
    t.is_(st.get(rc["req"]), "pending", "required: the recipient stays pending")
    t.ok(re.search(rb"herald-remote: host " + re.escape(A["req"].encode()) +
                   rb":\d+ \(mx\.req\.test\): down for \d+ s: TLS is required", log),
         "required: the host is marked down")

    # required, offered: delivered over TLS
    x = delivered(d, srv["reqok"], rc["reqok"], "required and offered")
    t.ok(x is not None and x.tls, "required and offered: over TLS")

    # verify, a self-signed certificate nobody trusts: deferral
    kind, text = outcome(log, rc["vbad"])
    t.is_(kind, "deferral", "verify, untrusted certificate: a deferral")
    t.ok(text and re.search(r"\(#4\.\d+\.\d+\)$", text), "verify, untrusted: %s" % text)
    t.is_(srv["vbad"].txns(complete=False), [], "verify, untrusted: no transaction")
    t.is_(st.get(rc["vbad"]), "pending", "verify, untrusted: the recipient stays pending")

    # verify, trusted through tlsremoteca, the certificate's name is the MX: delivered
    x = delivered(d, srv["vok"], rc["vok"], "verify, trusted")
    t.ok(x is not None and x.tls, "verify, trusted: over TLS")
    ss = srv["vok"].sessions
    t.is_(ss[0].sni if ss else None, "mx.vok.test", "verify, trusted: SNI names the MX")

    # verify, trusted certificate but made for another name: deferral
    kind, text = outcome(log, rc["vname"])
    t.is_(kind, "deferral", "verify, name mismatch: a deferral (%s)" % text)
    t.is_(srv["vname"].txns(complete=False), [], "verify, name mismatch: no transaction")

    # none: STARTTLS offered but not used
    x = delivered(d, srv["none"], rc["none"], "none")
    t.ok(x is not None and not x.tls, "none: in the clear")
    t.ok("STARTTLS" not in verbs(srv["none"]), "none: no STARTTLS sent: %r" % verbs(srv["none"]))

    # a reply injected after "220" to STARTTLS is discarded
    x = delivered(d, srv["inj"], rc["inj"], "injection")
    t.ok(x is not None and x.tls, "injection: delivered over TLS")
    ss = srv["inj"].sessions
    t.ok(ss and ss[0].early == [], "injection: no command before its reply (the injected "
         "250 was not taken for the answer to EHLO): %r" % (ss[0].early if ss else None))
    v = verbs(srv["inj"])
    t.is_(v[:4], ["EHLO", "STARTTLS", "EHLO", "MAIL"],
          "injection: EHLO is sent again after the handshake: %r" % v)

    # opportunistic, the handshake fails (garbage after "220" to STARTTLS):
    # delivered at once on a new connection in plain text, the host not down
    x = delivered(d, srv["brk"], rc["brk"], "broken TLS, opportunistic")
    t.ok(x is not None and not x.tls, "broken TLS, opportunistic: the message came in plain text")
    ss = srv["brk"].sessions
    t.ok(len(ss) >= 2 and "STARTTLS" in [c.upper() for c in ss[0].commands],
         "broken TLS, opportunistic: the first session sent STARTTLS: %r"
         % ([s.commands for s in ss],))
    t.ok(len(ss) >= 2 and ss[1].commands and
         "STARTTLS" not in [c.split(" ")[0].upper() for c in ss[1].commands],
         "broken TLS, opportunistic: the second session sent no STARTTLS: %r"
         % (ss[1].commands if len(ss) >= 2 else None,))
    t.is_(outcome(log, rc["brk"])[0], "success",
          "broken TLS, opportunistic: the only result is the success (no deferral first)")
    t.is_(len([r for r, _, _, _ in outcomes(log) if r == rc["brk"]]), 1,
          "broken TLS, opportunistic: one result for the recipient")
    brk = re.escape(A["brk"].encode())
    fb = re.findall(rb"herald-remote: host " + brk + rb":\d+ \(mx\.brk\.test\): TLS failed, "
                    rb"plain text for 3600 s: (TLS handshake.*)", log)
    t.is_(len(fb), 1, "broken TLS, opportunistic: one log line names the host and the TLS "
          "error: %r" % fb)
    t.ok(not re.search(rb"herald-remote: host " + brk + rb":\d+ .*down for", log),
         "broken TLS, opportunistic: the host is not marked down")

    # required, the handshake fails: deferral 4.7.x, nothing delivered
    kind, text = outcome(log, rc["brkreq"])
    t.is_(kind, "deferral", "broken TLS, required: a deferral")
    t.ok(text and re.search(r"\(#4\.7\.\d+\)$", text), "broken TLS, required: a 4.7.x text: %s"
         % text)
    t.is_(srv["brkreq"].txns(complete=False), [], "broken TLS, required: no transaction")
    t.is_(st.get(rc["brkreq"]), "pending", "broken TLS, required: the recipient stays pending")
    t.ok(re.search(rb"herald-remote: host " + re.escape(A["brkreq"].encode()) +
                   rb":\d+ \(mx\.brkreq\.test\): down for \d+ s: TLS handshake", log),
         "broken TLS, required: the host is marked down")


def main():
    port = common_port(list(A.values()))
    base = tempfile.mkdtemp(prefix="herald-tls-")
    servers = {}
    try:
        certs = {n: make_cert(base, "mx.%s.test" % n) for n in ("opp", "vbad", "vok")}
        if None in certs.values():
            t.skip("remote TLS", "openssl cannot make a test certificate")
            return
        with Instance(me=DOM) as inst, DnsServer(zone()) as dns:
            try:
                tls = {"opp": certs["opp"], "reqok": certs["opp"], "vbad": certs["vbad"],
                       "vok": certs["vok"], "vname": certs["vok"], "none": certs["opp"],
                       "inj": certs["opp"], "brk": certs["opp"], "brkreq": certs["opp"]}
                for c in CASES:
                    kw = {}
                    if c == "inj":
                        kw = dict(starttls_reply=b"220 2.0.0 go ahead\r\n250 injected\r\n",
                                  pipelining=False, early_check=0.3)
                    elif c in ("brk", "brkreq"):
                        kw = dict(starttls_break=b"this is not TLS\r\n" * 8)
                    servers[c] = SmtpServer(A[c], port, name="mx.%s.test" % c, cert=tls.get(c),
                                            **kw)
                remote_setup(inst, port, dns, tlsremote="req.test:required\nreqok.test:required\n"
                             "vbad.test:verify\nvok.test:verify\nvname.test:verify\n"
                             "none.test:none\nbrkreq.test:required\n",
                             tlsremoteca=certs["vok"][0] + "\n",
                             timeoutremote="5\n")
                with Daemon(inst) as d:
                    try:
                        run(inst, d, servers)
                    finally:
                        if t.failed:
                            t.diag(d.text().decode(errors="replace"))
            except Exception:
                t.ok(False, "the test ran to its end")
                t.diag(traceback.format_exc())
            finally:
                for s in servers.values():
                    s.stop()
    finally:
        if os.environ.get("HERALD_KEEP") != "1":
            shutil.rmtree(base, ignore_errors=True)


main()
t.done()
