"""dnslib: a small scripted DNS server on loopback for the tests, for the
answers a real server will not give on demand (server failure, silence,
null MX, chosen TTLs, answers too big for UDP), and that counts the
queries it gets. Standard library only; the wire format (RFC 1035) is
built by hand with struct.

    from dnslib import DnsServer
    zone = {
        "test": {"SOA": (3600, 60)},              # negative answers: SOA TTL, MINIMUM
        "a.test": {"MX": [(10, "mx1.a.test"), (20, "mx2.a.test", 60)]},
        "mx1.a.test": {"A": ["127.0.0.1"], "AAAA": [("::1", 30)]},
        "mx2.a.test": {"CNAME": "real.test"},
        "real.test": {"A": ["127.0.0.2"]},
        "null.test": {"MX": [(0, "")]},           # RFC 7505 null MX
        "bad.test": "servfail",                   # the whole name
        "half.test": {"A": ["127.0.0.3"], "AAAA": "timeout"},   # one type
    }
    with DnsServer(zone, ttl=300) as d:
        ... d.port ...; d.count("a.test", "MX")

A record is a value or a (value, ttl) tuple; an MX is (pref, target) or
(pref, target, ttl); a CNAME is one target. Behaviours, for a whole name
or one type: "servfail", "refused", "nxdomain", "timeout" (no answer at
all). A name not in the zone is NXDOMAIN; a name without the type asked
for answers nothing (NODATA); both carry the SOA of the nearest enclosing
name that has one. CNAME chains within the zone are followed into the
answer (8 hops at most). UDP answers over 512 bytes are sent truncated
(TC), so the client asks again over TCP on the same port.

The server runs in two threads (UDP, TCP; one TCP connection at a time)
until stop() or the end of the with block; queries are recorded in
.queries as (name, type, "udp"|"tcp").
"""
import select
import socket
import struct
import threading

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {"servfail": 2, "nxdomain": 3, "refused": 5}
BEHAVIOURS = ("servfail", "refused", "nxdomain", "timeout")


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split(".") if name.strip(".") else []:
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def decode_name(msg, off):
    """The (uncompressed) name at off in a query and the offset after it."""
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        if n & 0xC0:
            raise ValueError("compressed name in a query")
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def rr(name, rtype, ttl, rdata):
    return encode_name(name) + struct.pack("!HHIH", TYPES[rtype], 1, ttl, len(rdata)) + rdata


def rdata(rtype, value):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "MX":
        return struct.pack("!H", value[0]) + encode_name(value[1])
    if rtype == "CNAME":
        return encode_name(value)
    if rtype == "TXT":
        raw = value.encode()
        return bytes([len(raw)]) + raw
    raise ValueError("record type %s not supported" % rtype)


