#!/usr/bin/env python3
"""local.t: herald-local's deliveries in temporary home directories:
Maildir and mbox (read back with Python's mailbox module: Return-Path,
Delivered-To, >From quoting), program lines (environment, exit codes 0, 99,
100, 111 and the others of qmail-command(8), output relayed and limited),
extension and -default matching, the missing extension, loop detection,
forwards queued as one message into a temporary instance, refused .qmail
files and home directories, limits, -n, -o/-s slices, and an unwritable
Maildir."""
import mailbox
import os
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taplib import Tap, Instance, prog, read_queue_file  # noqa: E402

t = Tap()
MSG = (b"From: alice@example.org\nTo: joe@example.org\nSubject: test\n\n"
       b"Hello.\nFrom here on, quoted.\n>From there too.\nFromage is not.\n")


class Home:
    """A temporary home directory with a Maildir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="herald-local-")
        os.chmod(self.dir, 0o755)
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(self.dir, "Maildir", sub))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def dot(self, name, text, mode=0o644):
        with open(self.path(name), "w") as f:
            f.write(text)
        os.chmod(self.path(name), mode)

    def maildir(self, sub="Maildir"):
        return list(mailbox.Maildir(self.path(sub), factory=None, create=False))

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def deliver(self, ext="", dash=None, msg=MSG, sender="sender@example.net",
                local=None, domain="example.org", dflt="./Maildir/", opts=(),
                env=None, stdin_data=None, user="joe", wrap=()):
        """Run herald-local; returns (exit code, stdout text, stderr)."""
        if dash is None:
            dash = "-" if ext else ""
        if local is None:
            local = user + dash + ext
        with tempfile.TemporaryFile() as f:
            f.write(stdin_data if stdin_data is not None else msg)
            f.seek(0)
            p = subprocess.run(list(wrap) + [prog("herald-local")] + list(opts) +
                               [user, self.dir, local, dash, ext, domain, sender, dflt],
                               stdin=f, capture_output=True, env=env, timeout=60)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr


def one_line(t, out, label):
    t.ok(out.endswith("\n") and out.count("\n") == 1, label + ": one result line")


# 1. the default delivery into a Maildir
with Home() as h:
    code, out, err = h.deliver()
    t.is_(code, 0, "maildir: exit 0")
    t.is_(out, "delivered to ./Maildir/ (#2.0.0)\n", "maildir: the result line")
    msgs = h.maildir()
    if t.is_(len(msgs), 1, "maildir: one message in new/"):
        m = msgs[0]
        t.is_(m["Return-Path"], "<sender@example.net>", "maildir: Return-Path added")
        t.is_(m["Delivered-To"], "joe@example.org", "maildir: Delivered-To added")
        t.is_(m.get_payload(), MSG.split(b"\n\n", 1)[1].decode(), "maildir: body intact")
        t.is_(m.get_subdir(), "new", "maildir: the message is in new/")
    t.is_(os.listdir(h.path("Maildir", "tmp")), [], "maildir: nothing left in tmp/")
    # the null sender
    code, out, err = h.deliver(sender="")
    t.is_(code, 0, "maildir, null sender: exit 0")
    t.ok(any(m["Return-Path"] == "<>" for m in h.maildir()), "null sender: Return-Path: <>")

# 2. an mbox through .qmail, delivered twice
with Home() as h:
    h.dot(".qmail", "# my mailbox\n./Mailbox\n")
    for i in range(2):
        code, out, err = h.deliver(msg=MSG + (b"n=%d\n" % i), sender="" if i else "s@x.test")
        t.is_(code, 0, "mbox %d: exit 0" % i)
        t.is_(out, "delivered to ./Mailbox (#2.0.0)\n", "mbox %d: result line" % i)
    t.is_(stat.S_IMODE(os.stat(h.path("Mailbox")).st_mode), 0o600, "mbox: created 0600")
    box = list(mailbox.mbox(h.path("Mailbox")))
    if t.is_(len(box), 2, "mbox: two messages"):
        t.ok(box[0].get_from().startswith("s@x.test "), "mbox: From_ line has the sender")
        t.ok(box[1].get_from().startswith("MAILER-DAEMON "), "mbox: null sender is MAILER-DAEMON")
        t.is_(box[0]["Return-Path"], "<s@x.test>", "mbox: Return-Path")
        t.is_(box[0]["Delivered-To"], "joe@example.org", "mbox: Delivered-To")
        body = box[0].get_payload()
        t.ok(">From here on, quoted.\n" in body, "mbox: 'From ' line quoted")
        t.ok(">>From there too.\n" in body, "mbox: '>From ' line quoted again")
        t.ok("\nFromage is not.\n" in body, "mbox: 'Fromage' left alone")
        t.ok(body.endswith("n=0\n\n") or body.endswith("n=0\n"), "mbox: message ends")
    raw = h.read("Mailbox")
    t.ok(raw.endswith(b"n=1\n\n"), "mbox: a blank line after the last message")

# 3. a program's environment and input; 4. a -default match
with Home() as h:
    h.dot(".qmail-list-default", "|env > env.out; cat > msg.out\n")
    h.dot(".qmail-list-sub:x-owner", "./Maildir/\n")
    code, out, err = h.deliver(ext="List-Sub.X", domain="mail.example.co.uk", sender="s@y.test")
    t.is_(code, 0, "program: exit 0")
    t.is_(out, "delivered to |env > env.out; cat > msg.out (#2.0.0)\n", "program: result line")
    env = {}
    for line in h.read("env.out").decode().split("\n"):
        k, _, v = line.partition("=")
        env.setdefault(k, v)
    want = {"USER": "joe", "HOME": h.dir, "LOCAL": "joe-List-Sub.X",
            "RECIPIENT": "joe-List-Sub.X@mail.example.co.uk", "SENDER": "s@y.test",
            "NEWSENDER": "joe-List-Sub.X-owner@mail.example.co.uk",
            "HOST": "mail.example.co.uk", "HOST2": "mail.example.co",
            "HOST3": "mail.example", "HOST4": "mail", "EXT": "List-Sub.X",
            "EXT2": "Sub.X", "EXT3": "", "EXT4": "", "DEFAULT": "Sub.X",
            "DTLINE": "Delivered-To: joe-List-Sub.X@mail.example.co.uk",
            "RPLINE": "Return-Path: <s@y.test>"}
    for k, v in sorted(want.items()):
        t.is_(env.get(k), v, "program: $%s" % k)
    t.ok(env.get("UFLINE", "").startswith("From s@y.test "), "program: $UFLINE")
    t.is_(h.read("msg.out"), MSG, "program: the message on stdin, unchanged")
    # an exact match wins over -default
    h.dot(".qmail-list-sub:x", "./Maildir/\n")
    code, out, err = h.deliver(ext="list-sub.x")
    t.is_((code, out), (0, "delivered to ./Maildir/ (#2.0.0)\n"), "exact .qmail-EXT before -default")

# 4. program exit codes
with Home() as h:
    cases = [(0, 0, True), (99, 0, False), (100, 100, False), (111, 111, False),
             (64, 100, False), (112, 100, False), (3, 111, False)]
    for pexit, want, next_done in cases:
        h.dot(".qmail-p", "|echo out%d; echo err >&2; exit %d\n./Mailbox\n" % (pexit, pexit))
        if os.path.exists(h.path("Mailbox")):
            os.unlink(h.path("Mailbox"))
        code, out, err = h.deliver(ext="p")
        t.is_(code, want, "program exit %d: herald-local exits %d" % (pexit, want))
        one_line(t, out, "program exit %d" % pexit)
        t.is_(os.path.exists(h.path("Mailbox")), next_done,
              "program exit %d: next line %s" % (pexit, "followed" if next_done else "not followed"))
        if want:
            t.ok(("out%d/err" % pexit) in out and
                 ("(#5.0.0)" if want == 100 else "(#4.0.0)") in out,
                 "program exit %d: output relayed with a status code" % pexit)
            t.diag(out)
    h.dot(".qmail-p", "|echo 'Sorry, no such list. (#5.1.1)'; exit 100\n")
    code, out, err = h.deliver(ext="p")
    t.is_((code, out), (100, "Sorry, no such list. (#5.1.1)\n"), "program's own status code kept")
    h.dot(".qmail-p", "|head -c 5000 /dev/zero | tr '\\0' x; exit 111\n")
    code, out, err = h.deliver(ext="p")
    t.is_(code, 111, "long program output: exit 111")
    t.ok(1024 <= len(out) < 1100 and "x" * 1024 in out and out.endswith("(#4.0.0)\n"),
         "long program output: limited to 1 KiB")
    h.dot(".qmail-p", "|exit 0\n")
    big = MSG + b"y" * 300000 + b"\n"
    code, out, err = h.deliver(ext="p", msg=big)
    t.is_(code, 0, "a program that reads nothing of a large message: exit 0")

# 5. missing extensions; loops
with Home() as h:
    code, out, err = h.deliver(ext="nobody")
    t.is_((code, out), (100, "Sorry, no mailbox here by that name. (#5.1.1)\n"),
          "missing extension: 100 #5.1.1")
    h.dot(".qmail-x", "./Maildir/\n")
    looped = b"Delivered-To: joe-x@example.org\n" + MSG
    code, out, err = h.deliver(ext="x", msg=looped)
    t.is_(code, 100, "loop: exit 100")
    t.is_(out, "This message is looping: it already has my Delivered-To line. (#5.4.6)\n",
          "loop: the text")
    code, out, err = h.deliver(ext="x", msg=MSG + b"Delivered-To: joe-x@example.org\n")
    t.is_(code, 0, "the line in the body is not a loop")
    code, out, err = h.deliver(ext="x", msg=b"Delivered-To: other@example.org\n" + MSG)
    t.is_(code, 0, "another Delivered-To is not a loop")
    t.is_(len(h.maildir()), 2, "loop: only the non-looping messages delivered")

# 6. forwards: one queued message with every recipient
with Instance() as inst, Home() as h:
    h.dot(".qmail-fwd", "&a@example.net\n./Maildir/\nb@example.com\n# c\n")
    code, out, err = h.deliver(ext="fwd", sender="orig@example.net",
                               env=inst.env())
    t.is_(code, 0, "forward: exit 0")
    t.diag(out + err.decode())
    t.is_(out, "delivered to ./Maildir/, &a@example.net, &b@example.com (#2.0.0)\n",
          "forward: result line")
    qs = inst.messages()
    if t.is_(len(qs), 1, "forward: one message queued"):
        q = read_queue_file(qs[0])
        t.is_(sorted(a for _, a in q["rcpts"]), [b"a@example.net", b"b@example.com"],
              "forward: both recipients")
        t.is_(q["sender"], b"orig@example.net", "forward: sender preserved")
        t.ok(b"Delivered-To: joe-fwd@example.org\n" in q["body"].split(b"\n\n")[0],
             "forward: Delivered-To added")
        t.ok(b"Return-Path:" not in q["body"], "forward: no Return-Path added")
        t.ok(q["body"].endswith(MSG), "forward: the message follows")
    t.is_(len(h.maildir()), 1, "forward: the Maildir line delivered too")
    code, out, err = h.deliver(ext="fwd", opts=["-n"])
    t.is_(out, "forward a@example.net\nmaildir ./Maildir/\nforward b@example.com\n",
          "-n lists the instructions in order")
    t.is_(code, 0, "-n: exit 0")
    t.is_(len(inst.messages()), 1, "-n: nothing queued")
    # a forward-only (executable) .qmail with a file delivery is refused
    os.chmod(h.path(".qmail-fwd"), 0o744)
    code, out, err = h.deliver(ext="fwd", env=inst.env())
    t.ok(code == 111 and "forward-only" in out, "x bit set and a file line: 111")

# 7. refused files and directories, limits
with Home() as h:
    h.dot(".qmail-gw", "./Maildir/\n", mode=0o664)
    code, out, err = h.deliver(ext="gw")
    t.ok(code == 111 and ".qmail-gw" in out and "(#4.7.0)" in out,
         "group-writable .qmail: 111 naming the file")
    h.dot(".qmail-big", "# x\n" * 300000)
    code, out, err = h.deliver(ext="big")
    t.ok(code == 111 and ".qmail-big is larger than" in out, "oversized .qmail: 111 naming it")
    h.dot(".qmail-many", "".join("u%d@example.org\n" % i for i in range(1001)))
    code, out, err = h.deliver(ext="many")
    t.ok(code == 111 and ".qmail-many has more than 1000" in out,
         "too many forwards: 111 naming the file")
    h.dot(".qmail-long", "|" + "x" * 9000 + "\n")
    code, out, err = h.deliver(ext="long")
    t.ok(code == 111 and ".qmail-long:1: line longer" in out, "long line: 111 naming file and line")
    os.chmod(h.dir, 0o757)
    code, out, err = h.deliver()
    t.ok(code == 111 and "world-writable" in out, "world-writable home: 111")
    os.chmod(h.dir, 0o755)
    code, out, err = h.deliver(opts=["-n"], dflt="./Maildir/\n|prog arg")
    t.is_((code, out), (0, "maildir ./Maildir/\nprogram prog arg\n"), "-n with the default delivery")

# 8. -o/-s: a slice of a larger file
with Home() as h:
    data = b"J" * 1000 + MSG + b"TRAILER" * 10
    code, out, err = h.deliver(stdin_data=data, opts=["-o", "1000", "-s", str(len(MSG))])
    t.is_(code, 0, "-o/-s: exit 0")
    msgs = h.maildir()
    if t.is_(len(msgs), 1, "-o/-s: delivered"):
        raw = msgs[0].as_bytes()
        t.ok(raw.endswith(b"Fromage is not.\n") and b"J" not in raw and b"TRAILER" not in raw,
             "-o/-s: exactly the slice")
    code, out, err = h.deliver(stdin_data=data, opts=["-o", "1000", "-s", str(len(data))])
    t.ok(code == 111 and "beyond the end" in out, "-o/-s past the end of the file: 111")

# 9. an unwritable Maildir tmp/ (a full disk is hard to simulate)
with Home() as h:
    os.chmod(h.path("Maildir", "tmp"), 0o500)
    wrap = []
    if os.geteuid() == 0:
        wrap = shutil.which("setpriv") and ["setpriv", "--reuid=65534", "--regid=65534",
                                            "--clear-groups"]
        if wrap:
            for root, dirs, files in os.walk(h.dir):
                for n in dirs + files + [""]:
                    os.chown(os.path.join(root, n), 65534, 65534)
    if wrap is None or wrap is False:
        t.skip("unwritable tmp/: 111", "running as root without setpriv")
    else:
        code, out, err = h.deliver(wrap=wrap)
        t.ok(code == 111 and "tmp/" in out and "(#4." in out, "unwritable tmp/: 111")
        t.diag(out)
        t.is_(os.listdir(h.path("Maildir", "new")), [], "unwritable tmp/: nothing in new/")

t.done()
