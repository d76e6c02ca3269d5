#!/usr/bin/env python3
"""dns.t: herald's DNS lookups (src/dns, through t/integ/test_dns) against
DNS servers on loopback: dnsmasq for ordinary zones (MX order and
fallback, equal preferences, implicit MX with A or AAAA only, CNAME as MX
target, IPv6 addresses, NXDOMAIN, IPv4 only, smarthost lookups, a dead
resolver before a live one), and the scripted server of dnslib.py for the
rest (null MX, SERVFAIL, REFUSED, silence, mail exchangers that all fail,
TTLs and the cache, coalescing, cancellation, truncated UDP answers, a
resolver on ::1). Every test_dns run must also exit 0, which it does not
when AddressSanitizer finds a leak or a callback comes at the wrong time.
Every process started is stopped by PID."""
import os
import pwd
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import BUILD, Tap  # noqa: E402
from dnslib import DnsServer, encode_name  # noqa: E402

t = Tap()
TEST_DNS = os.path.join(BUILD, "t", "integ", "test_dns")
DNSMASQ = shutil.which("dnsmasq") or ("/usr/sbin/dnsmasq" if os.path.exists(
    "/usr/sbin/dnsmasq") else None)
base = tempfile.mkdtemp(prefix="herald-dns-t-")
procs = []
servers = []
nres = 0

DNSMASQ_CONF = """
mx-host=a.test,mx1.a.test,10
mx-host=a.test,mx2.a.test,20
mx-host=a.test,mx3.a.test,30
host-record=mx1.a.test,127.0.0.11
host-record=mx2.a.test,127.0.0.12,2001:db8::12
mx-host=e.test,e0.e.test,5
mx-host=e.test,e1.e.test,10
mx-host=e.test,e2.e.test,10
mx-host=e.test,e3.e.test,10
host-record=e0.e.test,127.0.0.20
host-record=e1.e.test,127.0.0.21
host-record=e2.e.test,127.0.0.22
host-record=e3.e.test,127.0.0.23
mx-host=c.test,alias.test,5
cname=alias.test,real.test
host-record=real.test,127.0.0.13
host-record=only4.test,127.0.0.14
host-record=only6.test,2001:db8::14
txt-record=txtonly.test,"no mail here"
local=/test/
"""


def resolvers(*lines):
    """A resolvers file with these lines; returns its path."""
    global nres
    nres += 1
    path = os.path.join(base, "resolvers%d" % nres)
    with open(path, "w") as f:
        f.write("# written by dns.t\n\n" + "".join(line + "\n" for line in lines))
    return path


def run(res, *cmds, opts=("-t", "300", "-n", "2")):
    """test_dns -r RES OPTS CMDS; returns (exit status, [result lines])."""
    p = subprocess.run([TEST_DNS, "-r", res] + list(opts) + list(cmds),
                       capture_output=True, timeout=120)
    out = p.stdout.decode(errors="replace").splitlines()
    if p.returncode != 0 or p.stderr:
        t.diag("test_dns %s: exit %d\n%s\n%s" % (" ".join(cmds), p.returncode, "\n".join(out),
                                                 p.stderr.decode(errors="replace")[-3000:]))
    return p.returncode, out


def check(label, res, cmds, want, opts=("-t", "300", "-n", "2")):
    """Run test_dns and compare its lines (in any order) with want."""
    code, out = run(res, *cmds, opts=opts)
    t.is_(code, 0, label + ": test_dns exits 0")
    t.is_(sorted(out), sorted(want), label)
    return out


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def answers(port, name):
    """Whether a server on 127.0.0.1:port answers an MX query for name."""
    q = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0) + encode_name(name) + b"\0\x0f\0\x01"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(q, ("127.0.0.1", port))
        return len(s.recv(512)) >= 12
    except OSError:
        return False
    finally:
        s.close()


