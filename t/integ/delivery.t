#!/usr/bin/env python3
"""delivery.t: herald-start, herald-send, herald-lspawn and herald-local
together on a single-user instance: every .qmail line type, extensions
and -default, loops, VERP, retries, bounces (parsed as RFC 3464 DSNs),
double bounces, the null sender, a remote recipient deferred, the
signals, and control/discard."""
import email
import email.policy
import glob
import mailbox
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402

t = Tap()
DOM = "herald.test"


def user(inst, name, dot=None, files=None):
    """HOME/users/NAME with a Maildir, and .qmail files {suffix: text}."""
    home = inst.path("users", name)
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(home, "Maildir", d), exist_ok=True)
    for suffix, text in (dot or {}).items():
        with open(os.path.join(home, ".qmail" + suffix), "w") as f:
            f.write(text)
    for rel, text in (files or {}).items():
        with open(os.path.join(home, rel), "w") as f:
            f.write(text)
    return home


def maildir(path):
    """Messages in a Maildir's new/, oldest first, as bytes."""
    new = os.path.join(path, "new")
    names = sorted(os.listdir(new), key=lambda n: os.stat(os.path.join(new, n)).st_mtime_ns)
    out = []
    for n in names:
        with open(os.path.join(new, n), "rb") as f:
            out.append(f.read())
    return out


def inject(inst, sender, rcpts, text):
    code, err = inst.queue(text, sender.encode(), [r.encode() for r in rcpts])
    if code != 0:
        raise RuntimeError("herald-queue exit %d: %r" % (code, err))


