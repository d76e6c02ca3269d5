#!/usr/bin/env python3
"""lspawn.t: herald-lspawn driven with its exact protocol (herald-lspawn(8))
in a temporary single-user instance: the default delivery into
HOME/users/bob/Maildir/, control/defaultdelivery, an extension, the alias
fallback, a lower-cased lookup, several deliveries in flight at once with
results matched by number, program exits 111 and 100, a program and
herald-local killed by signals, protocol violations (exit 111 and a log
line), and end of input (exit 0 after the results). As root, also a
multi-user instance: a system user's Maildir is written as that user, mail
for root goes to the alias user, and an entry that resolves to uid 0 is
refused."""
import fcntl
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, prog  # noqa: E402
from lspawnlib import (ROOT, RUN_UID, Message, Session, delivered, maildir, netstring,  # noqa: E402
                       own, parse_results, request, run)

t = Tap()
MSG = b"From: alice@example.org\nTo: bob@herald.test\nSubject: hi\n\nHello, Bob.\n"


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class Hold:
    """Hold bob's hold.lock: his .qmail-hold program waits until it is released."""

    def __init__(self, home):
        self.path = os.path.join(home, "hold.lock")

    def __enter__(self):
        self.f = open(self.path, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()


def results_by_num(res):
    return {n: (st, text) for n, st, text in res or []}


def single_user(inst):
    """A single-user instance with bob (HOME/users/bob) and the alias user."""
    if ROOT:
        os.chmod(inst.base, 0o755)
    bob = inst.path("users", "bob")
    os.makedirs(bob, mode=0o755)
    maildir(os.path.join(bob, "Maildir"))
    maildir(os.path.join(bob, "extbox"))
    write(os.path.join(bob, ".qmail-ext"), "./extbox/\n")
    write(os.path.join(bob, ".qmail-tf"), "|echo soft failure here; exit 111\n")
    write(os.path.join(bob, ".qmail-pf"), "|echo no such list; exit 100\n")
    write(os.path.join(bob, ".qmail-sig"), "|kill -9 $$\n")
    write(os.path.join(bob, ".qmail-killer"), "|kill -9 $PPID; sleep 5\n")
    write(os.path.join(bob, ".qmail-hold"), "|flock -s hold.lock true\n")
    write(os.path.join(bob, "hold.lock"), "")
    # each barrier-N program waits (at most 20 s) until all four have started
    write(os.path.join(bob, ".qmail-barrier-default"),
          "|touch started-$DEFAULT; i=0; while [ $i -lt 200 ]; do "
          "[ -e started-1 ] && [ -e started-2 ] && [ -e started-3 ] && [ -e started-4 ] "
          "&& exit 0; sleep 0.1; i=$((i+1)); done; echo alone; exit 111\n")
    maildir(inst.path("alias", "pm"))
    write(inst.path("alias", ".qmail-postmaster"), "./pm/\n")


with Instance() as inst:
    single_user(inst)
    m = Message(inst, MSG)
    own(inst.base)
    bob = inst.path("users", "bob")

    # 1. default delivery, extension, alias, lower-cased lookup
    data = (m.req(1, b"bob@herald.test") + m.req(2, b"bob-ext@herald.test") +
            m.req(3, b"postmaster@herald.test") + m.req(4, b"BoB@Herald.Test"))
    code, res, raw, err = run(inst, data)
    t.is_(code, 0, "four deliveries: exit 0 at the end of input")
    r = results_by_num(res)
    t.is_(sorted(r), [1, 2, 3, 4], "four deliveries: one result each, by number")
    t.ok(all(st == "K" for st, _ in r.values()), "four deliveries: all K")
    if not all(st == "K" for st, _ in r.values()):
        t.diag(repr(r) + "\n" + err)
    t.ok(r.get(1, ("", ""))[1].endswith("(#2.0.0)") and "./Maildir/" in r.get(1, ("", ""))[1],
         "result text: herald-local's line, ending in (#2.0.0)")
    box = delivered(os.path.join(bob, "Maildir"))
    t.is_(len(box), 2, "bob and BoB went to HOME/users/bob/Maildir/")
    t.ok(any(b"Delivered-To: bob@herald.test\n" in x for x in box) and
         any(b"Delivered-To: BoB@Herald.Test\n" in x for x in box),
         "the local part is passed to herald-local as written")
    t.ok(all(x.startswith(b"Return-Path: <sender@example.net>\n") and x.endswith(MSG)
             for x in box), "Return-Path and the message body from the queue file")
    t.is_(len(delivered(os.path.join(bob, "extbox"))), 1, "bob-ext followed .qmail-ext")
    pm = delivered(inst.path("alias", "pm"))
    t.ok(len(pm) == 1 and b"Delivered-To: postmaster@herald.test\n" in pm[0],
         "postmaster went to HOME/alias/.qmail-postmaster")
    t.is_(err.count("herald-lspawn: delivery "), 4, "one log line per delivery")
    t.ok("delivery 2: uid %d home %s: K " % (RUN_UID, bob) in err,
         "log line names the number, uid, home and result")

    # 2. control/defaultdelivery
    maildir(os.path.join(bob, "Other"))
    own(os.path.join(bob, "Other"))
    inst.control("defaultdelivery", "./Other/\n")
    code, res, raw, err = run(inst, m.req(5, b"bob@herald.test"))
    t.is_((code, [x[:2] for x in res or []]), (0, [(5, "K")]), "defaultdelivery: K")
    t.is_(len(delivered(os.path.join(bob, "Other"))), 1,
          "control/defaultdelivery ./Other/ is followed")
    os.unlink(inst.path("control", "defaultdelivery"))

    # 3. failures: 111, 100, a program killed, herald-local killed, an empty sender
    data = (m.req(11, b"bob-tf@herald.test") + m.req(12, b"bob-pf@herald.test") +
            m.req(13, b"bob-sig@herald.test") + m.req(14, b"bob-killer@herald.test") +
            m.req(15, b"bob-nosuch@herald.test") + m.req(16, b"bob@herald.test", sender=b""))
    code, res, raw, err = run(inst, data)
    r = results_by_num(res)
    t.is_(code, 0, "failures: exit 0")
    t.is_(r.get(11, ("", ""))[0], "Z", "program exit 111: Z")
    t.ok("soft failure here" in r.get(11, ("", ""))[1], "exit 111: the program's output")
    t.is_(r.get(12, ("", ""))[0], "D", "program exit 100: D")
    t.ok("no such list" in r.get(12, ("", ""))[1] and r[12][1].endswith(")"),
         "exit 100: the program's output with a status code")
    t.is_(r.get(13, ("", ""))[0], "Z", "program killed by a signal: Z")
    t.is_(r.get(14, ("", "")), ("Z", "herald-local was killed by signal 9 (#4.3.0)"),
          "herald-local killed by signal 9: Z with a text made from the signal")
    t.is_(r.get(15, ("", ""))[0], "D", "an extension without a .qmail file: D")
    t.ok("(#5.1.1)" in r.get(15, ("", ""))[1], "no mailbox: (#5.1.1)")
    t.is_(r.get(16, ("", ""))[0], "K", "the null sender: K")
    t.ok(any(x.startswith(b"Return-Path: <>\n")
             for x in delivered(os.path.join(bob, "Maildir"))),
         "the null sender: Return-Path: <>")
    for n, (st, text) in sorted(r.items()):
        t.ok("\n" not in text and len(text) <= 1000 and text.endswith(")") and "(#" in text,
             "result %d: one line ending in a status code" % n)

    # 4. several deliveries in flight at once (each waits for the others)
    data = b"".join(m.req(100 + i, b"bob-barrier-%d@herald.test" % i) for i in (1, 2, 3, 4))
    code, res, raw, err = run(inst, data)
    r = results_by_num(res)
    t.is_(sorted(r), [101, 102, 103, 104], "in flight: four results")
    t.ok(all(st == "K" for st, _ in r.values()),
         "in flight: all four ran at the same time (none waited alone)")
    if not all(st == "K" for st, _ in r.values()):
        t.diag(repr(r))

    # 5. results come as deliveries end, matched by number, not in request order
    with Hold(bob):
        s = Session(inst)
        s.send(m.req(201, b"bob-hold@herald.test") + m.req(202, b"bob@herald.test"))
        t.is_(s.result()[:2], (202, "K"), "a quick delivery is reported while a slow one runs")
    code, out, err = s.close()
    t.is_(code, 0, "end of input while a delivery runs: exit 0 after it ends")
    t.is_([x[:2] for x in parse_results(out)], [(201, "K")],
          "the slow delivery's result comes after the end of input")

    # 6. protocol violations: exit 111 and a log line
    good = m.req(301, b"bob@herald.test")
    bad_path = request(302, "queue/mess/00/../../../etc/passwd", m.off, m.len, b"", b"b@x")
    wrong_split = request(303, "queue/mess/%s/%s" % (
        "00" if not m.path.split("/")[2] == "00" else "01", m.path.split("/")[3]),
        m.off, m.len, b"", b"bob@herald.test")
    for data, what, why in [
            (b"abc", "not a netstring", "not a netstring"),
            (b"05:12345,", "a length with a leading zero", "leading zero"),
            (netstring(b"1\0queue\0"), "two fields", "2 fields"),
            (netstring(b"\0".join([b"1", m.path.encode(), b"0", b"1", b"", b"bob@herald.test",
                                    b"x"]) + b"\0"), "seven fields", "more than 6 fields"),
            (netstring(b"\0".join([b"1", m.path.encode(), b"0", b"1", b"", b"bob@herald.test"])),
             "the last field without its NUL", "not terminated by a NUL"),
            (request("x1", m.path, m.off, m.len, b"", b"bob@herald.test"),
             "a number with a letter", "malformed number"),
            (request(1, m.path, "-1", m.len, b"", b"bob@herald.test"), "a negative offset",
             "malformed number"),
            (bad_path, "a path outside queue/mess", "not a message path"),
            (wrong_split, "an id in the wrong split directory", "not a message path"),
            (request(1, m.path, m.off, m.len, b"", b"bob"), "a recipient without @",
             "without '@'"),
            (good[:-1] + b";", "a netstring not ended by ','", "not terminated by ','"),
            (b"4097:" + b"x" * 4097 + b",", "a request longer than 4096 bytes",
             "longer than 4096"),
            (b"99999999", "a length that cannot fit", "longer than 4096"),
            (good[:20], "end of input inside a request", "end of input inside a request"),
            (m.req(7, b"bob-hold@herald.test") + m.req(7, b"bob@herald.test"),
             "a number already in flight", "7 is already in flight")]:
        with Hold(bob):
            code, res, raw, err = run(inst, data)
        t.is_(code, 111, "protocol violation, %s: exit 111" % what)
        if not t.ok("herald-lspawn: fatal: protocol violation: " in err and why in err,
                    "protocol violation, %s: logged" % what):
            t.diag(err)

    # 7. more than 1000 deliveries in flight
    with Hold(bob):
        code, res, raw, err = run(inst, b"".join(m.req(1000 + i, b"bob-hold@herald.test")
                                                 for i in range(1001)), timeout=300)
    t.is_(code, 111, "1001 deliveries in flight: exit 111")
    t.ok("more than 1000 deliveries in flight" in err, "1001 in flight: logged")
    t.is_(res, [], "1001 in flight: no result before the violation")

    # 8. a single-user instance made by root runs as root (as herald-start runs it)
    if ROOT:
        root_bob = inst.path("users", "rootbob")
        os.makedirs(root_bob, mode=0o755)
        maildir(os.path.join(root_bob, "Maildir"))
        own(inst.path("queue"), 0, 0)
        code, res, raw, err = run(inst, m.req(402, b"rootbob@herald.test"), as_user=False)
        t.is_((code, [x[:2] for x in res or []]), (0, [(402, "K")]),
              "root's single-user instance: delivered")
        new = os.path.join(root_bob, "Maildir", "new")
        t.is_([os.stat(os.path.join(new, f)).st_uid for f in os.listdir(new)], [0],
              "root's single-user instance: delivered as its owner, root")
        t.ok("delivery 402: uid 0 home %s: K" % root_bob in err,
             "root's single-user instance: logged with uid 0")

# multi-user instance (root only)
if not ROOT:
    t.skip("multi-user instance: deliveries as the user, root refused", "not running as root")
    t.done()


def chown_tree(path, uid, gid):
    for d, dirs, files in os.walk(path):
        os.chown(d, uid, gid)
        for name in files:
            os.chown(os.path.join(d, name), uid, gid)


def owners(path):
    new = os.path.join(path, "new")
    return [os.stat(os.path.join(new, f)).st_uid for f in sorted(os.listdir(new))]


base = tempfile.mkdtemp(prefix="herald-t-lspawn-root-")
os.chmod(base, 0o755)
name = "hlsp%d" % (os.getpid() % 1000000)
made = False
try:
    os.makedirs(os.path.join(base, "home"), mode=0o755)
    uhome = os.path.join(base, "home", "u")
    p = subprocess.run(["useradd", "--system", "--home-dir", uhome, "--create-home",
                        "--shell", "/usr/sbin/nologin", name], capture_output=True)
    made = p.returncode == 0
    if not t.is_(p.returncode, 0, "root: useradd --system a temporary user"):
        t.bail("useradd failed: %r" % p.stderr)
    upw = pwd.getpwnam(name)
    maildir(os.path.join(uhome, "Maildir"))
    chown_tree(uhome, upw.pw_uid, upw.pw_gid)
    d = os.path.join(base, "inst")
    p = subprocess.run([prog("herald-setup"), "-m", "x.test", d], capture_output=True)
    if not t.is_(p.returncode, 0, "root: herald-setup makes a multi-user instance"):
        t.bail("herald-setup failed: %r" % p.stderr)
    apw = pwd.getpwnam("alias")
    maildir(os.path.join(d, "alias", "rootbox"))
    write(os.path.join(d, "alias", ".qmail-root"), "./rootbox/\n")
    chown_tree(os.path.join(d, "alias"), apw.pw_uid, apw.pw_gid)
    rootbox = os.path.join(base, "rootbox")
    maildir(os.path.join(rootbox, "Maildir"))
    write(os.path.join(d, "users", "assign"), "=boss:root:0:0:%s:::\n.\n" % rootbox)
    env = dict(os.environ, HERALD_HOME=d)
    p = subprocess.run([prog("herald-newu")], capture_output=True, env=env)
    t.is_((p.returncode, p.stderr), (0, b""), "root: herald-newu compiles an entry with uid 0")
    inst = Instance.__new__(Instance)
    inst.home = d
    m = Message(inst, MSG)
    data = (m.req(1, name.encode() + b"@x.test") + m.req(2, b"root@x.test") +
            m.req(3, b"boss@x.test") + m.req(4, name.encode() + b"-nosuch@x.test"))
    code, res, raw, err = run(inst, data, as_user=False, env=env)
    r = results_by_num(res)
    t.is_(code, 0, "root: herald-lspawn exits 0")
    t.is_(r.get(1, ("", ""))[0], "K", "root: delivery to a system user: K")
    if r.get(1, ("", ""))[0] != "K":
        t.diag(repr(r) + "\n" + err)
    t.is_(owners(os.path.join(uhome, "Maildir")), [upw.pw_uid],
          "root: the message in the user's Maildir belongs to the user")
    t.ok("delivery 1: uid %d home %s: K" % (upw.pw_uid, uhome) in err,
         "root: the log line names the user's uid and home")
    t.is_(r.get(2, ("", ""))[0], "K", "root: mail for root is delivered (to the alias user)")
    t.is_(owners(os.path.join(d, "alias", "rootbox")), [apw.pw_uid],
          "root: root's mail is written by the alias user, not by root")
    t.is_(r.get(3, ("", ""))[0], "Z", "root: an entry with uid 0 is refused with Z")
    t.ok(r.get(3, ("", ""))[1].endswith("(#4.3.0)"), "root: the refusal ends in (#4.3.0)")
    t.is_(delivered(os.path.join(rootbox, "Maildir")), [],
          "root: nothing was delivered as uid 0")
    t.is_(r.get(4, ("", ""))[0], "D", "root: an unknown extension of a system user: D")
finally:
    if made:
        subprocess.run(["userdel", name], capture_output=True)
    shutil.rmtree(base, ignore_errors=True)

t.done()
