"""smtpsrv: a small scripted SMTP server on loopback for the tests of
herald-remote: it answers the way a test tells it to (greeting, replies
per recipient, 421 after some commands, slow replies, STARTTLS with a
test certificate) and records everything it gets. Standard library only
(openssl(1) makes the certificates).

    from smtpsrv import SmtpServer, common_port, make_cert
    port = common_port(["127.0.0.2", "127.0.0.3"])
    with SmtpServer("127.0.0.2", port, name="mx1.a.test",
                    rcpt_replies={"bad@a.test": "550 5.1.1 no such user"}) as s:
        ...
        txns = s.wait_txns(1)                  # transactions that got data
        txns[0].mail_from, txns[0].rcpts, txns[0].data, s.connections

Options (keyword arguments):
  name            the server's name, in its greeting and EHLO reply
  greeting        the greeting line(s) without the final CRLF ("220 NAME ESMTP")
  greeting_delay  seconds to wait before the greeting
  pipelining      offer PIPELINING (default True)
  extensions      more EHLO keywords (default 8BITMIME, SIZE, ENHANCEDSTATUSCODES)
  cert            (certificate, key) files: offer STARTTLS with them
  starttls_reply  the bytes sent in answer to STARTTLS (default a 220 line)
  starttls_break  bytes sent instead of a TLS handshake after starttls_reply
                  (once the client has sent something, or after 2 s), after
                  which the connection is closed; b"" closes at once
                  (default None: a real handshake)
  mail_reply      the reply to every MAIL FROM (default 250)
  rcpt_replies    {address (any case): reply} for RCPT TO; others get 250
  data_reply      the reply to DATA (default 354)
  dot_reply       the reply to the end of the data (default 250)
  fail_after      after this many commands (EHLO, MAIL, ... counted from 1),
                  the next one gets "421 4.3.0 closing" and the connection
                  is closed
  tarpit          seconds to sleep before each reply in tarpit_on
  tarpit_on       verbs to be slow for ("GREETING", "EHLO", "MAIL", "RCPT",
                  "DATA", "DOT", ...; default every one)
  early_check     seconds: before each reply while PIPELINING is not
                  offered, wait that long and record in session.early any
                  command the client sent before it had the reply

A reply is one line or several joined by "\\r\\n", without the final CRLF.
The server runs an accept thread and a thread per connection until stop()
or the end of the with block. What it records (lists of objects, appended
as things happen):
  server.sessions    one Session per connection: .peer, .commands (lines
                     as received, str), .tls (TLS is up), .tls_version,
                     .sni, .ehlo (the name given), .txns, .early, .closed
  session.txns       one Txn per MAIL FROM accepted: .mail_from (the
                     address between < and >), .mail_params, .rcpts
                     (accepted), .refused (refused, with the reply), .raw
                     (the data as on the wire, final dot excluded), .data
                     (dot-stuffing undone, CRLF kept), .tls, .complete
                     (the final dot came)
  server.connections the number of connections accepted

For herald's side of these tests it also has remote_setup() (the control
files that point an instance's herald-remote at the test's servers),
outcomes() (the results herald-send logged, per recipient), qstates()
(the recipients' states, from herald-qread) and smtp_wire() (a message as
it must appear between DATA and the final dot).
"""
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import threading
import time

DEFAULT_EXTENSIONS = ("8BITMIME", "SIZE 52428800", "ENHANCEDSTATUSCODES")


def make_cert(base, cn, tag=None):
    """A self-signed certificate for the name cn (subject and
    subjectAltName) and its key in directory base; (cert, key) paths, or
    None without openssl."""
    if shutil.which("openssl") is None:
        return None
    stem = tag or cn
    cert = os.path.join(base, stem + ".crt")
    key = os.path.join(base, stem + ".key")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + cn,
                        "-days", "2", "-keyout", key, "-out", cert],
                       capture_output=True, timeout=60)
    if p.returncode != 0 or not os.path.exists(cert):
        return None
    return cert, key


