#!/usr/bin/env python3
"""queue-proto.t: herald-queue speaks qmail-queue's protocol byte for byte
(message on fd 0, envelope F<sender>\\0 T<rcpt>\\0 ... \\0 on fd 1) and
returns qmail-queue's exit codes. A failure leaves nothing in queue/mess or
queue/tmp and prints exactly one line on stderr."""
import calendar
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, read_queue_file  # noqa: E402

t = Tap()
RECEIVED = re.compile(rb"Received: \(herald (\d+) invoked by uid (\d+)\); "
                      rb"(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
                      rb"(\d\d):(\d\d):(\d\d) -0000\n")
MONTHS = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct",
          b"Nov", b"Dec"]


def env(sender, rcpts):
    return b"F" + sender + b"\0" + b"".join(b"T" + r + b"\0" for r in rcpts) + b"\0"


def domain_key(addr):
    return addr[addr.rfind(b"@") + 1:].lower() if b"@" in addr else b""


def queued(inst, label, message, sender, rcpts, t_before):
    """The one new message in the queue is exactly (message, sender, rcpts)."""
    files = inst.messages()
    if not t.is_(len(files), 1, label + ": one message in queue/mess"):
        return None
    try:
        q = read_queue_file(files[0])
    except ValueError as e:
        t.ok(False, label + ": the queue file parses (%s)" % e)
        return None
    m = RECEIVED.match(q["body"])
    if t.ok(m is not None, label + ": first line is the Received: trace line"):
        stamp = calendar.timegm((int(m.group(5)), MONTHS.index(m.group(4)) + 1,
                                 int(m.group(3)), int(m.group(6)), int(m.group(7)),
                                 int(m.group(8))))
        t.ok(int(m.group(2)) == os.getuid() and int(m.group(1)) > 1 and
             t_before - 2 <= stamp <= time.time() + 2,
             label + ": the trace line has the caller's uid, a pid and the current time")
        t.is_(q["body"][m.end():], message, label + ": the message follows byte for byte")
    t.is_(q["sender"], sender, label + ": the sender reads back byte for byte")
    want = [("P", r) for r in sorted(rcpts, key=domain_key)]
    t.is_(q["rcpts"], want, label + ": the recipients read back, sorted by domain, pending")
    os.unlink(files[0])
    return q


def good(inst, label, message, sender, rcpts, envelope=None):
    t0 = time.time()
    code, err = inst.queue_raw(message, envelope if envelope is not None else env(sender, rcpts))
    t.is_((code, err), (0, b""), label + ": exit 0, nothing on stderr")
    t.is_(inst.tmp_files(), [], label + ": queue/tmp is empty")
    return queued(inst, label, message, sender, rcpts, t0)


def bad(inst, label, message, envelope, want, env_=None, mention=None):
    code, err = inst.queue_raw(message, envelope, env=env_)
    t.is_(code, want, "%s: exit %d" % (label, want))
    lines = err.split(b"\n")
    t.ok(len(lines) == 2 and lines[1] == b"" and lines[0].startswith(b"herald-queue: "),
         label + ": exactly one line on stderr")
    if len(lines) != 2:
        t.diag(err.decode(errors="replace"))
    if mention is not None:
        t.ok(mention in err, "%s: stderr mentions %s" % (label, mention.decode()))
    t.is_((inst.messages(), inst.tmp_files()), ([], []),
          label + ": nothing in queue/mess or queue/tmp")


MSG = b"From: a@example.org\nTo: b@example.net\nSubject: proto\n\nbody line\n"

