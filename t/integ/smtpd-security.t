#!/usr/bin/env python3
"""smtpd-security.t: herald-smtpd against hostile clients, each check on
the exact reply code and enhanced status code and on the queue:
  - open relay attempts from a client without RELAYCLIENT (percent hack,
    source routes, bang paths, quoted '@', address literals, case, trailing
    dots, look-alike domains, ...) are refused and nothing is queued, while
    rcpthosts, its subdomain entries, morercpthosts.db and <postmaster>
    are accepted, and RELAYCLIENT allows relaying;
  - SMTP smuggling: no bare-LF/bare-CR end of data gives a second message;
    the message is refused with 554 5.6.0; dot-stuffing is undone;
  - limits: line length, databytes and SIZE=, smtpmaxrcpt, smtpmaxerrors,
    more than 100 Received:/Delivered-To: fields;
  - slow clients are cut off by timeoutsmtpd and timeoutdata;
  - AUTH is not offered or accepted without TLS;
  - non-ASCII addresses only with SMTPUTF8.
herald-smtpd runs on a socket pair (smtpdlib.Smtpd); every process is
stopped by PID."""
import base64
import os
import sys
import time

from taplib import Tap, Instance
from smtpdlib import Smtpd, make_cert, queue_state, queued, starttls

t = Tap()
ME = "herald.test"
SENDER = "sender@client.test"
MSG = b"From: sender@client.test\r\nSubject: test\r\n\r\nhello\r\n.\r\n"


def nothing_queued(inst, label):
    """The queue has no message and queue/tmp no leftover; clears it otherwise."""
    mess, tmp = queue_state(inst)
    ok = t.is_((len(mess), tmp), (0, []), label + ": nothing queued")
    queued(inst)
    return ok


def session(inst, **kw):
    """A herald-smtpd whose greeting and EHLO were checked."""
    s = Smtpd(inst, **kw)
    g = s.greeting()
    e = s.cmd("EHLO client.test")
    if g.code != 220 or e.code != 250:
        t.diag("greeting %r, EHLO %r; log: %s" % (g, e, s.log()))
    return s


def remove_control(inst, *names):
    for n in names:
        try:
            os.unlink(inst.path("control", n))
        except FileNotFoundError:
            pass


# ------------------------------------------------------------------ relaying

RELAY_ATTEMPTS = [
    # percent hack
    ("<user%evil.test@herald.test>", (553, "5.7.1")),
    ("<user%evil.test>", (553, "5.1.3")),
    ("<\"user%evil.test\"@herald.test>", (553, "5.7.1")),
    # source routes whose final domain is not ours
    ("<@herald.test:user@evil.test>", (553, "5.7.1")),
    ("<@herald.test,@x.test:user@evil.test>", (553, "5.7.1")),
    ("<@[127.0.0.1]:user@evil.test>", (553, "5.7.1")),
    # bang paths
    ("<evil.test!user@herald.test>", (553, "5.7.1")),
    ("<evil.test!user>", (553, "5.1.3")),
    ("<\"evil.test!user\"@herald.test>", (553, "5.7.1")),
    # '@' in the local part
    ("<\"user@evil.test\"@herald.test>", (553, "5.7.1")),
    ("<\"user\\\"@evil.test\"@herald.test>", (553, "5.7.1")),
    ("<\"user@evil.test\">", (553, "5.1.3")),
    ("<user\\@evil.test@herald.test>", (553, "5.1.3")),
    ("<user@evil.test@herald.test>", (553, "5.1.3")),
    ("<user@herald.test@evil.test>", (553, "5.1.3")),
    # address literals
    ("<user@[127.0.0.1]>", (553, "5.7.1")),
    ("<user@[IPv6:::1]>", (553, "5.7.1")),
    ("<user@[IPv6:::ffff:127.0.0.1]>", (553, "5.7.1")),
    ("<user@[::1]>", (553, "5.1.3")),
    ("<user@[herald.test]>", (553, "5.1.3")),
    ("<user@[tag:a@herald.test]>", (553, "5.1.3")),
    # case, trailing dots, look-alikes
    ("<user@EVIL.TEST>", (553, "5.7.1")),
    ("<user@evil.test.>", (553, "5.1.3")),
    ("<user@herald.test.>", (553, "5.1.3")),
    ("<\"user\"@evil.test>", (553, "5.7.1")),
    ("<user@herald.test.evil.test>", (553, "5.7.1")),
    ("<user@evilherald.test>", (553, "5.7.1")),
    ("<user@x.herald.test>", (553, "5.7.1")),         # "herald.test" is not ".herald.test"
    ("<user@sub.herald.test>", (553, "5.7.1")),       # ".sub.herald.test": subdomains only
    ("<user@more.test.evil.test>", (553, "5.7.1")),
    ("<user@evilmore.test>", (553, "5.7.1")),
    ("<user@x.more.test>", (553, "5.7.1")),
    # junk around the domain
    ("<user@evil.test >", (553, "5.1.3")),
    ("<user@herald.test,user@evil.test>", (553, "5.1.3")),
    ("<user@evil.test%herald.test>", (553, "5.1.3")),
    ("<user@evil.test:herald.test>", (553, "5.1.3")),
    ("<user@herald.test> <user@evil.test>", (555, "5.5.4")),
    # plain and unbracketed
    ("<user@evil.test>", (553, "5.7.1")),
    ("user@evil.test", (553, "5.7.1")),
    (" <user@evil.test>", (553, "5.7.1")),
    ("<Postmaster@evil.test>", (553, "5.7.1")),
]

