#!/usr/bin/env python3
"""tcpd-worker.t: herald-tcpd -w hands connections to long-running workers
over a SOCK_SEQPACKET socket pair (herald-tcpd(8), WORKERS). A worker
written here in Python checks the protocol: the environment block and the
descriptor, HERALD_TCPD_WORKER and descriptor 1; the per-client limit -C
held until the worker reports "d"; -c bounding the number of workers; -m
retiring a worker, which is replaced; a worker killed in a session giving
its client's count back; SIGTERM. Then herald-smtpd as a worker: 50
messages over 50 connections with fewer than 50 processes, and RELAYCLIENT
from a rule not leaking into the next session of the same worker. Every
process started here is stopped by PID; workers left behind by a stopped
herald-tcpd become children of this process (daemon.py makes it a
subreaper) and are stopped and reaped too."""
import os
import re
import shutil
import signal
import smtplib
import socket
import sys
import tempfile
import time

from daemon import reap_orphans
from taplib import Instance, Tap, prog, read_queue_file
import tcpdlib
from tcpdlib import read_all, wait_for

t = Tap()
base = tempfile.mkdtemp(prefix="herald-tcpd-worker-t-")
procs = []

# The worker: for each connection, writes its PID, its count, facts about
# its own process and the environment block (one entry a line), "END";
# then waits for a line (or the end) from the client, says "done", closes
# the connection and reports "d". Exits at the end of file.
WORKER = r'''
import array, os, socket, sys
sock = socket.socket(fileno=0)
n = 0
while True:
    msg, anc, flags, _ = sock.recvmsg(70000, socket.CMSG_SPACE(8 * 4))
    fds = array.array("i")
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    if not msg and not fds:
        break
    n += 1
    c = socket.socket(fileno=fds[0])
    out = b"PID=%d\nN=%d\nNFDS=%d\n" % (os.getpid(), n, len(fds))
    out += b"WORKER=%s\nFD1=%s\nTYPE=%d\n" % (
        os.environ.get("HERALD_TCPD_WORKER", "-").encode(),
        os.readlink("/proc/self/fd/1").encode(), sock.type)
    out += b"OWNENV=%s\n" % os.environ.get("TCPREMOTEIP", "-").encode()
    out += b"".join(b"ENV " + e + b"\n" for e in msg.split(b"\0")[:-1])
    c.sendall(out + b"END\n")
    c.settimeout(30)
    try:
        while True:
            d = c.recv(100)
            if not d or b"\n" in d:
                break
        c.sendall(b"done\n")
    except OSError:
        pass
    c.close()
    try:
        sock.send(b"d")
    except OSError:
        break
'''
worker_path = os.path.join(base, "worker.py")
with open(worker_path, "w") as f:
    f.write(WORKER)
WORKER_PROG = [sys.executable, worker_path]


class Tcpd(tcpdlib.Tcpd):
    """One herald-tcpd -w on 127.0.0.1 port 0, its log in base; kept in procs."""

    def __init__(self, args, program=WORKER_PROG, env=None, workers=True):
        super().__init__(base, args, program, env=env, workers=workers)
        procs.append(self.proc)

    def wait_log(self, needle, timeout=10.0):
        """Wait until the log has needle; False (and the log shown) if it never comes."""
        return super().wait_log(needle, timeout, diag=t.diag)


class Session:
    """A connection to the Python worker: reads its report up to END."""

    def __init__(self, d, src="127.0.0.1"):
        self.sock = d.connect(src)
        self.cport = self.sock.getsockname()[1]
        data = b""
        end = time.monotonic() + 10
        while not data.endswith(b"END\n") and time.monotonic() < end:
            try:
                got = self.sock.recv(4096)
            except (socket.timeout, ConnectionResetError):
                break
            if not got:
                break
            data += got
        self.raw = data
        self.info = {}
        self.env = []
        for line in data.decode(errors="replace").splitlines():
            if line.startswith("ENV "):
                self.env.append(line[4:])
            else:
                k, _, v = line.partition("=")
                self.info[k] = v
        self.pid = int(self.info.get("PID", "0"))

    def finish(self):
        """Say bye; True if the worker answered done and closed."""
        try:
            self.sock.sendall(b"bye\n")
            out = b""
            while True:
                d = self.sock.recv(100)
                if not d:
                    break
                out += d
        except OSError:
            out = b""
        self.sock.close()
        return out == b"done\n"


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


