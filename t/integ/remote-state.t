#!/usr/bin/env python3
"""remote-state.t: a host that is down stays down across a restart of
herald: herald-remote keeps it in remote/hosts, and after the restart a
recipient for it is deferred at once, without a connection, even though
a server now listens there; the file drops the host once its time is
over."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcome, remote_setup, results_for  # noqa: E402

t = Tap()
HOST = "127.0.0.91"
port = common_port([HOST])
with Instance(me="herald.test") as inst:
    t.ok(os.path.isdir(inst.path("remote")), "herald-setup makes remote/")
    remote_setup(inst, port, routes="down.test:[%s]\n" % HOST, backoffremote="60\n")
    state = inst.path("remote", "hosts")
    with Daemon(inst) as d:
        inst.queue(b"Subject: one\n\nx\n", b"s@herald.test", [b"a@down.test"])
        t.ok(results_for(d, ["a@down.test"]), "the first recipient has a result")
        kind, text = outcome(d.text(), "a@down.test")
        t.ok(kind == "deferral" and "connection refused" in (text or ""),
             "nothing listens: deferred: %r" % text)
        end = time.monotonic() + 10
        while time.monotonic() < end and not os.path.exists(state):
            time.sleep(0.1)
        lines = open(state).read().splitlines() if os.path.exists(state) else []
        f = lines[0].split(" ", 3) if lines else []
        t.ok(len(lines) == 1 and f[0] == "%s:%d" % (HOST, port) and
             int(f[1]) > time.time() + 30 and f[2] == "1" and "connection refused" in f[3],
             "remote/hosts has the host, its time, its failures and why: %r" % lines)
    with SmtpServer(HOST, port, name="mx.down.test") as srv, Daemon(inst) as d:
        inst.queue(b"Subject: two\n\nx\n", b"s@herald.test", [b"b@down.test"])
        t.ok(results_for(d, ["b@down.test"]), "after the restart, the next recipient has a result")
        kind, text = outcome(d.text(), "b@down.test")
        t.ok(kind == "deferral" and "connection refused" in (text or ""),
             "still down after the restart: deferred with the old reason: %r" % text)
        t.is_(srv.connections, 0, "no connection was made to the host")
        t.ok(b"status: 1 hosts still down from before" in d.text(), "log: the host is still down")
    # a host whose time is over is forgotten
    with open(state, "w") as fh:
        fh.write("%s:%d %d 3 old reason (#4.4.1)\n" % (HOST, port, int(time.time()) - 5))
    with SmtpServer(HOST, port, name="mx.down.test") as srv, Daemon(inst) as d:
        inst.queue(b"Subject: three\n\nx\n", b"s@herald.test", [b"c@down.test"])
        t.ok(results_for(d, ["c@down.test"]), "the third recipient has a result")
        t.is_(outcome(d.text(), "c@down.test")[0], "success",
              "a down time that is over does not count: delivered")
t.done()
