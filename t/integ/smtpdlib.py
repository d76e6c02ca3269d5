"""smtpdlib: talking to herald-smtpd from the integration tests.

    from taplib import Tap, Instance
    from smtpdlib import Smtpd, Server

    with Instance() as inst:
        with Smtpd(inst) as s:            # herald-smtpd on a socket pair
            r = s.greeting()
            r = s.cmd("EHLO client.test")
            t.is_(r.code, 250, "EHLO")
            r = s.cmd("MAIL FROM:<a@b.test>")
            t.is_(r.status, (250, "2.1.0"), "MAIL")

        with Server(inst) as srv:         # an accept loop on 127.0.0.1, port 0
            sock = srv.connect()          # each connection runs herald-smtpd

Smtpd runs one herald-smtpd with one end of a socket pair as its
descriptors 0 and 1 and its log (descriptor 2) in a file; send() writes
raw bytes, reply() reads one (multi-line) reply with a time limit, cmd()
does both for a command line. Server accepts connections on 127.0.0.1 at
a port chosen by the kernel and runs herald-smtpd for each with the UCSPI
variables TCPREMOTEIP, TCPLOCALIP, TCPREMOTEPORT and TCPLOCALPORT.

Every process started here is stopped by PID (SIGKILL if it has not
exited) in close() / __exit__, also when a test fails. Every wait is
bounded in time.
"""
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

from taplib import prog, read_queue_file

ENH = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}$")


class Reply:
    """One SMTP reply: code (int, or None when the connection ended or the
    time ran out first), enh (the enhanced status code of the last line, or
    None), lines (the text of each line after the code and separator) and
    raw (the bytes read)."""

    def __init__(self, code, lines, raw, eof=False, timeout=False):
        self.code = code
        self.lines = lines
        self.raw = raw
        self.eof = eof
        self.timeout = timeout
        self.enh = None
        if lines:
            first = lines[-1].split(" ", 1)[0]
            if ENH.match(first):
                self.enh = first

    @property
    def status(self):
        """(code, enhanced code): what the tests compare."""
        return (self.code, self.enh)

    @property
    def text(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return "Reply(%r)" % (self.raw,)


class Conn:
    """The client side of an SMTP connection on a socket: raw bytes out,
    replies in. A reply ends at a line "NNN text" (or "NNN" alone)."""

    def __init__(self, sock, timeout=10.0):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    def send(self, data):
        """Write raw bytes (str is encoded as UTF-8); False if the peer is gone."""
        if isinstance(data, str):
            data = data.encode()
        self.sock.settimeout(self.timeout)
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError):
            return False

    def _fill(self, deadline):
        """Read more into buf; False at end of input or when time is up."""
        left = deadline - time.monotonic()
        if left <= 0 or self.eof:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _parse(self):
        """A complete reply at the start of buf: (code, lines, its length),
        or None if more bytes are needed; code None if a line is not a reply."""
        pos = 0
        lines = []
        while True:
            nl = self.buf.find(b"\n", pos)
            if nl < 0:
                return None
            text = self.buf[pos:nl].rstrip(b"\r").decode("utf-8", "replace")
            pos = nl + 1
            m = re.match(r"^(\d{3})([ -]?)(.*)$", text)
            if not m:
                return None, lines + [text], pos
            lines.append(m.group(3))
            if m.group(2) != "-":
                return int(m.group(1)), lines, pos

    def reply(self, timeout=None):
        """Read one complete reply (all its lines). When the time runs out
        first, code is None, timeout True and nothing is consumed (a later
        call continues); at the end of input, code is None, eof True and
        raw has the bytes of an unfinished reply."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            got = self._parse()
            if got is not None:
                code, lines, n = got
                raw, self.buf = self.buf[:n], self.buf[n:]
                return Reply(code, lines, raw)
            if not self._fill(deadline):
                if self.eof:
                    rest, self.buf = self.buf, b""
                    return Reply(None, [], rest, eof=True)
                return Reply(None, [], b"", timeout=True)

    def cmd(self, line, timeout=None):
        """Send a command line (CRLF added) and read its reply."""
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply(timeout)

    def replies(self, n, timeout=None):
        """Read n replies (after pipelined commands)."""
        return [self.reply(timeout) for _ in range(n)]

    def closed(self, timeout=None):
        """Wait for the end of the connection; returns (True if it ended,
        the bytes that came before the end)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self.eof and self._fill(deadline):
            pass
        rest, self.buf = self.buf, b""
        return self.eof, rest

    def close(self):
        """Close the client side of the connection."""
        try:
            self.sock.close()
        except OSError:
            pass

    def transaction(self, sender, rcpts, data, helo="EHLO client.test"):
        """helo (None: skip), MAIL, RCPTs, DATA and the message (bytes sent
        as is: it must end in CRLF.CRLF); returns the list of replies, the
        last being the one to the message (or to DATA if it was refused)."""
        out = []
        if helo:
            out.append(self.cmd(helo))
        out.append(self.cmd("MAIL FROM:<%s>" % sender))
        for r in rcpts:
            out.append(self.cmd("RCPT TO:<%s>" % r))
        r = self.cmd("DATA")
        out.append(r)
        if r.code == 354:
            self.send(data)
            out.append(self.reply())
        return out


