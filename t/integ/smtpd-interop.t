#!/usr/bin/env python3
"""smtpd-interop.t: herald-smtpd on 127.0.0.1 (behind herald-tcpd, or a
Python accept loop when herald-tcpd is not available) with real clients:
swaks in the clear and with STARTTLS (a message delivered by herald-start
is what swaks sent plus the trace fields), Python's smtplib (several
recipients, an 8-bit body, an SMTPUTF8 address, STARTTLS), pipelined
transactions on a raw socket, and Postfix's smtp-source (200 messages over
5 parallel sessions). Every process started here is stopped by PID."""
import email.message
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, read_queue_file  # noqa: E402
from daemon import Daemon, reap_orphans  # noqa: E402
from interoplib import (Listener, install_cert, make_cert, new_messages,  # noqa: E402
                        queue_id, split_trace, swaks)

t = Tap()
DOM = "herald.test"
base = tempfile.mkdtemp(prefix="herald-interop-t-")

# A message with what a relay must keep intact: a folded header field,
# lines starting with dots (stuffed by the client, unstuffed by the server),
# trailing blanks, tabs and a long line.
MSG1 = (b"From: Bob <bob@client.test>\n"
        b"To: Alice <alice@herald.test>\n"
        b"Subject: interop one\n"
        b"  folded onto a second line\n"
        b"Date: Sat, 21 Nov 2026 10:00:00 +0000\n"
        b"Message-ID: <interop-one@client.test>\n"
        b"\n"
        b".a line starting with a dot\n"
        b"..two dots\n"
        b".\n"
        b"trailing blanks   \n"
        b"\ttab\tseparated\n"
        b"" + b"x" * 900 + b"\n"
        b"last line\n")

# what must not appear in the listener's log
PROBLEMS = r".*(?:AddressSanitizer|LeakSanitizer|runtime error|warning:|fatal:|Traceback).*"

RECEIVED = (rb"^Received: from client\.test \(\[127\.0\.0\.1\]\)\n"
            rb"\tby herald\.test \(herald\) with (?P<proto>[A-Z0-9]+)(?: \((?P<tls>TLSv1\.[23]) [^)]+\))?\n"
            rb"\tid (?P<id>[0-9a-f]+); \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [-+]\d{4}\n$")


def user(inst, name):
    home = inst.path("users", name)
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(home, "Maildir", d), exist_ok=True)
    return home


def maildir_new(home):
    new = os.path.join(home, "Maildir", "new")
    return [os.path.join(new, n) for n in sorted(os.listdir(new))]


def unstuff(wire):
    """The message text from the bytes a client sent between DATA's 354 and
    the final CRLF.CRLF (without them): dots unstuffed, CRLF made LF."""
    lines = wire.split(b"\r\n")
    return b"\n".join(ln[1:] if ln.startswith(b".") else ln for ln in lines)


def one_new(inst, before, label):
    """The single queue file added since before, parsed; None (and a failed test) otherwise."""
    new = new_messages(inst, before)
    if not t.is_(len(new), 1, label + ": one message queued"):
        return None
    q = read_queue_file(new[0])
    q["path"] = new[0]
    return q


def trace(q, label, proto, tls=None):
    """Check the Received field herald-smtpd adds; returns its match."""
    fields, rest = split_trace(q["body"])
    t.ok(len(fields) == 2 and fields[0].startswith(b"Received: (herald "),
         label + ": herald-queue's Received field comes first")
    if len(fields) != 2:
        t.diag(q["body"][:600])
        return None, rest
    m = re.match(RECEIVED, fields[1])
    if not t.ok(m is not None, label + ": the SMTP Received field"):
        t.diag(fields[1])
        return None, rest
    t.is_(m.group("proto").decode(), proto, label + ": Received says with " + proto)
    if tls is not None:
        t.is_(m.group("tls") is not None, tls, label + (": Received names the TLS version" if tls else
                                           ": Received names no TLS version"))
    return m, rest


