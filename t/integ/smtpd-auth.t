#!/usr/bin/env python3
"""smtpd-auth.t: SMTP AUTH in herald-smtpd with real clients. herald-smtpd
runs behind a listener on 127.0.0.1 (see interoplib) with a
checkpassword-compatible program written here: swaks AUTH PLAIN and LOGIN
over STARTTLS with the right password (235, then relaying is allowed and
the Received field says ESMTPSA and who authenticated), a wrong password
(535 5.7.8, relaying still refused), AUTH without TLS (not offered, 538
5.7.11) unless control/smtpauthnotls is 1 (then AUTH PLAIN works in the
clear, ESMTPA). Every process started here is stopped by PID."""
import base64
import os
import re
import shutil
import smtplib
import ssl
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, read_queue_file  # noqa: E402
from daemon import reap_orphans  # noqa: E402
from interoplib import (Listener, install_cert, make_cert, new_messages,  # noqa: E402
                        queue_id, split_trace, swaks)

if shutil.which("swaks") is None:
    print("1..0 # SKIP swaks is not installed")
    sys.exit(0)
t = Tap()
DOM = "herald.test"
USER, PASS = "joe", "s3cret pass"
base = tempfile.mkdtemp(prefix="herald-auth-t-")

# The checkpassword interface: "user\0password\0timestamp\0" on descriptor
# 3; exit 1 if wrong; if right, run the rest of the arguments (exit 0 when
# that succeeds). Each call is recorded in calls.log.
CHECKPW = r'''#!%(python)s
import os, sys
data = b""
while len(data) < 1024:
    chunk = os.read(3, 1024)
    if not chunk:
        break
    data += chunk
parts = data.split(b"\0")
ok = len(parts) == 4 and parts[3] == b"" and parts[0] == %(user)r and parts[1] == %(password)r
with open(%(log)r, "ab") as f:
    f.write(b"%%s %%s ts=%%s\n" %% (parts[0], b"ok" if ok else b"bad",
                                  parts[2] if len(parts) > 2 else b"-"))
if not ok:
    sys.exit(1)
os.execv(sys.argv[1], sys.argv[1:])
'''

RECEIVED = (rb"^Received: from client\.test \(\[127\.0\.0\.1\]\)\n"
            rb"\tby herald\.test \(herald\) with (?P<proto>[A-Z0-9]+)(?: \((?P<tls>TLSv1\.[23]) [^)]+\))?"
            rb"(?: \(authenticated as (?P<user>[^)]+)\))?\n"
            rb"\tid [0-9a-f]+; [^\n]+\n$")

# what must not appear in the listener's log
PROBLEMS = r".*(?:AddressSanitizer|LeakSanitizer|runtime error|fatal:|Traceback).*"


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def calls():
    try:
        with open(os.path.join(base, "calls.log"), "rb") as f:
            return f.read().decode(errors="replace").splitlines()
    except FileNotFoundError:
        return []


def relayed(inst, before, label, proto, tls):
    """Check that one message was queued for user@evil.test with the
    Received field of an authenticated session; remove it."""
    new = new_messages(inst, before)
    if not t.is_(len(new), 1, label + ": one message queued"):
        return
    q = read_queue_file(new[0])
    os.unlink(new[0])
    t.is_(q["rcpts"], [("P", b"user@evil.test")], label + ": queued for user@evil.test (relayed)")
    fields, _ = split_trace(q["body"])
    m = re.match(RECEIVED, fields[1]) if len(fields) == 2 else None
    if not t.ok(m is not None, label + ": the SMTP Received field"):
        t.diag(q["body"][:600])
        return
    t.is_((m.group("proto").decode(), m.group("tls") is not None, m.group("user")),
          (proto, tls, USER.encode()),
          label + ": Received says with %s%s (authenticated as %s)" %
          (proto, " (TLS version)" if tls else "", USER))


def swaks_auth(srv, mech, password, tls=True, to="user@evil.test"):
    args = ["--from", "joe@client.test", "--to", to, "--auth", mech,
            "--auth-user", USER, "--auth-password", password]
    if tls:
        args.append("--tls")
    return swaks(srv.port, *args)


def good_login(inst, srv, mech):
    label = "swaks --tls --auth " + mech
    before = inst.messages()
    ncalls = len(calls())
    p = swaks_auth(srv, mech, PASS)
    if not t.is_(p.returncode, 0, label + ": exits 0"):
        t.diag(p.stdout + p.stderr)
    t.ok("<~  250-AUTH PLAIN LOGIN" in p.stdout, label + ": AUTH PLAIN LOGIN offered after STARTTLS")
    t.ok(re.search(r"^<~  235 2\.7\.0 ", p.stdout, re.M) is not None, label + ": 235 2.7.0")
    qid = queue_id(p.stdout)
    t.ok(qid is not None, label + ": RCPT to evil.test accepted and the message queued (250)")
    relayed(inst, before, label, "ESMTPSA", True)
    new = calls()[ncalls:]
    t.ok(len(new) == 1 and re.match(r"^joe ok ts=<\d+@herald>$", new[0]) is not None,
         label + ": checkpassword got user, password and a timestamp on descriptor 3")
    if len(new) != 1:
        t.diag("checkpassword calls: %r" % (new,))
    log = srv.wait_log(r"tx 127\.0\.0\.1 helo=client\.test from=<joe@client\.test> rcpts=1 "
                       r"size=\d+ tls=yes auth=joe id=%s " % qid)
    t.is_(len(log), 1, label + ": the log line says tls=yes auth=joe")


