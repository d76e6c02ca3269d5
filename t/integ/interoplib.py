"""interoplib: herald-smtpd on a TCP port for the tests that talk to it
with real SMTP clients (swaks, Python's smtplib, Postfix's smtp-source).

    from interoplib import Listener, make_cert, swaks
    with Instance() as inst, Listener(inst, base) as srv:
        p = swaks(srv.port, "--to", "alice@herald.test")
        srv.wait_log("tx 127.0.0.1")

Listener runs herald-smtpd (with the given arguments) for every
connection to 127.0.0.1 at a port the kernel chooses. It uses herald-tcpd
from the build tree; if that is missing or does not start, a small accept
loop in Python (LISTENER_SCRIPT) that forks herald-smtpd per connection
with the UCSPI variables set. HERALD_TEST_LISTENER=python forces the
latter. Its log (herald-tcpd's and every herald-smtpd's standard error)
goes to one file.

Every process started here is stopped by PID in stop() / __exit__, also
when a test fails; every wait is bounded in time.
"""
import os
import re
import shutil
import signal
import subprocess
import sys

from taplib import prog
from tcpdlib import wait_for

# The fallback listener: LISTENER_SCRIPT PORTFILE PROGRAM [ARG...]
LISTENER_SCRIPT = r'''
import os, signal, socket, sys
portfile, argv = sys.argv[1], sys.argv[2:]
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
with open(portfile + ".tmp", "w") as f:
    f.write("127.0.0.1 %d\n" % s.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
while True:
    c, (rip, rport) = s.accept()
    lip, lport = c.getsockname()
    pid = os.fork()
    if pid == 0:
        s.close()
        os.dup2(c.fileno(), 0)
        os.dup2(c.fileno(), 1)
        c.close()
        for sig in (signal.SIGPIPE, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        env = dict(os.environ, PROTO="TCP", TCPREMOTEIP=rip, TCPREMOTEPORT=str(rport),
                   TCPLOCALIP=lip, TCPLOCALPORT=str(lport))
        os.execve(argv[0], argv, env)
    c.close()
    sys.stderr.write("listener: start %d %s:%d\n" % (pid, rip, rport))
    sys.stderr.flush()
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass
'''


class Listener:
    """herald-smtpd ARGS behind a listener on 127.0.0.1, port 0.
    kind is "herald-tcpd" or "python"; port the port; text() the log."""
    n = 0

    def __init__(self, inst, base, args=(), env=None):
        self.inst = inst
        self.base = base
        self.args = list(args)
        self.env = env or inst.env()
        self.proc = None
        self.kind = None
        self.port = None
        Listener.n += 1
        self.portfile = os.path.join(base, "port%d" % Listener.n)
        self.log_path = os.path.join(base, "listener%d.log" % Listener.n)
        self.log = open(self.log_path, "ab")

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _spawn(self, argv):
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.proc = subprocess.Popen(argv, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        try:
            wait_for(lambda: os.path.exists(self.portfile) or self.proc.poll() is not None,
                     "the port file")
        except TimeoutError:
            pass
        if self.proc.poll() is None and os.path.exists(self.portfile):
            with open(self.portfile) as f:
                words = f.read().split()
            if len(words) >= 2 and words[1].isdigit():
                self.port = int(words[1])
                return True
        self._kill()
        return False

    def start(self):
        smtpd = [prog("herald-smtpd")] + self.args
        tcpd = prog("herald-tcpd")
        if os.environ.get("HERALD_TEST_LISTENER") != "python" and os.access(tcpd, os.X_OK):
            # no per-client limit: every test client comes from 127.0.0.1
            if self._spawn([tcpd, "-c", "100", "-C", "0", "-P", self.portfile,
                            "127.0.0.1", "0"] + smtpd):
                self.kind = "herald-tcpd"
                return
        script = os.path.join(self.base, "listener.py")
        with open(script, "w") as f:
            f.write(LISTENER_SCRIPT)
        if not self._spawn([sys.executable, script, self.portfile] + smtpd):
            raise RuntimeError("no listener started:\n" + self.text())
        self.kind = "python"

    def _kill(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        """Stop the listener (sessions still running end with their clients)."""
        self._kill()
        if not self.log.closed:
            self.log.close()

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, pattern, timeout=10.0, count=1):
        """Wait until the log has count matches of the regular expression;
        returns the list of matches (shorter if the time ran out)."""
        found = []

        def enough():
            found[:] = list(re.finditer(pattern, self.text()))
            return len(found) >= count
        try:
            wait_for(enough, repr(pattern), timeout)
        except TimeoutError:
            pass
        return found


def make_cert(base, cn="herald.test"):
    """A self-signed certificate and its key in base; (cert, key) paths,
    or None if openssl cannot make them."""
    if shutil.which("openssl") is None:
        return None
    cert, key = os.path.join(base, "cert.pem"), os.path.join(base, "key.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=" + cn, "-days", "2", "-keyout", key, "-out", cert],
                       capture_output=True, timeout=60)
    if p.returncode != 0 or not os.path.exists(cert) or not os.path.exists(key):
        return None
    return cert, key


def install_cert(inst, cert):
    """Copy the certificate and key to control/smtpcert and control/smtpkey."""
    shutil.copyfile(cert[0], inst.path("control", "smtpcert"))
    shutil.copyfile(cert[1], inst.path("control", "smtpkey"))
    os.chmod(inst.path("control", "smtpkey"), 0o600)


def swaks(port, *args, timeout=60):
    """Run swaks against 127.0.0.1:port; returns CompletedProcess with text
    output (the transcript is on standard output)."""
    return subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(port),
                           "--helo", "client.test", "--timeout", "30"] + list(args),
                          capture_output=True, timeout=timeout, text=True, errors="replace")


def queue_id(transcript):
    """The queue id in the 250 reply to the end of data in a swaks transcript, or None."""
    m = re.search(r"^<[-~]\s+250 2\.0\.0 ok ([0-9a-f]+)\s*$", transcript, re.M)
    return m.group(1) if m else None


def new_messages(inst, before):
    """The queue files that are not in before (a list from inst.messages())."""
    return sorted(set(inst.messages()) - set(before))


def split_trace(body):
    """Split a queued message after the two Received fields herald adds:
    (list of the two fields, the rest)."""
    fields = []
    rest = body
    for _ in range(2):
        if not rest.startswith(b"Received:"):
            break
        end = 0
        while True:
            nl = rest.find(b"\n", end)
            if nl == -1:
                end = len(rest)
                break
            end = nl + 1
            if not rest[end:end + 1] in (b" ", b"\t"):
                break
        fields.append(rest[:end])
        rest = rest[end:]
    return fields, rest
