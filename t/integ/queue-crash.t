#!/usr/bin/env python3
"""queue-crash.t: herald-queue is crash safe. Injections of messages from a
few bytes to 2 MB, some with thousands of recipients, are killed with
SIGKILL at random moments (200 kills that hit a live process), others run
to completion, writing over spare files (queue/spare starts with 400 files
of junk) while there are some. Afterwards every acknowledged message is in
queue/mess exactly once and byte-identical, every file there is complete,
a killed injection is either absent or complete, every spare is still a
spare or became a message (a kill never loses one), and herald-clean
empties queue/tmp without touching queue/mess.

Set HERALD_CRASH_SEED to replay a run with the seed printed as a diag."""
import hashlib
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, prog, read_queue_file  # noqa: E402

KILLS = 200
MAX_RUNS = 2000          # a bound on the loop, far above what 200 kills take
t = Tap()
seed = int(os.environ.get("HERALD_CRASH_SEED") or random.SystemRandom().randrange(2 ** 32))
t.diag("seed %d (HERALD_CRASH_SEED=%d replays this run)" % (seed, seed))
rng = random.Random(seed)

# size classes: (name, weight, body bytes range, recipient count range)
CLASSES = [
    ("tiny", 30, (1, 200), (1, 3)),
    ("small", 20, (1000, 60000), (1, 20)),
    ("medium", 20, (100000, 600000), (1, 5)),
    ("large", 10, (1000000, 2000000), (1, 3)),
    ("many-rcpts", 15, (100, 5000), (1000, 5000)),
    ("large-many", 5, (500000, 2000000), (2000, 4000)),
]


def domain_key(addr):
    return addr[addr.rfind(b"@") + 1:].lower() if b"@" in addr else b""


def make(serial):
    """Message, sender and recipients of injection `serial`."""
    name, _, (lo, hi), (rlo, rhi) = rng.choices(CLASSES, weights=[c[1] for c in CLASSES])[0]
    n = rng.randint(lo, hi)
    head = b"X-Serial: %d\nSubject: crash test %d\n\n" % (serial, serial)
    body = head + rng.randbytes(max(0, n - len(head)))
    ndom = rng.randint(1, 40)
    rcpts = [b"u%d.%d@Dom%d.Example" % (serial, i, rng.randrange(ndom)) if i % 5 == 0 else
             b"u%d.%d@dom%d.example" % (serial, i, rng.randrange(ndom))
             for i in range(rng.randint(rlo, rhi))]
    sender = b"" if serial % 7 == 0 else b"sender-%d@example.org" % serial
    return name, body, sender, rcpts


def envelope(sender, rcpts):
    return b"F" + sender + b"\0" + b"".join(b"T" + r + b"\0" for r in rcpts) + b"\0"


SPARES = 400

