#!/usr/bin/env python3
"""remote.t: herald-remote delivering to scripted SMTP servers
(t/integ/smtpsrv.py) on 127.0.0.x, with MX records from a scripted DNS
server (t/integ/dnslib.py), all under herald-start: smtproutes with a
port, the message as it arrives (dot-stuffing, CRLF, 8-bit), recipients
of one domain sharing a transaction, VERP senders each in their own, MX
fallback past a refusing host and a 421 greeting, implicit MX, null MX,
NXDOMAIN and SERVFAIL, per-recipient 4xx and 5xx, 421 in mid-session, a
tarpit, hosts marked down (immediate deferral, growing back-off), and
connections carrying several messages. Each case checks what the servers
received, what herald-send logged and what herald-qread shows."""
import email
import email.policy
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from dnslib import DnsServer  # noqa: E402
from smtpsrv import (SmtpServer, common_port, outcome, outcomes, qstates,  # noqa: E402
                     remote_setup, smtp_wire)

t = Tap()
DOM = "herald.test"
BACKOFF = 2

MESSAGE = (b"From: Alice <alice@herald.test>\n"
           b"To: r1@routed.test\n"
           b"Subject: plain delivery through smtproutes\n"
           b"  folded onto a second line\n"
           b"Message-ID: <plain@herald.test>\n"
           b"MIME-Version: 1.0\n"
           b"Content-Type: text/plain; charset=utf-8\n"
           b"Content-Transfer-Encoding: 8bit\n"
           b"\n"
           b"first line\n"
           b".a line that starts with a dot\n"
           b"..two dots\n"
           b".\n"
           b"a line after a lone dot\n"
           b"trailing blanks   \n"
           b"\ta tab\n"
           b"\n"
           b"caf\xc3\xa9 \xe2\x82\xac\n"
           + b"x" * 900 + b"\n"
           b". dot and blank\n"
           b"last line\n")

# the addresses of the servers; every one listens on PORT but the routed ones
A = {name: "127.0.0.%d" % n for n, name in enumerate(
    ["routed", "relay", "multi", "verp", "fb1a", "fb1b", "fb2a", "fb2b", "imp", "rc", "mid",
     "slow", "down1", "down2", "reuse"], start=10)}

ZONE = {
    "test": {"SOA": (3600, 60)},
    "relay.test": {"A": [A["relay"]]},
    "multi.test": {"MX": [(10, "mx.multi.test")]},
    "mx.multi.test": {"A": [A["multi"]]},
    "verp.test": {"MX": [(10, "mx.verp.test")]},
    "mx.verp.test": {"A": [A["verp"]]},
    "fb1.test": {"MX": [(10, "mx1.fb1.test"), (20, "mx2.fb1.test")]},
    "mx1.fb1.test": {"A": [A["fb1a"]]},
    "mx2.fb1.test": {"A": [A["fb1b"]]},
    "fb2.test": {"MX": [(10, "mx1.fb2.test"), (20, "mx2.fb2.test")]},
    "mx1.fb2.test": {"A": [A["fb2a"]]},
    "mx2.fb2.test": {"A": [A["fb2b"]]},
    "imp.test": {"A": [A["imp"]]},
    "null.test": {"MX": [(0, "")]},
    "sf.test": "servfail",
    "rc.test": {"MX": [(10, "mx.rc.test")]},
    "mx.rc.test": {"A": [A["rc"]]},
    "mid.test": {"MX": [(10, "mx.mid.test")]},
    "mx.mid.test": {"A": [A["mid"]]},
    "slow.test": {"MX": [(10, "mx.slow.test")]},
    "mx.slow.test": {"A": [A["slow"]]},
    "down.test": {"MX": [(10, "mx1.down.test"), (20, "mx2.down.test")]},
    "mx1.down.test": {"A": [A["down1"]]},
    "mx2.down.test": {"A": [A["down2"]]},
    "reuse.test": {"MX": [(10, "mx.reuse.test")]},
    "mx.reuse.test": {"A": [A["reuse"]]},
}


def user(inst, name):
    """A local user with a Maildir (where bounces to name@herald.test go)."""
    md = inst.path("users", name, "Maildir")
    for d in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, d), exist_ok=True)
    return md


