#!/usr/bin/env python3
"""remote-state.t: a host that is down stays down across a restart of
herald: herald-remote keeps it in remote/hosts, and after the restart a
recipient for it is deferred at once, without a connection, even though
a server now listens there; the file drops the host once its time is
over. On a full disk (a tiny tmpfs holds remote/; root only) the file
cannot be written: herald-remote says so, leaves no temporary file,
goes on deferring, and writes the file once there is room again."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcome, remote_setup, results_for  # noqa: E402

t = Tap()
HOST, HOST2 = "127.0.0.91", "127.0.0.92"
port = common_port([HOST, HOST2])
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

# a full disk under remote/
if os.geteuid() != 0:
    t.skip("full disk under remote/", "needs root to mount a tmpfs")
else:
    with Instance(me="herald.test") as inst:
        remote_setup(inst, port, routes="down.test:[%s]\ndown2.test:[%s]\n" % (HOST, HOST2),
                     backoffremote="60\n")
        rdir = inst.path("remote")
        state = os.path.join(rdir, "hosts")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", rdir],
                                 capture_output=True).returncode == 0
        try:
            if not mounted:
                t.skip("full disk under remote/", "cannot mount a tmpfs here")
            else:
                filler = os.path.join(rdir, "filler")
                try:
                    with open(filler, "wb") as f:
                        while True:
                            f.write(b"x" * 4096)
                            f.flush()
                except OSError:
                    pass
                with Daemon(inst) as d:
                    inst.queue(b"Subject: one\n\nx\n", b"s@herald.test", [b"a@down.test"])
                    t.ok(results_for(d, ["a@down.test"]), "full disk: the recipient has a result")
                    t.is_(outcome(d.text(), "a@down.test")[0], "deferral",
                          "full disk: deferred as usual")
                    try:
                        d.wait_for(lambda: b"cannot write remote/hosts" in d.text(),
                                   "the warning", timeout=10)
                        warned = True
                    except TimeoutError:
                        warned = False
                    t.ok(warned, "full disk: herald-remote says it cannot write remote/hosts")
                    t.ok(not os.path.exists(state) and not os.path.exists(state + ".tmp"),
                         "full disk: no partial file is left")
                    os.unlink(filler)
                    inst.queue(b"Subject: two\n\nx\n", b"s@herald.test", [b"b@down2.test"])
                    t.ok(results_for(d, ["b@down2.test"]), "room again: the next recipient has a result")
                    end = time.monotonic() + 10
                    while time.monotonic() < end and not os.path.exists(state):
                        time.sleep(0.1)
                    keys = sorted(l.split(" ")[0] for l in open(state).read().splitlines()) \
                        if os.path.exists(state) else []
                    t.is_(keys, sorted(["%s:%d" % (HOST, port), "%s:%d" % (HOST2, port)]),
                          "room again: remote/hosts is written with both hosts")
                    t.ok(d.proc.poll() is None, "herald is still running")
        finally:
            if mounted:
                subprocess.run(["umount", rdir])
t.done()