class DnsServer:
    """The scripted server; see the module documentation."""

    def __init__(self, zone, ttl=300, host="127.0.0.1", family=socket.AF_INET):
        self.zone = {k.lower().rstrip("."): v for k, v in zone.items()}
        self.ttl = ttl
        self.host = host
        self.queries = []
        self.lock = threading.Lock()
        self.stopping = False
        for _ in range(20):
            self.udp = socket.socket(family, socket.SOCK_DGRAM)
            self.udp.bind((host, 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(family, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((host, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise RuntimeError("no port free for both UDP and TCP")
        self.tcp.listen(16)
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True),
                        threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def resolver_line(self):
        """The control/resolvers line for this server."""
        if ":" in self.host:
            return "[%s]:%d" % (self.host, self.port)
        return "%s:%d" % (self.host, self.port)

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(5)
        self.udp.close()
        self.tcp.close()

    def count(self, name=None, rtype=None, transport=None):
        """How many queries came for name (any if None) and type."""
        with self.lock:
            return sum(1 for q in self.queries
                       if (name is None or q[0] == name.lower()) and
                       (rtype is None or q[1] == rtype) and
                       (transport is None or q[2] == transport))

    def reset(self):
        with self.lock:
            self.queries = []

    def _serve_udp(self):
        while not self.stopping:
            r, _, _ = select.select([self.udp], [], [], 0.05)
            if not r:
                continue
            try:
                msg, peer = self.udp.recvfrom(4096)
            except OSError:
                continue
            reply = self.answer(msg, "udp")
            if reply is not None:
                self.udp.sendto(reply, peer)

    def _serve_tcp(self):
        while not self.stopping:
            r, _, _ = select.select([self.tcp], [], [], 0.05)
            if not r:
                continue
            conn, _ = self.tcp.accept()
            conn.settimeout(2)
            try:
                while not self.stopping:
                    head = conn.recv(2, socket.MSG_WAITALL)
                    if len(head) < 2:
                        break
                    (n,) = struct.unpack("!H", head)
                    msg = conn.recv(n, socket.MSG_WAITALL)
                    reply = self.answer(msg, "tcp")
                    if reply is None:
                        break
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                pass
            finally:
                conn.close()

    def _soa(self, name):
        """The SOA record for a negative answer about name, or b""."""
        labels = name.split(".")
        for i in range(len(labels)):
            owner = ".".join(labels[i:])
            entry = self.zone.get(owner)
            if isinstance(entry, dict) and "SOA" in entry:
                ttl, minimum = entry["SOA"]
                data = encode_name("ns." + owner) + encode_name("hostmaster." + owner) + \
                    struct.pack("!IIIII", 1, 3600, 600, 86400, minimum)
                return rr(owner, "SOA", ttl, data)
        return b""

    def answer(self, msg, transport):
        """The reply to one query, or None to stay silent (also for a
        query it cannot read)."""
        try:
            return self._answer(msg, transport)
        except (ValueError, IndexError, struct.error, UnicodeError):
            return None

    def _answer(self, msg, transport):
        if len(msg) < 12:
            return None
        qid, flags, qd = struct.unpack("!HHH", msg[:6])
        if qd != 1:
            return None
        qname, off = decode_name(msg, 12)
        qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
        question = msg[12:off + 4]
        name = qname.lower().rstrip(".")
        tname = TYPE_NAMES.get(qtype, str(qtype))
        with self.lock:
            self.queries.append((name, tname, transport))

        answers, rcode, authority = [], 0, b""
        for _ in range(9):
            entry = self.zone.get(name)
            if isinstance(entry, str):
                behaviour = entry
            elif isinstance(entry, dict) and isinstance(entry.get(tname), str) \
                    and tname != "CNAME":
                behaviour = entry[tname]
            else:
                behaviour = None
            if behaviour == "timeout":
                return None
            if behaviour in RCODES:
                rcode = RCODES[behaviour]
                if rcode == 3:
                    authority = self._soa(name)
                break
            if entry is None:
                rcode, authority = 3, self._soa(name)
                break
            if "CNAME" in entry and tname != "CNAME":
                answers.append(rr(name, "CNAME", self.ttl, rdata("CNAME", entry["CNAME"])))
                name = entry["CNAME"].lower().rstrip(".")
                continue
            for value in entry.get(tname, []):
                ttl = self.ttl
                if tname == "MX" and len(value) == 3:
                    value, ttl = value[:2], value[2]
                elif tname != "MX" and isinstance(value, tuple):
                    value, ttl = value
                answers.append(rr(name, tname, ttl, rdata(tname, value)))
            if not entry.get(tname):
                authority = self._soa(name)
            break

        rd = flags & 0x0100
        head = struct.pack("!HHHHHH", qid, 0x8400 | rd | 0x0080 | rcode, 1, len(answers),
                           1 if authority else 0, 0)
        reply = head + question + b"".join(answers) + authority
        if transport == "udp" and len(reply) > 512:
            head = struct.pack("!HHHHHH", qid, 0x8600 | rd | 0x0080 | rcode, 1, 0, 0, 0)
            reply = head + question
        return reply
