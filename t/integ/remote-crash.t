#!/usr/bin/env python3
"""remote-crash.t: SIGKILL herald-send and herald-remote at random moments
while one message with VERP is delivered to 20,000 remote recipients on
a loopback SMTP server (Postfix's smtp-sink, dumping what it accepts). After restarts every recipient has been accepted
by the server at least once, and repeats are bounded by what was in
flight: each kill repeats at most the remote deliveries herald-send had
handed out (16 x concurrencyremote). HERALD_CRASH_N sets the number of
recipients (BENCHMARKS.md has a run with 100,000)."""
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
import daemon  # noqa: E402
from daemon import Daemon, comm  # noqa: E402

N = int(os.environ.get("HERALD_CRASH_N", 20000))
DOMAINS = 10
CONC = 5
WINDOW = 16 * CONC
KILLS = 8
t = Tap()
seed = int(os.environ.get("HERALD_SEED", random.randrange(1 << 30)))
t.diag("HERALD_SEED=%d" % seed)
rnd = random.Random(seed)


class Sink:
    """Postfix's smtp-sink on 127.0.0.1, dumping every transaction it
    accepts to a file; got() reads the recipients back."""

    def __init__(self, base):
        self.dir = os.path.join(base, "sink")
        os.makedirs(self.dir)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        argv = ["smtp-sink"] + (["-u", "nobody"] if os.geteuid() == 0 else []) + \
            ["-d", os.path.join(self.dir, "%M."), "127.0.0.1:%d" % self.port, "256"]
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o777)
            os.chmod(base, 0o755)
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        daemon.KEEP.add(self.proc.pid)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                break
            except OSError:
                time.sleep(0.05)
        self.seen = {}
        self.senders = set()

    def got(self):
        for name in os.listdir(self.dir):
            if name in self.seen:
                continue
            with open(os.path.join(self.dir, name), "rb") as f:
                head = f.read(4096)
            if b"\n\n" not in head:
                continue        # still being written
            rc = [l[13:].strip(b"<>") for l in head.split(b"\n") if l.startswith(b"X-Rcpt-Args: ")]
            self.senders.update(l[13:] for l in head.split(b"\n") if l.startswith(b"X-Mail-Args: "))
            self.seen[name] = rc
        return [a for rc in self.seen.values() for a in rc]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


if shutil.which("smtp-sink") is None:
    t.skip("SIGKILL during a remote list delivery", "smtp-sink (Postfix) is not installed")
    t.done()
    sys.exit(0)
with Instance(me="herald.test") as inst:
    sink = Sink(inst.base)
    inst.control("concurrencyremote", "%d\n" % CONC)
    inst.control("smtproutes", ":[127.0.0.1]:%d\n" % sink.port)
    inst.control("retrymin", "1\n")
    inst.control("retrymax", "1\n")
    rcpts = [b"u%05d@d%d.example" % (i, i % DOMAINS) for i in range(N)]
    code, err = inst.queue(b"Subject: crash\n\nbody\n", b"list-@herald.test-@[]", rcpts)
    t.is_(code, 0, "one message with %d remote recipients queued (VERP)" % N)

    d = Daemon(inst)
    kills = {"herald-send": 0, "herald-remote": 0}
    try:
        d.start()
        for k in range(KILLS):
            time.sleep(rnd.uniform(0.1, 0.4))
            if len(set(sink.got())) >= N:
                break
            want = "herald-send" if k % 2 == 0 else "herald-remote"
            victims = [p for p in d.descendants() if comm(p) == want]
            if not victims:
                continue
            try:
                os.kill(victims[0], signal.SIGKILL)
            except ProcessLookupError:
                continue
            kills[want] += 1
            # herald-start stops the rest and exits 111; start the instance again
            try:
                d.proc.wait(60)
            except subprocess.TimeoutExpired:
                t.diag("still running: %r" % [(p, comm(p)) for p in d.descendants()])
                t.diag(d.text().decode(errors="replace")[-3000:])
            t.is_(d.proc.returncode, 111, "kill %d (%s): herald-start exits 111" % (k, want))
            d.stop()
            d = Daemon(inst)
            d.start()
        try:
            d.wait_for(lambda: len(set(sink.got())) >= N, "every recipient accepted", timeout=240)
            d.wait_for(lambda: inst.messages() == [], "the message leaves the queue", timeout=120)
            drained = True
        except TimeoutError as e:
            drained = False
            t.diag(str(e))
            t.diag(d.text().decode(errors="replace")[-3000:])
    finally:
        d.stop()
        sink.stop()
    t.ok(drained, "every recipient accepted and the message removed from the queue")
    got = sink.got()
    want = set(b"u%05d@d%d.example" % (i, i % DOMAINS) for i in range(N))
    t.diag("kills: %r; accepted: %d; repeats: %d" % (kills, len(got), len(got) - len(set(got))))
    t.ok(kills["herald-send"] >= 2 and kills["herald-remote"] >= 2,
         "herald-send and herald-remote were both killed several times")
    t.ok(set(got) == want, "every recipient was accepted at least once, and no other address")
    t.ok(sink.senders and all(s.startswith(b"<list-u") and s.endswith(b"@herald.test>") for s in sink.senders),
         "every transaction had its recipient's VERP sender")
    bound = (kills["herald-send"] + kills["herald-remote"]) * WINDOW
    t.ok(len(got) - len(set(got)) <= bound,
         "repeats (%d) are at most the remote deliveries in flight per kill (%d)"
         % (len(got) - len(set(got)), bound))
t.done()