with Instance() as inst:
    env = inst.env()
    work = os.path.join(inst.base, "work")
    os.mkdir(work)
    # spares are finished messages; their contents mean nothing, so junk will do
    spare_inodes = set()
    for i in range(SPARES):
        path = inst.path("queue", "spare", "junk%d" % i)
        with open(path, "wb") as f:
            f.write(rng.randbytes(rng.choice([0, 10, 5000, 70000, 250000])))
        os.chmod(path, 0o660)
        spare_inodes.add(os.stat(path).st_ino)
    expected = {}        # serial -> (sha256 of message, length, sender, sorted rcpts)
    acked = set()        # serials that got exit 0
    killed = set()       # serials whose herald-queue died of our SIGKILL
    other_exit = {}      # serial -> exit code, for runs that ended on their own with != 0
    runs = {}            # class -> run times (seconds) of its full runs
    kills = 0
    fractions = []       # kill delay / typical duration, to show the phases were covered
    serial = 0
    t_start = time.monotonic()
    while kills < KILLS and serial < MAX_RUNS:
        serial += 1
        name, msg, sender, rcpts = make(serial)
        expected[serial] = (hashlib.sha256(msg).digest(), len(msg), sender,
                            sorted(rcpts, key=domain_key))
        mpath = os.path.join(work, "m")
        epath = os.path.join(work, "e")
        with open(mpath, "wb") as f:
            f.write(msg)
        with open(epath, "wb") as f:
            f.write(envelope(sender, rcpts))
        # the first run of each class, and one in six after, runs to completion
        full = name not in runs or rng.random() < 1 / 6
        with open(mpath, "rb") as mf, open(epath, "rb") as ef:
            p = subprocess.Popen([prog("herald-queue")], stdin=mf, stdout=ef,
                                 stderr=subprocess.DEVNULL, env=env)
            t0 = time.monotonic()
            if full:
                code = p.wait(timeout=60)
                runs.setdefault(name, []).append(time.monotonic() - t0)
            else:
                # Popen returns after the exec: from here the process is herald-queue
                typical = statistics.median(runs[name])
                delay = rng.uniform(0, 1.2 * typical)
                if delay > 0.0002:
                    time.sleep(delay)
                p.kill()                # signals only if not yet reaped; PID is ours
                code = p.wait(timeout=60)
                if code == -signal.SIGKILL:
                    kills += 1
                    killed.add(serial)
                    fractions.append(delay / typical)
        if code == 0:
            acked.add(serial)
        elif code != -signal.SIGKILL:
            other_exit[serial] = code
    elapsed = time.monotonic() - t_start

    t.is_(kills, KILLS, "%d SIGKILLs hit a live herald-queue" % KILLS)
    t.diag("%d injections, %d acknowledged, %d killed, %.1f s; typical run times: %s" % (
        serial, len(acked), len(killed), elapsed,
        ", ".join("%s %.1f ms" % (k, statistics.median(v) * 1000)
                  for k, v in sorted(runs.items()))))
    buckets = [0] * 5
    for f in fractions:
        buckets[min(4, int(f / 0.25))] += 1
    t.diag("kill moment / typical run time: <25%%: %d, 25-50%%: %d, 50-75%%: %d, "
           "75-100%%: %d, later: %d" % tuple(buckets))
    t.ok(buckets[0] + buckets[1] > 0 and buckets[2] + buckets[3] + buckets[4] > 0,
         "kills landed in both halves of a typical injection")
    t.is_(other_exit, {}, "every run that was not killed exited 0")
    t.ok(len(acked - killed) >= 20, "some injections ran to completion (%d)" %
         len(acked - killed))

    # every file in queue/mess is complete and one of ours
    found = {}           # serial -> number of files
    bad = []
    mess_files = inst.messages()
    for path in mess_files:
        try:
            q = read_queue_file(path)
        except ValueError as e:
            bad.append(str(e))
            continue
        m = re.match(rb"Received: \(herald \d+ invoked by uid \d+\); [^\n]*\n"
                     rb"X-Serial: (\d+)\n", q["body"])
        if m is None:
            bad.append("%s: not one of the injected messages" % path)
            continue
        s = int(m.group(1))
        found[s] = found.get(s, 0) + 1
        msg = q["body"][q["body"].index(b"\n") + 1:]
        want = expected.get(s)
        if want is None or (hashlib.sha256(msg).digest(), len(msg)) != want[:2]:
            bad.append("%s: body of serial %d differs" % (path, s))
        elif q["sender"] != want[2]:
            bad.append("%s: sender of serial %d differs" % (path, s))
        elif q["rcpts"] != [("P", r) for r in want[3]]:
            bad.append("%s: recipients of serial %d differ (%d, want %d)" % (
                path, s, len(q["rcpts"]), len(want[3])))
    t.is_(bad[:5], [], "every file in queue/mess is complete and matches its injection")
    t.is_({s: n for s, n in found.items() if n != 1}, {}, "no message appears twice")
    t.is_(sorted(acked - set(found)), [], "every acknowledged message is in queue/mess")
    t.is_(sorted(set(found) - acked - killed), [],
          "nothing is queued that was neither acknowledged nor killed")
    t.diag("%d killed injections had already committed (killed between link and exit)" %
           len(killed & set(found)))

    # a spare is the writer's only while it runs: killed or not, it is
    # still in queue/spare or it is a message now
    in_spare = {os.stat(inst.path("queue", "spare", n)).st_ino
                for n in os.listdir(inst.path("queue", "spare"))}
    in_mess = {os.stat(p).st_ino for p in inst.messages()}
    t.is_(sorted(spare_inodes - in_spare - in_mess), [], "no spare was lost to a kill")
    t.is_(sorted(in_spare - spare_inodes), [], "nothing but the spares is in queue/spare")
    reused = len(spare_inodes & in_mess)
    t.ok(0 < reused and reused == SPARES - len(in_spare),
         "%d queued messages were written over spares" % reused)

    # a killed injection's file never had a name: nothing is left to clean
    t.is_(inst.tmp_files(), [], "killed injections leave nothing in queue/tmp")

    def snapshot():
        snap = {}
        for path in inst.messages():
            st = os.stat(path)
            with open(path, "rb") as f:
                snap[path] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode,
                              hashlib.sha256(f.read()).digest())
        return snap
    before = snapshot()
    try:
        p = inst.run("herald-clean")
        code, err = p.returncode, p.stderr
    except OSError as e:
        code, err = None, str(e).encode()
    t.is_(code, 0, "herald-clean exits 0")
    if code != 0:
        t.diag(err.decode(errors="replace"))
    t.is_(inst.tmp_files(), [], "queue/tmp is empty after herald-clean")
    t.ok(snapshot() == before and len(before) == len(mess_files),
         "herald-clean did not touch queue/mess")

t.done()
