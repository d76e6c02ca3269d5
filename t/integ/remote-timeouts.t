#!/usr/bin/env python3
"""remote-timeouts.t: herald-remote's time-outs per phase of the SMTP
session, and a greeting refused with 5xx, against scripted SMTP servers
(t/integ/smtpsrv.py) with MX records from a scripted DNS server
(t/integ/dnslib.py).

Two instances with opposite settings, so that each wait is shown to use
its own control file and not another one:
  A: timeoutgreeting 1, timeoutremote 30, timeoutremotedata 1
     - a greeting 3 s late: deferred, the text names the greeting;
     - the reply to the final dot 3 s late: deferred, the text names the
       end of DATA;
     - a first MX that greets with 554: the second MX gets the message,
       the first is marked down; a domain whose only MX greets with 554:
       deferred (not bounced), the host marked down.
  B: timeoutgreeting 30, timeoutremote 1, timeoutremotedata 30
     - the same late greeting and late reply to the dot: both delivered,
       over one connection each."""
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from dnslib import DnsServer  # noqa: E402
from smtpsrv import (SmtpServer, common_port, outcome, outcomes, qstates,  # noqa: E402
                     remote_setup, results_for)

t = Tap()
DOM = "herald.test"
LATE = 3.0      # seconds the slow servers take

# one server per case: the domain CASE.test, its MX mx.CASE.test at A[CASE]
A = {c: "127.0.0.%d" % n for n, c in enumerate(
    ["greet", "dot", "fb1", "fb2", "rej", "greet2", "dot2"], start=70)}

ZONE = {
    "test": {"SOA": (3600, 60)},
    "fb.test": {"MX": [(10, "mx1.fb.test"), (20, "mx2.fb.test")]},
    "mx1.fb.test": {"A": [A["fb1"]]},
    "mx2.fb.test": {"A": [A["fb2"]]},
}
for _c in ("greet", "dot", "rej", "greet2", "dot2"):
    ZONE["%s.test" % _c] = {"MX": [(10, "mx.%s.test" % _c)]}
    ZONE["mx.%s.test" % _c] = {"A": [A[_c]]}


def wait_results(d, rcpts, timeout=20):
    """Wait until herald-send logged a result for every recipient in rcpts."""
    if results_for(d, rcpts, timeout):
        return True
    t.diag("no result within %d s for some of %s" % (timeout, ", ".join(rcpts)))
    return False


def down_lines(log, addr):
    """herald-remote's "host ADDR:PORT (NAME): down for N s: WHY" lines for addr."""
    return re.findall(rb"herald-remote: host " + re.escape(addr.encode()) +
                      rb":\d+ \(([^)]*)\): down for (\d+) s: (.*)", log)


def inject(inst, rcpt, subject):
    code, err = inst.queue(b"Subject: " + subject.encode() + b"\n\nbody\n",
                           b"alice@" + DOM.encode(), [rcpt.encode()])
    if code != 0:
        raise RuntimeError("herald-queue exit %d: %r" % (code, err))


def run_a(inst, d, srv):
    rc = {c: "u@%s.test" % c for c in ("greet", "dot", "fb", "rej")}
    start = time.monotonic()
    inject(inst, rc["greet"], "late greeting")
    wait_results(d, [rc["greet"]])
    took = time.monotonic() - start
    for c in ("dot", "fb", "rej"):
        inject(inst, rc[c], c)
    wait_results(d, list(rc.values()))
    log = d.text()
    st = qstates(inst)

    # the greeting comes after timeoutgreeting (1 s), long before timeoutremote (30 s)
    kind, text = outcome(log, rc["greet"])
    t.is_(kind, "deferral", "late greeting, timeoutgreeting 1: a deferral")
    t.ok(text and "while waiting for the greeting: timed out" in text and
         text.endswith("(#4.4.2)"), "late greeting: the text names the greeting: %s" % text)
    t.ok(took < 10, "late greeting: the result came within a few seconds (%.1f s), not after "
         "timeoutremote" % took)
    t.is_(srv["greet"].txns(complete=False), [], "late greeting: no transaction")
    t.is_(st.get(rc["greet"]), "pending", "late greeting: the recipient stays pending")
    dl = down_lines(log, A["greet"])
    t.ok(dl and b"waiting for the greeting" in dl[0][2],
         "late greeting: the host is marked down: %r" % (dl[:1],))

    # the reply to the final dot comes after timeoutremotedata (1 s)
    kind, text = outcome(log, rc["dot"])
    t.is_(kind, "deferral", "late reply to the dot, timeoutremotedata 1: a deferral")
    t.ok(text and "while waiting for the reply to end of DATA: timed out" in text and
         text.endswith("(#4.4.2)"), "late reply to the dot: the text names the end of DATA: %s"
         % text)
    t.is_(len(srv["dot"].txns()), 1, "late reply to the dot: the server had the whole message")
    t.is_(st.get(rc["dot"]), "pending", "late reply to the dot: the recipient stays pending")
    dl = down_lines(log, A["dot"])
    t.ok(dl and b"end of DATA" in dl[0][2], "late reply to the dot: the host is marked down: %r"
         % (dl[:1],))

    # a 554 greeting: the next MX
    kind, text = outcome(log, rc["fb"])
    t.is_(kind, "success", "554 greeting, a second MX: delivered (%s)" % text)
    t.ok(text and "mx2.fb.test" in text, "554 greeting: by the second MX: %s" % text)
    t.is_([x.rcpts for x in srv["fb2"].wait_txns(1)], [[rc["fb"]]],
          "554 greeting: the second MX got the message")
    t.ok(srv["fb1"].connections == 1 and srv["fb1"].txns(complete=False) == [],
         "554 greeting: the first MX was tried once and got no transaction")
    t.is_([c.upper() for c in srv["fb1"].commands()], ["QUIT"],
          "554 greeting: the first MX got QUIT and nothing else: %r" % srv["fb1"].commands())
    dl = down_lines(log, A["fb1"])
    t.ok(dl and dl[0][0] == b"mx1.fb.test" and b"554 5.7.1" in dl[0][2] and
         b"at the greeting" in dl[0][2], "554 greeting: the first MX is marked down: %r"
         % (dl[:1],))

    # a 554 greeting and no other MX: deferred, not bounced
    kind, text = outcome(log, rc["rej"])
    t.is_(kind, "deferral", "554 greeting, the only MX: a deferral")
    t.ok(text and "554 5.7.1" in text and "at the greeting" in text,
         "554 greeting, the only MX: the text quotes the greeting: %s" % text)
    t.is_(st.get(rc["rej"]), "pending", "554 greeting, the only MX: the recipient stays pending")
    t.ok(down_lines(log, A["rej"]), "554 greeting, the only MX: the host is marked down")


