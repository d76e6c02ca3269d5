#!/usr/bin/env python3
"""queue-tools.t: herald-qread, herald-qstat and herald-clean against real
queues made by herald-queue.

The expected listings are computed here from what was injected (recipients
sorted by domain, case-insensitively, in envelope order within a domain),
and recipient states are changed by rewriting state bytes in the queue files
directly, located by parsing the format of herald-queue(5)."""
import os
import re
import struct
import subprocess
import sys
import time

from taplib import Instance, Tap

t = Tap()

SUMMARY = re.compile(r"^([0-9a-f]{22})  age (\d+)([smhd])  (.*)$")


def pad8(n):
    return (n + 7) & ~7


def domain_key(addr):
    i = addr.rfind(b"@")
    return b"" if i < 0 else addr[i + 1:].lower()


def in_queue_order(rcpts):
    return sorted(rcpts, key=domain_key)        # stable: envelope order within a domain


def records(path):
    """[(offset, state byte, address)] of the queue file at path."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"HERALDQ1"
    rcpt_off, rcpt_count, rcpt_len = struct.unpack_from("<QQQ", data, 48)
    out = []
    off = rcpt_off
    while off < rcpt_off + rcpt_len:
        (alen,) = struct.unpack_from("<H", data, off + 8)
        out.append((off, data[off:off + 1], data[off + 12:off + 12 + alen]))
        off += pad8(12 + alen + 1)
    assert len(out) == rcpt_count
    return out


def header(path):
    with open(path, "rb") as f:
        h = f.read(128)
    created, body_off, body_len = struct.unpack_from("<QQQ", h, 8)
    return created, body_off, body_len


def set_state(path, addr, state):
    """Rewrite the state byte of addr's record in the queue file at path."""
    for off, _, a in records(path):
        if a == addr:
            with open(path, "r+b") as f:
                f.seek(off)
                f.write(state)
            return
    raise KeyError(addr)


def set_created(path, when):
    with open(path, "r+b") as f:
        f.seek(8)
        f.write(struct.pack("<Q", when))


NAMES = {b"P": "pending", b"D": "done", b"F": "failed", b"B": "bounced"}


def expected_listing(msg, states):
    """The lines herald-qread prints for msg, with the age as AGE."""
    order = in_queue_order(msg["rcpts"])
    st = [states.get(a, b"P") for a in order]
    lines = ["%s  age AGE  size %d  from <%s>  %d recipients: %d pending, %d done, %d failed" % (
        msg["id"], msg["size"], msg["sender"].decode(), len(order), st.count(b"P"),
        st.count(b"D"), st.count(b"F") + st.count(b"B"))]
    for a, s in zip(order, st):
        lines.append("\t%s\t%s" % (NAMES[s], a.decode()))
    return lines


def normalize(out, maxage):
    """Replace the age of each summary line by AGE; return (lines, ages ok)."""
    lines, ok = [], True
    for line in out.decode().splitlines():
        m = SUMMARY.match(line)
        if m:
            if m.group(3) != "s" or int(m.group(2)) > maxage:
                ok = False
            line = "%s  age AGE  %s" % (m.group(1), m.group(4))
        lines.append(line)
    return lines, ok


def ids_of(out):
    """The ids of the summary lines in out; other lines are kept as they are."""
    ids = []
    for line in out.decode().splitlines():
        m = SUMMARY.match(line)
        if m or not line.startswith("\t"):
            ids.append(m.group(1) if m else line)
    return ids


def split_of(inst, msgid):
    for path in inst.messages():
        if os.path.basename(path) == msgid:
            return os.path.basename(os.path.dirname(path))
    return None


def qstat_lines(inst):
    p = inst.run("herald-qstat")
    return p.returncode, p.stdout.decode().splitlines(), p.stderr.decode()


def snapshot(inst):
    snap = {}
    for path in inst.messages():
        with open(path, "rb") as f:
            snap[path] = f.read()
    return snap


BODY = b"From: someone@example.org\nSubject: queue tools\n\nhello\n"

