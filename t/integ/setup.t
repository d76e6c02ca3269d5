#!/usr/bin/env python3
"""setup.t: herald-setup makes the documented instance layout
(herald-setup(8)): single-user instances, repair runs that keep edited
control files, relative paths, usage errors, and, when run as root, a
multi-user instance with its system users and a set-uid herald-queue that
an unprivileged user can inject through."""
import grp
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, prog  # noqa: E402

ROLES = ["alias", "heraldd", "heraldl", "heraldq", "heraldr", "heralds"]
SPLITS = ["%02x" % i for i in range(64)]

t = Tap()


def setup(*args, cwd=None):
    p = subprocess.run([prog("herald-setup")] + list(args), capture_output=True,
                       cwd=cwd, timeout=60)
    return p.returncode, p.stderr


def read(path):
    with open(path, "rb") as f:
        return f.read()


def isdir(path):
    return os.path.isdir(path) and not os.path.islink(path)


def check_layout(d, me, label):
    """The layout every instance has; returns True if all of it is there."""
    ok = True
    ok &= t.is_(read(os.path.join(d, "control", "me")), me + b"\n", label + ": control/me")
    locals_ = read(os.path.join(d, "control", "locals")).split()
    ok &= t.ok(me in locals_ and b"localhost" in locals_, label + ": control/locals")
    for sub in ["control", "users", "lists", "log", "alias", "queue", "queue/tmp",
                "queue/mess", "queue/lock", "queue/bounce"]:
        ok &= t.ok(isdir(os.path.join(d, sub)), "%s: %s/ is a directory" % (label, sub))
    mess = os.path.join(d, "queue", "mess")
    names = sorted(os.listdir(mess)) if isdir(mess) else []
    ok &= t.is_(names, SPLITS, label + ": queue/mess holds 00 .. 3f")
    ok &= t.ok(all(isdir(os.path.join(mess, n)) for n in names),
               label + ": the 64 split entries are directories")
    trig = os.path.join(d, "queue", "lock", "trigger")
    ok &= t.ok(os.path.exists(trig) and stat.S_ISFIFO(os.lstat(trig).st_mode),
               label + ": queue/lock/trigger is a FIFO")
    ok &= t.is_(os.listdir(os.path.join(d, "queue", "tmp")), [], label + ": queue/tmp is empty")
    return ok


def queued(home):
    return [os.path.join(r, f) for r, _, fs in os.walk(os.path.join(home, "queue", "mess"))
            for f in fs]


def inject_ok(home, label):
    """A message can be queued in the instance at home."""
    before = len(queued(home))
    with Instance() as other:
        code, err = other.queue(b"Subject: " + label.encode() + b"\n\nhi\n", b"s@x.test",
                                [b"r@y.test"], env=other.env(HERALD_HOME=home))
    t.is_((code, err), (0, b""), label + ": herald-queue accepts a message")
    t.is_(len(queued(home)), before + 1, label + ": the message is in its queue/mess")


base = tempfile.mkdtemp(prefix="herald-t-setup-")
try:
    # single-user instance, the documented layout
    d = os.path.join(base, "one")
    code, err = setup("-s", "-m", "mail.example.org", d)
    t.is_(code, 0, "herald-setup -s exits 0")
    if code != 0:
        t.diag(err.decode(errors="replace"))
    check_layout(d, b"mail.example.org", "single")
    st = os.stat(os.path.join(d, "queue"))
    t.is_((st.st_uid, st.st_gid), (os.getuid(), os.getgid()),
          "single: queue/ belongs to the caller")
    t.is_(os.stat(os.path.join(d, "queue", "tmp")).st_mode & 0o777, 0o700,
          "single: queue/tmp is private to its owner")
    t.ok(not os.path.exists(os.path.join(d, "bin", "herald-queue")),
         "single: no set-uid herald-queue is installed")
    inject_ok(d, "single")

    # a second run keeps edited control files and repairs what is missing
    with open(os.path.join(d, "control", "me"), "w") as f:
        f.write("edited.example\n")
    with open(os.path.join(d, "control", "locals"), "w") as f:
        f.write("edited.example\n")
    os.rmdir(os.path.join(d, "queue", "mess", "3f"))
    os.unlink(os.path.join(d, "queue", "lock", "trigger"))
    os.chmod(os.path.join(d, "queue", "tmp"), 0o755)
    code, err = setup("-s", "-m", "other.example", d)
    t.is_(code, 0, "second run exits 0")
    t.is_(read(os.path.join(d, "control", "me")), b"edited.example\n",
          "second run keeps an edited control/me")
    t.is_(read(os.path.join(d, "control", "locals")), b"edited.example\n",
          "second run keeps an edited control/locals")
    t.ok(isdir(os.path.join(d, "queue", "mess", "3f")), "second run recreates queue/mess/3f")
    trig = os.path.join(d, "queue", "lock", "trigger")
    t.ok(os.path.exists(trig) and stat.S_ISFIFO(os.lstat(trig).st_mode),
         "second run recreates the trigger FIFO")
    t.is_(os.stat(os.path.join(d, "queue", "tmp")).st_mode & 0o777, 0o700,
          "second run repairs the mode of queue/tmp")
    t.is_(len(queued(d)), 1, "second run keeps the message queued before")
    inject_ok(d, "repaired")

    # a relative DIR, and no -m: control/me is the host name
    code, err = setup("-s", "rel", cwd=base)
    t.is_(code, 0, "relative DIR exits 0")
    check_layout(os.path.join(base, "rel"), socket.gethostname().encode(), "relative")
    t.ok(not os.path.exists(os.path.join(base, "rel", "rel")), "relative: nothing nested")

    # usage errors
    for args, what in [(["-x", os.path.join(base, "bad")], "unknown option"),
                       (["-s"], "no DIR"),
                       (["-s", os.path.join(base, "a"), os.path.join(base, "b")], "two DIRs"),
                       (["-m"], "-m without its argument")]:
        code, err = setup(*args)
        t.is_(code, 100, "usage exit 100: " + what)
        t.ok(b"usage: herald-setup" in err, "usage text on stderr: " + what)
    t.ok(not os.path.exists(os.path.join(base, "bad")), "a usage error creates nothing")

    # missing parents are created, like mkdir -p
    deep = os.path.join(base, "no", "such", "dir")
    code, err = setup("-s", "-m", "deep.test", deep)
    t.is_(code, 0, "missing parent directories: exit 0")
    t.ok(os.path.isdir(os.path.join(deep, "queue", "mess", "3f")),
         "missing parent directories: the instance is complete")
    t.is_(stat.S_IMODE(os.stat(os.path.join(base, "no", "such")).st_mode), 0o755,
          "missing parent directories are made with mode 0755")

    # a parent that cannot be a directory is a clear error
    blocker = os.path.join(base, "file")
    with open(blocker, "w") as f:
        f.write("not a directory\n")
    code, err = setup("-s", os.path.join(blocker, "sub", "dir"))
    t.is_(code, 111, "a parent that is a file: exit 111")
    t.ok(b"herald-setup:" in err and b"file/sub" in err, "the error names the directory")
