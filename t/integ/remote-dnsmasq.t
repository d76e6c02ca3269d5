#!/usr/bin/env python3
"""remote-dnsmasq.t: herald-remote with a real DNS server: dnsmasq on a
free loopback port (control/resolvers) serves MX records. The first mail
exchanger refuses connections, so the message goes to the second;
a domain without MX records is delivered to its own address (implicit
MX); a domain that does not exist fails with 5.1.2 and is bounced."""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance  # noqa: E402
from daemon import Daemon  # noqa: E402
from smtpsrv import SmtpServer, common_port, outcome, remote_setup, results_for  # noqa: E402

t = Tap()
MX1, MX2 = "127.0.0.81", "127.0.0.82"
DNSMASQ = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists("/usr/sbin/dnsmasq")
                                      else None)
CONF = """mx-host=real.test,mx1.real.test,10
mx-host=real.test,mx2.real.test,20
host-record=mx1.real.test,%s
host-record=mx2.real.test,%s
host-record=plain.test,%s
local=/test/
""" % (MX1, MX2, MX2)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_dnsmasq(base):
    """dnsmasq on a free port of 127.0.0.1; (process, port) or (None, None)."""
    conf = os.path.join(base, "dnsmasq.conf")
    with open(conf, "w") as f:
        f.write(CONF)
    for _ in range(5):
        port = free_udp_port()
        p = subprocess.Popen([DNSMASQ, "--keep-in-foreground", "--conf-file=" + conf,
                              "--port=%d" % port, "--listen-address=127.0.0.1",
                              "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=",
                              "--user=" + pwd.getpwuid(os.getuid()).pw_name],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        if p.poll() is None:
            return p, port
    return None, None



if DNSMASQ is None:
    t.skip("herald-remote with dnsmasq", "dnsmasq is not installed")
    t.done()
    sys.exit(0)
port = common_port([MX1, MX2])
with Instance(me="herald.test") as inst:
    dns, dport = start_dnsmasq(inst.base)
    t.ok(dns is not None, "dnsmasq runs on 127.0.0.1:%s" % dport)
    try:
        with SmtpServer(MX2, port, name="mx2.real.test") as mx2:
            # mx1 listens nowhere: connection refused
            remote_setup(inst, port, routes="", resolvers="127.0.0.1:%d\n" % dport)
            rcpts = ["a@real.test", "b@plain.test", "c@nx.real.test"]
            code, _ = inst.queue(b"Subject: dns\n\nx\n", b"s@herald.test", [r.encode() for r in rcpts])
            t.is_(code, 0, "a message to three domains queued")
            with Daemon(inst) as d:
                ok = results_for(d, rcpts)
                t.ok(ok, "every recipient has a result")
                log = d.text()
                kind, text = outcome(log, "a@real.test")
                t.ok(kind == "success" and text and "mx2.real.test" in text,
                     "MX fallback: delivered by the second mail exchanger: %r" % text)
                t.ok(b"herald-remote: host " + MX1.encode() in log and b"connection refused" in log,
                     "log: the first mail exchanger is down (connection refused)")
                kind, text = outcome(log, "b@plain.test")
                t.ok(kind == "success" and text and "plain.test" in text,
                     "implicit MX: delivered to the domain's own address: %r" % text)
                kind, text = outcome(log, "c@nx.real.test")
                t.ok(kind == "failure" and text and text.endswith("(#5.1.2)"),
                     "NXDOMAIN: a permanent failure: %r" % text)
                rc = sorted(r for txn in mx2.txns() for r in txn.rcpts)
                t.is_(rc, ["<a@real.test>", "<b@plain.test>"] if rc and rc[0].startswith("<")
                      else ["a@real.test", "b@plain.test"], "mx2 received exactly the two deliverable recipients")
    finally:
        if dns is not None:
            dns.terminate()
            dns.wait(10)
t.done()