with Instance() as inst:
    t0 = time.time()
    plan = [
        (b"alice@example.org",
         [b"zed@b.example", b"yan@A.example", b"xia@b.example", b"wu@c.example",
          b"vic@B.EXAMPLE", b"postmaster", b"uma@a.example"]),
        (b"", [b"bounce-me@d.example"]),
        (b"list-@lists.example-@[]",
         [b"k1@mx.example", b"k2@alpha.example", b"k3@MX.example", b"k4@zulu.example",
          b"k5@alpha.example"]),
        (b"carol@example.net", [b"one@x.example", b"two@x.example"]),
    ]
    msgs = []
    before = set(inst.messages())
    for sender, rcpts in plan:
        code, err = inst.queue(BODY, sender, rcpts)
        t.is_(code, 0, "herald-queue accepts the message from <%s>" % sender.decode())
        now = set(inst.messages())
        new = sorted(now - before)
        before = now
        if len(new) != 1:
            t.bail("expected one new queue file, got %r" % new)
        created, body_off, body_len = header(new[0])
        with open(new[0], "rb") as f:
            f.seek(body_off)
            stored = f.read(body_len)
        t.ok(stored.endswith(BODY) and stored.startswith(b"Received: "),
             "the stored message is the Received line and the message")
        msgs.append({"id": os.path.basename(new[0]), "path": new[0], "sender": sender,
                     "rcpts": rcpts, "size": body_len})
    byid = {m["id"]: m for m in msgs}
    states = {m["id"]: {} for m in msgs}
    files = sorted(os.path.basename(p) for p in inst.messages())
    t.is_(sorted(byid), files, "the ids are the names of the files in queue/mess")

    def maxage():
        return int(time.time() - t0) + 1

    def check_full(label):
        p = inst.run("herald-qread")
        t.is_(p.returncode, 0, "%s: herald-qread exits 0" % label)
        t.is_(p.stderr, b"", "%s: herald-qread is silent on stderr" % label)
        lines, ages = normalize(p.stdout, maxage())
        t.ok(ages, "%s: every age is a few seconds" % label)
        ids = ids_of(p.stdout)
        splits = [split_of(inst, i) for i in ids]
        t.ok(splits == sorted(splits) and None not in splits,
             "%s: messages come in split-directory order" % label)
        t.is_(sorted(ids), files, "%s: every message is listed once" % label)
        want = []
        for i in ids:
            if i in byid:
                want += expected_listing(byid[i], states[i])
        t.is_(lines, want, "%s: the listing is exact" % label)
        return p

    full = check_full("fresh queue")

    p = inst.run("herald-qread", "-s")
    t.is_(p.returncode, 0, "herald-qread -s exits 0")
    lines, ages = normalize(p.stdout, maxage())
    t.ok(ages, "herald-qread -s: ages are a few seconds")
    t.is_(lines, [l for l in normalize(full.stdout, maxage())[0] if not l.startswith("\t")],
          "herald-qread -s prints only the summary lines, in the same order")
    t.is_(len(lines), len(msgs), "herald-qread -s prints one line per message")

    null = msgs[1]
    t.ok(("from <>  1 recipients" in p.stdout.decode()),
         "the null sender is shown as <>")

    one = msgs[0]
    p = inst.run("herald-qread", one["id"])
    t.is_(p.returncode, 0, "herald-qread ID exits 0")
    t.is_(normalize(p.stdout, maxage())[0], expected_listing(one, {}),
          "herald-qread ID lists exactly that message")

    p = inst.run("herald-qread", "-s", msgs[3]["id"], msgs[0]["id"])
    got = ids_of(p.stdout)
    t.is_((p.returncode, got), (0, [msgs[3]["id"], msgs[0]["id"]]),
          "herald-qread -s ID ID lists those messages in the order given")

    missing = "0" * 22
    while missing in byid:
        missing = "1" + missing[1:]
    p = inst.run("herald-qread", missing)
    t.is_(p.returncode, 111, "herald-qread with an id not in the queue exits 111")
    t.is_(p.stdout, b"", "... and lists nothing")
    t.ok(re.match(r"^herald-qread: warning: .*%s: No such file or directory\n$" % missing,
                  p.stderr.decode()) is not None,
         "... and warns about that id")
    if p.stderr:
        t.diag(p.stderr.decode())

    p = inst.run("herald-qread", "-s", "../../etc/passwd", one["id"])
    t.is_(p.returncode, 111, "herald-qread with a malformed id exits 111")
    t.is_(p.stderr.decode(), "herald-qread: warning: ../../etc/passwd: not a message id\n",
          "... and warns that it is not a message id")
    t.is_(normalize(p.stdout, maxage())[0], expected_listing(one, {})[:1],
          "... and still lists the good id")

    p = inst.run("herald-qread", "-x")
    t.is_(p.returncode, 100, "herald-qread -x is a usage error (exit 100)")
    t.is_(p.stdout, b"", "... that prints no listing")

    rc, out, err = qstat_lines(inst)
    total = sum(len(m["rcpts"]) for m in msgs)
    t.is_((rc, out, err), (0, [
        "messages in queue: 4",
        "recipients: %d (%d pending, 0 done, 0 failed)" % (total, total),
        "injections in progress or abandoned: 0"], ""), "herald-qstat on a fresh queue")
    p = inst.run("herald-qstat", "extra")
    t.is_((p.returncode, p.stdout), (100, b""), "herald-qstat with an argument exits 100")

    # Recipient states, rewritten in the files as the scheduler would.
    m0, m2 = msgs[0], msgs[2]
    for m, addr, st in [(m0, b"xia@b.example", b"D"), (m0, b"yan@A.example", b"F"),
                        (m0, b"postmaster", b"B"), (m2, b"k3@MX.example", b"D"),
                        (m2, b"k2@alpha.example", b"D"), (m2, b"k4@zulu.example", b"F")]:
        set_state(m["path"], addr, st)
        states[m["id"]][addr] = st
    check_full("after state changes")
    p = inst.run("herald-qread", "-s", m0["id"])
    t.is_(normalize(p.stdout, maxage())[0],
          ["%s  age AGE  size %d  from <alice@example.org>  7 recipients: 4 pending, "
           "1 done, 2 failed" % (m0["id"], m0["size"])],
          "herald-qread -s counts F and B states as failed")
    rc, out, err = qstat_lines(inst)
    t.is_((rc, out), (0, [
        "messages in queue: 4",
        "recipients: %d (%d pending, 3 done, 3 failed)" % (total, total - 6),
        "injections in progress or abandoned: 0"]), "herald-qstat totals follow the states")

    # Ages: the header's creation time, in the largest unit that fits.
    now = int(time.time())
    for delta, want in [(150, "2m"), (7300, "2h"), (3 * 86400 + 60, "3d"), (-1000, "0s")]:
        set_created(null["path"], now - delta)
        p = inst.run("herald-qread", "-s", null["id"])
        t.ok(p.stdout.decode().startswith("%s  age %s  " % (null["id"], want)),
             "a message queued %d seconds ago has age %s" % (delta, want))
        if p.stdout:
            t.diag(p.stdout.decode().strip())
    set_created(null["path"], now)

    # A damaged queue file is reported and skipped; the others are listed.
    bad = msgs[3]
    set_state(bad["path"], b"two@x.example", b"X")
    p = inst.run("herald-qread", "-s")
    ids = ids_of(p.stdout)
    t.is_(p.returncode, 111, "herald-qread exits 111 when a queue file is damaged")
    t.is_(sorted(ids), sorted(m["id"] for m in msgs if m is not bad),
          "... and lists the other messages")
    t.ok(re.match(r"^herald-qread: warning: message %s: .*unknown state byte 0x58\n$" % bad["id"],
                  p.stderr.decode()) is not None, "... and warns about the damaged one")
    rc, out, err = qstat_lines(inst)
    t.is_((rc, out), (111, [
        "messages in queue: 3",
        "recipients: %d (%d pending, 3 done, 3 failed)" % (total - 2, total - 8),
        "injections in progress or abandoned: 0"]),
        "herald-qstat exits 111 and leaves the damaged message out of its totals")
    t.ok(("message %s" % bad["id"]) in err, "... and warns about it")
    set_state(bad["path"], b"two@x.example", b"P")

    # herald-clean: abandoned files go, a locked one stays, mess/ is untouched.
    tmp = inst.path("queue", "tmp")
    abandoned = ["06b0160000000000000001", "06b0160000000000000002", "06b0160000000000000003"]
    with open(os.path.join(tmp, abandoned[0]), "wb") as f:
        f.write(b"\0" * 128 + BODY)
    open(os.path.join(tmp, abandoned[1]), "wb").close()
    with open(os.path.join(tmp, abandoned[2]), "wb") as f:
        f.write(b"x" * 100000)
    # A second name of a queued message, as a crash after the commit leaves it.
    second = os.path.join(tmp, m2["id"])
    os.link(m2["path"], second)
    locked = os.path.join(tmp, "06b0160000000000000004")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         "f = open(sys.argv[1], 'wb')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('locked', flush=True)\n"
         "time.sleep(300)\n", locked],
        stdout=subprocess.PIPE)
    try:
        t.is_(holder.stdout.readline(), b"locked\n", "a child holds a lock on a tmp file")
        rc, out, err = qstat_lines(inst)
        t.is_(out[2:], ["injections in progress or abandoned: 5"],
              "herald-qstat counts the files in queue/tmp")
        before = snapshot(inst)
        p = inst.run("herald-clean")
        t.is_(p.returncode, 0, "herald-clean exits 0")
        t.is_(p.stderr.decode(), "herald-clean: removed 4 abandoned files from %s\n" % tmp,
              "herald-clean says how many files it removed")
        t.is_(inst.tmp_files(), [os.path.basename(locked)],
              "the abandoned files are gone, the locked one stays")
        t.ok(snapshot(inst) == before, "queue/mess is untouched")
        t.is_(os.stat(m2["path"]).st_nlink, 1, "the second name of a queued message is removed")
        check_full("after herald-clean")
        rc, out, err = qstat_lines(inst)
        t.is_((rc, out[2:]), (0, ["injections in progress or abandoned: 1"]),
              "herald-qstat counts the live injection")

        p = inst.run("herald-clean")
        t.is_((p.returncode, p.stderr), (0, b""),
              "herald-clean with nothing to remove exits 0 and says nothing")
        t.is_(inst.tmp_files(), [os.path.basename(locked)], "the locked file still stays")
        p = inst.run("herald-clean", "-v")
        t.is_(p.returncode, 100, "herald-clean with an argument exits 100")
        t.is_(inst.tmp_files(), [os.path.basename(locked)], "... and removes nothing")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    p = inst.run("herald-clean")
    t.is_((p.returncode, p.stderr.decode()),
          (0, "herald-clean: removed 1 abandoned files from %s\n" % tmp),
          "once its writer is gone, the locked file is removed")
    t.is_(inst.tmp_files(), [], "queue/tmp is empty")
    rc, out, err = qstat_lines(inst)
    t.is_((rc, out[2:]), (0, ["injections in progress or abandoned: 0"]),
          "herald-qstat sees queue/tmp empty")

    p = inst.run("herald-qread", env=inst.env(HERALD_HOME=inst.path("nonexistent")))
    t.is_((p.returncode, p.stdout), (111, b""), "herald-qread without a queue exits 111")
    p = inst.run("herald-qstat", env=inst.env(HERALD_HOME=inst.path("nonexistent")))
    t.is_((p.returncode, p.stdout), (111, b""), "herald-qstat without a queue exits 111")
    p = inst.run("herald-clean", env=inst.env(HERALD_HOME=inst.path("nonexistent")))
    t.is_(p.returncode, 111, "herald-clean without a queue exits 111")

