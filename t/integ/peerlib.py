"""peerlib: real SMTP servers -- Postfix, Exim and OpenSMTPD -- as receiving
peers on 127.0.0.1, for the tests of herald's remote delivery.

    from peerlib import PEERS, strip_trace, received_tls
    for cls in PEERS:
        why = cls.available(tls=True)
        if why: t.skip(cls.name, why); continue
        with cls(tls=True) as peer:          # started on 127.0.0.1:peer.port
            ...deliver to 127.0.0.1:peer.port...
            msgs = peer.wait_messages(1)      # list of bytes, oldest first

Each peer runs as root with a private configuration in its own temporary
directory (base): it listens on 127.0.0.1 only, at a free port, accepts mail
for any recipient at any domain, relays nowhere, and stores every delivered
copy in one Maildir (base/mail/Maildir, one file per recipient). With
tls=True it offers STARTTLS with a self-signed certificate made here
(make_cert); with tls=False it does not offer it.

What a test uses: peer.host and peer.port (where to deliver), peer.tls,
peer.hostname (the server's name, also the name in its certificate) and
peer.cert (its (certificate, key) files: the certificate is what a client
that verifies must trust), peer.messages() / peer.wait_messages(n) (the
stored messages as bytes), peer.log(), peer.pid and peer.pids() (its
processes), peer.stop(); and strip_trace(), received_with() and
received_tls() to compare what was stored with what was sent.

- Postfix: the installed Debian package as a private instance (its own
  config_directory, queue_directory and data_directory in base; only the
  smtpd listener on the port, virtual(8) delivery of every domain to the
  Maildir, logging to base/maillog), started with `postfix -c DIR start`
  and stopped with `postfix -c DIR stop`.
- Exim: the Debian exim4-daemon-light binary unpacked (not installed) into
  PEERS_DIR/exim4 by scripts/install-deps, run as `exim4 -C CONF -bdf -oX
  PORT` in the foreground. A -C configuration is not trusted, so after
  reception Exim runs as its user Debian-exim and delivers as that user
  (deliver_drop_privilege): the spool, log and Maildir belong to it.
- OpenSMTPD: the Debian opensmtpd binary unpacked into PEERS_DIR/opensmtpd,
  run as `smtpd -d -f CONF` in a private mount namespace (unshare -m) in
  which base's directories are mounted on the paths compiled into it
  (/var/spool/smtpd, /run/smtpd.sock, /usr/libexec/opensmtpd, its chroot
  /var/lib/opensmtpd/empty), so nothing outside base is used or changed.
  Debian 12's OpenSMTPD 6.8 cannot complete a TLS handshake when linked with
  OpenSSL 3: its privilege-separated key engine is attached to a key object
  that OpenSSL 3 no longer uses, so signing fails ("missing private key").
  With tls=True a small preloaded library (OPENSMTPD_TLS_SHIM, built here
  with cc) hands OpenSSL 3 the engine-backed key again; the handshake and
  the signature are still OpenSMTPD's and OpenSSL's own.

Processes: every peer runs in a process group of its own (pgid); this
process is made a child subreaper so that daemonized servers stay its
descendants and can be reaped. stop() stops the server the way its
operator would, waits (bounded) until no process of the peer is left --
its group and session, their descendants, and anything whose command line
names base -- and kills what is left. A watchdog process per peer does
the same if this process dies without calling stop(). base is removed
afterwards unless HERALD_KEEP=1.
"""
import ctypes
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PEERS_DIR = os.environ.get("HERALD_PEERS_DIR", "/opt/herald-peers")
HOST = "127.0.0.1"

PR_SET_CHILD_SUBREAPER = 36
if __name__ != "__main__":
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

# Fields that servers add when they receive or deliver a message.
TRACE_FIELDS = (b"received", b"return-path", b"delivered-to")


class PeerError(Exception):
    """A peer did not start; the message carries its log."""