def maildir(md):
    new = os.path.join(md, "new")
    names = sorted(os.listdir(new), key=lambda n: os.stat(os.path.join(new, n)).st_mtime_ns)
    return [open(os.path.join(new, n), "rb").read() for n in names]


def dsn_blocks(raw):
    """The per-recipient blocks of a DSN (message/delivery-status), or []."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if msg.get_content_type() != "multipart/report":
        return []
    for part in msg.get_payload():
        if part.get_content_type() == "message/delivery-status":
            return part.get_payload()[1:]
    return []


def without_trace(data):
    """Data as received (CRLF) in LF form without the leading Received
    fields that herald added at injection."""
    msg = data.replace(b"\r\n", b"\n")
    while msg.startswith(b"Received:"):
        end = msg.find(b"\n")
        while end != -1 and msg[end + 1:end + 2] in (b" ", b"\t"):
            end = msg.find(b"\n", end + 1)
        msg = msg[end + 1:] if end != -1 else b""
    return msg


def inject(inst, sender, rcpts, text):
    code, err = inst.queue(text, sender.encode(), [r.encode() for r in rcpts])
    if code != 0:
        raise RuntimeError("herald-queue exit %d: %r" % (code, err))


def wait(d, cond, what, timeout=15):
    """d.wait_for that reports a time-out as a diagnostic and returns False."""
    try:
        return d.wait_for(cond, what, timeout=timeout)
    except TimeoutError as e:
        t.diag(str(e))
        return False


def wait_results(d, rcpts, timeout=15, n=1):
    """Wait until every recipient in rcpts has n results in the log."""
    def done():
        got = [r for r, _, _, _ in outcomes(d.text())]
        return all(got.count(r) >= n for r in rcpts)
    return wait(d, done, "results for %s" % ", ".join(rcpts), timeout)


def down_lines(log, addr):
    """herald-remote's "host ADDR:PORT (NAME): down for N s: WHY" lines for addr."""
    return re.findall(rb"herald-remote: host " + re.escape(addr.encode()) +
                      rb":\d+ \(([^)]*)\): down for (\d+) s: (.*)", log)


def check_routed(d, srv, rcpt, label):
    txns = srv.wait_txns(1)
    t.is_(len(txns), 1, label + ": the relay got one transaction")
    if not txns:
        return
    x = txns[0]
    t.is_(x.mail_from, "alice@herald.test", label + ": MAIL FROM is the sender")
    t.is_(x.rcpts, [rcpt], label + ": RCPT TO is the recipient")
    t.ok("BODY=8BITMIME" in x.mail_params.upper(),
         label + ": an 8-bit body is announced with BODY=8BITMIME (%s)" % x.mail_params)
    if not t.is_(without_trace(x.data), MESSAGE,
                 label + ": the message arrives as queued apart from herald's Received"):
        t.diag(repr(x.data))
    t.ok(x.raw.endswith(smtp_wire(MESSAGE)),
         label + ": on the wire: CRLF line ends, leading dots doubled")
    t.ok(b"\n" not in x.raw.replace(b"\r\n", b"") and b"\r" not in x.raw.replace(b"\r\n", b""),
         label + ": no bare LF or CR on the wire")
    kind, text = outcome(d.text(), rcpt)
    t.is_(kind, "success", label + ": herald-send logs a success")
    t.ok(text and re.search(r"said: 250 .*\(#2\.0\.0\)$", text),
         label + ": the success text quotes the server and ends in (#2.0.0): %s" % text)