RELAY_OK = [
    ("<user@herald.test>", "user@herald.test"),
    ("<user@HERALD.TEST>", "user@HERALD.TEST"),
    ("<user@a.sub.herald.test>", "user@a.sub.herald.test"),
    ("<user@A.B.Sub.Herald.Test>", "user@A.B.Sub.Herald.Test"),
    ("<user@more.test>", "user@more.test"),
    ("<user@MORE.test>", "user@MORE.test"),
    ("<postmaster>", "postmaster@herald.test"),
    ("<PostMaster>", "PostMaster@herald.test"),
    ("<@evil.test:route@herald.test>", "route@herald.test"),
    ("<\"quoted user\"@herald.test>", "quoted user@herald.test"),
    ("plain@herald.test", "plain@herald.test"),
]


def relay_tests(inst):
    for arg, want in RELAY_ATTEMPTS:
        with session(inst) as s:
            m = s.cmd("MAIL FROM:<%s>" % SENDER)
            r = s.cmd("RCPT TO:" + arg)
            d = s.cmd("DATA")
            if not t.is_((m.status, r.status, d.status), ((250, "2.1.0"), want, (554, "5.5.1")),
                         "relay refused: RCPT TO:%s" % arg):
                t.diag(s.log())
    nothing_queued(inst, "after %d relay attempts" % len(RELAY_ATTEMPTS))

    # a bare LF cannot split one command line into two
    with session(inst) as s:
        s.cmd("MAIL FROM:<%s>" % SENDER)
        s.send(b"RCPT TO:<user@herald.test>\nRCPT TO:<user@evil.test>\r\n")
        r1, r2 = s.reply(), s.reply()
        d = s.cmd("DATA")
        t.is_((r1.status, r2.status, d.status), ((500, "5.5.2"), (553, "5.7.1"), (554, "5.5.1")),
              "bare LF in a RCPT line: refused, not split into two commands")
    nothing_queued(inst, "bare LF in RCPT")

    # from 127.0.0.1 too: no implicit relaying for localhost
    with session(inst, remoteip="127.0.0.1") as s:
        s.cmd("MAIL FROM:<%s>" % SENDER)
        t.is_(s.cmd("RCPT TO:<user@evil.test>").status, (553, "5.7.1"),
              "relay refused from 127.0.0.1 without RELAYCLIENT")

    # positive controls: our domains, in one message
    with session(inst) as s:
        s.cmd("MAIL FROM:<%s>" % SENDER)
        for arg, _ in RELAY_OK:
            t.is_(s.cmd("RCPT TO:" + arg).status, (250, "2.1.5"), "accepted: RCPT TO:" + arg)
        t.is_(s.cmd("DATA").code, 354, "our domains: DATA")
        s.send(MSG)
        r = s.reply()
        t.is_(r.status, (250, "2.0.0"), "our domains: message accepted")
    q = queued(inst)
    if t.is_(len(q), 1, "our domains: one message queued"):
        t.is_(sorted(a.decode() for _, a in q[0]["rcpts"]), sorted(w for _, w in RELAY_OK),
              "our domains: the recipients queued, routes dropped, postmaster@me")
        t.is_(q[0]["sender"], SENDER.encode(), "our domains: the sender")

    # RELAYCLIENT set (empty): relaying allowed, syntax still checked
    with session(inst, relayclient="") as s:
        s.cmd("MAIL FROM:<%s>" % SENDER)
        t.is_(s.cmd("RCPT TO:<user@evil.test>").status, (250, "2.1.5"),
              "RELAYCLIENT: RCPT TO:<user@evil.test> accepted")
        t.is_(s.cmd("RCPT TO:<user%other.test@evil.test>").status, (250, "2.1.5"),
              "RELAYCLIENT: percent hack is just an address")
        t.is_(s.cmd("RCPT TO:<user@evil.test.>").status, (553, "5.1.3"),
              "RELAYCLIENT: a trailing dot is still refused")
        s.cmd("DATA")
        s.send(MSG)
        t.is_(s.reply().status, (250, "2.0.0"), "RELAYCLIENT: message accepted")
    q = queued(inst)
    if t.is_(len(q), 1, "RELAYCLIENT: one message queued"):
        t.is_(sorted(a for _, a in q[0]["rcpts"]), [b"user%other.test@evil.test", b"user@evil.test"],
              "RELAYCLIENT: the relayed recipients")


