#!/usr/bin/env python3
"""remote-interop.t: herald-remote delivering to real SMTP servers --
Postfix, Exim and OpenSMTPD as private receiving peers on 127.0.0.1
(t/integ/peerlib.py) -- each once offering STARTTLS and once not, through
control/smtproutes to the peer's port. Each peer must store the message
as it was queued apart from the trace fields, and its Received field must
say ESMTPS when STARTTLS was offered (herald's default is opportunistic
TLS) and ESMTP when it was not. A peer that cannot run here is skipped
with the reason."""
import contextlib
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from peerlib import PEERS, PeerError, by_message_id, received_with, strip_trace  # noqa: E402
from smtpsrv import outcome, outcomes, remote_setup  # noqa: E402

t = Tap()
DOM = "herald.test"


def message(tag):
    """A message with what a relay must keep intact (LF line ends, as queued)."""
    return (b"From: Alice <alice@herald.test>\n"
            b"To: someone@" + tag + b".test\n"
            b"Subject: herald-remote to " + tag + b"\n"
            b"  folded onto a second line\n"
            b"Date: Sat, 21 Nov 2026 10:00:00 +0000\n"
            b"Message-ID: <" + tag + b"@herald.test>\n"
            b"MIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: 8bit\n"
            b"\n"
            b"first line\n"
            b".a line that starts with a dot\n"
            b"..two dots\n"
            b".\n"
            b"trailing blanks   \n"
            b"\ta tab\n"
            b"\n" + b"x" * 900 + b"\n"
            b"caf\xc3\xa9 \xe2\x82\xac\n"
            b"last line\n")


def main():
    runs = []           # (label, tag, peer)
    with contextlib.ExitStack() as stack:
        for cls in PEERS:
            for tls in (True, False):
                label = "%s %s" % (cls.name, "STARTTLS" if tls else "no STARTTLS")
                why = cls.available(tls)
                if why:
                    t.skip(label, why)
                    continue
                try:
                    peer = stack.enter_context(cls(tls=tls))
                except PeerError as e:
                    t.ok(False, label + ": the peer starts")
                    t.diag(str(e))
                    continue
                tag = "%s-%s" % (cls.name, "tls" if tls else "plain")
                runs.append((label, tag, peer))
        if not runs:
            return
        inst = stack.enter_context(Instance(me=DOM))
        routes = "".join("%s.test:[%s]:%d\n" % (tag, p.host, p.port) for _, tag, p in runs)
        # the routes name an address: no DNS lookup; remoteport is not used
        remote_setup(inst, 9, routes=routes, timeoutconnect="5\n", timeoutremote="30\n")
        d = stack.enter_context(Daemon(inst))
        try:
            for _, tag, _ in runs:
                code, err = inst.queue(message(tag.encode()), b"alice@" + DOM.encode(),
                                       [("someone@%s.test" % tag).encode()])
                if code != 0:
                    raise RuntimeError("herald-queue exit %d: %r" % (code, err))
            rcpts = ["someone@%s.test" % tag for _, tag, _ in runs]
            try:
                d.wait_for(lambda: all(any(r == x[0] for x in outcomes(d.text()))
                                       for r in rcpts), "every result", timeout=40)
            except TimeoutError as e:
                t.diag(str(e))
            for label, tag, peer in runs:
                kind, text = outcome(d.text(), "someone@%s.test" % tag)
                t.is_(kind, "success", label + ": herald-send logs a success (%s)" % text)
                stored = by_message_id(peer.wait_messages(1), tag.encode(), b"herald.test")
                if not t.ok(stored is not None, label + ": the peer stored the message"):
                    t.diag(peer.log())
                    continue
                if not t.is_(strip_trace(stored), message(tag.encode()),
                             label + ": stored as queued apart from the trace fields"):
                    t.diag(stored.decode(errors="replace"))
                want = "ESMTPS" if peer.tls else "ESMTP"
                got = received_with(stored)
                t.is_(got, want, label + ": the peer's Received field says %s" % want)
        except Exception:
            t.ok(False, "the test ran to its end")
            t.diag(traceback.format_exc())
        finally:
            if t.failed:
                t.diag(d.text().decode(errors="replace"))


main()
t.done()