finally:
    shutil.rmtree(base, ignore_errors=True)


# multi-user instance (root only)
if os.getuid() != 0:
    t.skip("multi-user instance: users, owners, set-uid herald-queue, nobody injects",
           "not running as root")
    t.done()

base = tempfile.mkdtemp(prefix="herald-t-setup-root-")
os.chmod(base, 0o755)          # nobody must reach DIR/bin/herald-queue
try:
    d = os.path.join(base, "inst")
    code, err = setup("-m", "x.test", d)
    t.is_(code, 0, "root: herald-setup -m x.test DIR exits 0")
    if code != 0:
        t.diag(err.decode(errors="replace"))
    try:
        gid = grp.getgrnam("herald").gr_gid
        users = {r: pwd.getpwnam(r) for r in ROLES}
        t.ok(True, "root: group herald and the users %s exist" % " ".join(ROLES))
    except KeyError as e:
        t.ok(False, "root: group herald and the role users exist (%s)" % e)
        t.bail("cannot check a multi-user instance without its users")
    uids = [u.pw_uid for u in users.values()]
    t.ok(0 not in uids and len(set(uids)) == len(ROLES),
         "root: the role users are distinct and not root")
    heraldq = users["heraldq"].pw_uid
    st = os.stat(os.path.join(d, "queue"))
    t.is_((st.st_uid, st.st_gid), (heraldq, gid), "root: queue/ is owned by heraldq:herald")
    t.is_(os.stat(os.path.join(d, "queue", "tmp")).st_uid, heraldq,
          "root: queue/tmp is owned by heraldq")
    t.ok(all(os.stat(os.path.join(d, "queue", "mess", s)).st_uid == heraldq for s in SPLITS),
         "root: queue/mess/SS are owned by heraldq")
    binq = os.path.join(d, "bin", "herald-queue")
    st = os.stat(binq)
    t.is_((st.st_uid, stat.S_IMODE(st.st_mode)), (heraldq, 0o4711),
          "root: bin/herald-queue is set-uid heraldq, mode 04711")
    check_layout(d, b"x.test", "root") or t.diag("layout of the root instance is incomplete")

    # a second run reuses the users
    code, err = setup("-m", "y.test", d)
    t.is_(code, 0, "root: a second run exits 0")
    t.is_(pwd.getpwnam("heraldq").pw_uid, heraldq, "root: the second run reuses heraldq")

    # nobody injects through the set-uid copy; HERALD_HOME is ignored
    with Instance() as decoy:
        os.chmod(decoy.base, 0o755)
        env = dict(os.environ, HERALD_HOME=decoy.home)
        msg = b"Subject: from nobody\n\nhello\n"
        with tempfile.TemporaryFile() as ef:
            ef.write(b"Fnobody@x.test\0Tr@y.test\0\0")
            ef.seek(0)
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                binq], input=msg, stdout=ef, stderr=subprocess.PIPE, env=env,
                               timeout=60)
        result = (p.returncode, p.stderr)
        t.is_(result, (0, b""), "nobody: set-uid herald-queue exits 0")
        files = queued(d)
        t.is_(len(files), 1, "nobody: the message is in DIR's queue")
        t.is_(decoy.messages(), [], "nobody: HERALD_HOME was ignored (decoy queue empty)")
        if files:
            data = read(files[0])
            st = os.stat(files[0])
            t.is_(st.st_uid, heraldq, "nobody: the queue file is owned by heraldq")
            t.ok(st.st_gid == gid and st.st_mode & 0o040,
                 "nobody: the queue file is readable by group herald (the scheduler)")
            t.ok(b"invoked by uid 65534)" in data and msg in data,
                 "nobody: the trace line names uid 65534 and the message is there")
        else:
            t.ok(False, "nobody: the queue file is owned by heraldq")
            t.ok(False, "nobody: the queue file is readable by group herald")
            t.ok(False, "nobody: the trace line names uid 65534")
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "ls", os.path.join(d, "queue", "mess")], capture_output=True)
        t.ok(p.returncode != 0, "nobody: cannot list the queue itself")
finally:
    shutil.rmtree(base, ignore_errors=True)

t.done()