# ------------------------------------------------------------------ smuggling

FAKE_ENDS = [b"\n.\n", b"\r.\r", b"\r\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r"]
SMUGGLED = b"MAIL FROM:<x@evil.test>\r\nRCPT TO:<victim@herald.test>\r\nDATA\r\nsmuggled"


def smuggle_tests(inst):
    for fake in FAKE_ENDS:
        for variant, data in (
                ("ends at the smuggled CRLF.CRLF",
                 b"Subject: s\r\n\r\nbody" + fake + SMUGGLED + b"\r\n.\r\n"),
                ("fake end again, then CRLF.CRLF",
                 b"Subject: s\r\n\r\nbody" + fake + SMUGGLED + fake + b"\r\n.\r\n")):
            label = "smuggling %r, %s" % (fake, variant)
            with session(inst) as s:
                s.cmd("MAIL FROM:<%s>" % SENDER)
                s.cmd("RCPT TO:<user@herald.test>")
                d = s.cmd("DATA")
                # the message and a NOOP pipelined: exactly two replies
                s.send(data + b"NOOP\r\n")
                r1, r2 = s.reply(), s.reply()
                q = s.cmd("QUIT")
                closed, rest = s.closed(5)
                if not t.is_((d.code, r1.status, r2.status, q.code, closed, rest),
                             (354, (554, "5.6.0"), (250, "2.0.0"), 221, True, b""),
                             label + ": one 554 5.6.0, no second message"):
                    t.diag(s.log())
                txs = [ln for ln in s.log().splitlines() if " tx " in ln]
            t.ok(len(txs) == 1 and 'result="554 5.6.0' in txs[0],
                 label + ": one transaction logged, refused")
            nothing_queued(inst, label)

    # dot-stuffing is undone in a clean message
    with session(inst) as s:
        s.cmd("MAIL FROM:<%s>" % SENDER)
        s.cmd("RCPT TO:<user@herald.test>")
        s.cmd("DATA")
        s.send(b"Subject: dots\r\n\r\n..leading dot\r\n...\r\n.\r\n")
        r = s.reply()
    t.is_(r.status, (250, "2.0.0"), "dot-stuffed message accepted")
    q = queued(inst)
    if t.is_(len(q), 1, "dot-stuffed message: one queued"):
        t.is_(q[0]["text"], b".leading dot\n..\n", "dot-stuffed message: leading dots removed, LF ends")
        t.ok(r.text.endswith(os.path.basename(q[0]["path"])), "the 250 reply names the queue id")