def make_cert(base, cn="peer.test"):
    """A self-signed RSA certificate for the name cn (subject and
    subjectAltName) and its key in base (openssl req -x509); (cert, key)
    paths, or None if openssl cannot make them."""
    if shutil.which("openssl") is None:
        return None
    cert, key = os.path.join(base, "cert.pem"), os.path.join(base, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=" + cn, "-addext", "subjectAltName=DNS:" + cn,
                        "-days", "2", "-keyout", key, "-out", cert],
                       capture_output=True, timeout=60)
    if p.returncode != 0 or not os.path.exists(cert) or not os.path.exists(key):
        return None
    os.chmod(key, 0o600)
    return cert, key


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (chosen by the kernel)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _listeners(port):
    """Inodes of the sockets listening on 127.0.0.1:port (/proc/net/tcp)."""
    want = "0100007F:%04X" % port
    found = set()
    try:
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                w = line.split()
                if len(w) > 9 and w[1] == want and w[3] == "0A":
                    found.add(int(w[9]))
    except OSError:
        pass
    return found


def listening(port, pids=None):
    """True if a socket listens on 127.0.0.1:port (read from /proc, so no
    connection is made); with pids, only one that those processes hold."""
    inodes = _listeners(port)
    if not inodes or pids is None:
        return bool(inodes)
    for pid in pids:
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and int(link[8:-1]) in inodes:
                return True
    return False


def wait_until(cond, timeout):
    """Poll cond() until it is true (returns True) or timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        if cond():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.05)


def _stat(pid):
    """(state, ppid, pgid, sid) of a process, or None if there is none."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    w = data[data.rfind(b")") + 2:].split()
    return w[0].decode(), int(w[1]), int(w[2]), int(w[3])


def alive(pid):
    """True if process pid exists and has not exited (a zombie has)."""
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def processes(pgid, base, exclude=()):
    """PIDs (zombies included) of the processes that belong to a peer: in
    process group or session pgid, with base in the command line, and their
    descendants."""
    table = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                table[int(name)] = st
    key = os.fsencode(base) if base else None
    found = set()
    for pid, (_, _, pg, sid) in table.items():
        if pid in exclude or pid == os.getpid():
            continue
        if pgid and pgid in (pg, sid):
            found.add(pid)
        elif key:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if key in f.read():
                        found.add(pid)
            except OSError:
                pass
    grew = True
    while grew:
        grew = False
        for pid, (_, ppid, _, _) in table.items():
            if ppid in found and pid not in found and pid not in exclude and pid != os.getpid():
                found.add(pid)
                grew = True
    return sorted(found)


def _reap(pids):
    """Collect the exit status of those pids that are zombie children of this process."""
    for pid in pids:
        st = _stat(pid)
        if st is not None and st[0] == "Z" and st[1] == os.getpid():
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def terminate(pgid, base, exclude=(), timeout=10.0):
    """Wait up to timeout for the peer's processes to end, then SIGKILL what
    is left and wait again; True if none is left."""
    def gone():
        pids = processes(pgid, base, exclude)
        _reap(pids)
        return not [p for p in pids if alive(p)]
    if wait_until(gone, timeout):
        return True
    for pid in processes(pgid, base, exclude):
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return wait_until(gone, 5.0)


def unfold_header(msg):
    """The header fields of a message as a list of (lower-case name, raw
    field bytes with its line ends), and the rest (from the empty line on)."""
    fields = []
    pos = 0
    while pos < len(msg) and msg[pos:pos + 1] not in (b"\n", b"\r"):
        end = pos
        while True:
            nl = msg.find(b"\n", end)
            end = len(msg) if nl == -1 else nl + 1
            if end >= len(msg) or msg[end:end + 1] not in (b" ", b"\t"):
                break
        raw = msg[pos:end]
        fields.append((raw.split(b":", 1)[0].strip().lower(), raw))
        pos = end
    return fields, msg[pos:]