try:
    cert = make_cert(base)
    checkpw = os.path.join(base, "checkpw")
    with open(checkpw, "w") as f:
        f.write(CHECKPW % dict(python=sys.executable, user=USER.encode(), password=PASS.encode(),
                               log=os.path.join(base, "calls.log").encode()))
    os.chmod(checkpw, 0o755)
    with Instance(me=DOM) as inst:
        inst.control("rcpthosts", DOM + "\n")
        if cert is None:
            t.bail("openssl cannot make a test certificate")
        install_cert(inst, cert)
        with Listener(inst, base, args=[checkpw, "/bin/true"]) as srv:
            t.diag("herald-smtpd runs behind " + srv.kind)
            # --- right password over STARTTLS
            good_login(inst, srv, "PLAIN")
            good_login(inst, srv, "LOGIN")

            # --- wrong password
            before = inst.messages()
            ncalls = len(calls())
            for mech in ("PLAIN", "LOGIN"):
                p = swaks_auth(srv, mech, "wrong")
                t.ok(p.returncode != 0 and re.search(r"^<~\* 535 5\.7\.8 ", p.stdout, re.M),
                     "swaks --auth %s, wrong password: 535 5.7.8" % mech)
            with smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=30) as s:
                s.starttls(context=tls_context())
                s.ehlo()
                try:
                    s.login(USER, "wrong")
                    got = "accepted"
                except smtplib.SMTPAuthenticationError as e:
                    got = (e.smtp_code, e.smtp_error[:5])
                t.is_(got, (535, b"5.7.8"), "smtplib, wrong password: 535 5.7.8")
                code, text = s.mail("joe@client.test")
                code, text = s.rcpt("user@evil.test")
                t.is_((code, text[:5]), (553, b"5.7.1"),
                      "after a failed AUTH, relaying is refused: 553 5.7.1")
                code, text = s.rcpt("alice@herald.test")
                t.is_(code, 250, "after a failed AUTH, a local recipient is still accepted")
                s.rset()
            t.is_(new_messages(inst, before), [], "wrong password: nothing queued")
            # (smtplib's login() tries PLAIN, then LOGIN)
            got = [c.split(" ts=")[0] for c in calls()[ncalls:]]
            if not t.ok(len(got) >= 3 and set(got) == {"joe bad"},
                        "wrong password: checkpassword was asked each time and said no"):
                t.diag("checkpassword calls: %r" % (got,))
            t.ok(srv.wait_log(r"herald-smtpd: \d+ 127\.0\.0\.1 auth failed"), "log: auth failed")

            # --- no TLS, control/smtpauthnotls missing
            plain = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASS.encode()).decode()
            with smtplib.SMTP("127.0.0.1", srv.port, local_hostname="client.test", timeout=30) as s:
                s.ehlo()
                t.ok(not s.has_extn("auth"), "no TLS: AUTH is not offered")
                code, text = s.docmd("AUTH", "PLAIN " + plain)
                t.is_((code, text[:6]), (538, b"5.7.11"), "no TLS: AUTH PLAIN gets 538 5.7.11")
                code, text = s.docmd("AUTH", "LOGIN")
                t.is_((code, text[:6]), (538, b"5.7.11"), "no TLS: AUTH LOGIN gets 538 5.7.11")
                s.mail("joe@client.test")
                code, text = s.rcpt("user@evil.test")
                t.is_((code, text[:5]), (553, b"5.7.1"), "no TLS, no AUTH: relaying refused")
                s.rset()
            before = inst.messages()
            p = swaks_auth(srv, "PLAIN", PASS, tls=False)
            t.ok(p.returncode != 0 and "235 " not in p.stdout,
                 "swaks --auth without TLS: fails (AUTH not offered)")
            t.is_(new_messages(inst, before), [], "swaks --auth without TLS: nothing queued")
        problems = re.findall(PROBLEMS, srv.text())

        # --- control/smtpauthnotls 1: AUTH in the clear
        inst.control("smtpauthnotls", "1\n")
        with Listener(inst, base, args=[checkpw, "/bin/true"]) as srv:
            before = inst.messages()
            p = swaks_auth(srv, "PLAIN", PASS, tls=False)
            label = "smtpauthnotls 1: swaks --auth PLAIN without TLS"
            if not t.is_(p.returncode, 0, label + ": exits 0"):
                t.diag(p.stdout + p.stderr)
            t.ok("<-  250-AUTH PLAIN LOGIN" in p.stdout, label + ": AUTH offered in the clear")
            t.ok(re.search(r"^<-  235 2\.7\.0 ", p.stdout, re.M) is not None, label + ": 235 2.7.0")
            relayed(inst, before, label, "ESMTPA", False)
            t.ok(srv.wait_log(r"tls=no auth=joe id=[0-9a-f]+ result=\"250 "),
                 label + ": logged tls=no auth=joe")
            problems += re.findall(PROBLEMS, srv.text())
            t.is_(problems, [], "no sanitizer report, fatal error or checkpassword crash in the logs")
finally:
    reap_orphans()
    if os.environ.get("HERALD_KEEP") != "1":
        shutil.rmtree(base, ignore_errors=True)
t.done()