# ------------------------------------------------------------------ limits

def limit_tests(inst):
    # command line length (SMTPD_LINE_MAX = 2048 with the CRLF)
    with session(inst) as s:
        t.is_(s.cmd(b"NOOP " + b"x" * 2995).status, (500, "5.5.2"), "3000-byte line: 500 5.5.2")
        t.is_(s.cmd("NOOP").status, (250, "2.0.0"), "3000-byte line: the session goes on")
        t.is_(s.cmd(b"NOOP " + b"x" * 2041).status, (250, "2.0.0"), "2048-byte line with CRLF accepted")
        t.is_(s.cmd(b"NOOP " + b"x" * 2042).status, (500, "5.5.2"), "2049-byte line refused")
        t.is_(s.cmd(b"NOOP " + b"y" * 200000).status, (500, "5.5.2"), "200000-byte line: 500 5.5.2")
        s.cmd("MAIL FROM:<%s>" % SENDER)
        t.is_(s.cmd(b"RCPT TO:<" + b"a" * 3000 + b"@herald.test>").status, (500, "5.5.2"),
              "3000-byte RCPT line refused")
        t.is_(s.cmd("DATA").status, (554, "5.5.1"), "the long RCPT added no recipient")
        t.is_(s.cmd("QUIT").code, 221, "QUIT after long lines")
    nothing_queued(inst, "long lines")

    # databytes
    inst.control("databytes", "1000\n")
    with session(inst) as s:
        t.ok(any(l == "SIZE 1000" for l in s.cmd("EHLO client.test").lines),
             "databytes: EHLO advertises SIZE 1000")
        t.is_(s.cmd("MAIL FROM:<a@b.test> SIZE=5000").status, (552, "5.3.4"), "SIZE=5000: 552 5.3.4")
        t.is_(s.cmd("MAIL FROM:<a@b.test> SIZE=1000").status, (250, "2.1.0"), "SIZE=1000 accepted")
        s.cmd("RCPT TO:<user@herald.test>")
        s.cmd("DATA")
        s.send(b"Subject: big\r\n\r\n" + b"x" * 98 + b"\r\n" + (b"y" * 98 + b"\r\n") * 50 + b".\r\n")
        t.is_(s.reply().status, (552, "5.3.4"), "5000-byte message: 552 5.3.4")
        t.is_(s.cmd("NOOP").status, (250, "2.0.0"), "5000-byte message: the session goes on")
    nothing_queued(inst, "5000-byte message")
    with session(inst) as s:
        s.cmd("MAIL FROM:<a@b.test>")
        s.cmd("RCPT TO:<user@herald.test>")
        s.cmd("DATA")
        s.send(b"Subject: small\r\n\r\n" + b"x" * 500 + b"\r\n.\r\n")
        t.is_(s.reply().status, (250, "2.0.0"), "databytes: a 520-byte message is accepted")
    t.is_(len(queued(inst)), 1, "databytes: the small message is queued")
    remove_control(inst, "databytes")

    # smtpmaxrcpt
    inst.control("smtpmaxrcpt", "3\n")
    with session(inst) as s:
        s.cmd("MAIL FROM:<a@b.test>")
        got = [s.cmd("RCPT TO:<u%d@herald.test>" % i).status for i in range(1, 5)]
        t.is_(got, [(250, "2.1.5")] * 3 + [(452, "4.5.3")], "smtpmaxrcpt 3: the 4th RCPT gets 452 4.5.3")
        s.cmd("DATA")
        s.send(MSG)
        t.is_(s.reply().status, (250, "2.0.0"), "smtpmaxrcpt 3: message accepted")
    q = queued(inst)
    if t.is_(len(q), 1, "smtpmaxrcpt 3: one message queued"):
        t.is_(sorted(a for _, a in q[0]["rcpts"]), [b"u1@herald.test", b"u2@herald.test", b"u3@herald.test"],
              "smtpmaxrcpt 3: only the 3 accepted recipients")
    remove_control(inst, "smtpmaxrcpt")

    # smtpmaxerrors
    inst.control("smtpmaxerrors", "3\n")
    with session(inst) as s:
        r = [s.cmd("BOGUS%d" % i) for i in (1, 2)]
        s.send(b"BOGUS3\r\n")
        last, bye = s.reply(), s.reply()
        closed, rest = s.closed(5)
        t.is_([x.status for x in r] + [last.status, bye.status, closed, rest],
              [(500, "5.5.1")] * 3 + [(421, "4.7.0"), True, b""],
              "smtpmaxerrors 3: the 3rd error is followed by 421 4.7.0 and the end")
    remove_control(inst, "smtpmaxerrors")
    with session(inst) as s:
        r = [s.cmd("BOGUS") for _ in range(9)]
        t.is_(s.cmd("NOOP").status, (250, "2.0.0"), "default smtpmaxerrors: 9 errors are tolerated")
        s.cmd("MAIL FROM:<a@b.test>")
        s.send(b"RCPT TO:<user@evil.test>\r\n")
        last, bye = s.reply(), s.reply()
        closed, _ = s.closed(5)
        t.is_((last.status, bye.status, closed), ((553, "5.7.1"), (421, "4.7.0"), True),
              "default smtpmaxerrors: the 10th error (a relay attempt) ends the session")
    nothing_queued(inst, "smtpmaxerrors")

    # mail loops
    for n, name, want in ((101, None, (554, "5.4.6")), (100, None, (250, "2.0.0")),
                          (101, "Delivered-To:", (554, "5.4.6"))):
        hdr = b""
        for i in range(n):
            field = name or "Received:"
            if name and i < 50:
                field = "Received:"
            hdr += ("%s from h%d.test by h%d.test;\r\n\tThu, 1 Jan 2026 00:00:00 +0000\r\n" %
                    (field, i, i + 1)).encode()
        label = "%d hop fields%s" % (n, " (Received: and Delivered-To:)" if name else "")
        with session(inst) as s:
            s.cmd("MAIL FROM:<a@b.test>")
            s.cmd("RCPT TO:<user@herald.test>")
            s.cmd("DATA")
            s.send(hdr + b"Subject: loop\r\n\r\nbody\r\nReceived: in the body\r\n.\r\n")
            t.is_(s.reply().status, want, label + ": %d %s" % want)
        if want[0] == 554:
            nothing_queued(inst, label)
        else:
            q = queued(inst)
            t.ok(len(q) == 1 and q[0]["header"].count(b"\nReceived: from h") == n,
                 label + ": queued with its fields")