def run(inst, dns, d, srv):
    alice = user(inst, "alice")
    bob = user(inst, "bob")
    carol = user(inst, "carol")

    # 1. smtproutes with a port: to an address, and to a name looked up in DNS
    inject(inst, "alice@" + DOM, ["r1@routed.test"], MESSAGE)
    wait_results(d, ["r1@routed.test"])
    check_routed(d, srv["routed"], "r1@routed.test", "smtproutes [ip]:port")
    t.is_(dns.count("routed.test"), 0, "smtproutes [ip]:port: no DNS query for the domain")
    inject(inst, "alice@" + DOM, ["r2@routed2.test"], MESSAGE)
    wait_results(d, ["r2@routed2.test"])
    check_routed(d, srv["relay"], "r2@routed2.test", "smtproutes relay:port")
    t.ok(dns.count("relay.test", "A") >= 1 and dns.count("routed2.test", "MX") == 0,
         "smtproutes relay:port: the relay's address is looked up, not the domain's MX")
    t.ok(wait(d, lambda: inst.messages() == [], "the routed messages leave the queue"),
         "delivered messages leave the queue")

    # 2. recipients of one domain share one transaction
    rcpts = ["m1@multi.test", "m2@multi.test", "M3@Multi.Test"]
    inject(inst, "alice@" + DOM, rcpts, b"Subject: three recipients\n\nbody\n")
    wait_results(d, rcpts)
    txns = srv["multi"].wait_txns(1)
    t.is_([(x.mail_from, x.rcpts) for x in txns], [("alice@herald.test", rcpts)],
          "one domain: one MAIL FROM with every recipient")
    t.is_(srv["multi"].connections, 1, "one domain: one connection")
    t.is_([outcome(d.text(), r)[0] for r in rcpts], ["success"] * 3,
          "one domain: every recipient logged as a success")

    # 3. VERP: a sender per recipient, so a transaction per recipient
    vr = ["v1@verp.test", "v2@verp.test", "v3@verp.test"]
    inject(inst, "list-@%s-@[]" % DOM, vr, b"Subject: verp\n\nlist post\n")
    wait_results(d, vr)
    txns = srv["verp"].wait_txns(3)
    got = sorted((x.rcpts, x.mail_from) for x in txns)
    want = sorted(([r], "list-%s=verp.test@herald.test" % r.split("@")[0]) for r in vr)
    t.is_(got, want, "VERP: one transaction per recipient, each with its own MAIL FROM")
    t.is_([outcome(d.text(), r)[0] for r in vr], ["success"] * 3, "VERP: every one a success")

    # 4. MX fallback: the first MX refuses connections
    inject(inst, "alice@" + DOM, ["f@fb1.test"], b"Subject: fallback 1\n\nx\n")
    wait_results(d, ["f@fb1.test"])
    t.is_(outcome(d.text(), "f@fb1.test")[0], "success", "refused first MX: delivered")
    t.is_([x.rcpts for x in srv["fb1b"].wait_txns(1)], [["f@fb1.test"]],
          "refused first MX: the second MX got the message")
    dl = down_lines(d.text(), A["fb1a"])
    t.ok(dl and dl[0][0] == b"mx1.fb1.test" and int(dl[0][1]) == BACKOFF and
         b"cannot connect" in dl[0][2] and dl[0][2].endswith(b"(#4.4.1)"),
         "refused first MX: the log names it down for backoffremote s: %r" % (dl[:1],))
    fb1_down_at = time.monotonic()

    # 5. MX fallback: the first MX greets with 421
    inject(inst, "alice@" + DOM, ["f@fb2.test"], b"Subject: fallback 2\n\nx\n")
    wait_results(d, ["f@fb2.test"])
    t.is_(outcome(d.text(), "f@fb2.test")[0], "success", "421 greeting: delivered")
    t.is_([x.rcpts for x in srv["fb2b"].wait_txns(1)], [["f@fb2.test"]],
          "421 greeting: the second MX got the message")
    t.ok(srv["fb2a"].connections >= 1 and srv["fb2a"].txns(complete=False) == [],
         "421 greeting: the first MX was tried and got no transaction")
    dl = down_lines(d.text(), A["fb2a"])
    t.ok(dl and dl[0][0] == b"mx1.fb2.test" and b"421" in dl[0][2],
         "421 greeting: the log names the host down with its reply: %r" % (dl[:1],))

    # 6. no MX: the domain's own address
    inject(inst, "alice@" + DOM, ["i@imp.test"], b"Subject: implicit\n\nx\n")
    wait_results(d, ["i@imp.test"])
    t.is_(outcome(d.text(), "i@imp.test")[0], "success", "implicit MX: delivered")
    t.is_([x.rcpts for x in srv["imp"].wait_txns(1)], [["i@imp.test"]],
          "implicit MX: the A record's host got it")
    t.ok(dns.count("imp.test", "MX") >= 1, "implicit MX: the MX was asked for first")

    # 7. null MX: failure, bounced to the sender
    inject(inst, "alice@" + DOM, ["n@null.test"], b"Subject: null mx\n\nx\n")
    wait_results(d, ["n@null.test"])
    kind, text = outcome(d.text(), "n@null.test")
    t.is_(kind, "failure", "null MX: a failure")
    t.ok(text and text.endswith("(#5.1.10)"), "null MX: status 5.1.10: %s" % text)
    got = wait(d, lambda: maildir(alice), "the bounce of the null MX")
    blocks = dsn_blocks(got[0]) if got else []
    t.is_([(b.get("Final-Recipient"), b.get("Action"), b.get("Status")) for b in blocks],
          [("rfc822; n@null.test", "failed", "5.1.10")], "null MX: a DSN to the sender")
    t.ok(got and got[0].startswith(b"Return-Path: <>\n"), "null MX: the DSN comes from <>")

    # 8. NXDOMAIN: failure, bounced
    inject(inst, "bob@" + DOM, ["x@nx.test"], b"Subject: nxdomain\n\nx\n")
    wait_results(d, ["x@nx.test"])
    kind, text = outcome(d.text(), "x@nx.test")
    t.is_(kind, "failure", "NXDOMAIN: a failure")
    t.ok(text and text.endswith("(#5.1.2)"), "NXDOMAIN: status 5.1.2: %s" % text)
    got = wait(d, lambda: maildir(bob), "the bounce of NXDOMAIN")
    blocks = dsn_blocks(got[0]) if got else []
    t.is_([(b.get("Final-Recipient"), b.get("Status")) for b in blocks],
          [("rfc822; x@nx.test", "5.1.2")], "NXDOMAIN: a DSN to the sender")

    # 9. SERVFAIL: deferral, still pending
    inject(inst, "alice@" + DOM, ["s@sf.test"], b"Subject: servfail\n\nx\n")
    wait_results(d, ["s@sf.test"])
    kind, text = outcome(d.text(), "s@sf.test")
    t.is_(kind, "deferral", "SERVFAIL: a deferral")
    t.ok(text and text.endswith("(#4.4.3)"), "SERVFAIL: status 4.4.3: %s" % text)
    t.is_(qstates(inst).get("s@sf.test"), "pending", "SERVFAIL: the recipient stays pending")

    # 10. per-recipient 450 and 550 in a transaction that delivers the others
    rr = ["ok1@rc.test", "temp@rc.test", "perm@rc.test", "ok2@rc.test"]
    inject(inst, "carol@" + DOM, rr, b"Subject: mixed\n\nx\n")
    wait_results(d, rr)
    log = d.text()
    t.is_([outcome(log, r)[0] for r in rr], ["success", "deferral", "failure", "success"],
          "per-RCPT: success, deferral (450), failure (550), success")
    text = outcome(log, "temp@rc.test")[1] or ""
    t.ok("450 4.2.1" in text and text.endswith("(#4.2.1)"), "450: its text and code: " + text)
    text = outcome(log, "perm@rc.test")[1] or ""
    t.ok("550 5.1.1" in text and "RCPT TO" in text and text.endswith("(#5.1.1)"),
         "550: its text and code: " + text)
    txns = srv["rc"].wait_txns(1)
    t.is_([(x.rcpts, [a for a, _ in x.refused]) for x in txns],
          [(["ok1@rc.test", "ok2@rc.test"], ["temp@rc.test", "perm@rc.test"])],
          "per-RCPT: one transaction; the message went to the accepted two")
    got = wait(d, lambda: maildir(carol), "the bounce of perm@rc.test")
    blocks = dsn_blocks(got[0]) if got else []
    t.is_([(b.get("Final-Recipient"), b.get("Status")) for b in blocks],
          [("rfc822; perm@rc.test", "5.1.1")], "per-RCPT: the DSN names only the 550 one")
    t.is_(down_lines(log, A["rc"]), [], "per-RCPT: refusals do not mark the host down")

    def rc_states():
        st = qstates(inst)
        return [st.get("ok1@rc.test"), st.get("temp@rc.test"),
                st.get("perm@rc.test") in ("failed", "bounced"), st.get("ok2@rc.test")]
    want = ["done", "pending", True, "done"]
    wait(d, lambda: rc_states() == want, "the queue states of rc.test", timeout=10)
    t.is_(rc_states(), want, "per-RCPT: queue states done, pending, failed, done")

    # 10b. a very long reply: the result text is shortened in the middle and keeps its code
    inject(inst, "alice@" + DOM, ["long@rc.test"], b"Subject: long reply\n\nx\n")
    wait_results(d, ["long@rc.test"])
    kind, text = outcome(d.text(), "long@rc.test")
    t.ok(kind == "deferral" and text and len(text.encode()) <= 1000 and "..." in text and
         text.endswith("(#4.2.2)"), "a 1,500-byte reply: at most 1,000 bytes, code kept: %r"
         % ((kind, len(text or ""), (text or "")[-40:]),))

    # 11. 421 after MAIL: deferral, host down, the next message deferred at once
    inject(inst, "alice@" + DOM, ["a@mid.test"], b"Subject: mid-session 421\n\nx\n")
    wait_results(d, ["a@mid.test"])
    kind, text = outcome(d.text(), "a@mid.test")
    t.is_(kind, "deferral", "421 after MAIL: a deferral")
    t.ok(text and "421" in text and text.endswith(")") and "(#4." in text,
         "421 after MAIL: the text has the 421: %s" % text)
    t.ok([c.split(" ")[0].upper() for c in srv["mid"].commands()][:2] == ["EHLO", "MAIL"],
         "421 after MAIL: the server got EHLO and MAIL: %r" % srv["mid"].commands())
    t.is_(srv["mid"].txns(), [], "421 after MAIL: no message was taken")
    dl = down_lines(d.text(), A["mid"])
    t.ok(dl and dl[0][0] == b"mx.mid.test" and b"421" in dl[0][2],
         "421 after MAIL: the host is marked down: %r" % (dl[:1],))
    t.is_(qstates(inst).get("a@mid.test"), "pending", "421 after MAIL: the recipient is pending")
    inject(inst, "alice@" + DOM, ["b@mid.test"], b"Subject: mid-session 421 again\n\nx\n")
    wait_results(d, ["b@mid.test"])
    t.is_(outcome(d.text(), "b@mid.test")[0], "deferral",
          "host down: the next recipient is deferred")
    t.is_(srv["mid"].connections, 1, "host down: deferred without a new connection")

    # 12. a tarpit: replies slower than timeoutremote
    inject(inst, "alice@" + DOM, ["t@slow.test"], b"Subject: tarpit\n\nx\n")
    wait_results(d, ["t@slow.test"], timeout=20)
    kind, text = outcome(d.text(), "t@slow.test")
    t.is_(kind, "deferral", "tarpit: a deferral")
    t.ok(text and "timed out" in text and text.endswith("(#4.4.2)"),
         "tarpit: the text says it timed out: %s" % text)
    t.is_(srv["slow"].txns(), [], "tarpit: no message taken")
    t.ok(down_lines(d.text(), A["slow"]), "tarpit: the host is marked down")
    t.is_(qstates(inst).get("t@slow.test"), "pending", "tarpit: the recipient stays pending")

    # 13. every MX down: deferred at once, without connecting
    inject(inst, "alice@" + DOM, ["d1@down.test"], b"Subject: all down\n\nx\n")
    wait_results(d, ["d1@down.test"])
    log = d.text()
    kind, text1 = outcome(log, "d1@down.test")
    t.is_(kind, "deferral", "all MX down: a deferral")
    d1 = down_lines(log, A["down1"])
    d2 = down_lines(log, A["down2"])
    t.ok(len(d1) == 1 and len(d2) == 1, "all MX down: both hosts marked down: %r %r" % (d1, d2))
    down_at = time.monotonic()
    conns = (srv["down1"].connections, srv["down2"].connections)
    t.is_(conns, (1, 1), "all MX down: each MX was tried once")
    inject(inst, "alice@" + DOM, ["d2@down.test"], b"Subject: all down again\n\nx\n")
    wait_results(d, ["d2@down.test"])
    kind, text2 = outcome(d.text(), "d2@down.test")
    t.is_(kind, "deferral", "all MX down: the next recipient is deferred")
    t.is_((srv["down1"].connections, srv["down2"].connections), conns,
          "all MX down: without a connection attempt")
    t.ok(text2 and "421" in text2, "all MX down: the deferral says why: %s" % text2)

    # 14. back-off grows: the hosts of 4 and 13 fail again once their time is up
    left = max(fb1_down_at, down_at) + BACKOFF + 0.5 - time.monotonic()
    if left > 0:
        time.sleep(left)
    inject(inst, "alice@" + DOM, ["d3@down.test"], b"Subject: all down, later\n\nx\n")
    inject(inst, "alice@" + DOM, ["g@fb1.test"], b"Subject: fallback 1 again\n\nx\n")
    wait_results(d, ["d3@down.test", "g@fb1.test"])
    log = d.text()
    t.is_((srv["down1"].connections, srv["down2"].connections), (2, 2),
          "back-off over: the hosts are tried again")
    t.is_(outcome(log, "g@fb1.test")[0], "success", "back-off over: fb1.test delivered again")
    d1 = [int(x[1]) for x in down_lines(log, A["down1"])]
    t.is_(d1, [BACKOFF, 2 * BACKOFF],
          "back-off doubles: a host that greets with 421 again is down twice as long")
    f1 = [int(x[1]) for x in down_lines(log, A["fb1a"])]
    t.is_(f1, [BACKOFF, 2 * BACKOFF],
          "back-off doubles: a host that refuses again is down twice as long")

    # 15. one connection carries several messages to a domain
    inject(inst, "alice@" + DOM, ["u1@reuse.test"], b"Subject: reuse 1\n\nx\n")
    wait_results(d, ["u1@reuse.test"])
    inject(inst, "alice@" + DOM, ["u2@reuse.test"], b"Subject: reuse 2\n\nx\n")
    inject(inst, "bob@" + DOM, ["u3@reuse.test"], b"Subject: reuse 3\n\nx\n")
    wait_results(d, ["u2@reuse.test", "u3@reuse.test"])
    t.is_([outcome(d.text(), r)[0] for r in ("u1@reuse.test", "u2@reuse.test", "u3@reuse.test")],
          ["success"] * 3, "reuse: three messages delivered")
    txns = srv["reuse"].wait_txns(3)
    t.is_(sorted(x.rcpts[0] for x in txns), ["u1@reuse.test", "u2@reuse.test", "u3@reuse.test"],
          "reuse: the server got the three messages")
    t.is_(srv["reuse"].connections, 1, "reuse: over one connection")
    t.is_(sorted(x.mail_from for x in txns), ["alice@herald.test"] * 2 + ["bob@herald.test"],
          "reuse: each transaction with its own sender")