def strip_trace(msg):
    """The message with CRLF line ends turned into LF (a Maildir stores LF)
    and without the trace fields servers add (Received, Return-Path,
    Delivered-To, X-*): what must be left byte for byte as it was sent."""
    msg = msg.replace(b"\r\n", b"\n")
    fields, rest = unfold_header(msg)
    keep = [raw for name, raw in fields
            if name not in TRACE_FIELDS and not name.startswith(b"x-")]
    return b"".join(keep) + rest


def by_message_id(msgs, tag, domain):
    """The message in msgs whose Message-ID is <TAG@DOMAIN> (bytes), or None."""
    want = b"<" + tag + b"@" + domain + b">"
    for m in msgs:
        for line in m.splitlines():
            if line.lower().startswith(b"message-id:") and want in line:
                return m
    return None


def received_with(msg):
    """The protocol in the first Received field ("ESMTP", "ESMTPS", ...,
    upper case), or None."""
    for name, raw in unfold_header(msg)[0]:
        if name == b"received":
            m = re.search(rb"(?i)\bwith\s+((?:UTF8)?(?:E?SMTP|LMTP)[A-Z]*)\b", raw)
            return m.group(1).decode().upper() if m else None
    return None


def received_tls(msg):
    """True if the first Received field says the message came over TLS
    (RFC 3848 protocol ESMTPS or ESMTPSA)."""
    return received_with(msg) in ("ESMTPS", "ESMTPSA")


def _ldd_missing(path):
    p = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=30)
    return [ln.split()[0] for ln in p.stdout.splitlines() if "not found" in ln]


def _user(name):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