# ------------------------------------------------------------------ timeouts

def slow_tests(inst):
    inst.control("timeoutsmtpd", "2\n")
    with Smtpd(inst) as s:
        s.greeting()
        start = time.monotonic()
        r = None
        for c in b"EHLO xxxxxxxxxxxxxxx":
            if not s.send(bytes([c])):
                break
            r = s.reply(timeout=1.0)
            if not r.timeout:
                break
        elapsed = time.monotonic() - start
        closed, _ = s.closed(5)
        t.is_(r.status if r else None, (421, "4.4.2"), "slow command line: 421 4.4.2")
        t.ok(closed and elapsed < 6, "slow command line: cut off after %.1f s (timeoutsmtpd 2)" % elapsed)
        t.ok(elapsed >= 1.5, "slow command line: not before timeoutsmtpd")
    inst.control("timeoutsmtpd", "10\n")
    inst.control("timeoutdata", "2\n")
    with session(inst) as s:
        s.cmd("MAIL FROM:<a@b.test>")
        s.cmd("RCPT TO:<user@herald.test>")
        t.is_(s.cmd("DATA").code, 354, "slow DATA: 354")
        s.send(b"Subject: slow\r\n\r\n")
        start = time.monotonic()
        r = None
        for _ in range(20):
            if not s.send(b"x"):
                break
            r = s.reply(timeout=0.5)
            if not r.timeout:
                break
        elapsed = time.monotonic() - start
        closed, _ = s.closed(5)
        t.is_(r.status if r else None, (421, "4.4.2"), "slow DATA: 421 4.4.2")
        t.ok(closed and elapsed < 6, "slow DATA: cut off after %.1f s (timeoutdata 2)" % elapsed)
    nothing_queued(inst, "slow DATA")
    remove_control(inst, "timeoutsmtpd", "timeoutdata")


