#!/usr/bin/env python3
"""inject.t: herald-inject through the real herald-queue into a temporary
instance: the added Date:, Message-ID: and From: fields (and none when
present), recipients from the arguments or the header (Resent- too), Bcc
removed but delivered, the envelope sender (-f, Return-Path, $QMAILSUSER,
From:), qualification with control/defaulthost, defaultdomain and
plusdomain, bad addresses and missing recipients refused with exit 100,
CRLF input, -n, the header size limit, and herald-queue's exit codes
mapped to 100 / 111."""
import os
import re
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, read_queue_file  # noqa: E402

t = Tap()
DATE = re.compile(rb"^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
                  rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                  rb"\d\d:\d\d:\d\d [+-]\d{4}$", re.M)
MSGID = re.compile(rb"^Message-ID: <(\d+)\.(\d+)\.(\d+)@([^>]+)>$", re.M)


def inject(inst, args, message, **extra):
    """Run herald-inject; returns (exit code, stdout, stderr, [queue files added])."""
    return inst.submit("herald-inject", args, message, **extra)


def queued(inst, label, args, message, **extra):
    """A message that must be queued: its queue file (dict) or None."""
    return inst.submitted(t, "herald-inject", label, args, message, **extra)


def refused(inst, label, args, message, code_want, words, **extra):
    """Inject a message that must be refused with code_want and stderr naming words."""
    code, out, err, new = inject(inst, args, message, **extra)
    t.is_(code, code_want, label + ": exit %d" % code_want)
    ok = all(w.encode() in err for w in words)
    if not t.ok(ok and err.count(b"\n") == 1 and err.startswith(b"herald-inject: "),
                label + ": one error line naming %s" % ", ".join(words)):
        t.diag(err)
    t.is_(new, [], label + ": nothing queued")
    return err


def rcpts(q):
    return sorted(a for _, a in q["rcpts"])


def fields(q, name):
    return re.findall(rb"^" + name.encode() + rb": ?(.*)$", q["header"], re.M | re.I)