class Peer:
    """One receiving SMTP server on 127.0.0.1:port. Subclasses set name and
    implement _check(), _setup(), _launch() and _shutdown()."""
    name = None
    product = None

    def __init__(self, tls=True, hostname=None):
        self.tls = tls
        self.hostname = hostname or "%s.peer.test" % self.name
        self.base = None
        self.port = None
        self.host = HOST
        self.pid = None         # the server's main process
        self.pgid = None        # its process group
        self.proc = None        # Popen of the server when it runs in the foreground
        self.cert = None
        self.watchdog = None
        self.log_path = None

    # ---- what every peer has

    @classmethod
    def available(cls, tls=True):
        """None if this peer can run here, else the reason it cannot."""
        if os.geteuid() != 0:
            return "%s runs only as root" % cls.product
        if shutil.which("openssl") is None and tls:
            return "no openssl to make a certificate"
        return cls._check(tls)

    @property
    def maildir(self):
        return os.path.join(self.base, "mail", "Maildir")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    def start(self, timeout=30.0):
        """Start the server; raises PeerError (with its log) if it does not
        listen within timeout seconds, having stopped what it started and
        removed base. Tries three ports if one is taken."""
        why = self.available(self.tls)
        if why:
            raise PeerError(why)
        self.base = tempfile.mkdtemp(prefix="herald-peer-%s-" % self.name)
        try:
            os.chmod(self.base, 0o755)      # the servers' own users walk through it
            os.makedirs(os.path.join(self.base, "mail"))
            if self.tls:
                self.cert = make_cert(self.base, self.hostname)
                if self.cert is None:
                    raise PeerError("openssl req -x509 failed")
            for attempt in range(3):
                self.port = free_port()
                self.pid = self.pgid = self.proc = None
                self._setup()
                try:
                    self._launch(timeout)
                    break
                except PeerError as e:
                    self._kill_all()
                    if attempt == 2 or "in use" not in str(e):
                        raise
            self._arm_watchdog()
            return self
        except BaseException:
            self.stop()
            self.cleanup()
            raise

    def stop(self):
        """Stop the server cleanly, then make sure none of its processes is
        left (killed if need be); True if none is."""
        if self.base is None:
            return True
        if self.pid is not None and alive(self.pid):
            try:
                self._shutdown()
            except (OSError, subprocess.SubprocessError):
                pass
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        ok = self._kill_all()
        if self.watchdog is not None:
            try:
                self.watchdog.stdin.write(b"done\n")
                self.watchdog.stdin.close()
                self.watchdog.wait(10)
            except (OSError, subprocess.SubprocessError):
                pass
            self.watchdog = None
        return ok

    def cleanup(self):
        """Remove base (kept with HERALD_KEEP=1); call after stop()."""
        if self.base and os.environ.get("HERALD_KEEP") != "1":
            shutil.rmtree(self.base, ignore_errors=True)
        self.base = None

    def pids(self):
        """The peer's processes that are still running."""
        if self.base is None:
            return []
        ex = (self.watchdog.pid,) if self.watchdog else ()
        return [p for p in processes(self.pgid, self.base, ex) if alive(p)]

    def messages(self):
        """The delivered messages (files in the Maildir's new/ and cur/), as
        bytes, in the order they were delivered."""
        files = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir, sub)
            if os.path.isdir(d):
                for n in os.listdir(d):
                    p = os.path.join(d, n)
                    files.append((os.stat(p).st_mtime_ns, n, p))
        out = []
        for _, _, p in sorted(files):
            with open(p, "rb") as f:
                out.append(f.read())
        return out

    def wait_messages(self, count, timeout=20.0):
        """messages() once there are at least count (or when timeout runs out)."""
        wait_until(lambda: len(self.messages()) >= count, timeout)
        return self.messages()

    def log(self):
        """The server's log (text)."""
        out = []
        for p in self._log_files():
            try:
                with open(p, "rb") as f:
                    out.append("==> %s <==\n%s" % (os.path.basename(p),
                                                    f.read().decode(errors="replace")))
            except OSError:
                pass
        return "\n".join(out)

    # ---- helpers for the subclasses

    def _path(self, *parts):
        return os.path.join(self.base, *parts)

    def _write(self, name, text, mode=0o644):
        p = self._path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def _popen(self, argv, env=None):
        """Start the server in the foreground, in a session of its own."""
        self.log_path = self._path("%s.out" % self.name)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        self.pid = self.pgid = self.proc.pid

    def _wait_listening(self, timeout, dead=None):
        """Wait until the port listens; raise PeerError if the server dies
        (dead() true) or it takes longer than timeout."""
        dead = dead or (lambda: self.proc is not None and self.proc.poll() is not None)

        def up():
            return listening(self.port, self.pids())
        ok = wait_until(lambda: up() or dead(), timeout)
        if ok and up() and not dead():
            return
        text = self.log()
        if re.search(r"(?i)address (already )?in use", text):
            raise PeerError("port %d in use:\n%s" % (self.port, text))
        raise PeerError("%s did not start on port %d:\n%s" % (self.product, self.port, text))

    def _kill_all(self):
        ex = (self.watchdog.pid,) if self.watchdog else ()
        ok = terminate(self.pgid, self.base, ex)
        if self.proc is not None:
            try:
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                pass
        return ok

    def _arm_watchdog(self):
        """A process that kills the peer if this process ends without stop()."""
        self.watchdog = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--watchdog", str(self.pgid or 0),
             self.base], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)

    def _log_files(self):
        return [self.log_path] if self.log_path else []