# ------------------------------------------------------------------ AUTH

CHECKPW = """#!%s
# accepts alice with password s3cret, as checkpassword does
import os, sys
data = b""
while True:
    b = os.read(3, 512)
    if not b:
        break
    data += b
parts = data.split(b"\\0")
if len(parts) >= 2 and parts[0] == b"alice" and parts[1] == b"s3cret":
    os.execv(sys.argv[1], sys.argv[1:])
sys.exit(1)
""" % sys.executable


def auth_tests(inst):
    checkpw = os.path.join(inst.base, "checkpw")
    with open(checkpw, "w") as f:
        f.write(CHECKPW)
    os.chmod(checkpw, 0o755)
    args = [checkpw, "/bin/true"]
    good = base64.b64encode(b"\0alice\0s3cret").decode()
    bad = base64.b64encode(b"\0alice\0wrong").decode()

    with Smtpd(inst, args=args) as s:
        s.greeting()
        e = s.cmd("EHLO client.test")
        t.ok(e.code == 250 and not any(l.startswith("AUTH") for l in e.lines),
             "no TLS: EHLO does not advertise AUTH")
        t.is_(s.cmd("AUTH PLAIN " + good).status, (538, "5.7.11"), "no TLS: AUTH PLAIN gets 538 5.7.11")
        t.is_(s.cmd("AUTH PLAIN").status, (538, "5.7.11"), "no TLS: AUTH PLAIN without response: 538")
        t.is_(s.cmd("AUTH LOGIN").status, (538, "5.7.11"), "no TLS: AUTH LOGIN gets 538 5.7.11")
        s.cmd("MAIL FROM:<alice@herald.test>")
        t.is_(s.cmd("RCPT TO:<user@evil.test>").status, (553, "5.7.1"),
              "no TLS: still not allowed to relay")
    nothing_queued(inst, "AUTH without TLS")

    # controls: smtpauthnotls=1 turns AUTH on in the clear
    inst.control("smtpauthnotls", "1\n")
    with Smtpd(inst, args=args) as s:
        s.greeting()
        e = s.cmd("EHLO client.test")
        t.ok("AUTH PLAIN LOGIN" in e.lines, "smtpauthnotls 1: EHLO advertises AUTH PLAIN LOGIN")
        t.is_(s.cmd("AUTH PLAIN " + bad).status, (535, "5.7.8"), "smtpauthnotls 1: wrong password 535 5.7.8")
        t.is_(s.cmd("AUTH PLAIN " + good).status, (235, "2.7.0"), "smtpauthnotls 1: AUTH PLAIN 235 2.7.0")
        s.cmd("MAIL FROM:<alice@herald.test>")
        t.is_(s.cmd("RCPT TO:<user@evil.test>").status, (250, "2.1.5"),
              "smtpauthnotls 1: authenticated client may relay")
    remove_control(inst, "smtpauthnotls")

    # with a certificate: STARTTLS offered, AUTH only after it
    cert = make_cert(inst.base)
    if cert is None:
        t.skip("AUTH after STARTTLS", "openssl cannot make a certificate")
        return
    with open(cert, "rb") as f:
        pem = f.read()
    with open(inst.path("control", "smtpcert"), "wb") as f:
        f.write(pem)
    with Smtpd(inst, args=args) as s:
        s.greeting()
        e = s.cmd("EHLO client.test")
        t.ok("STARTTLS" in e.lines and not any(l.startswith("AUTH") for l in e.lines),
             "certificate: STARTTLS advertised, AUTH not before TLS")
        t.is_(s.cmd("AUTH PLAIN " + good).status, (538, "5.7.11"), "certificate: AUTH before STARTTLS 538")
        t.is_(s.cmd("STARTTLS").status, (220, "2.0.0"), "STARTTLS 220 2.0.0")
        try:
            starttls(s)
            e = s.cmd("EHLO client.test")
            t.ok("AUTH PLAIN LOGIN" in e.lines and "STARTTLS" not in e.lines,
                 "after TLS: AUTH advertised, STARTTLS not")
            t.is_(s.cmd("AUTH PLAIN " + good).status, (235, "2.7.0"), "after TLS: AUTH PLAIN 235 2.7.0")
        except OSError as ex:
            t.ok(False, "TLS handshake: %s" % ex)
            t.diag(s.log())
    remove_control(inst, "smtpcert")


