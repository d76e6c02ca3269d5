#!/usr/bin/env python3
"""remote-stop.t: stopping herald while deliveries are in flight.
SIGTERM to herald-remote alone: the transaction in flight finishes and is
reported, the recipients not started are deferred at once, herald-remote
exits 0 (and herald-start stops the rest). SIGTERM to every process at
once (a stop of the whole process group, as Control-C or systemd's
KillMode=control-group do): herald-start exits 0 within seconds, the
remote transaction in flight is delivered, the local delivery running
(killed by the signal too) is deferred, and no recipient is lost.
SIGTERM to herald-lspawn alone: the local delivery running finishes and
is reported."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon, comm  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcomes, qstates, remote_setup  # noqa: E402

t = Tap()
HOST = "127.0.0.93"
port = common_port([HOST])
N = 20
RCPTS = [b"u%02d@stop.test" % i for i in range(N)]
STOPPED = "herald-remote was stopped before this delivery started"


def pid_of(d, name):
    pids = [p for p in d.descendants() if comm(p) == name]
    return pids[0] if pids else None


def in_flight(srv):
    """True once the server has the final dot of a transaction (herald-remote
    is then waiting for the slow reply to it)."""
    return any(x.complete for s in list(srv.sessions) for x in list(s.txns))


def term(d, pids):
    """SIGTERM to pids, then wait for herald-start: (its exit code or None,
    the seconds it took, the log)."""
    t0 = time.monotonic()
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        code = d.proc.wait(30)
    except subprocess.TimeoutExpired:
        code = None
    return code, time.monotonic() - t0, d.text()


def setup(inst):
    remote_setup(inst, port, routes="stop.test:[%s]\n" % HOST, timeoutremote="30\n",
                 concurrencyremote="1\n", concurrencyhost="1\n")
    code, _ = inst.queue(b"Subject: stop\n\nbody\n", b"list-@herald.test-@[]", RCPTS)
    t.is_(code, 0, "one message to %d remote recipients queued (VERP)" % N)


def user(inst, name, dot):
    home = inst.path("users", name)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(home, "Maildir", sub), exist_ok=True)
    with open(os.path.join(home, ".qmail"), "w") as f:
        f.write(dot)


# 1. SIGTERM to herald-remote alone
with Instance(me="herald.test") as inst, \
        SmtpServer(HOST, port, name="mx.stop.test", tarpit=2, tarpit_on=["DOT"]) as srv:
    setup(inst)
    d = Daemon(inst)
    try:
        d.start()
        d.wait_for(lambda: in_flight(srv), "a transaction waits for its end-of-data reply")
        rpid = pid_of(d, "herald-remote")
        t.ok(rpid is not None, "herald-remote runs")
        code, _, log = term(d, [rpid])
    finally:
        d.stop()
    t.is_(code, 111, "herald-start exits 111: herald-remote ended without being asked")
    t.ok(b"herald-remote: status: stopping on signal 15" in log, "herald-remote logs the stop")
    t.ok(b"herald-remote: status: stopped" in log, "herald-remote finished its loop (exit 0)")
    t.ok(b"herald-start: warning: herald-remote exited 0" in log,
         "herald-start saw herald-remote exit 0")
    res = outcomes(log)
    ok = [r for r, _, k, _ in res if k == "success"]
    stopped = [r for r, _, k, txt in res if k == "deferral" and STOPPED in txt]
    t.is_(len(ok), len([x for s in srv.sessions for x in s.txns if x.complete]),
          "every transaction the server got the data of is reported delivered (%d)" % len(ok))
    t.ok(len(ok) >= 1, "the transaction in flight at the signal was delivered")
    t.ok(len(stopped) >= 1 and all(k != "failure" for _, _, k, _ in res),
         "recipients not started are deferred, none failed: %d deferred" % len(stopped))
    st = qstates(inst)
    t.ok(all(st.get(r.decode()) == ("done" if r.decode() in ok else "pending") for r in RCPTS),
         "delivered ones are done, every other recipient is still pending: %r" % st)
    t.ok(b"QUIT" in b"".join(c.encode() for s in srv.sessions for c in s.commands),
         "the connection ended with QUIT")

# 2. SIGTERM to every process at once: herald-start, herald-send,
#    herald-lspawn, herald-remote and the local delivery running
with Instance(me="herald.test") as inst, \
        SmtpServer(HOST, port, name="mx.stop.test", tarpit=2, tarpit_on=["DOT"]) as srv:
    setup(inst)
    user(inst, "slow", "|sleep 2; echo slow-done\n")
    code, _ = inst.queue(b"Subject: local\n\nbody\n", b"s@herald.test", [b"slow@herald.test"])
    t.is_(code, 0, "a message to a slow local delivery queued")
    d = Daemon(inst)
    try:
        d.start()
        d.wait_for(lambda: in_flight(srv) and b"starting delivery" in d.text() and
                   pid_of(d, "sleep") is not None,
                   "a remote transaction and the local delivery are in flight")
        pids = [d.proc.pid] + d.descendants()
        code, took, log = term(d, pids)
    finally:
        d.stop()
    t.is_(code, 0, "herald-start exits 0")
    t.ok(took < 15, "the stop took %.1f s (transactions in flight: 2 s)" % took)
    t.ok(b"herald-send: status: stopped;" in log, "herald-send stopped in order")
    res = outcomes(log)
    ok = [r for r, _, k, _ in res if k == "success"]
    t.ok(len(ok) >= 1, "the remote transaction in flight was delivered: %r" % ok)
    t.ok(b"killed by signal 15" in log and b"herald-lspawn: status: stopping" in log,
         "the local delivery, killed by the signal, was reported by herald-lspawn")
    t.ok(b"herald-send: status: herald-lspawn has stopped too" in log or
         b"herald-send: status: herald-remote has stopped too" in log or
         b"herald-send: status: stopped" in log, "herald-send ended without an error")
    t.ok(b"went away" not in log, "herald-send did not take the others' stop for a failure")
    st = qstates(inst)
    t.is_(st.get("slow@herald.test"), "pending", "the local recipient is still pending")
    t.ok(all(st.get(r.decode()) in ("done", "pending") for r in RCPTS) and
         all((st.get(r.decode()) == "done") == (r.decode() in ok) for r in RCPTS),
         "remote recipients: delivered ones done, the others pending; none lost")

# 3. SIGTERM to herald-lspawn alone, with a local delivery running
with Instance(me="herald.test") as inst:
    user(inst, "slow", "|sleep 2; echo slow-done\n")
    code, _ = inst.queue(b"Subject: local\n\nbody\n", b"s@herald.test", [b"slow@herald.test"])
    t.is_(code, 0, "a message to a slow local delivery queued")
    d = Daemon(inst)
    try:
        d.start()
        d.wait_for(lambda: pid_of(d, "sleep") is not None, "the local delivery runs")
        code, _, log = term(d, [pid_of(d, "herald-lspawn")])
    finally:
        d.stop()
    t.ok(b"herald-lspawn: status: stopping" in log, "herald-lspawn logs the stop")
    t.ok(b"herald-send: delivery 0: success: delivered to |sleep 2; echo slow-done" in log,
         "the delivery running at the signal finished and was reported")
    t.ok(b"herald-start: warning: herald-lspawn exited 0" in log, "herald-lspawn exited 0")
    t.is_(inst.messages(), [], "the message is delivered and gone from the queue")
    t.is_(code, 111, "herald-start exits 111: herald-lspawn ended without being asked")
t.done()
