#!/usr/bin/env python3
"""remote-slow.t: a mail exchanger that accepts connections and says
nothing (a tarpit) costs only its own recipients. With timeoutgreeting 30,
the first connection to the new host is its probe; when it is not ready
within 5 seconds the host is slow, its recipients are deferred at once
(no more connections), and a healthy host's recipients of the same
message are delivered meanwhile."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcome, qstates, remote_setup, results_for  # noqa: E402

t = Tap()
TARPIT, HEALTHY = "127.0.0.71", "127.0.0.72"



port = common_port([TARPIT, HEALTHY])
with Instance(me="herald.test") as inst, \
        SmtpServer(TARPIT, port, name="mx.tarpit.test", greeting_delay=60.0) as tarpit, \
        SmtpServer(HEALTHY, port, name="mx.fine.test") as fine:
    remote_setup(inst, port, routes="tarpit.test:[%s]\nfine.test:[%s]\n" % (TARPIT, HEALTHY),
                 timeoutgreeting="30\n", timeoutremote="30\n", concurrencyhost="20\n")
    rcpts = ["t%d@tarpit.test" % i for i in range(5)] + ["f%d@fine.test" % i for i in range(5)]
    code, err = inst.queue(b"Subject: slow\n\nx\n", b"s@herald.test", [r.encode() for r in rcpts])
    t.is_(code, 0, "one message to a tarpit domain and a healthy one queued")
    with Daemon(inst) as d:  # starts herald-start
        t0 = time.monotonic()
        ok = results_for(d, rcpts, 20)
        took = time.monotonic() - t0
        t.ok(ok, "every recipient has a result within 20 s (timeoutgreeting is 30)")
        log = d.text()
        t.ok(all(outcome(log, r)[0] == "success" for r in rcpts if "fine" in r),
             "the healthy domain's recipients are delivered")
        slow = [outcome(log, r) for r in rcpts if "tarpit" in r]
        t.ok(all(k == "deferral" for k, _ in slow), "the tarpit's recipients are deferred")
        t.ok(all(x and "was not ready for mail within 5 seconds" in x and x.endswith("(#4.4.2)")
                 for _, x in slow), "the deferral says why: %r" % (slow[:1],))
        t.ok(took < 15, "results came after the 5 s probe, not the 30 s timeout (%.1f s)" % took)
        t.ok(re.search(rb"herald-remote: host " + re.escape(TARPIT.encode()) + rb":\d+ "
                       rb"\(\S+\): slow: not ready within 5 s", log), "log: the host is slow")
        t.is_(tarpit.connections, 1, "one connection (the probe) to the tarpit, not one per recipient")
        st = qstates(inst)
        t.ok(all(st.get(r) == "pending" for r in rcpts if "tarpit" in r),
             "the tarpit's recipients stay pending")
        # while the host is slow, new recipients are deferred at once
        code, err = inst.queue(b"Subject: again\n\nx\n", b"s@herald.test", [b"u@tarpit.test"])
        t1 = time.monotonic()

        got = results_for(d, ["u@tarpit.test"], 10)
        t.ok(got and time.monotonic() - t1 < 5 and outcome(d.text(), "u@tarpit.test")[0] == "deferral",
             "a recipient for the slow host is deferred at once")
        t.is_(tarpit.connections, 1, "still no second connection to the slow host")
        if t.failed:
            t.diag(d.text().decode(errors="replace")[-4000:])
t.done()