def smtpd_env(inst, relayclient=None, remoteip="127.0.0.1", **extra):
    """The environment for herald-smtpd in inst: TCPREMOTEIP and friends
    set, RELAYCLIENT set only if relayclient is not None."""
    e = inst.env()
    for k in ("RELAYCLIENT", "HERALD_QUEUE", "TCPREMOTEHOST", "TCPREMOTEINFO"):
        e.pop(k, None)
    e["TCPREMOTEIP"] = remoteip
    e["TCPLOCALIP"] = "127.0.0.1"
    e["PROTO"] = "TCP"
    if relayclient is not None:
        e["RELAYCLIENT"] = relayclient
    e.update(extra)
    return e


def stop_pid(proc, grace=2.0):
    """Wait up to grace seconds for a Popen to exit, then SIGKILL it; reaps it."""
    if proc is None:
        return None
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        return None


class Smtpd(Conn):
    """One herald-smtpd on a socket pair (see the module comment).
    args: the checkpassword command, if any; env: the full environment
    (default smtpd_env(inst, **envargs)); log: file for its stderr
    (default a new file next to the instance)."""

    count = 0

    def __init__(self, inst, args=(), env=None, timeout=10.0, log=None, **envargs):
        Smtpd.count += 1
        self.inst = inst
        self.log_path = log or os.path.join(inst.base, "smtpd-%d-%d.log" % (os.getpid(), Smtpd.count))
        ours, theirs = socket.socketpair()
        self.logf = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([prog("herald-smtpd")] + list(args), stdin=theirs,
                                         stdout=theirs, stderr=self.logf,
                                         env=env or smtpd_env(inst, **envargs),
                                         close_fds=True)
        except Exception:
            ours.close()
            theirs.close()
            self.logf.close()
            raise
        theirs.close()
        Conn.__init__(self, ours, timeout)
        self.started = time.monotonic()
        self._greeting = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def greeting(self):
        """The 220 greeting (read once)."""
        if self._greeting is None:
            self._greeting = self.reply()
        return self._greeting

    def ehlo(self, name="client.test"):
        """Read the greeting if not done yet, then EHLO; returns the reply."""
        self.greeting()
        return self.cmd("EHLO " + name)

    def close(self, grace=2.0):
        """Close our end and stop the server by PID; returns its exit code
        (None if it had to be killed and could not be reaped)."""
        try:
            self.sock.close()
        except OSError:
            pass
        code = stop_pid(self.proc, grace)
        if not self.logf.closed:
            self.logf.close()
        return code

    def log(self):
        """What herald-smtpd logged so far."""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Server:
    """A tiny accept loop on 127.0.0.1, port 0: each connection gets its
    own herald-smtpd (socket on descriptors 0 and 1, log appended to
    log_path). env: extra variables (RELAYCLIENT=...) merged into
    smtpd_env(inst); args: the checkpassword command."""

    def __init__(self, inst, args=(), relayclient=None, **extra):
        self.inst = inst
        self.args = list(args)
        self.relayclient = relayclient
        self.extra = extra
        self.procs = []
        self.lock = threading.Lock()
        self.log_path = os.path.join(inst.base, "smtpd-server-%d.log" % os.getpid())
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _loop(self):
        while not self.stopping:
            r, _, _ = select.select([self.lsock], [], [], 0.1)
            if not r:
                continue
            try:
                c, (rip, rport) = self.lsock.accept()
            except OSError:
                continue
            lip, lport = c.getsockname()[:2]
            env = smtpd_env(self.inst, relayclient=self.relayclient, remoteip=rip,
                            TCPLOCALIP=lip, TCPLOCALPORT=str(lport),
                            TCPREMOTEPORT=str(rport), **self.extra)
            with open(self.log_path, "ab") as logf:
                try:
                    p = subprocess.Popen([prog("herald-smtpd")] + self.args, stdin=c, stdout=c,
                                         stderr=logf, env=env, close_fds=True)
                except OSError:
                    p = None
            c.close()
            if p is not None:
                with self.lock:
                    self.procs.append(p)

    def connect(self, timeout=10.0):
        """A connected Conn (the greeting not read yet)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return Conn(s, timeout)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def close(self, grace=0.5):
        """Stop accepting and stop every herald-smtpd started, by PID (those
        still running after grace seconds are killed)."""
        self.stopping = True
        self.thread.join(5)
        self.lsock.close()
        with self.lock:
            procs, self.procs = self.procs, []
        for p in procs:
            stop_pid(p, grace)


def make_cert(directory, name="herald.test"):
    """A self-signed certificate and its key in one PEM file (for
    control/smtpcert), made with the openssl command; its path, or None
    if openssl is missing or fails."""
    path = os.path.join(directory, "smtpcert.pem")
    key = os.path.join(directory, "smtpkey.tmp")
    crt = os.path.join(directory, "smtpcrt.tmp")
    try:
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + name],
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    with open(path, "wb") as out:
        for f in (crt, key):
            with open(f, "rb") as i:
                out.write(i.read())
            os.unlink(f)
    return path


def starttls(conn, timeout=10.0):
    """Turn conn (after a 220 reply to STARTTLS) into a TLS client
    connection, not checking the server's certificate."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn.sock.settimeout(timeout)
    conn.sock = ctx.wrap_socket(conn.sock)


def queue_state(inst):
    """(committed message paths, files in queue/tmp): both empty when
    nothing was queued and nothing was left behind."""
    return inst.messages(), inst.tmp_files()


def queued(inst, remove=True):
    """Every committed message, parsed (read_queue_file plus "header" and
    "text" from the body); removed from the queue unless remove is False."""
    out = []
    for path in inst.messages():
        q = read_queue_file(path)
        q["header"], _, q["text"] = q["body"].partition(b"\n\n")
        q["path"] = path
        out.append(q)
        if remove:
            os.unlink(path)
    return out