# One message with 100,000 recipients over many domains.
with Instance() as inst:
    n = 100000
    rcpts = [b"user%d@d%d.example" % (i, (i * 7919) % 97) for i in range(n)]
    code, err = inst.queue(BODY, b"big-list@lists.example", rcpts, timeout=300)
    t.is_(code, 0, "herald-queue accepts 100000 recipients")
    [path] = inst.messages()
    msgid = os.path.basename(path)
    p = inst.run("herald-qread", "-s", timeout=300)
    lines = p.stdout.decode().splitlines()
    t.is_(p.returncode, 0, "herald-qread -s exits 0 on the big message")
    t.ok(len(lines) == 1 and lines[0].startswith(msgid + "  age ") and lines[0].endswith(
        "  from <big-list@lists.example>  100000 recipients: 100000 pending, 0 done, 0 failed"),
        "herald-qread -s reports 100000 recipients")
    if lines:
        t.diag(lines[0])
    set_state(path, rcpts[12345], b"D")
    set_state(path, rcpts[54321], b"B")
    rc, out, err = qstat_lines(inst)
    t.is_((rc, out), (0, ["messages in queue: 1",
                          "recipients: 100000 (99998 pending, 1 done, 1 failed)",
                          "injections in progress or abandoned: 0"]),
          "herald-qstat reports 100000 recipients")
    p = inst.run("herald-qread", msgid, timeout=300)
    want = ["\t%s\t%s" % ({rcpts[12345]: "done", rcpts[54321]: "bounced"}.get(a, "pending"),
                          a.decode()) for a in in_queue_order(rcpts)]
    got = p.stdout.decode().splitlines()
    t.ok(p.returncode == 0 and got[1:] == want,
         "herald-qread lists the 100000 recipients in domain order")

# herald-clean removes bounce files whose message is gone, and keeps the others.
with Instance() as inst:
    code, err = inst.queue(BODY, b"s@example.org", [b"r@example.org"])
    [path] = inst.messages()
    live = os.path.basename(path)
    gone = "0" * 22
    bdir = inst.path("queue", "bounce")
    for name in (live, gone, "not-an-id"):
        with open(os.path.join(bdir, name), "wb") as f:
            f.write(b"\nRr@example.org\0S5.1.1\0A1\0Tno (#5.1.1)\0\n")
    p = inst.run("herald-clean")
    t.is_(p.returncode, 0, "herald-clean with bounce files exits 0")
    t.is_(sorted(os.listdir(bdir)), sorted([live, "not-an-id"]),
          "herald-clean removes the bounce file of a message no longer queued, only that one")
    t.ok(b"removed 1 bounce files of messages no longer queued" in p.stderr,
         "herald-clean says how many bounce files it removed")
t.done()