with Instance() as inst:
    # normal envelopes
    good(inst, "normal", MSG, b"a@example.org", [b"b@example.net", b"c@EXAMPLE.com",
                                                 b"d@example.com", b"postmaster"])
    good(inst, "null sender", MSG, b"", [b"b@example.net"])
    good(inst, "binary", b"\0\xff\r\n\x01no final newline", b"s\xe9@x",
         [b"\xff\x01 odd@x", b"tab\t@y"])
    good(inst, "empty message", b"", b"s@x", [b"r@y"])
    big = os.urandom(3 * 1024 * 1024 + 5)
    good(inst, "3 MB message", big, b"s@x", [b"r@y"])
    many = [b"u%05d@d%d.example" % (i, i % 13) for i in range(3000)]
    good(inst, "3000 recipients", MSG, b"s@x", many)
    dup = [b"same@x.example", b"same@x.example"]
    good(inst, "a duplicate recipient is kept", MSG, b"s@x", dup)

    # zero recipients: qmail-queue accepts it; herald queues nothing
    code, err = inst.queue_raw(MSG, b"Fs@x\0\0")
    t.is_((code, err), (0, b""), "zero recipients: exit 0")
    t.is_((inst.messages(), inst.tmp_files()), ([], []), "zero recipients: nothing queued")

    # address lengths: qmail-queue's limit is 1002 bytes
    a1000 = b"x" * 988 + b"@example.org"
    a1002 = b"y" * 990 + b"@example.org"
    a1003 = b"z" * 991 + b"@example.org"
    assert (len(a1000), len(a1002), len(a1003)) == (1000, 1002, 1003)
    good(inst, "1000-byte recipient", MSG, b"s@x", [a1000])
    good(inst, "1002-byte recipient and sender", MSG, a1002, [a1002, b"r@y"])
    bad(inst, "1003-byte recipient", MSG, env(b"s@x", [b"r@y", a1003]), 11)
    bad(inst, "1003-byte sender", MSG, env(a1003, [b"r@y"]), 11)

    # envelope read errors (54) and format errors (91)
    bad(inst, "missing final NUL", MSG, b"Fs@x\0Tr@y\0", 54)
    bad(inst, "truncated mid-address", MSG, b"Fs@x\0Tr@y\0Tsecond@ex", 54)
    bad(inst, "truncated mid-sender", MSG, b"Fs@x", 54)
    bad(inst, "empty envelope", MSG, b"", 54)
    bad(inst, "not starting with F", MSG, b"Ts@x\0Tr@y\0\0", 91)
    bad(inst, "X instead of T", MSG, b"Fs@x\0Tr@y\0Xq@y\0\0", 91)
    bad(inst, "lower-case t", MSG, b"Fs@x\0tr@y\0\0", 91)
    bad(inst, "two senders", MSG, b"Fs@x\0Fr@y\0\0", 91)

    # control/databytes
    inst.control("databytes", "%d\n" % len(MSG))
    good(inst, "message of exactly databytes", MSG, b"s@x", [b"r@y"])
    bad(inst, "one byte over databytes", MSG + b"!", env(b"s@x", [b"r@y"]), 31,
        mention=b"databytes")
    bad(inst, "far over databytes", big, env(b"s@x", [b"r@y"]), 31)
    inst.control("databytes", "abc\n")
    bad(inst, "bad control/databytes", MSG, env(b"s@x", [b"r@y"]), 55,
        mention=b"control/databytes")
    inst.control("databytes", "0\n")
    good(inst, "databytes 0 means no limit", big, b"s@x", [b"r@y"])
    os.unlink(inst.path("control", "databytes"))

    # problems with the home or queue directory: 6x
    noqueue = tempfile.mkdtemp(prefix="herald-t-noqueue-", dir=inst.base)
    code, err = inst.queue_raw(MSG, env(b"s@x", [b"r@y"]), env=inst.env(HERALD_HOME=noqueue))
    t.ok(60 <= code <= 69, "HERALD_HOME without queue/: a 6x exit (got %d)" % code)
    t.is_(err.count(b"\n"), 1, "HERALD_HOME without queue/: one line on stderr")
    t.is_(os.listdir(noqueue), [], "HERALD_HOME without queue/: nothing created there")
    code, err = inst.queue_raw(MSG, env(b"s@x", [b"r@y"]),
                               env=inst.env(HERALD_HOME=os.path.join(noqueue, "missing")))
    t.ok(60 <= code <= 69, "HERALD_HOME that does not exist: a 6x exit (got %d)" % code)
    t.is_(err.count(b"\n"), 1, "HERALD_HOME that does not exist: one line on stderr")
    t.is_((inst.messages(), inst.tmp_files()), ([], []), "the real queue is untouched")

    # the trigger FIFO gets "ID\n" per commit when the scheduler listens
    fifo = inst.path("queue", "lock", "trigger")
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        good(inst, "with a scheduler listening", MSG, b"s@x", [b"r@y"])
        good(inst, "second message", MSG, b"s@x", [b"r@y"])
        got = os.read(fd, 100).splitlines(keepends=True)
        t.ok(len(got) == 2 and len(set(got)) == 2 and
             all(re.fullmatch(rb"[0-9a-f]{22}\n", line) for line in got),
             "the trigger FIFO got two distinct message ids, one per line")
        inst.queue_raw(MSG, b"Fs@x\0\0")
        inst.queue_raw(MSG, b"Fs@x\0Tr@y\0")
        t.is_(os.read(fd, 100), b"", "nothing written to the trigger when nothing was queued")
    finally:
        os.close(fd)

t.done()
