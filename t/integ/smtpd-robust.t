#!/usr/bin/env python3
"""smtpd-robust.t: herald-smtpd when things go wrong around it:
  - control/smtprcptcheck: unknown local users get 550 5.1.1 at RCPT,
    known ones (users, extensions with a .qmail file, the alias user's
    .qmail-default) and remote recipients are accepted;
  - a malformed control file: 421 4.3.0 to the client, exit 111, the log
    names the file;
  - SIGKILL in the middle of DATA: nothing is queued, nothing is left in
    queue/tmp, and the next session works;
  - a full disk (a small tmpfs holds the instance; root only): the message
    that does not fit gets 451 4.3.0 and leaves nothing (the spare it was
    written over is a spare again, cut to nothing), the session goes on
    and a small message is then accepted.
herald-smtpd runs on a socket pair (smtpdlib.Smtpd); every process is
stopped by PID, the tmpfs is unmounted in any case."""
import os
import signal
import subprocess
import tempfile
import time

from taplib import Tap, Instance
from smtpdlib import Smtpd, queue_state, queued

t = Tap()
MSG = b"From: a@client.test\r\nSubject: t\r\n\r\nhello\r\n.\r\n"


def rcpt_codes(inst, rcpts, **kw):
    """The (code, enhanced code) of each RCPT in one transaction."""
    with Smtpd(inst, **kw) as s:
        s.ehlo()
        s.cmd("MAIL FROM:<a@client.test>")
        return [s.cmd("RCPT TO:<%s>" % r).status for r in rcpts]


# ------------------------------------------------------- recipient validation
with Instance() as inst:
    inst.control("rcpthosts", "herald.test\nvirt.test\n")
    inst.control("virtualdomains", "virt.test:v\n")
    inst.control("smtprcptcheck", "1\n")
    os.makedirs(inst.path("users", "bob"))
    with open(inst.path("users", "bob", ".qmail-lists"), "w") as f:
        f.write("./Maildir/\n")
    os.makedirs(inst.path("users", "v"))
    with open(inst.path("users", "v", ".qmail-default"), "w") as f:
        f.write("./Maildir/\n")
    codes = rcpt_codes(inst, ["bob@herald.test", "bob-lists@herald.test",
                              "bob-nosuch@herald.test", "nobody@herald.test",
                              "anyone@virt.test", "Bob@HERALD.TEST"])
    t.is_(codes[0], (250, "2.1.5"), "rcptcheck: a user is known")
    t.is_(codes[1], (250, "2.1.5"), "rcptcheck: an extension with its .qmail file is known")
    t.is_(codes[2], (550, "5.1.1"), "rcptcheck: an extension without a .qmail file: 550 5.1.1")
    t.is_(codes[3], (550, "5.1.1"), "rcptcheck: no such user and no alias file: 550 5.1.1")
    t.is_(codes[4], (250, "2.1.5"), "rcptcheck: a virtual domain's .qmail-default accepts anyone")
    t.is_(codes[5], (250, "2.1.5"), "rcptcheck: user names are matched without case")
    with open(inst.path("alias", ".qmail-default"), "w") as f:
        f.write("./Maildir/\n")
    t.is_(rcpt_codes(inst, ["nobody@herald.test"]), [(250, "2.1.5")],
          "rcptcheck: the alias user's .qmail-default makes every local part known")
    t.is_(rcpt_codes(inst, ["someone@elsewhere.test"], relayclient=""), [(250, "2.1.5")],
          "rcptcheck: remote recipients are not checked")
    inst.control("smtprcptcheck", "0\n")
    os.unlink(inst.path("alias", ".qmail-default"))
    t.is_(rcpt_codes(inst, ["nobody@herald.test"]), [(250, "2.1.5")],
          "without smtprcptcheck unknown users are accepted at RCPT")

# ---------------------------------------------------------- bad configuration
with Instance() as inst:
    inst.control("rcpthosts", "herald.test\n")
    inst.control("smtpmaxrcpt", "many\n")
    with Smtpd(inst) as s:
        g = s.greeting()
        code = s.close()
        log = s.log()
    t.is_(g.status, (421, "4.3.0"), "bad control file: 421 4.3.0 greeting")
    t.is_(code, 111, "bad control file: exit 111")
    t.ok("control/smtpmaxrcpt" in log, "bad control file: the log names it")
    if "control/smtpmaxrcpt" not in log:
        t.diag(log)

