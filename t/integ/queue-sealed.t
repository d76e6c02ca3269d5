#!/usr/bin/env python3
"""queue-sealed.t: a queue file whose contents are not what herald-queue
wrote is never delivered: herald-send logs it, renames it to ID.bad out
of the scan's way, and delivers the other messages. Two cases: one byte
of the body changed behind its back, and a file of zeros (not a queue
file at all, as a failing disk or file system can leave one)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, read_queue_file  # noqa: E402
from daemon import Daemon  # noqa: E402

t = Tap()
with Instance(me="herald.test") as inst:
    home = inst.path("users", "bob")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(home, "Maildir", sub), exist_ok=True)
    code, _ = inst.queue(b"Subject: damaged\n\nthis body gets changed\n", b"s@herald.test",
                         [b"bob@herald.test"])
    t.is_(code, 0, "the first message is queued")
    (path,) = inst.messages()
    bad = os.path.basename(path)
    try:
        read_queue_file(path)   # checks the header's id and hash against the file
        sealed = True
    except ValueError as e:
        sealed = False
        t.diag(str(e))
    t.ok(sealed, "its header names it and hashes its contents")
    with open(path, "r+b") as f:
        f.seek(128 + 20)
        c = f.read(1)
        f.seek(128 + 20)
        f.write(bytes([c[0] ^ 0x20]))
    try:
        read_queue_file(path)
        t.ok(False, "the changed file is refused by the reader too")
    except ValueError:
        t.ok(True, "the changed file is refused by the reader too")
    code, _ = inst.queue(b"Subject: zeros\n\nthis one becomes zeros\n", b"s@herald.test",
                         [b"bob@herald.test"])
    t.is_(code, 0, "a second message is queued")
    (zero,) = [p for p in inst.messages() if p != path]
    size = os.path.getsize(zero)
    with open(zero, "r+b") as f:
        f.write(bytes(size))
    code, _ = inst.queue(b"Subject: fine\n\nintact\n", b"s@herald.test", [b"bob@herald.test"])
    t.is_(code, 0, "a third message is queued")
    with Daemon(inst) as d:
        d.wait_for(lambda: len(os.listdir(os.path.join(home, "Maildir", "new"))) >= 1 and
                   os.path.exists(path + ".bad") and os.path.exists(zero + ".bad"),
                   "the good message delivered, the bad ones set aside")
        log = d.text()
    got = [open(os.path.join(home, "Maildir", "new", n), "rb").read()
           for n in os.listdir(os.path.join(home, "Maildir", "new"))]
    t.is_(len(got), 1, "one message delivered")
    t.ok(got and b"intact" in got[0], "it is the intact one")
    t.ok(os.path.exists(path + ".bad") and not os.path.exists(path),
         "the damaged file is now %s.bad" % bad)
    t.ok(("herald-send: warning: msg %s: the queue file is damaged: its contents are not what "
          "was written (hash mismatch)" % bad).encode() in log, "herald-send says why")
    t.ok(b"starting delivery" in log and ("msg %s to" % bad).encode() not in log,
         "no delivery of the damaged message was started")
    t.ok(os.path.exists(zero + ".bad") and os.path.getsize(zero + ".bad") == size,
         "the file of zeros is set aside too, as it was")
    t.ok(("msg %s: the queue file is damaged: " % os.path.basename(zero)).encode() in log and
         b"bad magic" in log, "herald-send says why: not a queue file")
    t.is_(sorted(inst.messages()), sorted([path + ".bad", zero + ".bad"]),
          "only the set-aside files are left in queue/mess")
t.done()
