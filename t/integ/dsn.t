#!/usr/bin/env python3
"""dsn.t: herald's bounce messages (herald-dsn(5)) as a mail reader sees
them, parsed with Python's email package: a multipart/report with a
text/plain notification, a message/delivery-status report giving each
recipient's Final-Recipient, Action and Status, and the original header
as text/rfc822-headers; the bounce record file (torn final record,
duplicate recipients, 10,000 records read in bounded memory); and where
bounces go when queued: to the sender, a double bounce to
control/doublebounceto, nothing for a failed double bounce. Driven through
the test program t/integ/test_dsn_build against messages queued in a temporary
instance."""
import email
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import BUILD, Tap, Instance, prog, read_queue_file  # noqa: E402

t = Tap()
DSN_BUILD = os.path.join(BUILD, "t", "integ", "test_dsn_build")
MSG = (b"From: alice@example.org\nTo: joe@example.org\nSubject: the original subject\n"
       b"Message-ID: <orig.1@example.org>\n\nThe body must not be returned.\n")


def build(inst, *args, env=None):
    return subprocess.run([DSN_BUILD] + list(args), capture_output=True, timeout=120,
                          env=env or inst.env(HERALD_QUEUE=prog("herald-queue")))


def queued(inst, sender, rcpts=(b"r@x.test",), message=MSG):
    """Queue a message; returns its id."""
    before = set(inst.messages())
    code, err = inst.queue(message, sender, list(rcpts))
    new = sorted(set(inst.messages()) - before)
    if code != 0 or len(new) != 1:
        t.bail("cannot queue a message: %r" % err)
    return os.path.basename(new[0])


def parse_dsn(label, out):
    """Check the common structure of a bounce; returns (msg, [recipient blocks])."""
    msg = email.message_from_bytes(out)
    t.is_(msg.get_content_type(), "multipart/report", label + ": multipart/report")
    t.is_(msg.get_param("report-type"), "delivery-status", label + ": report-type")
    t.is_(msg["Auto-Submitted"], "auto-replied", label + ": Auto-Submitted")
    t.is_(msg["Subject"], "failure notice", label + ": Subject")
    t.ok(msg["Date"] is not None and msg["Message-ID"] is not None,
         label + ": Date and Message-ID")
    t.ok(b"\r" not in out and max(len(x) for x in out.split(b"\n")) <= 998,
         label + ": LF line ends, no line over 998 bytes")
    parts = msg.get_payload()
    t.is_([p.get_content_type() for p in parts],
          ["text/plain", "message/delivery-status", "text/rfc822-headers"],
          label + ": the three parts")
    if len(parts) != 3:
        return msg, []
    blocks = parts[1].get_payload()
    t.ok(blocks[0]["Reporting-MTA"] is not None and blocks[0]["Arrival-Date"] is not None,
         label + ": per-message fields")
    return msg, blocks[1:]


def fields(blocks):
    return [(b["Final-Recipient"], b["Action"], b["Status"]) for b in blocks]


