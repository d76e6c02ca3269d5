#!/usr/bin/env python3
"""remote-group.t: without VERP, the recipients of one message for one
domain share a transaction even when herald-send hands out the
recipients of two messages for that domain interleaved; with VERP each
recipient still has its own transaction."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcomes, remote_setup, results_for  # noqa: E402

t = Tap()
HOST = "127.0.0.94"
port = common_port([HOST])
N = 30
A = ["a%02d@group.test" % i for i in range(N)]
B = ["b%02d@group.test" % i for i in range(N)]
V = ["v%02d@group.test" % i for i in range(4)]
with Instance(me="herald.test") as inst, SmtpServer(HOST, port, name="mx.group.test") as srv:
    # one connection (concurrencyhost 1); herald-send may hand out 16 x
    # concurrencyremote = 64 recipients at once, so all of them fit
    remote_setup(inst, port, routes="group.test:[%s]\n" % HOST, concurrencyremote="4\n",
                 concurrencyhost="1\n")
    for sender, rcpts in ((b"alice@herald.test", A), (b"bob@herald.test", B),
                          (b"list-@herald.test-@[]", V)):
        code, _ = inst.queue(b"Subject: group\n\nbody\n", sender, [r.encode() for r in rcpts])
        t.is_(code, 0, "a message from %s to %d recipients of one domain queued"
              % (sender.decode(), len(rcpts)))
    with Daemon(inst) as d:
        t.ok(results_for(d, A + B + V), "every recipient has a result")
        log = d.text()
    res = outcomes(log)
    t.ok(all(k == "success" for _, _, k, _ in res) and len(res) == 2 * N + len(V),
         "every recipient delivered once")
    starts = [ln.split()[-1].decode() for ln in log.splitlines()
              if b"herald-send: starting delivery" in ln]
    first = [r[0] for r in starts[:2 * N] if not r.startswith("v")]
    t.ok("ab" in "".join(first) and "ba" in "".join(first),
         "herald-send handed out the two messages' recipients interleaved: %s" % "".join(first))
    txns = srv.txns()
    plain = [(x.mail_from, x.rcpts) for x in txns if not x.mail_from.startswith("list-")]
    t.ok(all(all(r[0] == f[0] for r in rc) for f, rc in plain),
         "each transaction carries recipients of one message only")
    t.is_(sorted(r for _, rc in plain for r in rc), sorted(A + B),
          "the server got every recipient once")
    t.ok(len(plain) <= 4, "the interleaved recipients were gathered per message: %d transactions "
         "for 2 messages (%s)" % (len(plain), [len(rc) for _, rc in plain]))
    verp = sorted((x.mail_from, x.rcpts) for x in txns if x.mail_from.startswith("list-"))
    t.is_(verp, sorted(("list-%s=group.test@herald.test" % r.split("@")[0], [r]) for r in V),
          "VERP: one transaction per recipient")
    t.is_(srv.connections, 1, "one connection carried them all")
t.done()