def run_b(inst, d, srv):
    rc = {c: "u@%s.test" % c for c in ("greet2", "dot2")}
    for c in rc:
        inject(inst, rc[c], c)
    wait_results(d, list(rc.values()), timeout=30)
    log = d.text()
    st = qstates(inst)

    # the greeting after 3 s, with timeoutgreeting 30 and timeoutremote 1
    kind, text = outcome(log, rc["greet2"])
    t.is_(kind, "success", "late greeting, timeoutgreeting 30, timeoutremote 1: delivered (%s)"
          % text)
    t.is_([x.rcpts for x in srv["greet2"].wait_txns(1)], [[rc["greet2"]]],
          "late greeting: the server got the message")
    t.is_(srv["greet2"].connections, 1, "late greeting: over one connection")

    # the reply to the dot after 3 s, with timeoutremotedata 30 and timeoutremote 1
    kind, text = outcome(log, rc["dot2"])
    t.is_(kind, "success", "late reply to the dot, timeoutremotedata 30, timeoutremote 1: "
          "delivered (%s)" % text)
    t.is_(srv["dot2"].connections, 1, "late reply to the dot: over one connection")
    t.is_(len([r for r, _, _, _ in outcomes(log) if r == rc["dot2"]]), 1,
          "late reply to the dot: one result, no retry")
    t.is_(down_lines(log, A["greet2"]) + down_lines(log, A["dot2"]), [],
          "no host marked down")
    t.ok(all(st.get(r) in (None, "done") for r in rc.values()),
         "both recipients done in the queue: %r" % st)


def phase(name, port, dns, srv, settings, body):
    with Instance(me=DOM) as inst:
        remote_setup(inst, port, dns, **settings)
        with Daemon(inst) as d:
            try:
                body(inst, d, srv)
            finally:
                if t.failed:
                    t.diag("%s: %s" % (name, d.text().decode(errors="replace")))


def main():
    port = common_port(list(A.values()))
    servers = {}
    with DnsServer(ZONE) as dns:
        try:
            for c in ("greet", "greet2"):
                servers[c] = SmtpServer(A[c], port, name="mx.%s.test" % c, greeting_delay=LATE)
            for c in ("dot", "dot2"):
                servers[c] = SmtpServer(A[c], port, name="mx.%s.test" % c, tarpit=LATE,
                                        tarpit_on=("DOT",))
            servers["fb1"] = SmtpServer(A["fb1"], port, name="mx1.fb.test",
                                        greeting="554 5.7.1 mx1.fb.test: no mail from you")
            servers["fb2"] = SmtpServer(A["fb2"], port, name="mx2.fb.test")
            servers["rej"] = SmtpServer(A["rej"], port, name="mx.rej.test",
                                        greeting="554 5.7.1 mx.rej.test: no mail from you")
            phase("A", port, dns, servers, {"timeoutgreeting": "1\n", "timeoutremote": "30\n",
                                            "timeoutremotedata": "1\n", "backoffremote": "60\n"},
                  run_a)
            phase("B", port, dns, servers, {"timeoutgreeting": "30\n", "timeoutremote": "1\n",
                                            "timeoutremotedata": "30\n"}, run_b)
        except Exception:
            t.ok(False, "the test ran to its end")
            t.diag(traceback.format_exc())
        finally:
            for s in servers.values():
                s.stop()


main()
t.done()
