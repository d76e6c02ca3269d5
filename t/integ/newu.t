#!/usr/bin/env python3
"""newu.t: herald-newu compiles users/assign (herald-users(5)) into
users/assign.db: a missing file, good files, and bad lines refused with
exit 111 and users/assign:LINE while the old database stays; then
herald-lspawn honours '=' and '+' entries (exact before wildcard, the
longest prefix first, uid and gid ignored in a single-user instance) and
sees a new database without a restart."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from lspawnlib import (ROOT, RUN_UID, Message, Session, delivered, maildir, own,  # noqa: E402
                       run)

t = Tap()
MSG = b"From: alice@example.org\nSubject: assign\n\nHello.\n"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)


def snapshot(path):
    """(inode, bytes) of a file, None if missing."""
    try:
        with open(path, "rb") as f:
            return os.fstat(f.fileno()).st_ino, f.read()
    except FileNotFoundError:
        return None


with Instance() as inst:
    if ROOT:
        os.chmod(inst.base, 0o755)
    assign = inst.path("users", "assign")
    db = inst.path("users", "assign.db")
    bob = inst.path("users", "bob")
    os.makedirs(bob, mode=0o755)
    for box in ("Maildir", "lstbox", "lxbox", "exactbox"):
        maildir(os.path.join(bob, box))
    write(os.path.join(bob, ".qmail-lst-foo"), "./lstbox/\n")
    write(os.path.join(bob, ".qmail-lx-y"), "./lxbox/\n")
    write(os.path.join(bob, ".qmail-exact"), "./exactbox/\n")
    maildir(inst.path("alias", "abox"))
    write(inst.path("alias", ".qmail-default"), "./abox/\n")

    # no users/assign
    p = inst.run("herald-newu")
    t.is_(p.returncode, 111, "no users/assign: exit 111")
    t.ok(b"herald-newu: fatal: " in p.stderr and b"users/assign" in p.stderr,
         "no users/assign: the error names the file")
    t.ok(not os.path.exists(db), "no users/assign: no database")

    # a good file; uid 4242 is ignored in a single-user instance
    write(assign,
          "=boss:bob:4242:4242:%s:::\n"
          "+list-:bob:4242:4242:%s:-:lst-:\n"
          "+list-x-:bob:4242:4242:%s:-:lx-:\n"
          "=list-exact:bob:4242:4242:%s:-:exact:\n"
          ".\n" % (bob, bob, bob, bob))
    p = inst.run("herald-newu")
    t.is_((p.returncode, p.stderr), (0, b""), "good users/assign: exit 0, nothing said")
    t.ok(os.path.isfile(db), "users/assign.db exists")
    t.ok(not os.path.exists(db + ".tmp"), "no users/assign.db.tmp is left")
    with open(db, "rb") as f:
        head = f.read(16)
    t.is_(head[12:16], b"\x61\x15\x06\x00", "users/assign.db is a Berkeley DB hash file")

    m = Message(inst, MSG)
    own(inst.base)
    data = (m.req(1, b"Boss@herald.test") + m.req(2, b"LIST-Foo@herald.test") +
            m.req(3, b"list-x-y@herald.test") + m.req(4, b"list-exact@herald.test") +
            m.req(5, b"bob@herald.test") + m.req(6, b"stranger@herald.test"))
    code, res, raw, err = run(inst, data)
    r = {n: (st, text) for n, st, text in res or []}
    t.is_(code, 0, "lspawn with assign.db: exit 0")
    t.is_(sorted(r), [1, 2, 3, 4, 5, 6], "lspawn with assign.db: six results")
    if not all(st == "K" for st, _ in r.values()):
        t.diag(repr(r) + "\n" + err)
    box = delivered(os.path.join(bob, "Maildir"))
    t.ok(r.get(1, ("",))[0] == "K" and
         any(b"Delivered-To: Boss@herald.test\n" in x for x in box),
         "=boss (any case): bob's default delivery")
    t.is_(len(delivered(os.path.join(bob, "lstbox"))), 1,
          "+list-: ext lst-Foo follows .qmail-lst-foo")
    t.is_(len(delivered(os.path.join(bob, "lxbox"))), 1,
          "+list-x- beats +list- for list-x-y (the longest prefix)")
    t.is_(len(delivered(os.path.join(bob, "exactbox"))), 1,
          "=list-exact beats +list- (exact entries first)")
    t.ok(r.get(5, ("",))[0] == "K" and
         any(b"Delivered-To: bob@herald.test\n" in x for x in box),
         "no entry: HOME/users/bob as before")
    t.is_(len(delivered(inst.path("alias", "abox"))), 1,
          "no entry and no user: the alias user's .qmail-default")
    new = os.path.join(bob, "lstbox", "new")
    owner = [os.stat(os.path.join(new, f)).st_uid for f in os.listdir(new)]
    t.is_(owner, [RUN_UID], "single-user: delivered as the instance's owner, not uid 4242")
    t.ok("uid %d home %s: K" % (RUN_UID, bob) in err, "the log shows the owner's uid")

    # bad files: exit 111, users/assign:LINE, the old database stays
    good = "=boss:bob:1:1:/home/bob:::\n"
    for text, line, what in [
            (good, 2, "no final '.'"),
            (good + "=x:x:1:1:/x::\n.\n", 2, "six ':'"),
            (good + "=x:x:1:1:/x:::::\n.\n", 2, "nine ':'"),
            ("=x:x:one:1:/x:::\n.\n", 1, "a uid that is not a number"),
            ("=x:x:1:1x:/x:::\n.\n", 1, "a gid that is not a number"),
            (good + good + ".\n", 2, "the same address twice"),
            ("+x:x:1:1:x:::\n.\n", 1, "a relative home directory"),
            ("# comment\n.\n", 1, "a comment line"),
            (good + ".\n" + good, 3, "a line after the '.'"),
            (good + ".", 2, "no newline after the '.'")]:
        before = snapshot(db)
        write(assign, text)
        p = inst.run("herald-newu")
        t.is_(p.returncode, 111, "bad users/assign (%s): exit 111" % what)
        t.ok(b"herald-newu: fatal: users/assign:%d: " % line in p.stderr,
             "bad users/assign (%s): the error names users/assign:%d" % (what, line))
        if b"users/assign:%d:" % line not in p.stderr:
            t.diag(p.stderr.decode(errors="replace"))
        t.is_(snapshot(db), before, "bad users/assign (%s): the old database stays" % what)
        t.ok(not os.path.exists(db + ".tmp"), "bad users/assign (%s): no .tmp left" % what)

    # a new database takes effect without restarting herald-lspawn
    write(assign, ".\n")
    t.is_(inst.run("herald-newu").returncode, 0, "an empty users/assign: exit 0")
    s = Session(inst)
    s.send(m.req(10, b"chief@herald.test"))
    first = s.result()
    t.is_(first[:2], (10, "K"), "chief before the change: K")
    t.is_(len(delivered(inst.path("alias", "abox"))), 2, "chief before: the alias user")
    write(assign, "=chief:bob:1:1:%s:::\n.\n" % bob)
    t.is_(inst.run("herald-newu").returncode, 0, "=chief added: exit 0")
    s.send(m.req(11, b"chief@herald.test"))
    second = s.result()
    code, out, err = s.close()
    t.is_(second[:2], (11, "K"), "chief after the change: K")
    t.ok(any(b"Delivered-To: chief@herald.test\n" in x
             for x in delivered(os.path.join(bob, "Maildir"))),
         "chief after: bob's Maildir, without a restart")
    t.is_(len(delivered(inst.path("alias", "abox"))), 2, "chief after: not the alias user")
    t.is_(code, 0, "the session ends with exit 0")

    # removing the database falls back to the directories
    os.unlink(db)
    code, res, raw, err = run(inst, m.req(12, b"boss@herald.test"))
    t.is_([x[:2] for x in res or []], [(12, "K")], "no database: boss still delivered")
    t.is_(len(delivered(inst.path("alias", "abox"))), 3, "no database: boss goes to alias")

t.done()