class Postfix(Peer):
    """A private instance of the installed Postfix."""
    name = "postfix"
    product = "Postfix"

    @classmethod
    def _postconf(cls, param):
        p = subprocess.run(["postconf", "-dh", param], capture_output=True, text=True,
                           timeout=30)
        return p.stdout.strip() if p.returncode == 0 else None

    @classmethod
    def _check(cls, tls):
        if shutil.which("postfix") is None or shutil.which("postconf") is None:
            return "Postfix is not installed (Debian package postfix)"
        daemons = cls._postconf("daemon_directory")
        if not daemons or not os.access(os.path.join(daemons, "master"), os.X_OK):
            return "no Postfix master program"
        if _user("postfix") is None:
            return "no user postfix"
        try:
            grp.getgrnam("postdrop")
        except KeyError:
            return "no group postdrop"
        return None

    def _setup(self):
        pw = _user("postfix")
        for d in ("conf", "queue", "data"):
            os.makedirs(self._path(d), exist_ok=True)
        os.chown(self._path("data"), pw.pw_uid, pw.pw_gid)
        os.chown(self._path("mail"), pw.pw_uid, pw.pw_gid)
        tls = ""
        if self.tls:
            tls = ("smtpd_tls_security_level = may\n"
                   "smtpd_tls_cert_file = %s\n"
                   "smtpd_tls_key_file = %s\n"
                   "smtpd_tls_received_header = yes\n"
                   "smtpd_tls_session_cache_database =\n" % self.cert)
        else:
            tls = "smtpd_tls_security_level = none\n"
        self._write("conf/main.cf", """\
compatibility_level = 3.6
queue_directory = {base}/queue
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = {base}/maillog
maillog_file_prefixes = {base}
myhostname = {host}
mydomain = peer.test
myorigin = peer.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = $myhostname ESMTP
smtpd_peername_lookup = no
biff = no
notify_classes =
alias_maps =
alias_database =
# every domain is delivered here, by virtual(8), to one Maildir
mydestination =
local_recipient_maps =
virtual_mailbox_domains = static:all
virtual_mailbox_base = {base}/mail
virtual_mailbox_maps = static:Maildir/
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
# and nothing anywhere else
local_transport = error:5.1.1 no local delivery
default_transport = error:5.7.1 no relaying
relay_transport = error:5.7.1 no relaying
{tls}""".format(base=self.base, host=self.hostname, uid=pw.pw_uid, gid=pw.pw_gid, tls=tls))
        # the smtpd listener and the services a delivery to virtual(8) uses;
        # no pickup, no SMTP/LMTP client, nothing chrooted
        services = """\
{port} inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
""".format(port="127.0.0.1:%d" % self.port)
        if self.tls:
            services += "tlsmgr    unix  - - n 1000? 1 tlsmgr\n"
        self._write("conf/master.cf", services)

    def _postfix(self, cmd, timeout=60):
        env = dict(os.environ)
        env.pop("MAIL_CONFIG", None)
        return subprocess.run(["postfix", "-c", self._path("conf"), cmd], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)

    def _launch(self, timeout):
        p = self._postfix("start")
        pidfile = self._path("queue", "pid", "master.pid")
        if p.returncode == 0:
            try:
                with open(pidfile) as f:
                    self.pid = self.pgid = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        if self.pid is None:
            raise PeerError("postfix start failed (%d): %s\n%s" %
                            (p.returncode, p.stderr.decode(errors="replace"), self.log()))
        self._wait_listening(timeout, dead=lambda: not alive(self.pid))

    def _shutdown(self):
        self._postfix("stop", timeout=30)

    def _log_files(self):
        return [self._path("maillog")]


