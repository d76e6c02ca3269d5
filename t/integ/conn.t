#!/usr/bin/env python3
"""conn.t: the TLS client of conn (src/net/conn.c, tls.c) against a Python
ssl server on 127.0.0.1, through the driver t/integ/test_conn: STARTTLS
with opportunistic and verified policies (self-signed certificate not in
the CA file, in it with the right and a wrong name), SNI, data both ways
over TLS 1.3 and 1.2 (also with input handled outside conn's callbacks),
and plaintext injected after the "220" reply to STARTTLS, which must never
be read as if it had come over TLS. Certificates are made with the openssl
command in a temporary directory. Servers are threads of this script,
each serving one connection with 10 s socket timeouts."""
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading

from taplib import BUILD, Tap

t = Tap()
base = tempfile.mkdtemp(prefix="herald-conn-t-")
DRIVER = os.path.join(BUILD, "t", "integ", "test_conn")
NAME = "mx.herald.test"
BLOB = 2000003


def pat(n):
    """The bytes test_conn sends and expects back."""
    return bytes(((i * 131 + (i >> 13)) & 0xFF) for i in range(n))


def make_cert(stem, cn):
    """A self-signed certificate for cn (also as subjectAltName); (cert, key)."""
    crt, key = os.path.join(base, stem + ".pem"), os.path.join(base, stem + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + cn,
                    "-addext", "subjectAltName=DNS:" + cn],
                   capture_output=True, timeout=60, check=True)
    return crt, key


def recv_line(s):
    """One line (up to LF) read a byte at a time, so nothing after it is taken."""
    line = b""
    while not line.endswith(b"\n") and len(line) < 1000:
        b = s.recv(1)
        if not b:
            break
        line += b
    return line


def recv_exact(s, n):
    data = bytearray()
    while len(data) < n:
        b = s.recv(min(65536, n - len(data)))
        if not b:
            break
        data += b
    return bytes(data)


class Server(threading.Thread):
    """Greets, answers STARTTLS with 220 (followed by `inject` in the same
    write, or by `late` once the client's first TLS bytes have arrived),
    then serves PING, BLOB n and QUIT over TLS. self.log says what happened."""

    def __init__(self, cert, key, inject=b"", late=b"", tls12=False):
        super().__init__(daemon=True)
        self.cert, self.key, self.inject, self.late = cert, key, inject, late
        self.tls12 = tls12
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.lsock.settimeout(10)
        self.port = self.lsock.getsockname()[1]
        self.sni = None
        self.log = []
        self.start()

    def run(self):
        try:
            self.serve()
        except (OSError, ssl.SSLError) as e:
            self.log.append("exception %s" % e)
        finally:
            self.lsock.close()

    def on_sni(self, sslsock, name, ctx):
        self.sni = name

    def serve(self):
        c, _ = self.lsock.accept()
        with c:
            c.settimeout(10)
            c.sendall(b"220 test ready\r\n")
            if recv_line(c) != b"STARTTLS\r\n":
                self.log.append("no STARTTLS")
                return
            c.sendall(b"220 go ahead\r\n" + self.inject)
            if self.late:
                c.recv(1, socket.MSG_PEEK)      # the client hello is on its way
                c.sendall(self.late)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.cert, self.key)
            ctx.sni_callback = self.on_sni
            if self.tls12:
                ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            s = ctx.wrap_socket(c, server_side=True)
            self.log.append("tls")
            self.session(s)

    def session(self, s):
        while True:
            line = recv_line(s)
            if line == b"PING\r\n":
                s.sendall(b"PONG sni=%s\r\n" % str(self.sni).encode())
            elif line.startswith(b"BLOB "):
                n = int(line.split()[1])
                self.log.append("blob ok" if recv_exact(s, n) == pat(n) else "blob bad")
                s.sendall(pat(n))
            else:
                if line == b"QUIT\r\n":
                    s.sendall(b"221 bye\r\n")
                s.close()
                return


def drive(server, *args):
    """Run test_conn against server; (exit code, output lines)."""
    p = subprocess.run([DRIVER] + list(args) + ["127.0.0.1", str(server.port)],
                       capture_output=True, timeout=60)
    server.join(15)
    out = p.stdout.decode(errors="replace").splitlines()
    if p.stderr:
        t.diag(p.stderr.decode(errors="replace"))
    return p.returncode, out