with Instance(me="herald.test") as inst:
    qdir = inst.path("queue")
    mid = queued(inst, b"alice@example.org")

    # The bounce for three failures given on the command line.
    p = build(inst, "-m", "herald.test", qdir, mid,
              "joe@example.org", "5.1.1", "550 5.1.1 <joe@example.org>: no such user",
              "ann@example.org", "nonsense", "mailbox unusable",
              "old@example.org", "4.4.7", "message is too old: gave up after 604800 seconds")
    t.is_(p.returncode, 0, "test_dsn_build builds a bounce")
    msg, blocks = parse_dsn("bounce", p.stdout)
    t.is_(msg["From"], "MAILER-DAEMON@herald.test", "From: MAILER-DAEMON@me")
    t.is_(msg["To"], "alice@example.org", "To: the original sender")
    t.is_(fields(blocks), [
        ("rfc822; joe@example.org", "failed", "5.1.1"),
        ("rfc822; ann@example.org", "failed", "5.0.0"),
        ("rfc822; old@example.org", "failed", "4.4.7")],
        "Final-Recipient, Action, Status of each recipient (bad status -> 5.0.0)")
    if len(blocks) == 3:
        t.is_(blocks[0]["Diagnostic-Code"], "smtp; 550 5.1.1 <joe@example.org>: no such user",
              "an SMTP reply is an smtp Diagnostic-Code")
        t.is_(blocks[1]["Diagnostic-Code"], "x-herald; mailbox unusable",
              "other texts are x-herald")
        t.ok(blocks[2]["Last-Attempt-Date"] is not None, "Last-Attempt-Date")
    parts = msg.get_payload()
    human = parts[0].get_payload()
    t.ok(human.startswith("Hi. This is the herald program at herald.test.") and
         "<old@example.org>:\nmessage is too old" in human,
         "the notification names each recipient with its reason")
    hdr = parts[2].get_payload()
    t.ok("Subject: the original subject" in hdr and "Message-ID: <orig.1@example.org>" in hdr,
         "part 3 holds the original header")
    t.ok("must not be returned" not in p.stdout.decode(), "the body is not returned")

    # The bounce record file.
    bid = mid
    bfile = inst.path("queue", "bounce", bid)
    for rcpt, st, text in [("a@x.test", "5.1.1", "first a"), ("b@x.test", "5.2.2", "b full"),
                           ("a@x.test", "5.1.2", "second a")]:
        build(inst, "-a", qdir, bid, rcpt, st, text)
    p = build(inst, "-r", qdir, bid)
    recs = [line.split("\t") for line in p.stdout.decode().splitlines()]
    t.is_([(r[0], r[1], r[3]) for r in recs],
          [("b@x.test", "5.2.2", "b full"), ("a@x.test", "5.1.2", "second a")],
          "records read back; a duplicate recipient keeps its last record")
    build(inst, "-a", qdir, bid, "c@x.test", "5.1.1", "c is torn")
    os.truncate(bfile, os.path.getsize(bfile) - 6)
    p = build(inst, "-r", qdir, bid)
    t.is_([line.split("\t")[0] for line in p.stdout.decode().splitlines()],
          ["b@x.test", "a@x.test"], "a torn final record is ignored")
    build(inst, "-a", qdir, bid, "d@x.test", "5.7.1", "d refused")
    p = build(inst, "-r", qdir, bid)
    t.is_([line.split("\t")[0] for line in p.stdout.decode().splitlines()],
          ["b@x.test", "a@x.test", "d@x.test"], "appends after a torn record are read")
    p = build(inst, "-m", "herald.test", qdir, bid)
    _, blocks = parse_dsn("from the record file", p.stdout)
    t.is_(fields(blocks), [("rfc822; b@x.test", "failed", "5.2.2"),
                           ("rfc822; a@x.test", "failed", "5.1.2"),
                           ("rfc822; d@x.test", "failed", "5.7.1")],
          "the bounce built from the record file")

    # 10,000 records of 1,000-byte texts, read in bounded memory.
    def read_rss(n):
        mid_ = queued(inst, b"alice@example.org")
        build(inst, "-A", qdir, mid_, str(n), "1000")
        pr = subprocess.Popen([DSN_BUILD, "-r", qdir, mid_], stdout=subprocess.PIPE)
        lines = sum(1 for _ in pr.stdout)
        _, status, ru = os.wait4(pr.pid, 0)
        pr.stdout.close()
        pr.returncode = 0
        return lines, os.waitstatus_to_exitcode(status), ru.ru_maxrss, \
            os.path.getsize(inst.path("queue", "bounce", mid_))

    small = read_rss(100)
    big = read_rss(10000)
    t.is_((big[0], big[1]), (10000, 0), "10,000 records read back")
    t.ok(big[3] > 10_000_000, "the 10,000 records take over 10 MB on disk")
    t.ok(big[2] - small[2] < 4096,
         "reading them takes less than 4 MiB more than reading 100 (%d KiB more)"
         % (big[2] - small[2]))

    # Queued bounces and their routes.
    def queue_bounce(sender, label):
        mid_ = queued(inst, sender)
        before = set(inst.messages())
        pq = build(inst, "-q", qdir, mid_, "r@x.test", "5.1.1", "no such user")
        new = sorted(set(inst.messages()) - before)
        if pq.returncode != 0:
            t.diag(pq.stderr)
        return pq.stdout.decode().strip(), [read_queue_file(f) for f in new]

    out, new = queue_bounce(b"alice@example.org", "bounce")
    t.is_(out, "queued alice@example.org", "a bounce is queued for the sender")
    t.is_([(q["sender"], q["rcpts"]) for q in new], [(b"", [("P", b"alice@example.org")])],
          "from the null sender to the original sender")
    if new:
        parse_dsn("queued bounce", new[0]["body"])
    out, new = queue_bounce(b"", "double")
    t.is_([(q["sender"], q["rcpts"]) for q in new],
          [(b"#@[]", [("P", b"postmaster@herald.test")])],
          "a double bounce goes from #@[] to postmaster@me")
    if new:
        m = email.message_from_bytes(new[0]["body"])
        t.is_(m["To"], "postmaster@herald.test", "the double bounce's To:")
    inst.control("doublebounceto", "ops\n")
    out, new = queue_bounce(b"", "double to ops")
    t.is_([(q["sender"], q["rcpts"]) for q in new], [(b"#@[]", [("P", b"ops@herald.test")])],
          "control/doublebounceto names the double bounce's recipient")
    inst.control("doublebounceto", "\n")
    out, new = queue_bounce(b"", "dropped double")
    t.is_((out, new), ("dropped", []), "an empty control/doublebounceto drops double bounces")
    os.unlink(inst.path("control", "doublebounceto"))
    out, new = queue_bounce(b"#@[]", "failed double")
    t.is_((out, new), ("dropped", []), "a failed double bounce is dropped")

t.done()