def common_port(hosts, tries=50):
    """A TCP port that was free a moment ago on every address in hosts
    (the first is chosen by the kernel, the others are checked by binding)."""
    for _ in range(tries):
        socks = []
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
            for h in hosts[1:]:
                o = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(o)
                o.bind((h, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no port free on all of %r" % (hosts,))


class Txn:
    def __init__(self, mail_from, params, tls):
        self.mail_from = mail_from
        self.mail_params = params
        self.rcpts = []
        self.refused = []
        self.raw = b""
        self.data = b""
        self.tls = tls
        self.complete = False

    def __repr__(self):
        return "Txn(from=%r, rcpts=%r, refused=%r, %d bytes%s)" % (
            self.mail_from, self.rcpts, self.refused, len(self.data),
            ", TLS" if self.tls else "")


class Session:
    def __init__(self, peer):
        self.peer = peer
        self.commands = []
        self.tls = False
        self.tls_version = None
        self.sni = None
        self.ehlo = None
        self.txns = []
        self.early = []
        self.closed = False


class _Closed(Exception):
    pass


class SmtpServer:
    """The scripted server; see the module documentation."""

    def __init__(self, host, port, name="mx.test", greeting=None, greeting_delay=0.0,
                 pipelining=True, extensions=DEFAULT_EXTENSIONS, cert=None,
                 starttls_reply=b"220 2.0.0 Ready to start TLS\r\n", mail_reply=None,
                 rcpt_replies=None, data_reply=None, dot_reply=None, fail_after=None,
                 tarpit=0.0, tarpit_on=None, early_check=0.0, starttls_break=None):
        self.host, self.port, self.name = host, port, name
        self.greeting = greeting or "220 %s ESMTP scripted" % name
        self.greeting_delay = greeting_delay
        self.pipelining = pipelining
        self.extensions = list(extensions)
        self.cert = cert
        self.starttls_reply = starttls_reply
        self.starttls_break = starttls_break
        self.mail_reply = mail_reply
        self.rcpt_replies = {k.lower(): v for k, v in (rcpt_replies or {}).items()}
        self.data_reply = data_reply
        self.dot_reply = dot_reply
        self.fail_after = fail_after
        self.tarpit = tarpit
        self.tarpit_on = set(tarpit_on) if tarpit_on else None
        self.early_check = early_check
        self.sessions = []
        self.connections = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.conns = []
        self.ctx = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(*cert)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.port = self.sock.getsockname()[1]
        self.sock.listen(64)
        self.threads = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        """Stop accepting, close every connection, and wait (bounded) for the threads."""
        self.stopping = True
        self.acceptor.join(5)
        self.sock.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in list(self.threads):
            t.join(5)

    # ---- what tests read

    def txns(self, complete=True):
        """Every transaction of every session, in order (only those whose
        data came, unless complete is False)."""
        with self.lock:
            return [t for s in self.sessions for t in s.txns if t.complete or not complete]

    def wait_txns(self, n, timeout=20.0):
        """txns() once there are n (or when timeout runs out)."""
        end = time.monotonic() + timeout
        while len(self.txns()) < n and time.monotonic() < end:
            time.sleep(0.02)
        return self.txns()

    def wait_sessions(self, n, timeout=20.0):
        """The sessions once n connections have ended (or after timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if sum(1 for s in self.sessions if s.closed) >= n:
                    break
            time.sleep(0.02)
        with self.lock:
            return list(self.sessions)

    def commands(self):
        """Every command line of every session, in order."""
        with self.lock:
            return [c for s in self.sessions for c in s.commands]

    # ---- the server

    def _accept(self):
        while not self.stopping:
            r, _, _ = select.select([self.sock], [], [], 0.05)
            if not r:
                continue
            try:
                c, peer = self.sock.accept()
            except OSError:
                continue
            with self.lock:
                self.connections += 1
                self.conns.append(c)
            th = threading.Thread(target=self._serve, args=(c, peer), daemon=True)
            self.threads.append(th)
            th.start()

    def _slow(self, verb):
        if self.tarpit and (self.tarpit_on is None or verb in self.tarpit_on):
            end = time.monotonic() + self.tarpit
            while not self.stopping and time.monotonic() < end:
                time.sleep(0.02)

    def _serve(self, sock, peer):
        s = Session(peer)
        with self.lock:
            self.sessions.append(s)
        conn = _Conn(sock)
        try:
            self._session(conn, s)
        except (_Closed, OSError, ssl.SSLError):
            pass
        finally:
            s.closed = True
            try:
                conn.sock.close()
            except OSError:
                pass

    def _reply(self, conn, s, verb, text):
        self._slow(verb)
        if self.early_check and not self.pipelining and verb != "GREETING":
            end = time.monotonic() + self.early_check
            while time.monotonic() < end:
                if conn.buffered() or conn.readable(0.02):
                    s.early.append(verb)
                    break
        conn.send(text.encode() + b"\r\n")

    def _ehlo_reply(self, s):
        lines = ["%s Hello %s" % (self.name, s.ehlo)]
        if self.pipelining:
            lines.append("PIPELINING")
        lines += self.extensions
        if self.ctx is not None and not s.tls:
            lines.append("STARTTLS")
        return "\r\n".join(("250-" if i < len(lines) - 1 else "250 ") + ln
                           for i, ln in enumerate(lines))

    def _session(self, conn, s):
        if self.greeting_delay:
            time.sleep(self.greeting_delay)
        self._slow("GREETING")
        conn.send(self.greeting.encode() + b"\r\n")
        if not self.greeting.startswith("220"):
            # a refusing server still answers QUIT, then closes
            line = conn.line(30)
            s.commands.append(line)
            if line.upper() == "QUIT":
                conn.send(b"221 2.0.0 bye\r\n")
            return
        txn = None
        n = 0
        while True:
            line = conn.line(60)
            s.commands.append(line)
            verb = line.split(" ", 1)[0].upper()
            n += 1
            if self.fail_after is not None and n > self.fail_after:
                self._reply(conn, s, verb, "421 4.3.0 %s closing the connection" % self.name)
                return
            if verb in ("EHLO", "HELO"):
                s.ehlo = line[5:].strip()
                txn = None
                self._reply(conn, s, verb, self._ehlo_reply(s) if verb == "EHLO" else
                            "250 %s" % self.name)
            elif verb == "STARTTLS" and self.ctx is not None and not s.tls:
                self._slow(verb)
                conn.send(self.starttls_reply)
                conn.drop_buffer()      # nothing sent in the clear counts after TLS
                if self.starttls_break is not None:
                    if self.starttls_break:
                        conn.readable(2.0)      # the client's first handshake bytes
                        conn.send(self.starttls_break)
                    return
                conn.starttls(self.ctx, s)
                s.tls = True
                s.ehlo = None
                txn = None
            elif verb == "MAIL" and line[:10].upper() == "MAIL FROM:":
                addr, params = _path(line[10:])
                reply = self.mail_reply or "250 2.1.0 sender ok"
                if reply.startswith("2"):
                    txn = Txn(addr, params, s.tls)
                    s.txns.append(txn)
                self._reply(conn, s, verb, reply)
            elif verb == "RCPT" and line[:8].upper() == "RCPT TO:":
                addr, _ = _path(line[8:])
                if txn is None:
                    self._reply(conn, s, verb, "503 5.5.1 MAIL first")
                    continue
                reply = self.rcpt_replies.get(addr.lower(), "250 2.1.5 recipient ok")
                if reply.startswith("2"):
                    txn.rcpts.append(addr)
                else:
                    txn.refused.append((addr, reply))
                self._reply(conn, s, verb, reply)
            elif verb == "DATA":
                if txn is None or not txn.rcpts:
                    self._reply(conn, s, verb, "554 5.5.1 no valid recipients")
                    continue
                reply = self.data_reply or "354 go ahead"
                self._reply(conn, s, verb, reply)
                if not reply.startswith("354"):
                    continue
                raw, data = conn.data(60)
                txn.raw, txn.data, txn.complete = raw, data, True
                self._reply(conn, s, "DOT", self.dot_reply or "250 2.0.0 accepted")
                txn = None
            elif verb == "RSET":
                txn = None
                self._reply(conn, s, verb, "250 2.0.0 reset")
            elif verb == "NOOP":
                self._reply(conn, s, verb, "250 2.0.0 ok")
            elif verb == "QUIT":
                self._reply(conn, s, verb, "221 2.0.0 %s closing" % self.name)
                return
            else:
                self._reply(conn, s, verb, "502 5.5.2 command not recognized")


def _path(rest):
    """The address between < and > and the parameters after it."""
    rest = rest.strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end != -1:
            return rest[1:end], rest[end + 1:].strip()
    addr, _, params = rest.partition(" ")
    return addr, params


class _Conn:
    """Buffered lines over a socket that may turn into TLS."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def buffered(self):
        return b"\n" in self.buf

    def readable(self, timeout):
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def _more(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or not self.readable(left):
            raise _Closed("timed out")
        chunk = self.sock.recv(65536)
        if not chunk:
            raise _Closed("closed")
        self.buf += chunk

    def line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            self._more(deadline)
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def data(self, timeout):
        """The message up to the final dot: (raw, unstuffed)."""
        deadline = time.monotonic() + timeout
        raw = b""
        while True:
            end = self.buf.find(b"\r\n.\r\n")
            if self.buf.startswith(b".\r\n") and not raw:
                self.buf = self.buf[3:]
                break
            if end != -1:
                raw += self.buf[:end + 2]
                self.buf = self.buf[end + 5:]
                break
            # keep the last 4 bytes: the end marker may straddle reads
            if len(self.buf) > 4:
                raw += self.buf[:-4]
                self.buf = self.buf[-4:]
            self._more(deadline)
        lines = raw.split(b"\r\n")
        data = b"\r\n".join(ln[1:] if ln.startswith(b".") else ln for ln in lines)
        return raw, data

    def drop_buffer(self):
        self.buf = b""

    def starttls(self, ctx, s):
        def sni(sslsock, name, c):
            s.sni = name
        ctx.sni_callback = sni
        self.sock.settimeout(30)
        self.sock = ctx.wrap_socket(self.sock, server_side=True)
        self.sock.settimeout(None)
        s.tls_version = self.sock.version()


# ---- herald's side

def remote_setup(inst, port, dns=None, routes="", **more):
    """Point inst's herald-remote at the test's servers: control/remoteport
    (port), control/resolvers (dns, a dnslib.DnsServer; none when None),
    control/smtproutes (routes, replacing the test instance's catch-all),
    short timeouts and back-off (timeoutconnect 1, timeoutremote 2,
    backoffremote 2), and retries far off (retrymin/retrymax 3600) so a
    deferred recipient stays pending; more={name: text} overrides or adds
    control files."""
    files = {"remoteport": "%d\n" % port, "smtproutes": routes,
             "timeoutconnect": "1\n", "timeoutremote": "2\n", "backoffremote": "2\n",
             "retrymin": "3600\n", "retrymax": "3600\n"}
    if dns is not None:
        files["resolvers"] = dns.resolver_line() + "\n"
    files.update(more)
    for name, text in files.items():
        inst.control(name, text)


_START = re.compile(rb"herald-send: starting delivery (\d+): msg ([0-9a-f]+) to remote (\S+)")
_RESULT = re.compile(rb"herald-send: delivery (\d+): (success|deferral|failure): (.*)")


def outcomes(log):
    """The results of remote deliveries in herald-send's log (bytes), in
    order: a list of (recipient, message id, "success" | "deferral" |
    "failure", text) tuples (str). Delivery numbers are slots that are used
    again (local and remote ones never share a number), so each result
    belongs to the last delivery started with its number."""
    slot, out = {}, []
    for line in log.splitlines():
        m = _START.search(line)
        if m:
            slot[m.group(1)] = (m.group(3).decode(), m.group(2).decode())
            continue
        m = _RESULT.search(line)
        if m and m.group(1) in slot:
            rcpt, mid = slot.pop(m.group(1))
            out.append((rcpt, mid, m.group(2).decode(), m.group(3).decode(errors="replace")))
    return out


def results_for(d, rcpts, timeout=20):
    """Wait until herald-send's log (daemon d) has a result for every
    recipient in rcpts; True if it came within timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = [r for r, _, _, _ in outcomes(d.text())]
        if all(r in got for r in rcpts):
            return True
        time.sleep(0.1)
    return False


def outcome(log, rcpt, nth=-1):
    """(kind, text) of rcpt's nth result (default the last), or (None, None)."""
    got = [(k, txt) for r, _, k, txt in outcomes(log) if r == rcpt]
    try:
        return got[nth]
    except IndexError:
        return None, None


def qstates(inst):
    """{recipient: state} of every recipient of every message in inst's
    queue (herald-qread: pending, done, failed, bounced)."""
    p = inst.run("herald-qread")
    out = {}
    for line in p.stdout.decode(errors="replace").splitlines():
        if line.startswith("\t"):
            _, state, addr = line.split("\t", 2)
            out[addr] = state
    return out


def smtp_wire(message):
    """message (LF line ends) as an SMTP client must send it: CRLF line
    ends and a dot doubled at the start of every line that has one
    (without the final dot)."""
    lines = message.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n" for ln in lines)