def has(out, pattern):
    return any(re.search(pattern, line) for line in out)


try:
    if shutil.which("openssl") is None:
        t.skip("conn TLS", "no openssl command")
        t.done()
    cert, key = make_cert("server", NAME)
    other, _ = make_cert("other", "other.herald.test")

    s = Server(cert, key)
    code, out = drive(s, "-n", NAME)
    t.is_(code, 0, "opportunistic TLS with a self-signed certificate succeeds") or t.diag(out)
    t.ok(has(out, r"^tls TLSv1\.[23] \S+$"), "the session is described (protocol, cipher)")
    t.ok(has(out, r"^verify certificate verify failed: self.signed certificate"),
         "the failed check is reported for the logs")
    t.ok("read PONG sni=%s" % NAME in out, "SNI carries the server name; data round-trips")
    t.ok(out[-1:] == ["eof"], "the end of the session is seen")
    t.ok("tls" in s.log, "the server completed its handshake")

    s = Server(cert, key)
    code, out = drive(s, "-v", "-a", other, "-n", NAME)
    t.is_(code, 1, "verify: a self-signed certificate not in the CA file fails")
    t.ok(has(out, r"^error certificate verify failed: self.signed certificate$"),
         "with the verification error as text") or t.diag(out)
    t.ok(not has(out, r"^(tls|read)"), "and nothing is sent or read over it")

    s = Server(cert, key)
    code, out = drive(s, "-v", "-a", cert, "-n", NAME)
    t.is_(code, 0, "verify: the CA file holds the certificate and the name matches") or t.diag(out)
    t.ok("verify verified" in out, "the check is reported as verified")
    t.ok("read PONG sni=%s" % NAME in out, "data round-trips over the verified session")

    s = Server(cert, key)
    code, out = drive(s, "-v", "-a", cert, "-n", NAME + ".")
    t.is_(code, 0, "verify: a name with a trailing dot matches") or t.diag(out)

    s = Server(cert, key)
    code, out = drive(s, "-v", "-a", cert, "-n", "other.herald.test")
    t.is_(code, 1, "verify: a name the certificate does not match fails")
    t.ok("error certificate verify failed: hostname mismatch" in out,
         "with 'hostname mismatch'") or t.diag(out)

    s = Server(cert, key)
    code, out = drive(s)
    t.is_(code, 0, "opportunistic TLS to an address") or t.diag(out)
    t.ok("read PONG sni=None" in out, "no SNI is sent for an address literal")

    s = Server(cert, key)
    code, out = drive(s, "-v", "-a", cert, "-n", NAME, "-b", str(BLOB))
    t.is_(code, 0, "%d bytes both ways over TLS" % BLOB) or t.diag(out)
    t.ok("blob ok" in out and "blob ok" in s.log, "every byte arrives intact both ways")

    s = Server(cert, key)
    code, out = drive(s, "-d", "-v", "-a", cert, "-n", NAME, "-b", str(BLOB))
    t.is_(code, 0, "the same with input handled outside the callbacks") or t.diag(out)
    t.ok("blob ok" in out and "blob ok" in s.log, "every byte arrives intact both ways")

    s = Server(cert, key, tls12=True)
    code, out = drive(s, "-v", "-a", cert, "-n", NAME, "-b", str(BLOB))
    t.is_(code, 0, "the same over TLS 1.2") or t.diag(out)
    t.ok(has(out, r"^tls TLSv1\.2 ") and "blob ok" in out and "blob ok" in s.log,
         "TLS 1.2 was spoken and every byte arrived")

    s = Server(cert, key, inject=b"250 injected\r\n")
    code, out = drive(s, "-n", NAME)
    t.is_(code, 1, "plaintext after the STARTTLS reply: TLS is refused")
    t.ok(has(out, r"^refused .*plaintext") or has(out, r"^error TLS handshake"),
         "with a reason") or t.diag(out)
    t.ok(not has(out, r"injected"), "the injected text is never read")

    s = Server(cert, key, late=b"250 injected\r\n")
    code, out = drive(s, "-n", NAME)
    t.is_(code, 1, "plaintext arriving during the handshake: it fails")
    t.ok(has(out, r"^error TLS handshake"), "as a handshake error") or t.diag(out)
    t.ok(not has(out, r"injected|^tls"), "the injected text is never read as TLS data")
finally:
    shutil.rmtree(base, ignore_errors=True)
t.done()