with Instance() as inst:
    # 1. every missing field is added
    q = queued(inst, "bare message", [], b"To: bob@example.org\nSubject: hi\n\nHello.\n")
    if q:
        t.ok(DATE.search(q["header"]) is not None, "a Date: field in RFC 5322 form is added")
        m = MSGID.search(q["header"])
        t.ok(m is not None and m.group(4) == b"herald.test" and int(m.group(2)) > 1,
             "a Message-ID: <time.pid.counter@me> is added")
        t.is_(fields(q, "From"), [b"alice@herald.test"], "From: is the user at control/me")
        t.is_(q["sender"], b"alice@herald.test", "the envelope sender is the user's address")
        t.is_(q["rcpts"], [("P", b"bob@example.org")], "the recipient comes from To:")
        t.is_(q["text"], b"Hello.\n", "the body is kept")
        t.ok(b"Subject: hi\n" in q["header"] and b"To: bob@example.org\n" in q["header"],
             "the original fields are kept")

    inst.control("idhost", "ids.herald.test\n")
    q = queued(inst, "idhost and names", [], b"To: bob@example.org\n\nx\n",
               QMAILNAME="Alice Example", QMAILHOST="mail.example.net")
    if q:
        m = MSGID.search(q["header"])
        t.ok(m is not None and m.group(4) == b"ids.herald.test",
             "Message-ID uses control/idhost")
        t.is_(fields(q, "From"), [b"Alice Example <alice@mail.example.net>"],
              "From: uses $QMAILNAME and $QMAILHOST")
    os.unlink(inst.path("control", "idhost"))
    q = queued(inst, "MAILUSER and NAME", [], b"To: bob@example.org\n\nx\n",
               MAILUSER="mu", NAME="Smith, J.")
    if q:
        t.is_(fields(q, "From"), [b"\"Smith, J.\" <mu@herald.test>"],
              "From: uses $MAILUSER and quotes $NAME")

    # 2. nothing added when present
    msg = (b"From: Carol <carol@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
           b"Message-ID: <given@example.com>\nTo: bob@example.org\n\nbody\n")
    q = queued(inst, "complete message", [], msg)
    if q:
        t.is_(fields(q, "Date"), [b"Mon, 1 Jan 2024 00:00:00 +0000"], "Date: not added again")
        t.is_(fields(q, "Message-ID"), [b"<given@example.com>"], "Message-ID: not added again")
        t.is_(fields(q, "From"), [b"Carol <carol@example.com>"], "From: not added again")
        t.is_(q["sender"], b"carol@example.com", "without -f the sender is the From: address")
        t.ok(q["body"].startswith(b"Received: ") and q["body"].endswith(b"\n" + msg),
             "the message reads back unchanged after the trace line")

    # 3. recipients: arguments, header, both
    msg = b"To: hdr@example.org\nCc: cc@example.org\n\nx\n"
    q = queued(inst, "args", ["arg1@example.net", "Arg Two <arg2@example.net>"], msg)
    if q:
        t.is_(rcpts(q), [b"arg1@example.net", b"arg2@example.net"],
              "with arguments only they are recipients")
    q = queued(inst, "header", [], msg)
    if q:
        t.is_(rcpts(q), [b"cc@example.org", b"hdr@example.org"],
              "without arguments To: and Cc: are the recipients")
    q = queued(inst, "-H", ["-H", "arg@example.net"], msg)
    if q:
        t.is_(rcpts(q), [b"arg@example.net", b"cc@example.org", b"hdr@example.org"],
              "-H takes both")
    q = queued(inst, "-h", ["-h", "arg@example.net"], msg)
    if q:
        t.is_(rcpts(q), [b"cc@example.org", b"hdr@example.org"], "-h takes the header only")
    q = queued(inst, "duplicates", [], b"To: a@example.org, a@example.org\nCc: a@example.org\n\n")
    if q:
        t.is_(q["rcpts"], [("P", b"a@example.org")], "a recipient named twice is queued once")
    q = queued(inst, "resent", [], b"To: old@example.org\nResent-To: new@example.org\n"
               b"Resent-Bcc: hidden@example.org\n\nx\n")
    if q:
        t.is_(rcpts(q), [b"hidden@example.org", b"new@example.org"],
              "with Resent- fields the Resent- recipients replace To:")
        t.ok(b"Resent-Bcc" not in q["header"] and b"hidden@" not in q["body"],
             "Resent-Bcc: is removed")

    # 4. Bcc
    q = queued(inst, "bcc", [], b"To: a@example.org\nBcc: secret@example.net,\n"
               b" other@example.net\nCc: c@example.org\n\nbody\n")
    if q:
        t.is_(rcpts(q), [b"a@example.org", b"c@example.org", b"other@example.net",
                         b"secret@example.net"], "Bcc: recipients are in the envelope")
        t.ok(b"Bcc" not in q["body"] and b"secret" not in q["body"] and
             b"other@" not in q["body"], "Bcc: (with its continuation line) is removed")
        t.ok(b"\nCc: c@example.org\n" in q["header"] + b"\n", "the field after Bcc: is kept")

    # 5. envelope sender
    msg = b"From: f@example.com\nReturn-Path: <rp@example.com>\nTo: bob@example.org\n\nx\n"
    q = queued(inst, "-f", ["-f", "env@example.com"], msg)
    if q:
        t.is_(q["sender"], b"env@example.com", "-f sets the envelope sender")
        t.ok(b"Return-Path" not in q["header"], "Return-Path: is removed")
        t.is_(rcpts(q), [b"bob@example.org"], "-f does not take an argument as a recipient")
    q = queued(inst, "-fsender", ["-fattached@example.com"], msg)
    if q:
        t.is_(q["sender"], b"attached@example.com", "-fsender works attached")
    q = queued(inst, "-f ''", ["-f", ""], msg)
    if q:
        t.is_(q["sender"], b"", "-f '' is the null sender")
    q = queued(inst, "-f <>", ["-f", "<>"], msg)
    if q:
        t.is_(q["sender"], b"", "-f '<>' is the null sender")
    q = queued(inst, "-f bare", ["-f", "bounces"], msg)
    if q:
        t.is_(q["sender"], b"bounces@herald.test", "-f with a bare local part is qualified")
    q = queued(inst, "Return-Path", [], msg)
    if q:
        t.is_(q["sender"], b"rp@example.com", "Return-Path: is the sender without -f")
    q = queued(inst, "QMAILSUSER", [], b"From: f@example.com\nTo: bob@example.org\n\nx\n",
               QMAILSUSER="owner", QMAILSHOST="lists.example.com")
    if q:
        t.is_(q["sender"], b"owner@lists.example.com", "$QMAILSUSER@$QMAILSHOST is the sender")
    refused(inst, "bad -f", ["-f", "a b c"], msg, 100, ["-f"])

    # 6. qualification
    q = queued(inst, "bare local part", [], b"To: joe, Ann <ann>\nCc: list@lists+\n\nx\n")
    if q:
        t.is_(rcpts(q), [b"ann@herald.test", b"joe@herald.test", b"list@lists.herald.test"],
              "bare local parts get @control/me, host+ gets .plusdomain (me)")
        t.is_(fields(q, "To"), [b"joe@herald.test, Ann <ann@herald.test>"],
              "the header is qualified in place")
    inst.control("defaulthost", "example.com\n")
    inst.control("defaultdomain", "corp.example\n")
    inst.control("plusdomain", "plus.example\n")
    q = queued(inst, "defaulthost", ["joe", "kim@mailhost", "lee@host+", "lit@[192.0.2.1]"],
               b"Subject: x\n\nx\n")
    if q:
        t.is_(rcpts(q), [b"joe@example.com", b"kim@mailhost.corp.example",
                         b"lee@host.plus.example", b"lit@[192.0.2.1]"],
              "arguments are qualified with defaulthost, defaultdomain, plusdomain")
        t.is_(fields(q, "From"), [b"alice@example.com"], "From: uses control/defaulthost")
    for name in ("defaulthost", "defaultdomain", "plusdomain"):
        os.unlink(inst.path("control", name))

    # 7. refusals
    refused(inst, "display name only", [], b"To: Joe Smith\n\nx\n", 100, ["To:", "Joe Smith"])
    refused(inst, "bad header address", [], b"To: ok@example.org\nCc: bad@-host.example\n\nx\n",
            100, ["Cc:", "bad@-host.example", "starts with '-'"])
    refused(inst, "bad argument", ["ok@example.org", "two words@x"], b"\n", 100,
            ["recipient argument", "two words@x"])
    refused(inst, "unbalanced", [], b"From: (oops <a@b>\nTo: c@d.example\n\nx\n", 100,
            ["From:", "unterminated comment"])
    refused(inst, "no recipients", [], b"Subject: none\n\nx\n", 100, ["no recipients"])
    refused(inst, "group only", [], b"To: undisclosed-recipients:;\n\nx\n", 100,
            ["no recipients"])
    refused(inst, "bad option", ["-Q"], b"To: a@b.example\n\n", 100, ["unknown option -Q"])
    big = b"To: a@example.org\n" + b"X-Filler: " + b"x" * 70 + b"\n"
    big = big * (1024 * 1024 // len(big) + 1)
    refused(inst, "huge header", [], big + b"\nbody\n", 100, ["header longer than 1048576"])

    # 8. line ends, body start, streaming
    q = queued(inst, "crlf", [], b"To: a@example.org\r\nSubject: s\r\n\r\nline 1\r\nline 2\r\n")
    if q:
        t.ok(b"\r" not in q["body"], "CRLF input is stored with LF line ends")
        t.is_(q["text"], b"line 1\nline 2\n", "the body lines survive")
    q = queued(inst, "no empty line", [], b"To: a@example.org\nthis is body text\n.\nmore\n")
    if q:
        t.is_(q["text"], b"this is body text\n.\nmore\n",
              "a line that is not a field starts the body; '.' does not end it")
    body = b"".join(b"%07d abcdefghijklmnopqrstuvwxyz\n" % i for i in range(100000))
    q = queued(inst, "big body", [], b"To: a@example.org\n\n" + body)
    if q:
        t.ok(q["text"] == body, "a 3.6 MB body streams through intact")

    # 9. -n prints and does not queue
    code, out, err, new = inject(inst, ["-n"], b"To: joe\n\nprinted\n")
    t.is_((code, new), (0, []), "-n exits 0 and queues nothing")
    t.ok(out.startswith(b"To: joe@herald.test\n") and DATE.search(out) and
         MSGID.search(out) and out.endswith(b"\n\nprinted\n"),
         "-n prints the rewritten message")

    # 10. herald-queue's exit codes
    with tempfile.TemporaryDirectory() as d:
        def fake(code, read=True):
            path = os.path.join(d, "q%d%s" % (code, "" if read else "-noread"))
            with open(path, "w") as f:
                if read:
                    f.write("#!/bin/sh\ncat >%s/msg\ncat <&1 >%s/env\nexit %d\n" % (d, d, code))
                else:
                    f.write("#!/bin/sh\nexit %d\n" % code)
            os.chmod(path, stat.S_IRWXU)
            return path

        code, out, err, new = inject(inst, ["-f", "s@example.com", "a@example.org",
                                            "b@example.net"], b"Subject: s\n\nx\n",
                                     HERALD_QUEUE=fake(0))
        t.is_(code, 0, "a herald-queue that exits 0 means queued")
        with open(os.path.join(d, "env"), "rb") as f:
            t.is_(f.read(), b"Fs@example.com\0Ta@example.org\0Tb@example.net\0\0",
                  "the envelope is qmail-queue's F, T..., NUL on fd 1")
        with open(os.path.join(d, "msg"), "rb") as f:
            t.ok(f.read().endswith(b"\n\nx\n"), "the message goes on fd 0")
        for qcode, want, words in ((53, 111, ["write error", "53"]),
                                   (31, 100, ["permanently refused", "31"]),
                                   (11, 100, ["too long", "11"]),
                                   (91, 111, ["envelope format", "91"]),
                                   (120, 111, ["temporary", "120"])):
            refused(inst, "herald-queue exit %d" % qcode, ["a@example.org"], b"\nx\n", want,
                    words, HERALD_QUEUE=fake(qcode))
        refused(inst, "herald-queue exits at once", ["a@example.org"], b"\n" + body, 100,
                ["permanently refused", "31"], HERALD_QUEUE=fake(31, read=False))
        refused(inst, "herald-queue missing", ["a@example.org"], b"\nx\n", 111,
                ["cannot run", "nonexistent"], HERALD_QUEUE=os.path.join(d, "nonexistent"))

    # Written in-process (the caller owns the queue): the same trace line,
    # databytes limit and exit codes as through herald-queue.
    q = queued(inst, "in-process", ["a@example.org"], b"Subject: direct\n\nbody\n")
    if q:
        t.ok(re.match(rb"Received: \(herald \d+ invoked by uid %d\); \d+ \w{3} \d{4} "
                      rb"\d\d:\d\d:\d\d -0000\n" % os.getuid(), q["body"]),
             "in-process: herald-queue's trace line comes first")
    inst.control("databytes", "600\n")
    refused(inst, "in-process, over databytes", ["a@example.org"], b"\n" + b"y" * 1000 + b"\n",
            100, ["permanently refused", "31"])
    q = queued(inst, "in-process, under databytes", ["a@example.org"], b"\n" + b"y" * 300 + b"\n")
    t.ok(q is not None, "in-process: a message under databytes is queued")
    inst.control("databytes", "oops\n")
    refused(inst, "in-process, bad control/databytes", ["a@example.org"], b"\nx\n", 111,
            ["control/databytes"])
    os.unlink(inst.path("control", "databytes"))
    t.is_(inst.tmp_files(), [], "nothing is left in queue/tmp")
t.done()