class Exim(Peer):
    """The unpacked Debian Exim (exim4-daemon-light) with a -C configuration."""
    name = "exim"
    product = "Exim"
    user = "Debian-exim"

    @classmethod
    def binary(cls):
        return os.path.join(PEERS_DIR, "exim4", "usr", "sbin", "exim4")

    @classmethod
    def _check(cls, tls):
        b = cls.binary()
        if not os.access(b, os.X_OK):
            return "no %s (scripts/install-deps unpacks exim4-daemon-light there)" % b
        missing = _ldd_missing(b)
        if missing:
            return "%s needs missing libraries: %s" % (b, " ".join(missing))
        if _user(cls.user) is None:
            return "no user %s (scripts/install-deps makes it)" % cls.user
        return None

    def _setup(self):
        pw = _user(self.user)
        for d in ("spool", "log"):
            os.makedirs(self._path(d), exist_ok=True)
        for d in ("spool", "log", "mail"):
            os.chown(self._path(d), pw.pw_uid, pw.pw_gid)
        if self.tls:
            # read by the receiving process, which runs as the Exim user
            os.chown(self.cert[1], pw.pw_uid, pw.pw_gid)
            tls = ("tls_advertise_hosts = *\n"
                   "tls_certificate = %s\n"
                   "tls_privatekey = %s\n" % self.cert)
        else:
            tls = "tls_advertise_hosts =\n"
        self.conf = self._write("exim.conf", """\
primary_hostname = {host}
qualify_domain = peer.test
exim_user = {user}
exim_group = {group}
spool_directory = {base}/spool
log_file_path = {base}/log/%slog
keep_environment =
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = {port}
host_lookup =
rfc1413_hosts =
# after reception a -C configuration runs as exim_user: deliver as that user
deliver_drop_privilege = true
{tls}
# every recipient at every domain, into one Maildir
domainlist local_domains = *
acl_smtp_rcpt = acl_rcpt

begin acl
acl_rcpt:
  accept

begin routers
store:
  driver = accept
  transport = maildir

begin transports
maildir:
  driver = appendfile
  directory = {base}/mail/Maildir
  maildir_format
  create_directory
  return_path_add
  user = {user}
  group = {group}
  mode = 0644
""".format(host=self.hostname, user=self.user, group=grp.getgrgid(pw.pw_gid).gr_name,
           base=self.base, port=self.port, tls=tls))

    def _launch(self, timeout):
        self._popen([self.binary(), "-C", self.conf, "-bdf", "-oX", str(self.port)])
        self._wait_listening(timeout)

    def _shutdown(self):
        os.kill(self.pid, signal.SIGTERM)

    def _log_files(self):
        return [self.log_path, self._path("log", "mainlog"), self._path("log", "paniclog"),
                self._path("log", "rejectlog")]


# Loaded into Debian 12's OpenSMTPD 6.8 for STARTTLS (see the top of this
# file). The unprivileged SMTP process uses the certificate's public key as
# its private key and relies on a default ENGINE (its privilege-separated
# RSA method, which asks the process that holds the key to sign). With
# OpenSSL 3, X509_get_pubkey() returns a provider key that ignores the
# ENGINE; this returns a legacy key built by the ENGINE instead. Without a
# default RSA ENGINE (every other process) nothing changes.
OPENSMTPD_TLS_SHIM = r"""
#define _GNU_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED
#include <dlfcn.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

EVP_PKEY *
X509_get_pubkey(X509 *x)
{
	static EVP_PKEY *(*real)(X509 *);
	EVP_PKEY *pk, *legacy;
	ENGINE *e;
	RSA *rsa;

	if (real == NULL)
		real = (EVP_PKEY *(*)(X509 *))dlsym(RTLD_NEXT, "X509_get_pubkey");
	if (real == NULL || (pk = real(x)) == NULL)
		return NULL;
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA || (e = ENGINE_get_default_RSA()) == NULL)
		return pk;
	ENGINE_finish(e);
	if ((rsa = EVP_PKEY_get1_RSA(pk)) == NULL)
		return pk;
	if ((legacy = EVP_PKEY_new()) == NULL || EVP_PKEY_assign_RSA(legacy, rsa) != 1) {
		EVP_PKEY_free(legacy);
		RSA_free(rsa);
		return pk;
	}
	EVP_PKEY_free(pk);
	return legacy;
}
"""