def start_dnsmasq():
    """dnsmasq on a free port of 127.0.0.1 with DNSMASQ_CONF; its port."""
    conf = os.path.join(base, "dnsmasq.conf")
    with open(conf, "w") as f:
        f.write(DNSMASQ_CONF)
    for _ in range(5):
        port = free_port()
        log = open(os.path.join(base, "dnsmasq.log"), "ab")
        p = subprocess.Popen([DNSMASQ, "--keep-in-foreground", "--conf-file=" + conf,
                              "--port=%d" % port, "--listen-address=127.0.0.1",
                              "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=",
                              "--log-facility=-", "--user=" + pwd.getpwuid(os.getuid()).pw_name],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        procs.append(p)
        for _ in range(100):
            if p.poll() is not None or answers(port, "a.test"):
                break
            time.sleep(0.05)
        if p.poll() is None and answers(port, "a.test"):
            return port
        if p.poll() is None:
            p.kill()
            p.wait()
    with open(os.path.join(base, "dnsmasq.log"), "rb") as f:
        t.diag(f.read().decode(errors="replace")[-2000:])
    return None


def dnsmasq_tests(port):
    res = resolvers("127.0.0.1:%d" % port)
    check("MX order: by preference, a host without address left out, IPv6 first", res,
          ["mx", "a.test", "wait"],
          ["mx a.test OK 10:mx1.a.test=127.0.0.11 20:mx2.a.test=2001:db8::12,127.0.0.12"])
    check("implicit MX: A only, AAAA only", res,
          ["mx", "only4.test", "mx", "only6.test", "wait"],
          ["mx only4.test OK implicit 0:only4.test=127.0.0.14",
           "mx only6.test OK implicit 0:only6.test=2001:db8::14"])
    check("a CNAME as mail exchanger gets the addresses of its target", res,
          ["mx", "c.test", "wait"], ["mx c.test OK 5:alias.test=127.0.0.13"])
    check("NXDOMAIN and no MX and no address are permanent", res,
          ["mx", "nx.test", "mx", "txtonly.test", "wait"],
          ["mx nx.test PERMFAIL DNS lookup of nx.test failed: domain not found (#5.1.2)",
           "mx txtonly.test PERMFAIL DNS lookup of txtonly.test failed: "
           "no MX or address records (#5.4.4)"])
    check("IPv4 only: no AAAA asked for", res,
          ["mx", "a.test", "mx", "only6.test", "wait"],
          ["mx a.test OK 10:mx1.a.test=127.0.0.11 20:mx2.a.test=127.0.0.12",
           "mx only6.test PERMFAIL DNS lookup of only6.test failed: "
           "no MX or address records (#5.4.4)"], opts=("-4", "-t", "300", "-n", "2"))
    check("host lookups: a name, NXDOMAIN, address literals", res,
          ["host", "MX2.a.test.", "host", "nx.test", "host", "[127.0.0.5]",
           "host", "[IPv6:2001:db8::5]", "host", "192.0.2.5", "wait"],
          ["host MX2.a.test. OK 0:mx2.a.test=2001:db8::12,127.0.0.12",
           "host nx.test PERMFAIL DNS lookup of nx.test failed: host not found (#5.4.4)",
           "host [127.0.0.5] OK 0:127.0.0.5=127.0.0.5",
           "host [IPv6:2001:db8::5] OK 0:2001:db8::5=2001:db8::5",
           "host 192.0.2.5 OK 0:192.0.2.5=192.0.2.5"])

    # equal preferences: a new resolver (new cache) for each lookup
    cmds = []
    for _ in range(12):
        cmds += ["mx", "e.test", "wait", "free"]
    code, out = run(res, *cmds)
    t.is_(code, 0, "equal preference: test_dns exits 0")
    orders = set()
    first_ok = len(out) == 12
    for line in out:
        hosts = line.split()[3:]
        first_ok = first_ok and hosts[0] == "5:e0.e.test=127.0.0.20" and len(hosts) == 4
        orders.add(tuple(h.split(":")[1].split("=")[0] for h in hosts[1:]))
    t.ok(first_ok, "equal preference: the lowest preference always comes first")
    t.ok(orders <= {("e1.e.test", "e2.e.test", "e3.e.test"), ("e1.e.test", "e3.e.test",
                    "e2.e.test"), ("e2.e.test", "e1.e.test", "e3.e.test"),
                    ("e2.e.test", "e3.e.test", "e1.e.test"), ("e3.e.test", "e1.e.test",
                    "e2.e.test"), ("e3.e.test", "e2.e.test", "e1.e.test")} and len(orders) > 1,
         "equal preference: the three of preference 10 come in varying order")
    if len(orders) <= 1:
        t.diag(repr(out))

    # a resolver that refuses connections, then a live one
    dead = free_port()
    check("a dead resolver is passed over", resolvers("127.0.0.1:%d" % dead, "127.0.0.1:%d" % port),
          ["mx", "only4.test", "wait"], ["mx only4.test OK implicit 0:only4.test=127.0.0.14"])


ZONE = {
    "test": {"SOA": (3600, 600)},
    "null.test": {"MX": [(0, "")]},
    "bad.test": "servfail",
    "refuse.test": "refused",
    "slow.test": "timeout",
    "allslow.test": {"MX": [(10, "s1.slow.test"), (20, "s2.slow.test")]},
    "allgone.test": {"MX": [(10, "g1.nowhere.test"), (20, "g2.nowhere.test")]},
    "ipmx.test": {"MX": [(10, "127.0.0.40")]},
    "somegone.test": {"MX": [(10, "g1.nowhere.test"), (20, "ok.somegone.test")]},
    "ok.somegone.test": {"A": ["127.0.0.30"]},
    "s1.slow.test": "timeout",
    "s2.slow.test": {"A": "servfail", "AAAA": "servfail"},
    "ttl.test": {"MX": [(10, "mx.ttl.test", 300)]},
    "mx.ttl.test": {"A": [("127.0.0.31", 300)]},
    "short.test": {"MX": [(10, "mx.ttl.test", 1)]},
    "shorta.test": {"MX": [(10, "mx.shorta.test", 300)]},
    "mx.shorta.test": {"A": [("127.0.0.32", 1)]},
    "co.test": {"MX": [(10, "mx.co.test")]},
    "mx.co.test": {"A": ["127.0.0.33"], "AAAA": ["2001:db8::33"]},
    "big.test": {"MX": [(i, "mail%02d.a-rather-long-host-name.big.test" % i) for i in range(30)]},
    "v6.test": {"A": ["127.0.0.34"]},
}
for i in range(30):
    ZONE["mail%02d.a-rather-long-host-name.big.test" % i] = {"A": ["127.0.1.%d" % i]}


def scripted_tests(d):
    res = resolvers(d.resolver_line())
    check("null MX is permanent", res, ["mx", "null.test", "wait"],
          ["mx null.test PERMFAIL Domain null.test does not accept mail (null MX) (#5.1.10)"])
    check("SERVFAIL, REFUSED and silence are temporary", res,
          ["mx", "bad.test", "mx", "refuse.test", "mx", "slow.test", "wait"],
          ["mx bad.test TEMPFAIL DNS lookup of bad.test failed: server failure (#4.4.3)",
           "mx refuse.test TEMPFAIL DNS lookup of refuse.test failed: query refused (#4.4.3)",
           "mx slow.test TEMPFAIL DNS lookup of slow.test failed: timed out (#4.4.3)"],
          opts=("-t", "200", "-n", "2"))
    t.is_(d.count("slow.test", "MX"), 2, "silence: asked again as often as -n says")
    check("mail exchangers that all fail: temporary, or permanent when none exists", res,
          ["mx", "allslow.test", "mx", "allgone.test", "mx", "somegone.test", "mx", "ipmx.test",
           "wait"],
          ["mx allslow.test TEMPFAIL DNS lookup of the mail exchangers of allslow.test failed "
           "(s1.slow.test: timed out) (#4.4.3)",
           "mx allgone.test PERMFAIL No mail exchanger of allgone.test has an address "
           "(g1.nowhere.test: host not found) (#5.4.4)",
           "mx somegone.test OK 20:ok.somegone.test=127.0.0.30",
           "mx ipmx.test PERMFAIL No mail exchanger of ipmx.test has an address "
           "(127.0.0.40: host not found) (#5.4.4)"],
          opts=("-t", "200", "-n", "1"))

    d.reset()
    out = check("the cache answers a second lookup and dns_mx_cached", res,
                ["mx", "ttl.test", "wait", "mx", "ttl.test", "wait", "cached", "ttl.test",
                 "cached", "other.test", "mx", "nx.test", "wait", "mx", "nx.test", "wait",
                 "mx", "bad.test", "wait", "mx", "bad.test", "wait"],
                ["mx ttl.test OK 10:mx.ttl.test=127.0.0.31"] * 2 +
                ["cached ttl.test OK 10:mx.ttl.test=127.0.0.31", "cached other.test miss"] +
                ["mx nx.test PERMFAIL DNS lookup of nx.test failed: domain not found (#5.1.2)"] * 2 +
                ["mx bad.test TEMPFAIL DNS lookup of bad.test failed: server failure (#4.4.3)"] * 2)
    t.is_((d.count("ttl.test", "MX"), d.count("mx.ttl.test", "A"), d.count("nx.test"),
           d.count("bad.test")), (1, 1, 1, 1),
          "cache: one query each for an answer, NXDOMAIN and a server failure")

    d.reset()
    check("TTL: an MX record or address record of 1 s expires", res,
          ["mx", "short.test", "mx", "shorta.test", "wait", "sleep", "1200", "cached", "short.test",
           "cached", "shorta.test", "mx", "short.test", "mx", "shorta.test", "wait"],
          ["mx short.test OK 10:mx.ttl.test=127.0.0.31",
           "mx shorta.test OK 10:mx.shorta.test=127.0.0.32"] * 2 +
          ["cached short.test miss", "cached shorta.test miss"])
    t.is_((d.count("short.test", "MX"), d.count("shorta.test", "MX"),
           d.count("mx.shorta.test", "A")), (2, 2, 2), "TTL: asked again after expiry")

    d.reset()
    check("coalescing: lookups of a name in progress share its queries", res,
          ["mx", "co.test", "mx", "co.test", "host", "mx.co.test", "host", "mx.co.test", "wait"],
          ["mx co.test OK 10:mx.co.test=2001:db8::33,127.0.0.33"] * 2 +
          ["host mx.co.test OK 0:mx.co.test=2001:db8::33,127.0.0.33"] * 2)
    t.is_((d.count("co.test", "MX"), d.count("mx.co.test", "A"),
           d.count("mx.co.test", "AAAA")), (1, 1, 1), "coalescing: one query of each")

    check("cancel: a cancelled lookup never calls back; the others do", res,
          ["mx", "co.test", "cancel", "mx", "ttl.test", "mx", "slow.test", "cancel", "wait"],
          ["mx ttl.test OK 10:mx.ttl.test=127.0.0.31"])
    check("free with lookups pending, and from inside a callback", res,
          ["mx", "slow.test", "host", "mx.co.test", "free", "mxfree", "ttl.test", "mx",
           "slow.test", "wait", "mx", "ttl.test", "wait"],
          ["mx ttl.test OK 10:mx.ttl.test=127.0.0.31", "mxfree ttl.test OK "
           "10:mx.ttl.test=127.0.0.31", "freed"])
    check("a held result outlives the resolver", res,
          ["mxhold", "ttl.test", "wait", "free", "held"],
          ["mxhold ttl.test OK 10:mx.ttl.test=127.0.0.31", "held ttl.test OK "
           "10:mx.ttl.test=127.0.0.31"])
    check("invalid names fail at once, permanently, still from the loop", res,
          ["mx", "bad name.test", "mx", "a..test", "host", "x" * 300, "wait"],
          ["mx bad name.test PERMFAIL DNS lookup of bad?name.test failed: "
           "invalid domain name (#5.1.2)",
           "mx a..test PERMFAIL DNS lookup of a..test failed: invalid domain name (#5.1.2)",
           "host %s PERMFAIL DNS lookup of %s... failed: invalid domain name (#5.1.2)" %
           ("x" * 300, "x" * 64)])

    d.reset()
    code, out = run(res, "mx", "big.test", "wait")
    hosts = out[0].split()[3:] if out else []
    t.ok(code == 0 and len(hosts) == 30 and hosts[0] == "0:mail00.a-rather-long-host-name."
         "big.test=127.0.1.0" and hosts[29].startswith("29:mail29."),
         "an answer too big for UDP comes over TCP, all 30 mail exchangers in order")
    t.ok(d.count("big.test", "MX", "udp") >= 1 and d.count("big.test", "MX", "tcp") >= 1,
         "the MX query was asked again over TCP")


def ipv6_tests():
    try:
        d6 = DnsServer(ZONE, host="::1", family=socket.AF_INET6)
    except OSError as e:
        t.skip("a resolver on ::1", "cannot listen on ::1: %s" % e)
        return
    servers.append(d6)
    check("a resolver on [::1]:port", resolvers(d6.resolver_line()), ["host", "v6.test", "wait"],
          ["host v6.test OK 0:v6.test=127.0.0.34"])
    t.is_(d6.count("v6.test", "A"), 1, "the ::1 resolver was asked")


try:
    code, out = run(resolvers("127.0.0.1:53", "nonsense"), "mx", "a.test", "wait")
    t.is_((code, out), (111, ["test_dns: %s:4: not an IP address: 'nonsense' (want "
                              "address[:port])" % os.path.join(base, "resolvers1")]),
          "a bad resolvers file: an error naming file and line")

    if DNSMASQ is None:
        t.skip("dnsmasq tests", "dnsmasq is not installed")
    else:
        port = start_dnsmasq()
        if port is None:
            t.ok(False, "dnsmasq starts")
        else:
            dnsmasq_tests(port)

    with DnsServer(ZONE) as d:
        scripted_tests(d)
    ipv6_tests()
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    for s in servers:
        s.stop()
    shutil.rmtree(base, ignore_errors=True)
t.done()