# ------------------------------------------------------------------ SMTPUTF8

def utf8_tests(inst):
    with session(inst) as s:
        t.is_(s.cmd("MAIL FROM:<jörg@client.test>").status, (553, "5.6.7"),
              "non-ASCII sender without SMTPUTF8: 553 5.6.7")
        t.is_(s.cmd("MAIL FROM:<a@client.test>").status, (250, "2.1.0"), "ASCII sender")
        t.is_(s.cmd("RCPT TO:<jörg@herald.test>").status, (553, "5.6.7"),
              "non-ASCII recipient without SMTPUTF8: 553 5.6.7")
        t.is_(s.cmd("DATA").status, (554, "5.5.1"), "no recipient after the non-ASCII one")
    nothing_queued(inst, "non-ASCII without SMTPUTF8")
    with session(inst) as s:
        t.is_(s.cmd("MAIL FROM:<jörg@client.test> SMTPUTF8").status, (250, "2.1.0"),
              "non-ASCII sender with SMTPUTF8 accepted")
        t.is_(s.cmd("RCPT TO:<jörg@herald.test>").status, (250, "2.1.5"),
              "non-ASCII recipient with SMTPUTF8 accepted")
        t.is_(s.cmd("RCPT TO:<user@hérald.test>").status, (553, "5.7.1"),
              "SMTPUTF8: a look-alike domain is not ours")
        s.cmd("DATA")
        s.send(MSG)
        t.is_(s.reply().status, (250, "2.0.0"), "SMTPUTF8 message accepted")
    q = queued(inst)
    if t.is_(len(q), 1, "SMTPUTF8: one message queued"):
        t.is_((q[0]["sender"], [a for _, a in q[0]["rcpts"]]),
              ("jörg@client.test".encode(), ["jörg@herald.test".encode()]),
              "SMTPUTF8: the UTF-8 envelope queued as sent")


with Instance(me=ME) as inst:
    inst.control("rcpthosts", "herald.test\n.sub.herald.test\n")
    inst.control("morercpthosts", "more.test\n")
    p = inst.run("herald-newmrh")
    if not t.ok(p.returncode == 0 and os.path.exists(inst.path("control", "morercpthosts.db")),
                "herald-newmrh builds morercpthosts.db"):
        t.diag(p.stderr)
    for part in (relay_tests, smuggle_tests, limit_tests, slow_tests, auth_tests, utf8_tests):
        part(inst)
    nothing_queued(inst, "at the end")
t.done()