class OpenSMTPD(Peer):
    """The unpacked Debian OpenSMTPD in a private mount namespace."""
    name = "opensmtpd"
    product = "OpenSMTPD"

    @classmethod
    def root(cls):
        return os.path.join(PEERS_DIR, "opensmtpd")

    @classmethod
    def binary(cls):
        return os.path.join(cls.root(), "usr", "sbin", "smtpd")

    @classmethod
    def _check(cls, tls):
        b = cls.binary()
        if not os.access(b, os.X_OK):
            return "no %s (scripts/install-deps unpacks opensmtpd there)" % b
        for d in ("usr/libexec/opensmtpd", "var/lib/opensmtpd/empty"):
            if not os.path.isdir(os.path.join(cls.root(), d)):
                return "no %s in %s" % (d, cls.root())
        missing = _ldd_missing(b)
        if missing:
            return "%s needs missing libraries: %s" % (b, " ".join(missing))
        for u in ("opensmtpd", "opensmtpq"):
            if _user(u) is None:
                return "no user %s (scripts/install-deps makes it)" % u
        if shutil.which("unshare") is None:
            return "no unshare (util-linux) for a private mount namespace"
        p = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30)
        if p.returncode != 0:
            return "no private mount namespace: %s" % p.stderr.decode(errors="replace").strip()
        if tls and (shutil.which("cc") is None or
                    not os.path.exists("/usr/include/openssl/engine.h")):
            return "STARTTLS needs cc and libssl-dev to build OPENSMTPD_TLS_SHIM"
        return None

    def _setup(self):
        for d in ("spool", "run"):
            shutil.rmtree(self._path(d), ignore_errors=True)
            os.makedirs(self._path(d))
        nobody = _user("nobody")
        uid, gid = (nobody.pw_uid, nobody.pw_gid) if nobody else (65534, 65534)
        os.chown(self._path("mail"), uid, gid)
        # one user "peer" (nobody's ids) receives what is sent to anyone
        self._write("users", "peer %d:%d:%s\n" % (uid, gid, self._path("mail")))
        listen = "listen on 127.0.0.1 port %d hostname %s" % (self.port, self.hostname)
        pki = ""
        if self.tls:
            pki = 'pki peer cert "%s"\npki peer key "%s"\n' % self.cert
            listen += " tls pki peer"
        self.conf = self._write("smtpd.conf", """\
{pki}table vusers {{ "@" = "peer" }}
table users file:{base}/users
{listen}
action "store" maildir "{base}/mail/Maildir" virtual <vusers> userbase <users>
match from any for any action "store"
""".format(pki=pki, base=self.base, listen=listen))
        preload = ""
        if self.tls:
            src = self._write("tlsshim.c", OPENSMTPD_TLS_SHIM)
            so = self._path("tlsshim.so")
            p = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl",
                                "-lcrypto"], capture_output=True, timeout=120)
            if p.returncode != 0:
                raise PeerError("cannot build the TLS shim: " + p.stderr.decode(errors="replace"))
            preload = "LD_PRELOAD=%s " % so
        # the paths compiled into smtpd, mounted from base and the unpacked package
        self.script = self._write("run.sh", """\
set -e
mount --bind {base}/spool /var/spool
mount --bind {base}/run /run
mount --bind {root}/usr/libexec /usr/libexec
mount --bind {root}/var/lib /var/lib
{preload}exec {smtpd} -d -f {conf}
""".format(base=self.base, root=self.root(), preload=preload, smtpd=self.binary(),
           conf=self.conf))

    def _launch(self, timeout):
        p = subprocess.run([self.binary(), "-n", "-f", self.conf], capture_output=True,
                           timeout=30)
        if p.returncode != 0:
            raise PeerError("smtpd -n: " + (p.stdout + p.stderr).decode(errors="replace"))
        self._popen(["unshare", "-m", "--propagation", "private", "/bin/sh", self.script])
        self._wait_listening(timeout)

    def _shutdown(self):
        os.kill(self.pid, signal.SIGTERM)


PEERS = [Postfix, Exim, OpenSMTPD]


def available(peer, tls=True):
    """None if peer (a class from PEERS or its name) can run here, else why not."""
    if isinstance(peer, str):
        peer = {c.name: c for c in PEERS}[peer]
    return peer.available(tls)


def _watchdog(pgid, base):
    """Wait for the test process (standard input closes); unless it said
    "done", stop the peer's processes and remove base."""
    try:
        said = sys.stdin.buffer.read()
    except KeyboardInterrupt:
        said = b""
    if said.startswith(b"done"):
        return 0
    for pid in processes(pgid, base):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    terminate(pgid, base, timeout=5.0)
    if os.environ.get("HERALD_KEEP") != "1":
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--watchdog":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.exit(_watchdog(int(sys.argv[2]), sys.argv[3]))
    print("usage: peerlib.py --watchdog PGID BASE", file=sys.stderr)
    sys.exit(2)
