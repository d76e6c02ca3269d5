"""lspawnlib: driving herald-lspawn with its exact protocol
(herald-lspawn(8)) for lspawn.t and newu.t.

Requests are netstrings of six NUL-terminated fields (number, message
path, body offset, body length, sender, recipient); results are netstrings
of number NUL status NUL text NUL.

A single-user instance runs herald-lspawn as an ordinary user. When the
tests run as root, the instance is given to the unprivileged user RUN_UID
and herald-lspawn runs as that user (setpriv), so it works in single-user
mode as it would for the instance's owner."""
import os
import struct
import subprocess
import tempfile

from taplib import prog

ROOT = os.getuid() == 0
RUN_UID = 65534 if ROOT else os.getuid()
RUN_GID = 65534 if ROOT else os.getgid()
AS_USER = (["setpriv", "--reuid=%d" % RUN_UID, "--regid=%d" % RUN_GID, "--clear-groups"]
           if ROOT else [])


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


def request(num, path, off, length, sender, rcpt):
    fields = [str(num).encode(), path.encode(), str(off).encode(), str(length).encode(),
              sender, rcpt]
    return netstring(b"".join(f + b"\0" for f in fields))


def parse_results(data):
    """[(number, status, text)] from result netstrings; raises ValueError."""
    out = []
    while data:
        colon = data.index(b":")
        n = int(data[:colon])
        if data[:colon] != str(n).encode():
            raise ValueError("bad length %r" % data[:colon])
        payload = data[colon + 1:colon + 1 + n]
        if len(payload) != n or data[colon + 1 + n:colon + 2 + n] != b",":
            raise ValueError("bad netstring at %r" % data[:40])
        fields = payload.split(b"\0")
        if len(fields) != 4 or fields[3] != b"" or len(fields[1]) != 1:
            raise ValueError("bad result payload %r" % payload)
        out.append((int(fields[0]), fields[1].decode(), fields[2].decode()))
        data = data[colon + 2 + n:]
    return out


def own(path, uid=RUN_UID, gid=RUN_GID):
    """Give a tree to the user herald-lspawn runs as (root only)."""
    if not ROOT:
        return
    os.chown(path, uid, gid)
    for d, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(d, name), uid, gid)


def maildir(path):
    """Make a Maildir (tmp, new, cur)."""
    for sub in ("tmp", "new", "cur"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)


def delivered(path):
    """Contents of the messages in a Maildir's new/ (sorted)."""
    new = os.path.join(path, "new")
    if not os.path.isdir(new):
        return []
    out = []
    for name in sorted(os.listdir(new)):
        with open(os.path.join(new, name), "rb") as f:
            out.append(f.read())
    return out


class Message:
    """A message queued in an instance: its path relative to the instance
    and its body offset and length (from the queue file header)."""

    def __init__(self, inst, body, sender=b"sender@example.net", rcpts=(b"x@herald.test",)):
        before = set(inst.messages())
        code, err = inst.queue(body, sender, list(rcpts))
        if code != 0:
            raise RuntimeError("herald-queue failed: %r" % err)
        new = sorted(set(inst.messages()) - before)
        self.abspath = new[0]
        self.path = os.path.relpath(new[0], inst.home)
        with open(new[0], "rb") as f:
            head = f.read(32)
        self.off, self.len = struct.unpack_from("<QQ", head, 16)

    def req(self, num, rcpt, sender=b"sender@example.net"):
        return request(num, self.path, self.off, self.len, sender, rcpt)


def run(inst, data, timeout=60, as_user=True, env=None, **kw):
    """Run herald-lspawn with data on fd 0; returns (exit code, results or
    None if they do not parse, raw stdout, stderr text). Its output goes to
    files, so this returns when herald-lspawn exits even if a herald-local
    it left behind (after a fatal error) still holds them open."""
    cmd = (AS_USER if as_user else []) + [prog("herald-lspawn")]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err,
                             env=env or inst.env(), **kw)
        try:
            p.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    try:
        res = parse_results(stdout)
    except ValueError:
        res = None
    return p.returncode, res, stdout, stderr.decode(errors="replace")


class Session:
    """herald-lspawn running in the background: send requests, read results."""

    def __init__(self, inst, as_user=True, env=None):
        cmd = (AS_USER if as_user else []) + [prog("herald-lspawn")]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env or inst.env())

    def send(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def result(self):
        """Read one result netstring: (number, status, text)."""
        head = b""
        while not head.endswith(b":"):
            c = self.p.stdout.read(1)
            if not c:
                raise ValueError("end of results after %r" % head)
            head += c
        body = self.p.stdout.read(int(head[:-1]) + 1)
        return parse_results(head + body)[0]

    def close(self, timeout=60):
        """End the input; returns (exit code, remaining stdout, stderr text)."""
        out, err = self.p.communicate(timeout=timeout)
        return self.p.returncode, out, err.decode(errors="replace")