def dsn_parts(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return msg


with Instance(me=DOM) as inst:
    inst.control("retrymin", "1\n")
    inst.control("retrymax", "2\n")
    inst.control("concurrencylocal", "4\n")
    alice = user(inst, "alice")
    bob = user(inst, "bob", {"": "./Mailbox\n"})
    carl = user(inst, "carl", {"": "|env > ./env.out\n"})
    dave = user(inst, "dave", {"-foo": "./foo/\n", "-default": "./def/\n"})
    for sub in ("foo", "def"):
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(dave, sub, d))
    erin = user(inst, "erin", {"": "&alice@%s\n# a comment\n" % DOM})
    frank = user(inst, "frank")
    gina = user(inst, "gina", {"": "|sh ./flaky\n"},
                {"flaky": "if [ -e ./tried ]; then exit 0; fi\n: > ./tried\necho 'not yet (#4.3.0)'\nexit 111\n"})
    hank = user(inst, "hank", {"": "|echo 'no such luck (#5.2.1)'; exit 100\n"})
    pm = inst.path("alias", "pm")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(pm, d))
    with open(inst.path("alias", ".qmail-postmaster"), "w") as f:
        f.write("./pm/\n")

    with Daemon(inst) as d:
        # 1. Maildir, the default delivery
        inject(inst, "sender@example.org", ["alice@" + DOM], b"Subject: one\n\nhello alice\n")
        got = d.wait_for(lambda: maildir(os.path.join(alice, "Maildir")), "alice's delivery")
        m = got[0]
        t.ok(m.startswith(b"Return-Path: <sender@example.org>\nDelivered-To: alice@herald.test\n"),
             "Maildir: Return-Path and Delivered-To come first")
        t.ok(m.endswith(b"Subject: one\n\nhello alice\n"), "Maildir: the message follows intact")
        d.wait_for(lambda: inst.messages() == [], "the delivered message leaves the queue")
        log = d.text()
        mid = re.search(rb"herald-send: new msg ([0-9a-f]{22})", log)
        t.ok(mid is not None, "log: new msg with its id")
        if mid:
            i = mid.group(1)
            t.ok(re.search(rb"starting delivery \d+: msg " + i + rb" to local alice@herald.test", log),
                 "log: starting delivery names the message and recipient")
            t.ok(re.search(rb"delivery \d+: success: .*\(#2\.\d\.\d\)", log), "log: success with its status text")
            t.ok(re.search(rb"end msg " + i, log), "log: end msg")
        spares = os.listdir(inst.path("queue", "spare"))
        t.ok(len(spares) == 1, "the finished message file is kept as a spare: %r" % spares)
        spare_ino = os.stat(inst.path("queue", "spare", spares[0])).st_ino if spares else None

        # 2. mbox
        inject(inst, "sender@example.org", ["bob@" + DOM], b"Subject: two\n\nFrom the start\n")

        d.wait_for(lambda: os.path.exists(os.path.join(bob, "Mailbox")) and
                   os.path.getsize(os.path.join(bob, "Mailbox")) > 0, "bob's mbox")
        d.wait_for(lambda: inst.messages() == [], "queue empty after the mbox delivery")
        spares = os.listdir(inst.path("queue", "spare"))
        t.ok([os.stat(inst.path("queue", "spare", n)).st_ino for n in spares] == [spare_ino],
             "the next message was written over the spare, and is a spare again")
        mb = mailbox.mbox(os.path.join(bob, "Mailbox"))
        msgs = list(mb)
        t.is_(len(msgs), 1, "mbox: one message")
        if msgs:
            t.is_(msgs[0]["Delivered-To"], "bob@herald.test", "mbox: Delivered-To")
            t.is_(msgs[0].get_payload(), ">From the start\n", "mbox: From quoted")

        # 3. program, its environment, and VERP made at delivery time
        inject(inst, "list-@%s-@[]" % DOM, ["carl@" + DOM], b"Subject: three\n\nvia a program\n")
        d.wait_for(lambda: os.path.exists(os.path.join(carl, "env.out")), "carl's program")
        d.wait_for(lambda: inst.messages() == [], "queue empty after the program")
        env = dict(line.split("=", 1) for line in open(os.path.join(carl, "env.out")).read().splitlines()
                   if "=" in line)
        t.is_(env.get("SENDER"), "list-carl=herald.test@herald.test", "VERP: the sender made per recipient")
        t.is_(env.get("RECIPIENT"), "carl@herald.test", "program: RECIPIENT")
        t.is_((env.get("LOCAL"), env.get("HOST")), ("carl", "herald.test"), "program: LOCAL and HOST")

        # 4. extensions and -default
        inject(inst, "s@example.org", ["dave-foo@" + DOM, "dave-bar-baz@" + DOM], b"Subject: four\n\nx\n")
        d.wait_for(lambda: maildir(os.path.join(dave, "foo")) and maildir(os.path.join(dave, "def")),
                   "dave's extension deliveries")
        t.ok(b"Delivered-To: dave-foo@herald.test" in maildir(os.path.join(dave, "foo"))[0],
             ".qmail-foo got dave-foo")
        t.ok(b"Delivered-To: dave-bar-baz@herald.test" in maildir(os.path.join(dave, "def"))[0],
             ".qmail-default got dave-bar-baz")

        # 5. forward
        before = len(maildir(os.path.join(alice, "Maildir")))
        inject(inst, "s@example.org", ["erin@" + DOM], b"Subject: five\n\nforward me\n")
        got = d.wait_for(lambda: maildir(os.path.join(alice, "Maildir"))[before:], "the forwarded copy")
        t.ok(b"Delivered-To: erin@herald.test" in got[0] and b"Delivered-To: alice@herald.test" in got[0],
             "forward: both Delivered-To lines")
        t.ok(got[0].startswith(b"Return-Path: <s@example.org>"), "forward: the original sender kept")

        # 6. loop detection -> DSN to the sender
        inject(inst, "frank@" + DOM, ["alice@" + DOM],
               b"Delivered-To: alice@herald.test\nSubject: six loops\n\nround and round\n")
        got = d.wait_for(lambda: maildir(os.path.join(frank, "Maildir")), "the bounce of a loop")
        dsn = dsn_parts(got[0])
        t.is_(dsn.get_content_type(), "multipart/report", "DSN: multipart/report")
        t.is_(dsn.get_param("report-type"), "delivery-status", "DSN: report-type delivery-status")
        parts = dsn.get_payload()
        t.is_([p.get_content_type() for p in parts],
              ["text/plain", "message/delivery-status", "text/rfc822-headers"], "DSN: its three parts")
        if len(parts) == 3:
            blocks = parts[1].get_payload()
            rcpt = blocks[1] if len(blocks) > 1 else {}
            t.is_(rcpt.get("Final-Recipient"), "rfc822; alice@herald.test", "DSN: Final-Recipient")
            t.is_(rcpt.get("Status"), "5.4.6", "DSN: Status 5.4.6 for a loop")
            t.is_(rcpt.get("Action"), "failed", "DSN: Action failed")
            t.ok(b"Subject: six loops" in parts[2].get_payload().encode(), "DSN: the original header")
        t.ok(got[0].startswith(b"Return-Path: <>\n"), "DSN: sent with the null sender")

        # 7. a program that exits 111, then 0: retried, then delivered
        inject(inst, "s@example.org", ["gina@" + DOM], b"Subject: seven\n\nflaky\n")
        d.wait_for(lambda: inst.messages() == [], "gina's delivery after a retry", timeout=30)
        log = d.text()
        t.ok(re.search(rb"deferral: not yet \(#4\.3\.0\)", log), "exit 111: a deferral with the program's text")
        t.ok(os.path.exists(os.path.join(gina, "tried")), "the program ran twice (first run left its mark)")

        # 8. exit 100 -> bounce
        n = len(maildir(os.path.join(frank, "Maildir")))
        inject(inst, "frank@" + DOM, ["hank@" + DOM, "alice@" + DOM], b"Subject: eight\n\nno\n")
        got = d.wait_for(lambda: maildir(os.path.join(frank, "Maildir"))[n:], "the bounce of exit 100")
        parts = dsn_parts(got[0]).get_payload()
        blocks = parts[1].get_payload() if len(parts) == 3 else []
        t.is_([b.get("Final-Recipient") for b in blocks[1:]], ["rfc822; hank@herald.test"],
              "exit 100: only the failed recipient is in the DSN")
        t.is_([b.get("Status") for b in blocks[1:]], ["5.2.1"], "exit 100: the program's status code")
        d.wait_for(lambda: inst.messages() == [], "queue empty after the bounce")

        # 9. the null sender: a failure is a double bounce to postmaster
        inject(inst, "", ["hank@" + DOM], b"Subject: nine\n\nfrom nobody\n")
        got = d.wait_for(lambda: maildir(pm), "the double bounce")
        t.ok(got[0].startswith(b"Return-Path: <#@[]>\n"), "double bounce: sent from #@[]")
        t.ok(b"Delivered-To: postmaster@herald.test" in got[0], "double bounce: to postmaster")
        d.wait_for(lambda: inst.messages() == [], "queue empty after the double bounce")

        # 10. a failed double bounce is dropped
        inject(inst, "#@[]", ["hank@" + DOM], b"Subject: ten\n\ntriple\n")
        d.wait_for(lambda: inst.messages() == [], "the failed double bounce leaves the queue")
        t.is_(len(maildir(pm)), 1, "a failed double bounce is dropped, not bounced again")
        t.ok(re.search(rb"failures of 1 recipients not reported: the sender <#@\[\]>", d.text()),
             "log: the dropped bounce is said")

        # 11. a remote recipient goes to herald-remote; the test instance's
        # smtproutes sends everything to a closed loopback port: deferred
        n = len(maildir(os.path.join(alice, "Maildir")))
        inject(inst, "s@example.org", ["alice@" + DOM, "far@remote.example"], b"Subject: eleven\n\nx\n")
        d.wait_for(lambda: len(maildir(os.path.join(alice, "Maildir"))) > n, "the local half")
        d.wait_for(lambda: re.search(rb"delivery \d+: deferral: .*cannot connect: connection refused "
                                     rb"\(#4\.4\.1\)", d.text()), "log: the remote recipient deferred")
        t.ok(re.search(rb"starting delivery \d+: msg [0-9a-f]{22} to remote far@remote.example", d.text()),
             "log: the remote recipient was handed to herald-remote")
        p = inst.run("herald-qread")
        t.ok(b"\tpending\tfar@remote.example" in p.stdout and b"\tdone\talice@herald.test" in p.stdout,
             "the remote recipient stays pending, the local one is done")

        # 12. SIGALRM retries at once
        inst.control("retrymin", "3600\n")
        inst.control("retrymax", "3600\n")
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: b"control files read again" in d.text(), "SIGHUP re-reads control files")
        ivan = user(inst, "ivan", {"": "|sh ./flaky\n"},
                    {"flaky": "if [ -e ./tried ]; then exit 0; fi\n: > ./tried\necho 'later (#4.2.0)'\nexit 111\n"})
        inject(inst, "s@example.org", ["ivan@" + DOM], b"Subject: twelve\n\nx\n")
        d.wait_for(lambda: os.path.exists(os.path.join(ivan, "tried")), "ivan's first attempt")
        d.wait_for(lambda: b"later (#4.2.0)" in d.text(), "ivan deferred")

        def twelve_queued():
            out = False
            for q in inst.messages():
                try:
                    out = out or b"Subject: twelve" in open(q, "rb").read()
                except FileNotFoundError:
                    pass
            return out
        time.sleep(1.5)
        t.ok(twelve_queued(), "retrymin 3600: the deferred recipient waits in the queue")
        d.signal(signal.SIGALRM)
        d.wait_for(lambda: b"retrying every deferred recipient now" in d.text(), "SIGALRM is logged")
        try:
            d.wait_for(lambda: not twelve_queued(), "ivan's delivery", timeout=20)
            done = True
        except TimeoutError:
            done = False
        t.ok(done, "SIGALRM: the deferred recipient is retried at once")

        # 13. control/discard: a bad line is refused naming its place, the
        # old settings stay; then recipients it names are thrown away
        # without a delivery, whatever locals says, and the others delivered
        inst.control("discard", "drop.test\nbad key\n")
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: b"control/discard:2: not an address, a domain or a .domain: 'bad key'; "
                   b"keeping the old settings" in d.text(), "a bad control/discard line is logged")
        reloads = d.text().count(b"control files read again")
        inst.control("discard", "drop.test\nnoreply@%s\n" % DOM)
        d.signal(signal.SIGHUP)
        d.wait_for(lambda: d.text().count(b"control files read again") > reloads, "control/discard read")
        n = len(maildir(os.path.join(alice, "Maildir")))
        start = len(d.text())
        inject(inst, "s@example.org", ["alice@" + DOM, "x@Drop.Test", "NoReply@" + DOM],
               b"Subject: thirteen\n\nx\n")
        d.wait_for(lambda: len(maildir(os.path.join(alice, "Maildir"))) > n, "alice's copy")
        d.wait_for(lambda: not any(b"Subject: thirteen" in open(q, "rb").read() for q in inst.messages()),
                   "the message leaves the queue")
        log = d.text()[start:]
        mid = re.findall(rb"msg ([0-9a-f]{22}): x@Drop\.Test: discarded \(control/discard\)", log)
        t.is_(len(mid), 1, "log: the recipient in a discarded domain is discarded")
        t.ok(re.search(rb"msg [0-9a-f]{22}: NoReply@herald\.test: discarded \(control/discard\)", log),
             "log: the discarded local address is discarded (case does not matter)")
        starts = re.findall(rb"starting delivery \d+: msg [0-9a-f]{22} to (\S+ \S+)", log)
        t.is_(starts, [b"local alice@herald.test"], "one delivery started, for alice only")
        t.ok(mid and re.search(rb"end msg " + mid[0], log), "the message ends like a delivered one")
        t.ok(b"failure" not in log and b"bounce" not in log, "no failure and no bounce")

        # 14. SIGTERM: a clean stop
        code = d.stop()
        t.is_(code, 0, "SIGTERM: herald-start exits 0")
        t.ok(b"herald-send: status: stopped" in open(d.log_path, "rb").read(), "log: herald-send stopped")
t.done()
