#!/usr/bin/env python3
"""peers.t: the real SMTP servers that herald's remote delivery is tested
against (t/integ/peerlib.py) -- a private Postfix instance, the unpacked
Debian Exim and OpenSMTPD -- each started on 127.0.0.1 with STARTTLS
offered. Python's smtplib sends each two messages, one in the clear and one
after STARTTLS; both must be stored in the peer's Maildir as they were sent
apart from the trace fields, the Received field must name ESMTP for the one
and ESMTPS for the other, and once stopped no process of the peer may be
left. A peer that cannot run here (not root, not unpacked by
scripts/install-deps, ...) is skipped with the reason."""
import os
import smtplib
import ssl
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap  # noqa: E402
from peerlib import (PEERS, PeerError, alive, by_message_id, listening, received_with,  # noqa: E402
                     received_tls, strip_trace)

t = Tap()


def message(tag):
    """A message with what a relay must keep intact: a folded field, lines
    that start with dots, trailing blanks, a tab, a long line, 8-bit text."""
    return (b"From: Bob <bob@client.test>\r\n"
            b"To: Alice <alice@peer.test>\r\n"
            b"Subject: peer test, " + tag + b"\r\n"
            b"  folded onto a second line\r\n"
            b"Date: Sat, 21 Nov 2026 10:00:00 +0000\r\n"
            b"Message-ID: <" + tag + b"@client.test>\r\n"
            b"MIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n"
            b"\r\n"
            b"first line\r\n"
            b".a line that starts with a dot\r\n"
            b"..two dots\r\n"
            b"trailing blanks   \r\n"
            b"\ta tab\r\n"
            b"\r\n"
            b"" + b"x" * 900 + b"\r\n"
            b"caf\xc3\xa9 \xe2\x82\xac\r\n"
            b".\r\n"
            b"last line\r\n")


def send(t, label, port, msg, rcpt, tls):
    """One SMTP session: EHLO, STARTTLS if tls, one message; True if accepted."""
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    try:
        code, _ = s.ehlo("client.test")
        t.is_(code, 250, label + ": EHLO")
        t.ok(s.has_extn("starttls"), label + ": STARTTLS is offered")
        if tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE     # the peer's certificate is self-signed
            code, _ = s.starttls(context=ctx)
            t.is_(code, 220, label + ": STARTTLS accepted")
            version = s.sock.version() if isinstance(s.sock, ssl.SSLSocket) else None
            t.ok(version in ("TLSv1.2", "TLSv1.3"),
                 label + ": TLS session established (%s)" % version)
            s.ehlo("client.test")
            t.ok(not s.has_extn("starttls"), label + ": STARTTLS not offered again inside TLS")
        refused = s.sendmail("bob@client.test", [rcpt], msg, mail_options=["BODY=8BITMIME"])
        t.is_(refused, {}, label + ": message accepted")
        s.quit()
        return True
    except (smtplib.SMTPException, OSError) as e:
        t.ok(False, label + ": SMTP session")
        t.diag("%s: %r" % (label, e))
        return False
    finally:
        s.close()


def check_peer(cls):
    name = cls.name
    why = cls.available(tls=True)
    if why:
        t.skip(name + ": deliveries in the clear and over STARTTLS", why)
        return
    peer = cls(tls=True)
    failed = t.failed
    try:
        try:
            peer.start()
        except PeerError as e:
            t.ok(False, name + ": starts")
            t.diag(str(e))
            return
        t.ok(listening(peer.port, peer.pids()) and alive(peer.pid),
             "%s: listens on 127.0.0.1:%d (pid %d)" % (name, peer.port, peer.pid))
        plain, secure = message(name.encode() + b"-plain"), message(name.encode() + b"-tls")
        sent = [send(t, name + " plain", peer.port, plain, "alice@peer.test", False),
                send(t, name + " tls", peer.port, secure, "carol@example.org", True)]
        msgs = peer.wait_messages(2) if all(sent) else peer.messages()
        t.is_(len(msgs), 2, name + ": two messages stored")
        for tag, msg, tls in ((b"-plain", plain, False), (b"-tls", secure, True)):
            label = "%s %s" % (name, "tls" if tls else "plain")
            got = by_message_id(msgs, name.encode() + tag, b"client.test")
            if not t.ok(got is not None, label + ": message found in the Maildir"):
                continue
            if not t.is_(strip_trace(got), strip_trace(msg),
                         label + ": stored as sent apart from the trace fields"):
                t.diag(got.decode(errors="replace"))
            proto = received_with(got)
            if tls:
                t.ok(received_tls(got), label + ": Received names ESMTPS (got %s)" % proto)
            else:
                t.is_(proto, "ESMTP", label + ": Received names ESMTP")
    except Exception:   # report, then still stop the peer and check it is gone
        t.ok(False, name + ": no unexpected error")
        t.diag(traceback.format_exc())
    finally:
        if peer.base is not None:
            pid = peer.pid
            t.ok(peer.stop(), name + ": stops, no process left")
            t.ok(pid is None or not alive(pid), "%s: pid %s is gone" % (name, pid))
            t.ok(peer.port is None or not listening(peer.port), name + ": port closed")
            if t.failed > failed or os.environ.get("HERALD_VERBOSE"):
                t.diag(peer.log()[-6000:])
            peer.cleanup()


for cls in PEERS:
    check_peer(cls)
t.done()
