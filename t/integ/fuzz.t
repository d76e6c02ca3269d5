#!/usr/bin/env python3
"""fuzz.t: builds each libFuzzer harness in t/fuzz with clang
(-fsanitize=fuzzer,address,undefined, every UBSan report fatal) straight
from the sources it needs, and runs each for a short while from a small
seed corpus: a crash, a sanitizer report or a broken invariant (the
harnesses abort) fails the test. Skipped when clang is not installed.
The harnesses build and run in parallel; everything lives in a temporary
directory that is removed at the end, and every process is waited for."""
import os
import shutil
import subprocess
import tempfile
import time

from taplib import Tap, BUILD, SRC

RUN_SECONDS = 15
t = Tap()

UTIL = [os.path.join("src/util", f) for f in ("addr.c", "addr_envelope.c", "buf.c", "err.c")]
HARNESSES = [
    ("fuzz_addr", ["t/fuzz/fuzz_addr.c"] + UTIL, [
        b"Joe <joe@example.org>, \"q u\"@x.test, group: a@b.test;",
        b"<@a,@b:x@[192.0.2.1]> (comment (nested)) \"\\\"\"@[IPv6:::1]",
    ]),
    ("fuzz_smtpd_cmd", ["t/fuzz/fuzz_smtpd_cmd.c", "src/smtpd/smtpd_cmd.c"] + UTIL, [
        b"MAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME SMTPUTF8",
        b"RCPT TO:<@a.test,@b.test:\"x y\\\"z\"@[IPv6:::1]>",
        b"RCPT TO:<postmaster>",
        b"AGFsaWNlAHNlY3JldA==",
        b"FROM:<> AUTH=<>",
    ]),
    ("fuzz_smtpd_data", ["t/fuzz/fuzz_smtpd_data.c", "src/smtpd/smtpd_data.c", "src/util/buf.c"], [
        b"Received: x\r\nSubject: y\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n",
        b"body\n.\nMAIL FROM:<x@evil.test>\r\nDATA\r\nsmuggled\r\n.\r\n",
        b"a\r.\rb\r\n.\r\r\n.\r\n",
    ]),
]

clang = shutil.which("clang")
if clang is None:
    for name, _, _ in HARNESSES:
        t.skip("%s builds and runs %d s clean" % (name, RUN_SECONDS), "clang not installed")
    t.done()


def run_all(tmp, procs):
    """Build and run every harness in tmp; processes started go in procs."""
    # a clang without the libFuzzer runtime cannot take part
    probe = os.path.join(tmp, "probe.c")
    with open(probe, "w") as f:
        f.write("#include <stddef.h>\n#include <stdint.h>\n"
                "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)"
                " { (void)d; (void)n; return 0; }\n")
    p = subprocess.run([clang, "-fsanitize=fuzzer,address,undefined", probe, "-o",
                        os.path.join(tmp, "probe")], capture_output=True, timeout=120)
    if p.returncode != 0:
        t.diag(p.stderr.decode("utf-8", "replace")[-2000:])
        for name, _, _ in HARNESSES:
            t.skip("%s builds and runs %d s clean" % (name, RUN_SECONDS),
                   "clang cannot build libFuzzer programs")
        return
    inc = ["-I" + BUILD, "-include", os.path.join(BUILD, "config.h"), "-I" + SRC,
           "-I" + os.path.join(SRC, "src/util"), "-I" + os.path.join(SRC, "src/smtpd")]
    flags = ["-g", "-O1", "-fsanitize=fuzzer,address,undefined",
             "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer"]

    # build all harnesses at once
    builds = []
    for name, srcs, seeds in HARNESSES:
        exe = os.path.join(tmp, name)
        log = open(os.path.join(tmp, name + ".build"), "wb")
        p = subprocess.Popen([clang] + flags + inc + [os.path.join(SRC, s) for s in srcs] +
                             ["-o", exe], stdout=log, stderr=subprocess.STDOUT)
        procs.append(p)
        builds.append((name, exe, seeds, p, log))

    runs = []
    for name, exe, seeds, p, log in builds:
        try:
            code = p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait()
        log.close()
        with open(log.name, "rb") as f:
            out = f.read().decode("utf-8", "replace")
        if not t.is_(code, 0, "%s: clang builds it" % name):
            t.diag(out[-3000:])
            continue
        corpus = os.path.join(tmp, name + ".corpus")
        os.mkdir(corpus)
        for i, s in enumerate(seeds):
            with open(os.path.join(corpus, "seed%d" % i), "wb") as f:
                f.write(s)
        rlog = open(os.path.join(tmp, name + ".run"), "wb")
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "abort_on_error=0:detect_leaks=1"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1"
        q = subprocess.Popen([exe, "-max_total_time=%d" % RUN_SECONDS, "-timeout=10",
                              "-rss_limit_mb=2048", "-max_len=4096", "-print_final_stats=1",
                              "-artifact_prefix=" + os.path.join(tmp, name + "-"), corpus],
                             stdout=rlog, stderr=subprocess.STDOUT, cwd=tmp, env=env)
        procs.append(q)
        runs.append((name, q, rlog, time.monotonic()))

    for name, q, rlog, start in runs:
        try:
            code = q.wait(timeout=RUN_SECONDS + 45)
        except subprocess.TimeoutExpired:
            q.kill()
            code = q.wait()
        rlog.close()
        with open(rlog.name, "rb") as f:
            out = f.read().decode("utf-8", "replace")
        if t.is_(code, 0, "%s: runs %d s without a crash or a broken invariant" %
                 (name, RUN_SECONDS)):
            runs_line = [l for l in out.splitlines() if "stat::number_of_executed_units" in l]
            t.ok(runs_line and int(runs_line[0].split(":")[-1]) > 1000,
                 "%s: ran more than 1000 inputs" % name)
            if runs_line:
                t.diag("%s: %s" % (name, runs_line[0].strip()))
        else:
            t.diag(out[-6000:])
            for a in sorted(os.listdir(tmp)):
                if a.startswith(name + "-"):
                    with open(os.path.join(tmp, a), "rb") as f:
                        t.diag("%s: %r" % (a, f.read()[:300]))


tmp = tempfile.mkdtemp(prefix="herald-fuzz-t-")
procs = []
try:
    run_all(tmp, procs)
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