try:
    # --- the protocol: environment block, descriptor, worker environment
    rules = os.path.join(base, "rules")
    with open(rules, "w") as f:
        f.write("127.0.0.1:allow,RELAYCLIENT=\"\",GREETING=\"a, b\"\n:allow\n")
    d = Tcpd(["-x", rules])
    s = Session(d)
    t.ok(s.raw.endswith(b"END\n"), "the worker got the connection and wrote to it")
    t.is_(s.env, ["PROTO=TCP", "TCPLOCALIP=127.0.0.1", "TCPLOCALPORT=%d" % d.port,
                  "TCPREMOTEIP=127.0.0.1", "TCPREMOTEPORT=%d" % s.cport, "RELAYCLIENT=",
                  "GREETING=a, b"],
          "environment block: the UCSPI variables, then the rule's")
    t.is_((s.info.get("NFDS"), s.info.get("TYPE")), ("1", str(int(socket.SOCK_SEQPACKET))),
          "one descriptor, on a SOCK_SEQPACKET socket")
    t.is_((s.info.get("WORKER"), s.info.get("FD1")), ("1", "/dev/null"),
          "HERALD_TCPD_WORKER=1 and descriptor 1 on /dev/null")
    t.is_(s.info.get("OWNENV"), "-", "the worker's own environment has no TCPREMOTEIP")
    t.ok(s.finish(), "the session ends when the client says bye")
    t.ok(d.wait_log("done %d" % s.pid), "done PID logged after the worker reports")
    s2 = Session(d, src="127.0.0.2")
    t.is_((s2.pid, s2.info.get("N")), (s.pid, "2"), "the next connection goes to the same worker")
    t.is_(s2.env[3:], ["TCPREMOTEIP=127.0.0.2", "TCPREMOTEPORT=%d" % s2.cport],
          "the next block has the next client's facts and no rule variables")
    s2.finish()
    t.ok(re.search(r"start %d 127\.0\.0\.1:%d\n" % (s.pid, s.cport), d.text()) is not None,
         "start PID IP:PORT names the worker")
    t.is_(len(d.workers()), 1, "one worker was started")
    t.is_(d.stop(), 0, "SIGTERM: exits 0")
    try:
        wait_for(lambda: not alive(s.pid), "the idle worker to exit")
        gone = True
    except TimeoutError:
        gone = False
    t.ok(gone, "SIGTERM: the idle worker sees the end of file and exits")

    # --- HERALD_TCPD_WORKER given to herald-tcpd does not reach its programs
    d = Tcpd([], program=["/bin/sh", "-c", "echo ${HERALD_TCPD_WORKER-unset}"],
             env=dict(os.environ, HERALD_TCPD_WORKER="1"), workers=False)
    t.is_(read_all(d.connect()), b"unset\n",
          "without -w: HERALD_TCPD_WORKER is not passed on to the program")
    t.is_(d.stop(), 0, "stops")

    # --- the per-client limit -C is held until the worker reports
    d = Tcpd(["-c", "5", "-C", "2", "-r", "421 4.7.0 too many connections from your address"])
    a, b = Session(d), Session(d)
    t.ok(a.pid and b.pid and a.pid != b.pid, "-C 2: two sessions run, in two workers")
    c = d.connect()
    t.is_(read_all(c), b"421 4.7.0 too many connections from your address\r\n",
          "-C 2: the third from the address is refused with the -r text")
    t.ok(d.wait_log("limit 127.0.0.1 (per-client 2)"), "the limit is logged")
    o = Session(d, src="127.0.0.2")
    t.ok(o.raw.endswith(b"END\n"), "another address is not limited")
    t.ok(a.finish(), "one session ends")
    d.wait_log("done %d" % a.pid)
    c = Session(d)
    t.is_(c.pid, a.pid, "after the done report the address may connect again, to the idle worker")
    for x in (b, o, c):
        x.finish()
    t.is_(d.stop(), 0, "stops")

    # --- -c bounds the workers; a connection waits for an idle one
    d = Tcpd(["-c", "2", "-C", "0"])
    a, b = Session(d), Session(d)
    c = d.connect()                         # completes in the backlog
    c.settimeout(0.5)
    try:
        got = c.recv(100)
    except socket.timeout:
        got = None
    t.is_(got, None, "-c 2: a third connection waits while both workers are busy")
    t.is_(len(d.workers()), 2, "-c 2: two workers, no third")
    t.ok(a.finish(), "the first session ends")
    c.settimeout(10)
    data = b""
    while not data.endswith(b"END\n"):
        got = c.recv(4096)
        if not got:
            break
        data += got
    t.ok(("PID=%d\n" % a.pid).encode() in data, "the waiting connection goes to the freed worker")
    c.close()
    b.finish()
    t.is_(len(d.workers()), 2, "still two workers")
    t.is_(d.stop(), 0, "stops")

    # --- -m: a worker retires after its sessions and is replaced
    d = Tcpd(["-c", "1", "-m", "2"])
    x1 = Session(d)
    x1.finish()
    x2 = Session(d)
    x2.finish()
    t.is_((x2.pid, x2.info.get("N")), (x1.pid, "2"), "-m 2: two sessions in one worker")
    t.ok(d.wait_log("end %d status 0" % x1.pid), "-m 2: then the worker exits at end of file")
    x3 = Session(d)
    t.ok(x3.pid not in (0, x1.pid) and x3.info.get("N") == "1",
         "-m 2: the third session runs in a new worker")
    x3.finish()
    t.is_(d.workers(), [x1.pid, x3.pid], "two workers started in all")
    t.is_(d.stop(), 0, "stops")

    # --- a worker killed in a session gives its client's count back
    d = Tcpd(["-c", "3", "-C", "1", "-r", "421 4.7.0 busy"])
    k = Session(d)
    t.is_(read_all(d.connect()), b"421 4.7.0 busy\r\n", "-C 1: a second session is refused")
    os.kill(k.pid, signal.SIGKILL)
    t.ok(d.wait_log("worker %d ended during a session with 127.0.0.1" % k.pid),
         "the lost session is logged")
    t.ok(d.wait_log("end %d signal 9" % k.pid), "and the worker's end")
    k.sock.close()
    n = Session(d)
    t.ok(n.pid not in (0, k.pid), "the client may connect again: its count was released")
    t.ok(n.finish(), "that session runs to its end")
    t.is_(d.stop(), 0, "stops")

    # --- SIGTERM: no more connections; the worker finishes and exits
    d = Tcpd([])
    h = Session(d)
    t.is_(d.stop(), 0, "SIGTERM with a session running: exits 0")
    refused = False
    try:
        socket.create_connection(("127.0.0.1", d.port), timeout=5).close()
    except ConnectionRefusedError:
        refused = True
    t.ok(refused, "after SIGTERM, connections are refused")
    t.ok(alive(h.pid), "the worker is still in its session")
    t.ok(h.finish(), "the running session finishes its work")
    try:
        wait_for(lambda: not alive(h.pid), "the worker to exit")
        gone = True
    except TimeoutError:
        gone = False
    t.ok(gone, "then the worker sees the end of file and exits")
    t.ok("stop: 1 sessions still running in workers" in d.text(), "stop is logged")

    # --- herald-smtpd as a worker
    with Instance() as inst:
        inst.control("rcpthosts", "herald.test\n")
        rules = os.path.join(base, "smtprules")
        with open(rules, "w") as f:
            f.write("127.0.0.1:allow,RELAYCLIENT=\"\"\n:allow\n")
        smtpd = [prog("herald-smtpd")]
        d = smtp1 = Tcpd(["-c", "4", "-C", "0", "-x", rules], program=smtpd, env=inst.env())
        codes = []
        for i in range(50):
            try:
                with smtplib.SMTP("127.0.0.1", d.port, timeout=20,
                                  source_address=("127.0.0.2", 0)) as c:
                    c.ehlo("client.test")
                    c.mail("sender@client.test")
                    c.rcpt("rcpt%d@herald.test" % i)
                    codes.append(c.data(b"Subject: %d\r\n\r\nmessage %d\r\n" % (i, i))[0])
            except (smtplib.SMTPException, OSError) as e:
                codes.append(repr(e))
        t.is_(codes, [250] * 50, "50 connections, 50 messages accepted")
        t.is_(len(inst.messages()), 50, "50 messages queued")
        t.ok(all(b"([127.0.0.2])" in read_queue_file(p)["body"] for p in inst.messages()),
             "each Received: field has the client address from the environment block")
        pids = d.workers()
        t.ok(0 < len(pids) < 50, "fewer than 50 herald-smtpd started (%d)" % len(pids))
        t.is_(len(re.findall(r"herald-tcpd: start \d+ 127\.0\.0\.2:", d.text())), 50,
              "50 connections handed over")
        t.is_(d.stop(), 0, "stops")

        # RELAYCLIENT from the rule of one session, not in the next
        before = set(inst.messages())
        d = smtp2 = Tcpd(["-c", "1", "-C", "0", "-x", rules], program=smtpd, env=inst.env())
        with smtplib.SMTP("127.0.0.1", d.port, timeout=20,
                          source_address=("127.0.0.1", 0)) as c:
            c.ehlo("client.test")
            c.mail("sender@client.test")
            r1 = c.rcpt("someone@outside.test")
            r2 = c.data(b"Subject: relay\r\n\r\nrelayed\r\n")
        t.is_((r1[0], r2[0]), (250, 250), "RELAYCLIENT from the rule: relaying is allowed")
        new = sorted(set(inst.messages()) - before)
        t.is_([read_queue_file(p)["rcpts"] for p in new], [[("P", b"someone@outside.test")]],
              "the relayed message is queued for the outside address")
        t.ok(new and b"([127.0.0.1])" in read_queue_file(new[0])["body"],
             "its Received: field names this session's client")
        with smtplib.SMTP("127.0.0.1", d.port, timeout=20,
                          source_address=("127.0.0.2", 0)) as c:
            c.ehlo("client.test")
            c.mail("sender@client.test")
            r3 = c.rcpt("someone@outside.test")
            r4 = c.rcpt("local@herald.test")
        t.is_((r3[0], r3[1][:5]), (553, b"5.7.1"), "the next client, without RELAYCLIENT: refused")
        t.is_(r4[0], 250, "and its mail for a local domain is accepted")
        starts = re.findall(r"herald-tcpd: start (\d+) 127\.0\.0\.([12]):", d.text())
        t.is_([ip for _, ip in starts], ["1", "2"], "two sessions")
        t.ok(len(d.workers()) == 1 and len(set(p for p, _ in starts)) == 1,
             "both ran in the same herald-smtpd worker")
        t.is_(d.stop(), 0, "stops")
        # the workers exit at the end of file; their reports go to the same logs
        left = [p for p in smtp1.workers() + smtp2.workers() if alive(p)]
        try:
            wait_for(lambda: not any(alive(p) for p in left), "the herald-smtpd workers to exit")
            gone = True
        except TimeoutError:
            gone = False
        t.ok(gone, "after SIGTERM the herald-smtpd workers exit")
        bad = [line for line in (smtp1.text() + smtp2.text()).splitlines()
               if re.search(r"Sanitizer|runtime error|warning|fatal", line)]
        t.is_(bad, [], "no sanitizer report, warning or fatal error in the logs")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    reap_orphans()
    shutil.rmtree(base, ignore_errors=True)
t.done()
