#!/usr/bin/env python3
"""send-crash.t: SIGKILL herald-send and herald-local at random moments
while one message with 10,000 local recipients is delivered to a program
that records each delivery. After restarts every recipient is delivered
at least once, and only deliveries that were in flight are repeated: at
most concurrencylocal for each herald-send kill, one for each herald-local
kill. (Which kill caused which repeat cannot be told apart, because a
deferred recipient is retried on the message's next pass, so the bound is
checked on the total.)"""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon, comm  # noqa: E402

N = 10000
CONC = 10
KILLS = 12
t = Tap()
seed = int(os.environ.get("HERALD_SEED", random.randrange(1 << 30)))
t.diag("HERALD_SEED=%d" % seed)
rnd = random.Random(seed)


with Instance(me="herald.test") as inst:
    inst.control("concurrencylocal", "%d\n" % CONC)
    inst.control("retrymin", "1\n")
    inst.control("retrymax", "1\n")
    record = inst.path("..", "deliveries")
    with open(inst.path("alias", ".qmail-default"), "w") as f:
        f.write('|echo "$RECIPIENT" >> %s\n' % record)
    rcpts = [b"u%05d@herald.test" % i for i in range(N)]
    code, err = inst.queue(b"Subject: crash\n\nbody\n", b"list@herald.test", rcpts)
    t.is_(code, 0, "one message with %d local recipients queued" % N)

    def lines():
        try:
            with open(record, "rb") as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    d = Daemon(inst)
    kills = {"herald-send": 0, "herald-local": 0}
    worst = 0
    try:
        d.start()
        for k in range(KILLS):
            # let some deliveries happen, then kill one process at a random moment
            time.sleep(rnd.uniform(0.05, 0.3))
            got = lines()
            if len(set(got)) >= N:
                break
            dups_before = len(got) - len(set(got))
            want = "herald-send" if k % 2 == 0 else "herald-local"
            victims = []
            end = time.monotonic() + 5
            while not victims and time.monotonic() < end:  # herald-local lives for milliseconds
                victims = [p for p in d.descendants() if comm(p) == want]
            if not victims:
                continue
            victim = rnd.choice(victims)
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                continue
            kills[want] += 1
            if want == "herald-send":
                # herald-start stops herald-lspawn and exits 111; restart the instance
                d.proc.wait(60)
                t.is_(d.proc.returncode, 111, "kill %d: herald-start exits 111 when herald-send dies" % k)
                d.stop()
                d = Daemon(inst)
                d.start()
            # the repeats caused by this kill show up before the next one; measure
            # them once the retries (retrymin 1 s) have happened
            time.sleep(1.2)
            got = lines()
            worst = max(worst, (len(got) - len(set(got))) - dups_before)
        try:
            d.wait_for(lambda: len(set(lines())) >= N, "every recipient delivered", timeout=240)
            d.wait_for(lambda: inst.messages() == [], "the message leaves the queue", timeout=120)
            drained = True
        except TimeoutError as e:
            drained = False
            t.diag(str(e))
            q = inst.run("herald-qread")
            t.diag("\n".join(l for l in q.stdout.decode().splitlines() if "\tdone\t" not in l)[:3000])
            t.diag(d.text().decode(errors="replace")[-3000:])
    finally:
        d.stop()
    t.ok(drained, "every recipient delivered and the message removed from the queue")
    got = lines()
    t.diag("kills: %r; deliveries recorded: %d; duplicates: %d" % (kills, len(got), len(got) - len(set(got))))
    t.ok(kills["herald-send"] >= 3 and kills["herald-local"] >= 3, "herald-send and herald-local were both killed several times")
    t.is_(set(got), set(rcpts), "every recipient was delivered at least once")
    # A killed herald-send repeats at most the deliveries in flight (concurrencylocal);
    # a killed herald-local repeats its own delivery only.
    bound = kills["herald-send"] * CONC + kills["herald-local"]
    t.ok(len(got) - len(set(got)) <= bound,
         "duplicates (%d) are at most concurrencylocal per herald-send kill plus one per "
         "herald-local kill (%d)" % (len(got) - len(set(got)), bound))
    t.diag("most duplicates seen between two kills: %d" % worst)
t.done()
