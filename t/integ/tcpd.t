#!/usr/bin/env python3
"""tcpd.t: herald-tcpd accepts connections on 127.0.0.1 (and ::1 when it
can be bound), runs the program with the UCSPI environment, applies the
per-client and global limits, the rules file (deny text, variables, re-read
on SIGHUP, fatal when bad at start) and stops accepting on SIGTERM while
running sessions finish. Every process started here is stopped by PID."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile

from daemon import reap_orphans
from taplib import Tap, prog
import tcpdlib
from tcpdlib import read_all, wait_for

t = Tap()
base = tempfile.mkdtemp(prefix="herald-tcpd-t-")
procs = []

# the program run for each connection: prints its environment
ENV_PROG = ["/bin/sh", "-c", "env; echo END"]
# says ready, then waits for one line from the client (or its end)
HOLD_PROG = ["/bin/sh", "-c", "echo ready; read x; echo done"]


class Tcpd(tcpdlib.Tcpd):
    """One herald-tcpd on port 0, its log in base; kept in procs."""

    def __init__(self, args, program, addrs="127.0.0.1", env=None):
        super().__init__(base, args, program, addrs=addrs, env=env)
        procs.append(self.proc)

    def wait_log(self, needle, timeout=10.0):
        """Wait until the log has needle; False (and the log shown) if it never comes."""
        return super().wait_log(needle, timeout, diag=t.diag)


def read_line(s, timeout=10.0):
    s.settimeout(timeout)
    out = b""
    while not out.endswith(b"\n"):
        d = s.recv(1)
        if not d:
            break
        out += d
    return out


def parse_env(data):
    env = {}
    for line in data.decode(errors="replace").splitlines():
        k, sep, v = line.partition("=")
        if sep:
            env[k] = v
    return env


def can_bind_v6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


try:
    # --- the UCSPI environment
    env = dict(os.environ, TCPREMOTEHOST="bogus.example", TCPREMOTEINFO="bogus",
               TCPLOCALHOST="bogus.example", TCPREMOTEIP="192.0.2.99")
    d = Tcpd([], ENV_PROG, env=env)
    t.is_(d.ports, [["127.0.0.1", str(d.port)]], "port file names the address and port")
    t.ok(d.port > 0, "an ephemeral port was chosen")
    c = d.connect()
    cport = c.getsockname()[1]
    data = read_all(c)
    e = parse_env(data)
    t.ok(data.endswith(b"END\n"), "the program ran with the socket as its output")
    t.is_(e.get("PROTO"), "TCP", "PROTO=TCP")
    t.is_(e.get("TCPLOCALIP"), "127.0.0.1", "TCPLOCALIP")
    t.is_(e.get("TCPLOCALPORT"), str(d.port), "TCPLOCALPORT")
    t.is_(e.get("TCPREMOTEIP"), "127.0.0.1", "TCPREMOTEIP (inherited value replaced)")
    t.is_(e.get("TCPREMOTEPORT"), str(cport), "TCPREMOTEPORT")
    t.is_([k for k in ("TCPLOCALHOST", "TCPREMOTEHOST", "TCPREMOTEINFO") if k in e], [],
          "TCPLOCALHOST, TCPREMOTEHOST, TCPREMOTEINFO are unset")
    m = wait_for(lambda: re.search(r"end (\d+) status 0", d.text()), "end line")
    t.ok("start %s 127.0.0.1:%d" % (m.group(1), cport) in d.text(),
         "log has start PID IP:PORT and end PID status 0")
    c = d.connect()
    c.sendall(b"x")
    t.ok(read_all(c).endswith(b"END\n"), "a second connection is served too")
    t.is_(d.stop(), 0, "SIGTERM: exits 0")

    # --- IPv6
    if not can_bind_v6():
        t.skip("IPv6 ::1", "::1 cannot be bound here")
    else:
        d = Tcpd([], ENV_PROG, addrs="127.0.0.1,::1")
        t.is_(d.ports, [["127.0.0.1", str(d.port)], ["::1", str(d.port)]],
              "both addresses bound to one ephemeral port")
        c = d.connect(src="::1", dst="::1")
        cport = c.getsockname()[1]
        e = parse_env(read_all(c))
        t.is_((e.get("TCPLOCALIP"), e.get("TCPREMOTEIP"), e.get("TCPREMOTEPORT")),
              ("::1", "::1", str(cport)), "IPv6 client: plain IPv6 addresses in the environment")
        t.ok(d.wait_log("[::1]:%d" % cport), "IPv6 start line")
        e = parse_env(read_all(d.connect()))
        t.is_(e.get("TCPREMOTEIP"), "127.0.0.1", "the IPv4 address is served too")
        t.is_(d.stop(), 0, "IPv6 instance stops")

    # --- per-client limit
    d = Tcpd(["-C", "2", "-r", "421 4.7.0 too many connections from your address"], HOLD_PROG)
    c1, c2 = d.connect(), d.connect()
    t.is_((read_line(c1), read_line(c2)), (b"ready\n", b"ready\n"), "-C 2: two sessions run")
    c3 = d.connect()
    t.is_(read_all(c3), b"421 4.7.0 too many connections from your address\r\n",
          "-C 2: the third gets the -r text and is closed")
    t.ok(d.wait_log("limit 127.0.0.1 (per-client 2)"), "limit is logged")
    c4 = d.connect(src="127.0.0.2")
    t.is_(read_line(c4), b"ready\n", "another client address is not limited")
    c1.sendall(b"bye\n")
    t.is_(read_all(c1), b"done\n", "first session ends")
    d.wait_log("status 0")
    c5 = d.connect()
    t.is_(read_line(c5), b"ready\n", "after one ends, the client may connect again")
    for s in (c2, c4, c5):
        s.close()
    t.is_(d.stop(), 0, "stops")

    # --- global limit
    d = Tcpd(["-c", "1"], HOLD_PROG)
    c1 = d.connect()
    t.is_(read_line(c1), b"ready\n", "-c 1: first session runs")
    c2 = d.connect()                    # completes in the backlog
    c2.settimeout(0.5)
    try:
        got = c2.recv(100)
    except socket.timeout:
        got = None
    t.is_(got, None, "-c 1: the second waits while the first runs")
    c1.sendall(b"bye\n")
    t.is_(read_all(c1), b"done\n", "first session ends")
    t.is_(read_line(c2), b"ready\n", "-c 1: the second runs once the first ended")
    c2.close()
    t.is_(d.stop(), 0, "stops")

    # --- rules: deny text, variables, default text, SIGHUP
    rules = os.path.join(base, "rules")
    write(rules, "# test rules\n"
          "127.0.0.2:deny,TEXT=\"554 5.7.1 not from 127.0.0.2\"\n"
          "127.0.0.3:deny\n"
          "\n"
          "127.:allow,RELAYCLIENT=\"\",GREETING=\"a, b\"\n"
          ":deny\n")
    d = Tcpd(["-x", rules, "-r", "421 4.3.2 refused"], ENV_PROG)
    t.is_(read_all(d.connect(src="127.0.0.2")), b"554 5.7.1 not from 127.0.0.2\r\n",
          "deny rule: its TEXT")
    t.ok(d.wait_log("deny 127.0.0.2 (rule %s:2)" % rules),
         "deny is logged with FILE:LINE")
    t.is_(read_all(d.connect(src="127.0.0.3")), b"421 4.3.2 refused\r\n",
          "deny rule without TEXT: the -r text")
    e = parse_env(read_all(d.connect()))
    t.is_(e.get("RELAYCLIENT"), "", "RELAYCLIENT=\"\" is set and empty")
    t.is_(e.get("GREETING"), "a, b", "quoted value with a comma")
    t.is_(d.text().count("herald-tcpd: start "), 1, "no program ran for the denied clients")

    write(rules, "127.0.0.1:deny,TEXT=\"421 4.7.0 new rules\"\n:allow\n")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("rules %s: 2 rules" % rules)
    t.is_(read_all(d.connect()), b"421 4.7.0 new rules\r\n", "SIGHUP: new rules apply")
    e = parse_env(read_all(d.connect(src="127.0.0.2")))
    t.ok("RELAYCLIENT" not in e and e.get("PROTO") == "TCP",
         "SIGHUP: the old deny rule and variables are gone")
    write(rules, ":allow\n10.0.0.0/33:allow\n")
    d.proc.send_signal(signal.SIGHUP)
    d.wait_log("keeping the old rules")
    t.ok("%s:2: bad IPv4 prefix length" % rules in d.text(), "bad file on SIGHUP: FILE:LINE logged")
    t.is_(read_all(d.connect()), b"421 4.7.0 new rules\r\n", "bad file on SIGHUP: old rules kept")
    t.ok(d.proc.poll() is None, "still running")
    t.is_(d.stop(), 0, "stops")

    # --- a bad rules file at start
    write(rules, "127.:allow\n\n127.0.0.1:allow,RELAYCLIENT\n")
    p = subprocess.run([prog("herald-tcpd"), "-x", rules, "127.0.0.1", "0"] + ENV_PROG,
                       capture_output=True, timeout=30)
    t.ok(p.returncode != 0, "bad rules at start: nonzero exit (%d)" % p.returncode)
    t.ok(("%s:3:" % rules).encode() in p.stderr, "bad rules at start: FILE:LINE in the error")
    p = subprocess.run([prog("herald-tcpd"), "127.0.0.1", "0"], capture_output=True, timeout=30)
    t.is_(p.returncode, 100, "missing program: usage error 100")

    # --- SIGTERM: stop accepting, running sessions finish
    d = Tcpd([], HOLD_PROG)
    c1 = d.connect()
    t.is_(read_line(c1), b"ready\n", "a session runs")
    t.is_(d.stop(), 0, "SIGTERM with a session running: exits 0")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", d.port), timeout=5).close()
    except ConnectionRefusedError:
        refused = True
    t.ok(refused, "after SIGTERM, connections are refused")
    c1.sendall(b"bye\n")
    t.is_(read_all(c1), b"done\n", "the running session finished its work")
    t.ok("stop: 1 children still running" in d.text(), "stop is logged")

    # --- privileges
    if os.geteuid() != 0:
        t.skip("-u/-g", "not root")
    else:
        d = Tcpd(["-u", "65534", "-g", "65534"], ["/bin/sh", "-c", "id -u; id -g; id -G"])
        t.is_(read_all(d.connect()).split(), [b"65534"] * 3, "-u -g: the program runs as them")
        t.is_(d.stop(), 0, "stops")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    reap_orphans()
    shutil.rmtree(base, ignore_errors=True)
t.done()