# ------------------------------------------------------ SIGKILL during DATA
with Instance() as inst:
    inst.control("rcpthosts", "herald.test\n")
    for when in ("after 354", "after half the message", "after the end of data"):
        with Smtpd(inst) as s:
            s.ehlo()
            s.cmd("MAIL FROM:<a@client.test>")
            s.cmd("RCPT TO:<bob@herald.test>")
            r = s.cmd("DATA")
            if when != "after 354":
                s.send(b"Subject: x\r\n\r\n" + b"y" * 200000 + b"\r\n")
            if when == "after the end of data":
                s.send(b".\r\n")
                # the kill may come before or after the commit: either way
                # the message is complete or absent, never partial
            os.kill(s.proc.pid, signal.SIGKILL)
            s.close()
        mess, tmp = queue_state(inst)
        if when == "after the end of data":
            got = queued(inst)
            t.ok(len(got) <= 1 and all(q["rcpts"] == [("P", b"bob@herald.test")] and
                                       q["body"].endswith(b"y" * 1000 + b"\n") for q in got),
                 "SIGKILL %s: the message is absent or complete" % when)
            t.is_(tmp, [], "SIGKILL %s: nothing in queue/tmp" % when)
        else:
            t.is_((len(mess), tmp), (0, []), "SIGKILL %s: nothing queued, nothing left" % when)
    with Smtpd(inst) as s:
        s.greeting()
        rs = s.transaction("a@client.test", ["bob@herald.test"], MSG)
    t.is_(rs[-1].code, 250, "after the kills a new session queues a message")
    t.is_(len(queued(inst)), 1, "exactly that message is in the queue")

# ------------------------------------------------------------------ full disk
if os.geteuid() != 0:
    t.skip("full disk: 451 and nothing left", "needs root to mount a tmpfs")
else:
    mnt = tempfile.mkdtemp(prefix="herald-full-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt],
                             capture_output=True).returncode == 0
    try:
        if not mounted:
            t.skip("full disk: 451 and nothing left", "cannot mount a tmpfs here")
        else:
            inst = Instance()
            os.rmdir(inst.base)
            inst.base = mnt
            inst.home = os.path.join(mnt, "home")
            with inst:
                inst.control("rcpthosts", "herald.test\n")
                # a spare for the big message to be written over
                spare = inst.path("queue", "spare", "old")
                with open(spare, "wb") as f:
                    f.write(b"x" * 100)
                os.chmod(spare, 0o660)
                spare_ino = os.stat(spare).st_ino
                big = b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 8000 + b".\r\n"
                with Smtpd(inst, log=os.path.join(tempfile.gettempdir(),
                                                  "herald-full-%d.log" % os.getpid())) as s:
                    s.greeting()
                    rs = s.transaction("a@client.test", ["bob@herald.test"], big)
                    t.is_(rs[-1].status, (451, "4.3.0"),
                          "full disk: a message that does not fit gets 451 4.3.0")
                    mess, tmp = queue_state(inst)
                    t.is_((len(mess), tmp), (0, []), "full disk: nothing queued, nothing left")
                    st = os.stat(spare) if os.path.exists(spare) else None
                    t.ok(st is not None and st.st_ino == spare_ino and st.st_size == 0,
                         "full disk: the spare written over is still a spare, cut to nothing "
                         "(size %s)" % (st and st.st_size))
                    rs = s.transaction("a@client.test", ["bob@herald.test"], MSG, helo=None)
                    t.is_(rs[-1].code, 250, "full disk: the session goes on; a small message fits")
                    log = s.log()
                    os.unlink(s.log_path)
                t.ok("No space left on device" in log, "full disk: the log says why")
                t.is_([os.stat(p).st_ino for p in inst.messages()], [spare_ino],
                      "full disk: the small message was written over the spare")
                t.is_(len(queued(inst)), 1, "full disk: exactly the small message is queued")
    finally:
        if mounted:
            subprocess.run(["umount", mnt])
        os.rmdir(mnt)

t.done()
