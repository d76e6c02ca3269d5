#!/usr/bin/env python3
"""remote-limits.t: control/remoterules sets limits per mail exchanger
name or domain: a rate in messages per minute (the transactions wait for
it), transactions per connection (new connections after that many); a
bad line in remoterules or smtproutes stops herald-remote with the file
and line named."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcome, remote_setup, results_for  # noqa: E402

t = Tap()
RATE, ONE = "127.0.0.101", "127.0.0.102"
port = common_port([RATE, ONE])


def queue(inst, rcpt, n):
    for i in range(n):
        code, _ = inst.queue(b"Subject: %d\n\nx\n" % i, b"s@herald.test", [rcpt.encode()])
        if code != 0:
            return False
    return True


with Instance(me="herald.test") as inst, \
        SmtpServer(RATE, port, name="mx.rate.test") as rate, \
        SmtpServer(ONE, port, name="mx.one.test") as one:
    remote_setup(inst, port, routes="rate.test:[%s]\none.test:[%s]\n" % (RATE, ONE),
                 remoterules="# limits\nmx:%s:rate=60\none.test:connections=1,transactions=2\n"
                 % RATE)
    t.ok(queue(inst, "r@rate.test", 3) and queue(inst, "o@one.test", 5),
         "three messages to rate.test and five to one.test queued")
    with Daemon(inst) as d:
        t0 = time.monotonic()
        t.ok(results_for(d, ["r@rate.test"]) and results_for(d, ["o@one.test"]), "results come")
        end = time.monotonic() + 30
        while time.monotonic() < end and (len(rate.txns()) < 3 or len(one.txns()) < 5):
            time.sleep(0.05)
        took = time.monotonic() - t0
        t.is_(len(rate.txns()), 3, "rate.test: all three messages delivered")
        t.ok(took >= 1.8, "rate=60 per minute: three transactions take at least 2 s (%.1f s)" % took)
        t.is_(len(one.txns()), 5, "one.test: all five messages delivered")
        t.ok(one.connections >= 3,
             "transactions=2: five messages need at least three connections (%d)" % one.connections)
        t.is_(rate.connections, 1, "without a transactions limit one connection carries them all")
    inst.control("remoterules", "one.test:connections=1\nbad.test:speed=3\n")
    with Daemon(inst) as d:
        end = time.monotonic() + 10
        while time.monotonic() < end and b"herald-remote: fatal" not in d.text():
            time.sleep(0.05)
        log = d.text()
        t.ok(b"herald-remote: fatal: control/remoterules:2: unknown setting" in log,
             "a bad line: herald-remote stops, naming the file and line: %r"
             % [l for l in log.splitlines() if b"fatal" in l][:1])
    inst.control("remoterules", "")
    inst.control("smtproutes", "one.test:[%s]:99999\n" % ONE)
    with Daemon(inst) as d:
        end = time.monotonic() + 10
        while time.monotonic() < end and b"control/smtproutes" not in d.text():
            time.sleep(0.05)
        t.ok(b"herald-remote: fatal: control/smtproutes:1: bad port" in d.text(),
             "a bad port in smtproutes: herald-remote stops, naming the file and line")
t.done()