def replies(sock, n, timeout=30.0):
    """Read n complete SMTP replies from sock; a list of (code, last line)."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    end = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        while b"\r\n" in buf and len(out) < n:
            line, buf = buf.split(b"\r\n", 1)
            if len(line) >= 4 and line[3:4] == b"-":
                continue
            out.append((int(line[:3]) if line[:3].isdigit() else None, line.decode(errors="replace")))
        if len(out) >= n:
            break
        try:
            d = sock.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    return out


def codes(rs):
    return [c for c, _ in rs]


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def part_swaks(inst, srv):
    """swaks in the clear: the queued message is what swaks sent; returns
    that text (for part_delivery), or None."""
    path = os.path.join(base, "msg1")
    with open(path, "wb") as f:
        f.write(MSG1)
    args = ["--from", "bob@client.test", "--to", "alice@" + DOM, "--data", "@" + path]
    # what swaks sends after 354: its --dump-mail output is that text with the
    # final "\n." (of "CRLF.CRLF") cut off
    dump = subprocess.run(["swaks", "--dump-mail", "--server", "127.0.0.1", "--port", "1"] + args,
                          capture_output=True, timeout=60).stdout
    wire = dump + b"\n.\r\n"
    t.ok(wire.endswith(b"\r\n.\r\n") and b"\r\n..a line starting" in wire and b"\r\n..\r\n" in wire,
         "swaks: the message is sent with CRLF line ends and stuffed dots")
    expected = unstuff(wire[:-len(b"\r\n.\r\n")] + b"\r\n")

    before = inst.messages()
    p = swaks(srv.port, *args)
    t.is_(p.returncode, 0, "swaks plain: exits 0")
    qid = queue_id(p.stdout)
    if not t.ok(qid is not None, "swaks plain: 250 2.0.0 ok QUEUEID after the data"):
        t.diag(p.stdout + p.stderr)
    t.ok("250-STARTTLS" not in p.stdout, "no certificate: STARTTLS is not offered")
    q = one_new(inst, before, "swaks plain")
    if q is None:
        return None
    t.is_((q["sender"], q["rcpts"]), (b"bob@client.test", [("P", b"alice@" + DOM.encode())]),
          "swaks plain: queued from bob for alice")
    m, rest = trace(q, "swaks plain", "ESMTP", tls=False)
    if m:
        t.is_(m.group("id").decode(), qid, "swaks plain: the Received id is the queue id in the reply")
    t.is_(rest, expected, "swaks plain: the queued text is what swaks sent (CRLF made LF, dots unstuffed)")
    log = srv.wait_log(r"herald-smtpd: \d+ tx 127\.0\.0\.1 helo=client\.test from=<bob@client\.test> "
                       r"rcpts=1 size=(\d+) tls=no auth=- id=%s result=\"250 2\.0\.0 ok %s\"" % (qid, qid))
    t.ok(len(log) == 1, "swaks plain: one log line for the transaction")
    if log:
        t.is_(int(log[0].group(1)), len(expected), "log: size= is the size of the message text")
    return expected


def part_delivery(inst, expected):
    """herald-start delivers the message of part_swaks to alice's Maildir.
    (Run with no listener: stopping the scheduler stops every child of this
    process.)"""
    alice = user(inst, "alice")
    with Daemon(inst) as d:
        try:
            got = d.wait_for(lambda: maildir_new(alice), "alice's delivery")
            d.wait_for(lambda: inst.messages() == [], "the queue to empty")
        except (TimeoutError, RuntimeError) as e:
            t.ok(False, "herald-start delivers the message: %s" % e)
            return
    with open(got[0], "rb") as f:
        delivered = f.read()
    head = b"Return-Path: <bob@client.test>\nDelivered-To: alice@herald.test\n"
    t.ok(delivered.startswith(head), "delivered: Return-Path and Delivered-To first")
    fields, rest = split_trace(delivered[len(head):])
    t.is_(len(fields), 2, "delivered: then the two Received fields")
    t.is_(rest, expected, "delivered: the rest is byte for byte what swaks sent, CRLF made LF")


def part_tls(inst, srv):
    """swaks --tls: ESMTPS with the TLS version, tls=yes in the log."""
    before = inst.messages()
    p = swaks(srv.port, "--tls", "--from", "bob@client.test", "--to", "alice@" + DOM)
    t.is_(p.returncode, 0, "swaks --tls: exits 0")
    t.ok("<-  250-STARTTLS" in p.stdout, "swaks --tls: EHLO in the clear offers STARTTLS")
    t.ok(re.search(r"^<-  220 2\.0\.0 ", p.stdout, re.M) is not None, "swaks --tls: STARTTLS gets 220 2.0.0")
    m = re.search(r"=== TLS started with cipher (TLSv1\.[23]):", p.stdout)
    t.ok(m is not None, "swaks --tls: TLS 1.2 or 1.3 is negotiated")
    t.ok("<~  250 ENHANCEDSTATUSCODES" in p.stdout and "<~  250-STARTTLS" not in p.stdout,
         "swaks --tls: EHLO after TLS no longer offers STARTTLS")
    qid = queue_id(p.stdout)
    if not t.ok(qid is not None, "swaks --tls: 250 2.0.0 ok QUEUEID"):
        t.diag(p.stdout + p.stderr)
    q = one_new(inst, before, "swaks --tls")
    if q:
        rm, _ = trace(q, "swaks --tls", "ESMTPS", tls=True)
        if rm and m:
            t.is_(rm.group("tls").decode(), m.group(1), "swaks --tls: Received names the version used")
        os.unlink(q["path"])
    log = srv.wait_log(r"tx 127\.0\.0\.1 helo=client\.test from=<bob@client\.test> rcpts=1 "
                       r"size=\d+ tls=yes auth=- id=%s " % qid)
    t.is_(len(log), 1, "swaks --tls: the log line says tls=yes")
    t.ok(re.search(r"herald-smtpd: \d+ 127\.0\.0\.1 TLS TLSv1\.[23] ", srv.text()),
         "log: the TLS session is logged with its version")


def part_smtplib(inst, srv, have_tls):
    """Python's smtplib: several recipients and an 8-bit body, an SMTPUTF8
    address, STARTTLS with an unverified context."""
    # several recipients, an 8-bit UTF-8 body with BODY=8BITMIME
    msg = email.message.EmailMessage()
    msg["From"] = "Bob <bob@client.test>"
    msg["To"] = "alice@herald.test, bob@herald.test"
    msg["Subject"] = "eight bits"
    msg.set_content("Gr\u00fc\u00dfe aus K\u00f6ln \u2014 \u00e7a va \u2713\n.dot line\n",
                    charset="utf-8", cte="8bit")
    rcpts = ["alice@herald.test", "bob@herald.test", "Carol@HERALD.TEST", "postmaster"]
    before = inst.messages()
    with smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=30) as s:
        code, _ = s.ehlo()
        t.is_(code, 250, "smtplib: EHLO")
        t.ok(all(s.has_extn(x) for x in ("pipelining", "8bitmime", "smtputf8", "size",
                                          "enhancedstatuscodes")),
             "smtplib: EHLO offers PIPELINING 8BITMIME SMTPUTF8 SIZE ENHANCEDSTATUSCODES")
        t.is_(s.has_extn("starttls"), have_tls,
              "smtplib: EHLO offers STARTTLS iff a certificate is installed")
        try:
            refused = s.send_message(msg, "bob@client.test", rcpts, mail_options=["BODY=8BITMIME"])
        except smtplib.SMTPException as e:
            refused = e
        t.is_(refused, {}, "smtplib 8bit: every recipient accepted")
        # a non-ASCII address without SMTPUTF8 is refused
        s.send(b"MAIL FROM:<j\xc3\xb6rg@client.test>\r\n")
        code, text = s.getreply()
        t.is_((code, text[:5]), (553, b"5.6.7"), "non-ASCII address without SMTPUTF8: 553 5.6.7")
    q = one_new(inst, before, "smtplib 8bit")
    if q:
        t.is_(q["rcpts"], [("P", b"alice@herald.test"), ("P", b"bob@herald.test"),
                           ("P", b"Carol@HERALD.TEST"), ("P", b"postmaster@herald.test")],
              "smtplib 8bit: the recipients in order (<postmaster> made postmaster@me)")
        _, rest = trace(q, "smtplib 8bit", "ESMTP", tls=False)
        want = msg.as_bytes(policy=msg.policy.clone(linesep="\n"))
        t.is_(rest, want, "smtplib 8bit: the UTF-8 body and the dot line arrive byte for byte")
        os.unlink(q["path"])

    # SMTPUTF8: smtplib adds SMTPUTF8 and BODY=8BITMIME for a non-ASCII address
    msg = email.message.EmailMessage()
    msg["From"] = "J\u00f6rg <j\u00f6rg@client.test>"
    msg["To"] = "\u00e5lice@herald.test"
    msg["Subject"] = "\u00fcber"
    msg.set_content("unicode everywhere \u00e9\n", charset="utf-8", cte="8bit")
    before = inst.messages()
    with smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=30) as s:
        try:
            refused = s.send_message(msg)
        except smtplib.SMTPException as e:
            refused = e
        t.is_(refused, {}, "smtplib SMTPUTF8: MAIL ... SMTPUTF8 and a UTF-8 RCPT accepted")
    q = one_new(inst, before, "smtplib SMTPUTF8")
    if q:
        t.is_((q["sender"], q["rcpts"]),
              ("j\u00f6rg@client.test".encode(), [("P", "\u00e5lice@herald.test".encode())]),
              "smtplib SMTPUTF8: UTF-8 sender and recipient queued as sent")
        _, rest = trace(q, "smtplib SMTPUTF8", "UTF8SMTP", tls=False)
        t.ok(rest.startswith("From: J\u00f6rg <j\u00f6rg@client.test>\n".encode()),
             "smtplib SMTPUTF8: the UTF-8 header is kept")
        os.unlink(q["path"])

    # STARTTLS with an unverified context
    if not have_tls:
        t.skip("smtplib STARTTLS", "no test certificate")
        return
    before = inst.messages()
    with smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=30) as s:
        code, text = s.starttls(context=tls_context())
        t.is_((code, text[:5]), (220, b"2.0.0"), "smtplib STARTTLS: 220 2.0.0")
        version = s.sock.version()
        t.ok(version in ("TLSv1.2", "TLSv1.3"), "smtplib STARTTLS: %s" % version)
        s.ehlo()
        t.ok(not s.has_extn("starttls"), "smtplib STARTTLS: not offered again after TLS")
        try:
            refused = s.sendmail("bob@client.test", ["alice@herald.test"],
                                 b"Subject: over TLS\r\n\r\nsecret\r\n")
        except smtplib.SMTPException as e:
            refused = e
        t.is_(refused, {}, "smtplib STARTTLS: accepted")
    q = one_new(inst, before, "smtplib STARTTLS")
    if q:
        m, rest = trace(q, "smtplib STARTTLS", "ESMTPS", tls=True)
        if m:
            t.is_(m.group("tls").decode(), version, "smtplib STARTTLS: Received names the version")
        t.is_(rest, b"Subject: over TLS\n\nsecret\n", "smtplib STARTTLS: the message")
        os.unlink(q["path"])


def part_pipelining(inst, srv):
    """Two transactions and QUIT pipelined (RFC 2920) on a raw socket."""
    before = inst.messages()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as c:
        t.is_(codes(replies(c, 1)), [220], "pipelining: greeting")
        c.sendall(b"EHLO client.test\r\n")
        r = replies(c, 1)
        t.is_(codes(r), [250], "pipelining: EHLO")
        c.sendall(b"MAIL FROM:<p@client.test>\r\nRCPT TO:<alice@herald.test>\r\n"
                  b"RCPT TO:<x@evil.test>\r\nRCPT TO:<bob@herald.test>\r\nDATA\r\n")
        r = replies(c, 5)
        t.is_(codes(r), [250, 250, 553, 250, 354],
              "pipelining: MAIL RCPT RCPT(relay) RCPT DATA answered in order")
        c.sendall(b"Subject: p1\r\n\r\n..one\r\n.\r\n"
                  b"MAIL FROM:<q@client.test>\r\nRCPT TO:<carol@herald.test>\r\nDATA\r\n")
        r = replies(c, 4)
        t.is_(codes(r), [250, 250, 250, 354], "pipelining: end of data, MAIL RCPT DATA in one write")
        c.sendall(b"Subject: p2\r\n\r\ntwo\r\n.\r\nQUIT\r\n")
        r = replies(c, 2)
        t.is_(codes(r), [250, 221], "pipelining: end of data and QUIT in one write")
    new = [read_queue_file(p) for p in new_messages(inst, before)]
    got = sorted((q["sender"], q["rcpts"], split_trace(q["body"])[1]) for q in new)
    t.is_(got, [(b"p@client.test", [("P", b"alice@herald.test"), ("P", b"bob@herald.test")],
                 b"Subject: p1\n\n.one\n"),
                (b"q@client.test", [("P", b"carol@herald.test")], b"Subject: p2\n\ntwo\n")],
          "pipelining: both messages queued with their recipients")
    for p in new_messages(inst, before):
        os.unlink(p)


def part_smtp_source(t):
    """Postfix's smtp-source: 200 messages, 5 sessions at once."""
    src = shutil.which("smtp-source") or ("/usr/sbin/smtp-source"
                                          if os.access("/usr/sbin/smtp-source", os.X_OK) else None)
    if src is None:
        t.skip("smtp-source: 200 messages over 5 sessions", "smtp-source (Postfix) is not installed")
        return
    with Instance(me=DOM) as inst:
        inst.control("rcpthosts", DOM + "\n")
        with Listener(inst, base) as srv:
            p = subprocess.run([src, "-s", "5", "-m", "200", "-l", "2048", "-f", "a@client.test",
                                "-t", "rcpt@" + DOM, "127.0.0.1:%d" % srv.port],
                               capture_output=True, timeout=300)
            if not t.is_(p.returncode, 0, "smtp-source -s 5 -m 200: exits 0"):
                t.diag(p.stdout + p.stderr)
            logged = srv.wait_log(r"tx 127\.0\.0\.1 .* result=\"250 2\.0\.0 ok [0-9a-f]+\"",
                                  count=200, timeout=30)
            t.is_(len(logged), 200, "smtp-source: 200 transactions logged with 250")
        msgs = inst.messages()
        t.is_(len(msgs), 200, "smtp-source: exactly 200 messages in the queue")
        bad = []
        for path in msgs:
            q = read_queue_file(path)
            if (q["sender"], q["rcpts"]) != (b"a@client.test", [("P", b"rcpt@herald.test")]):
                bad.append((path, q["sender"], q["rcpts"]))
        t.is_(bad, [], "smtp-source: each from a@client.test with the one recipient")


try:
    cert = make_cert(base)
    with Instance(me=DOM) as inst:
        inst.control("rcpthosts", DOM + "\n")
        problems = []
        if shutil.which("swaks") is None:
            t.skip("swaks in the clear and with STARTTLS", "swaks is not installed")
        else:
            with Listener(inst, base) as srv:
                t.diag("herald-smtpd runs behind " + srv.kind)
                expected = part_swaks(inst, srv)
                problems += re.findall(PROBLEMS, srv.text())
            if expected is not None:
                part_delivery(inst, expected)
        if cert is not None:
            install_cert(inst, cert)
        with Listener(inst, base) as srv:
            if cert is None:
                t.skip("STARTTLS", "openssl cannot make a test certificate")
            elif shutil.which("swaks") is not None:
                part_tls(inst, srv)
            part_smtplib(inst, srv, cert is not None)
            part_pipelining(inst, srv)
            problems += re.findall(PROBLEMS, srv.text())
            t.is_(problems, [], "no sanitizer report or warning in the log")
    part_smtp_source(t)
finally:
    reap_orphans()
    if os.environ.get("HERALD_KEEP") != "1":
        shutil.rmtree(base, ignore_errors=True)
t.done()
