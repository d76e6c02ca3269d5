#!/usr/bin/env python3
"""sendmail.t: the sendmail command line through the real herald-queue:
-t (with and without arguments), the "." line and -i / -oi / -O
IgnoreDots, -f / -fsender / -r, -F, options with values that must not
become recipients, ignored options, -bs refused, -bp and mailq handing
over to herald-qread, -bi and -q doing nothing, and herald-queue's exit
codes mapped to 100 / 111."""
import os
import re
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, prog, read_queue_file  # noqa: E402

t = Tap()


def sendmail(inst, args, message, **extra):
    """Run sendmail; returns (exit code, stdout, stderr, [queue files added])."""
    return inst.submit("sendmail", args, message, **extra)


def queued(inst, label, args, message, **extra):
    """A message that must be queued: its queue file (dict) or None."""
    return inst.submitted(t, "sendmail", label, args, message, **extra)


def rcpts(q):
    return sorted(a for _, a in q["rcpts"])


MSG = (b"From: Carol <carol@example.com>\nTo: to@example.org\nCc: cc@example.org\n"
       b"Bcc: bcc@example.net\nSubject: s\n\nline 1\n")

with Instance() as inst:
    # -t and arguments
    q = queued(inst, "-t", ["-t"], MSG)
    if q:
        t.is_(rcpts(q), [b"bcc@example.net", b"cc@example.org", b"to@example.org"],
              "-t takes To:, Cc: and Bcc:")
        t.ok(b"Bcc" not in q["header"] and b"bcc@" not in q["body"], "-t removes Bcc:")
        t.is_(q["sender"], b"carol@example.com", "the sender defaults to the From: address")
    q = queued(inst, "arguments", ["arg@example.net"], MSG)
    if q:
        t.is_(rcpts(q), [b"arg@example.net"], "without -t only the arguments are recipients")
        t.ok(b"Bcc" not in q["header"], "Bcc: is removed without -t too")
    q = queued(inst, "-t and arguments", ["-t", "arg@example.net"], MSG)
    if q:
        t.is_(rcpts(q), [b"arg@example.net", b"bcc@example.net", b"cc@example.org",
                         b"to@example.org"], "-t with arguments takes both")
    code, out, err, new = sendmail(inst, [], MSG)
    t.ok(code == 100 and b"no recipients" in err and new == [],
         "no -t and no arguments: exit 100, no recipients")

    # the "." line
    msg = b"To: a@example.org\n\nline 1\n.\nline 2\n"
    q = queued(inst, "dot ends", ["-t"], msg)
    if q:
        t.is_(q["text"], b"line 1\n", "without -i a '.' line ends the message")
    q = queued(inst, "dot ends crlf", ["-t"], msg.replace(b"\n", b"\r\n"))
    if q:
        t.is_(q["text"], b"line 1\n", "'.' CRLF ends it too, and CRLF becomes LF")
    q = queued(inst, "dot in header", ["a@example.org"], b"Subject: s\n.\nline\n")
    if q:
        t.ok(b"line" not in q["body"], "a '.' line in the header ends the message")
    for opts in (["-i"], ["-oi"], ["-o", "i"], ["-O", "IgnoreDots=true"], ["-ti"]):
        q = queued(inst, " ".join(opts), opts + ["a@example.org"], msg)
        if q:
            t.is_(q["text"], b"line 1\n.\nline 2\n", "%s: a '.' line is kept" % " ".join(opts))
    q = queued(inst, "dot stuffing", ["a@example.org"], b"\n..\n.x\nend\n")
    if q:
        t.is_(q["text"], b"..\n.x\nend\n", "'..' and '.x' lines are kept as they are")

    # sender and full name
    for opts in (["-f", "s@example.com"], ["-fs@example.com"], ["-r", "s@example.com"],
                 ["-rs@example.com"]):
        q = queued(inst, " ".join(opts), opts + ["a@example.org"], b"Subject: s\n\nx\n")
        if q:
            t.is_(q["sender"], b"s@example.com", "%s sets the sender" % " ".join(opts))
            t.is_(rcpts(q), [b"a@example.org"], "%s: the value is no recipient" % opts[0])
    q = queued(inst, "-F", ["-F", "Alice Example", "a@example.org"], b"Subject: s\n\nx\n")
    if q:
        t.ok(b"\nFrom: Alice Example <alice@herald.test>\n" in q["header"] + b"\n",
             "-F gives the display name of the added From:")
    q = queued(inst, "-Fname", ["-FAlice", "a@example.org"], b"Subject: s\n\nx\n")
    if q:
        t.ok(b"\nFrom: Alice <alice@herald.test>\n" in q["header"] + b"\n",
             "-Fname works attached")
    q = queued(inst, "-F with From", ["-F", "Nobody", "a@example.org"],
               b"From: bob@example.com\n\nx\n")
    if q:
        t.ok(b"From: bob@example.com\n" in q["header"] and b"Nobody" not in q["body"],
             "-F does not touch an existing From:")

    # options that are ignored, and options whose values are no recipients
    args = ["-v", "-odb", "-oem", "-U", "-m", "-G", "-n", "-x", "-B", "8BITMIME", "-N", "never",
            "-R", "hdrs", "-V", "envid", "-X", "/dev/null", "-C", "/etc/none.cf", "-O",
            "DeliveryMode=b", "-L", "tag", "-h", "17", "-p", "smtp", "a@example.org"]
    q = queued(inst, "ignored options", args, b"Subject: s\n\nx\n.\ny\n")
    if q:
        t.is_(rcpts(q), [b"a@example.org"], "ignored options and their values are skipped")
        t.is_(q["text"], b"x\n", "the '.' rule still holds")
    q = queued(inst, "--", ["--", "a@example.org"], b"Subject: s\n\nx\n")
    if q:
        t.is_(rcpts(q), [b"a@example.org"], "-- ends the options")

    # modes
    code, out, err, new = sendmail(inst, ["-bs"], b"HELO x\r\n")
    t.ok(code == 100 and b"-bs" in err and b"not supported" in err and new == [],
         "-bs is refused with exit 100 and a clear message")
    for opts in (["-bi"], ["-q"], ["-q30m"], ["-I"]):
        code, out, err, new = sendmail(inst, opts, b"")
        t.ok(code == 0 and new == [] and err == b"", "%s does nothing, successfully" % opts[0])
    code, out, err, new = sendmail(inst, ["-bz"], b"")
    t.ok(code == 100 and b"-bz is not supported" in err, "an unknown mode is refused")
    code, out, err, new = sendmail(inst, ["-f"], b"")
    t.ok(code == 100 and b"-f needs a value" in err, "a missing option value is refused")

    code, out, err, new = sendmail(inst, ["a@example.org"],
                                   MSG.replace(b"To: to@", b"To: Joe Smith, to@"))
    t.ok(code == 100 and b"To:" in err and b"Joe Smith" in err and new == [],
         "without -t a bad header address is refused too (the header is rewritten)")
    code, out, err, new = sendmail(inst, ["-t"], MSG.replace(b"To: to@", b"To: Joe Smith, to@"))
    t.ok(code == 100 and b"To:" in err and b"Joe Smith" in err and new == [],
         "-t: a bad address is refused naming the field and the address")

    # -bp and mailq hand over to herald-qread
    qread = prog("herald-qread")
    inst.queue(b"Subject: q\n\nx\n", b"s@example.com", [b"r@example.org"])
    if os.access(qread, os.X_OK):
        def listing(p):
            """Exit code and output, with the ages (which tick between runs) taken out."""
            return (p.returncode, re.sub(rb"  age \w+  ", b"  age *  ", p.stdout), p.stderr)

        direct = listing(inst.run("herald-qread", env=inst.user_env()))
        t.ok(b"  from <" in direct[1], "herald-qread lists the queued message")
        via = inst.run("sendmail", "-bp", env=inst.user_env())
        t.is_(listing(via), direct, "sendmail -bp runs herald-qread")
        with tempfile.TemporaryDirectory() as d:
            link = os.path.join(d, "mailq")
            os.symlink(prog("sendmail"), link)
            p = subprocess.run([link], env=inst.user_env(), capture_output=True, timeout=60)
            t.is_(listing(p), direct, "called as mailq it runs herald-qread")
    else:
        t.skip("sendmail -bp runs herald-qread", "herald-qread not built")
        t.skip("called as mailq it runs herald-qread", "herald-qread not built")
    for f in inst.messages():
        os.unlink(f)

    # herald-queue's exit codes
    with tempfile.TemporaryDirectory() as d:
        for qcode, want in ((0, 0), (53, 111), (31, 100), (54, 111), (11, 100)):
            path = os.path.join(d, "q%d" % qcode)
            with open(path, "w") as f:
                f.write("#!/bin/sh\ncat >/dev/null\ncat <&1 >/dev/null\nexit %d\n" % qcode)
            os.chmod(path, stat.S_IRWXU)
            code, out, err, new = sendmail(inst, ["a@example.org"], b"Subject: s\n\nx\n",
                                           HERALD_QUEUE=path)
            t.ok(code == want and new == [] and (qcode == 0 or b"exit %d" % qcode in err),
                 "herald-queue exit %d: sendmail exits %d" % (qcode, want))
    t.is_(inst.tmp_files(), [], "nothing is left in queue/tmp")
t.done()