def main():
    port = common_port([a for k, a in A.items() if k not in ("routed", "relay")])
    rport = common_port([A["routed"], A["relay"]])
    servers = {}
    with Instance(me=DOM) as inst, DnsServer(ZONE) as dns:
        try:
            for key in ("routed", "relay"):
                servers[key] = SmtpServer(A[key], rport, name="relay%s.test" % key)
            for key in ("multi", "verp", "fb1b", "fb2b", "imp", "reuse"):
                servers[key] = SmtpServer(A[key], port, name="mx.%s.test" % key)
            servers["fb2a"] = SmtpServer(A["fb2a"], port, name="mx1.fb2.test",
                                         greeting="421 4.3.2 mx1.fb2.test too busy")
            servers["rc"] = SmtpServer(A["rc"], port, name="mx.rc.test", rcpt_replies={
                "temp@rc.test": "450 4.2.1 mailbox busy, try later",
                "perm@rc.test": "550 5.1.1 no such user here",
                "long@rc.test": "452 4.2.2 " + "mailbox full " * 115})
            servers["mid"] = SmtpServer(A["mid"], port, name="mx.mid.test", fail_after=2)
            servers["slow"] = SmtpServer(A["slow"], port, name="mx.slow.test", tarpit=3.5,
                                         tarpit_on=("MAIL",))
            for key in ("down1", "down2"):
                servers[key] = SmtpServer(A[key], port, name="mx.%s.test" % key,
                                          greeting="421 4.3.2 %s shutting down" % key)
            # fb1a (the refusing first MX) listens nowhere
            remote_setup(inst, port, dns, routes="routed.test:[%s]:%d\nrouted2.test:relay.test:%d\n"
                         % (A["routed"], rport, rport), backoffremote="%d\n" % BACKOFF)
            with Daemon(inst) as d:
                try:
                    run(inst, dns, d, servers)
                finally:
                    if t.failed:
                        t.diag(d.text().decode(errors="replace"))
        except Exception:
            t.ok(False, "the test ran to its end")
            t.diag(traceback.format_exc())
        finally:
            for s in servers.values():
                s.stop()


main()
t.done()
