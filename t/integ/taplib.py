"""taplib: TAP output and a temporary single-user herald instance for the
integration tests. Every test script imports this; it needs only Python's
standard library.

    from taplib import Tap, Instance
    t = Tap()
    with Instance() as inst:
        p = inst.run("herald-qstat")
        t.is_(p.returncode, 0, "qstat runs")
    t.done()

Programs are taken from the build tree ($HERALD_BUILD, set by `make check`),
so the tests run what was just built. Instances live under $TMPDIR and are
removed afterwards unless HERALD_KEEP=1.
"""
import os
import shutil
import subprocess
import sys
import tempfile

BUILD = os.environ.get("HERALD_BUILD") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.environ.get("HERALD_SRC") or BUILD

# program name -> path relative to the build tree
PROGRAMS = {
    "sendmail": "src/sendmail/sendmail",
}


def prog(name):
    """Absolute path of a herald program in the build tree."""
    rel = PROGRAMS.get(name, "src/%s/%s" % (name, name))
    return os.path.join(BUILD, rel)


class Tap:
    """Minimal TAP producer; prints the plan at the end (done())."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        return cond

    def is_(self, got, want, name):
        if not self.ok(got == want, name):
            self.diag("got:  %r" % (got,))
            self.diag("want: %r" % (want,))
        return got == want

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print("# " + line, flush=True)

    def bail(self, msg):
        print("Bail out! " + msg, flush=True)
        sys.exit(1)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(0)


class Instance:
    """A fresh single-user instance in a temporary directory."""

    def __init__(self, me="herald.test"):
        self.base = tempfile.mkdtemp(prefix="herald-t-")
        self.home = os.path.join(self.base, "home")
        self.me = me

    def __enter__(self):
        p = subprocess.run([prog("herald-setup"), "-s", "-m", self.me, self.home],
                           capture_output=True)
        if p.returncode != 0:
            raise RuntimeError("herald-setup failed: %r" % p.stderr)
        # Tests never reach the outside network: DNS goes to a closed port on
        # loopback and every remote domain to a closed loopback port, unless a
        # test sets its own resolvers and routes.
        self.control("resolvers", "127.0.0.1:9\n")
        self.control("smtproutes", ":[127.0.0.1]:9\n")
        return self

    def __exit__(self, *exc):
        if os.environ.get("HERALD_KEEP") != "1":
            shutil.rmtree(self.base, ignore_errors=True)

    def env(self, **extra):
        e = dict(os.environ)
        e["HERALD_HOME"] = self.home
        e.update(extra)
        return e

    def path(self, *parts):
        return os.path.join(self.home, *parts)

    def control(self, name, text):
        """Write control/NAME."""
        with open(self.path("control", name), "w") as f:
            f.write(text)

    def run(self, name, *args, input=None, env=None, timeout=60, **kw):
        """Run a herald program against this instance; returns CompletedProcess."""
        return subprocess.run([prog(name)] + list(args), input=input,
                              env=env or self.env(), capture_output=True,
                              timeout=timeout, **kw)

    def queue(self, message, sender, rcpts, env=None, timeout=60):
        """Feed herald-queue the exact qmail-queue protocol; returns (code, stderr)."""
        envelope = b"F" + sender + b"\0" + b"".join(b"T" + r + b"\0" for r in rcpts) + b"\0"
        return self.queue_raw(message, envelope, env=env, timeout=timeout)

    def queue_raw(self, message, envelope, env=None, timeout=60):
        """herald-queue with raw bytes on fd 0 (message) and fd 1 (envelope)."""
        with tempfile.TemporaryFile() as ef:
            ef.write(envelope)
            ef.seek(0)
            p = subprocess.run([prog("herald-queue")], input=message, stdout=ef,
                               stderr=subprocess.PIPE, env=env or self.env(),
                               timeout=timeout)
        return p.returncode, p.stderr

    def user_env(self, **extra):
        """The instance's environment with the identity variables that
        injection reads (QMAIL*, MAIL*, NAME, HERALD_QUEUE) removed and the
        user set to alice; extra adds or overrides variables."""
        e = self.env()
        for k in list(e):
            if k.startswith(("QMAIL", "MAIL")) or k in ("NAME", "HERALD_QUEUE"):
                del e[k]
        e["USER"] = "alice"
        e["LOGNAME"] = "alice"
        e.update(extra)
        return e

    def submit(self, name, args, message, **extra):
        """Run an injection program (herald-inject, sendmail) as alice;
        returns (exit code, stdout, stderr, [queue files it added])."""
        before = set(self.messages())
        p = self.run(name, *args, input=message, env=self.user_env(**extra))
        new = sorted(set(self.messages()) - before)
        return p.returncode, p.stdout, p.stderr, new

    def submitted(self, t, name, label, args, message, **extra):
        """submit() a message that must be queued: checks exit 0 and one new
        queue file, removes it from the queue and returns it as
        read_queue_file() does plus "header" and "text"; None on failure."""
        code, out, err, new = self.submit(name, args, message, **extra)
        if not t.is_(code, 0, "%s: %s exits 0" % (label, name)):
            t.diag(err)
            return None
        if not t.is_(len(new), 1, label + ": one message queued"):
            return None
        q = read_queue_file(new[0])
        os.unlink(new[0])
        q["header"], _, q["text"] = q["body"].partition(b"\n\n")
        return q

    def messages(self):
        """Paths of the committed messages (the scheduler's view of the queue)."""
        out = []
        mess = self.path("queue", "mess")
        for split in sorted(os.listdir(mess)):
            for name in sorted(os.listdir(os.path.join(mess, split))):
                out.append(os.path.join(mess, split, name))
        return out

    def tmp_files(self):
        return sorted(os.listdir(self.path("queue", "tmp")))


def fnv1a(h, data):
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def sealed_hash(data, start, rcpt_off):
    """The hash herald-queue(5) keeps in a header: FNV-1a 64 of every byte
    after the header, each recipient record with its first state word
    (pending, tries 0, next_try 0)."""
    import struct
    h = fnv1a(0xcbf29ce484222325, data[start:rcpt_off])
    pos = rcpt_off
    while pos + 12 <= len(data):
        (alen,) = struct.unpack_from("<H", data, pos + 8)
        size = (12 + alen + 1 + 7) & ~7
        h = fnv1a(h, b"P" + bytes(7) + data[pos + 8:pos + size])
        pos += size
    return h


def read_queue_file(path):
    """Parse one queue file (herald-queue(5)) strictly; returns
    dict(sender=bytes, body=bytes, rcpts=[(state_char, addr_bytes)]) with the
    recipients in file order. Raises ValueError if the file is not complete
    and consistent."""
    import struct
    with open(path, "rb") as f:
        data = f.read()

    def pad(n):
        return (n + 7) & ~7

    if len(data) < 128 or data[:8] != b"HERALDQ1":
        raise ValueError("%s: no queue file header" % path)
    (created, body_off, body_len, sender_off, sender_len, rcpt_off, rcpt_count,
     rcpt_len) = struct.unpack_from("<8Q", data, 8)
    name = os.path.basename(path).encode()
    if data[72:94] != bytes(22) and (data[72:94] != name or data[94:96] != bytes(2) or
                                     data[104:128] != bytes(24) or
                                     struct.unpack_from("<Q", data, 96)[0] != sealed_hash(data, 128 + 0, rcpt_off)):
        raise ValueError("%s: id or hash in the header do not match the file" % path)
    if (body_off != 128 or (data[72:94] == bytes(22) and data[72:128] != bytes(56)) or
            sender_off != pad(body_off + body_len) or sender_len > 1002 or
            rcpt_off != pad(sender_off + sender_len + 1) or
            rcpt_off + rcpt_len != len(data)):
        raise ValueError("%s: header inconsistent with the file" % path)
    if data[body_off + body_len:sender_off] != bytes(sender_off - body_off - body_len):
        raise ValueError("%s: body padding is not zero" % path)
    sender = data[sender_off:sender_off + sender_len]
    if b"\0" in sender or data[sender_off + sender_len:rcpt_off] != bytes(
            rcpt_off - sender_off - sender_len):
        raise ValueError("%s: malformed sender" % path)
    rcpts = []
    pos = rcpt_off
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError("%s: truncated recipient record" % path)
        state = chr(data[pos])
        alen, dom = struct.unpack_from("<HH", data, pos + 8)
        size = pad(12 + alen + 1)
        addr = data[pos + 12:pos + 12 + alen]
        if (state not in "PDFB" or data[pos + 1] != 0 or alen > 1002 or
                pos + size > len(data) or len(addr) != alen or b"\0" in addr or
                data[pos + 12 + alen:pos + size] != bytes(size - 12 - alen) or
                dom != (addr.rfind(b"@") + 1 if b"@" in addr else alen)):
            raise ValueError("%s: malformed recipient record at %d" % (path, pos))
        rcpts.append((state, addr))
        pos += size
    if len(rcpts) != rcpt_count:
        raise ValueError("%s: %d recipient records, header says %d" %
                         (path, len(rcpts), rcpt_count))
    return dict(sender=sender, body=data[body_off:body_off + body_len], rcpts=rcpts)
