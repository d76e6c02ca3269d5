"""tcpdlib: herald-tcpd on a port the kernel chooses, for the tests that
run programs (or workers, -w) behind it.

    from tcpdlib import Tcpd, read_all, wait_for
    d = Tcpd(base, ["-C", "2"], ["/bin/sh", "-c", "echo hi"])
    data = read_all(d.connect())
    d.wait_log("end ", diag=t.diag)
    d.stop()

Tcpd starts herald-tcpd with -P PORTFILE on port 0 of the given addresses
and waits for the port file; its standard error goes to a log file in
base. A herald-tcpd that does not come up is stopped before the error is
raised; once started, the caller stops it with stop() (and keeps the PID,
proc.pid, to kill it when a test fails half way). Every wait is bounded
in time.
"""
import os
import re
import signal
import socket
import subprocess
import time

from taplib import prog


def wait_for(cond, what, timeout=10.0):
    """Poll cond() until true and return its value; raises TimeoutError
    naming what."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise TimeoutError("timed out waiting for " + what)


class Tcpd:
    """One herald-tcpd [-w] -P PORTFILE ARGS ADDRS 0 PROGRAM, its log in a
    file in base. ports is the port file, a [address, port] pair a line;
    port the port chosen."""
    n = 0

    def __init__(self, base, args, program, addrs="127.0.0.1", env=None, workers=False):
        Tcpd.n += 1
        self.portfile = os.path.join(base, "ports%d" % Tcpd.n)
        self.log_path = os.path.join(base, "log%d" % Tcpd.n)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [prog("herald-tcpd")] + (["-w"] if workers else []) + ["-P", self.portfile] +
            list(args) + [addrs, "0"] + list(program),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log,
            env=env or dict(os.environ))
        try:
            wait_for(lambda: os.path.exists(self.portfile) or self.proc.poll() is not None,
                     "the port file")
            if self.proc.poll() is not None:
                raise RuntimeError("herald-tcpd exited: " + self.text())
            with open(self.portfile) as f:
                self.ports = [line.split() for line in f.read().splitlines()]
            self.port = int(self.ports[0][1])
        except BaseException:
            self.stop()
            raise

    def text(self):
        """The log so far."""
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait_log(self, needle, timeout=10.0, diag=None):
        """Wait until the log has needle; False if it never comes (then the
        log is given to diag, if there is one)."""
        try:
            return wait_for(lambda: needle in self.text(), repr(needle), timeout)
        except TimeoutError:
            if diag is not None:
                diag(self.text())
            return False

    def workers(self):
        """PIDs of the workers started, from the log."""
        return [int(p) for p in re.findall(r"herald-tcpd: worker (\d+)\n", self.text())]

    def connect(self, src="127.0.0.1", dst="127.0.0.1"):
        """A TCP connection from src to herald-tcpd's port on dst."""
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.settimeout(10)
            s.bind((src, 0))
            s.connect((dst, self.port))
        except BaseException:
            s.close()
            raise
        return s

    def stop(self):
        """SIGTERM, then SIGKILL after 10 seconds; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def read_all(s, timeout=10.0):
    """Everything s sends until its end, a reset or timeout seconds; closes s."""
    out = b""
    end = time.monotonic() + timeout
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            d = s.recv(4096)
            if not d:
                break
            out += d
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out
