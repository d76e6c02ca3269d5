#!/usr/bin/env python3
"""man.t: every program herald installs has a man page, and every page in
man/ is valid mdoc (mandoc -Tlint reports no warning or error)."""
import glob
import os
import re
import shutil
import subprocess

from taplib import SRC, Tap

t = Tap()
mk = ""
for path in glob.glob(os.path.join(SRC, "**", "*.mk"), recursive=True):
    with open(path) as f:
        mk += f.read().replace("\\\n", " ") + "\n"
programs = set()
for m in re.finditer(r"^(?:bin|sbin|libexec)_PROGRAMS\s*\+?=\s*(.*)$", mk, re.M):
    for word in m.group(1).split():
        programs.add(os.path.basename(word))
t.ok(len(programs) >= 5, "found the installed programs (%d)" % len(programs))
pages = {os.path.basename(p) for p in glob.glob(os.path.join(SRC, "man", "*.[1-8]"))}
for p in sorted(programs):
    t.ok(any(pg.startswith(p + ".") for pg in pages), "%s has a man page" % p)
listed = set()
for m in re.finditer(r"^dist_man_MANS\s*\+?=\s*(.*)$", mk, re.M):
    listed.update(os.path.basename(w) for w in m.group(1).split())
t.is_(sorted(pages - listed), [], "every page in man/ is installed (man/local.mk)")
if shutil.which("mandoc") is None:
    t.skip("mandoc -Tlint", "mandoc is not installed")
else:
    for pg in sorted(pages):
        p = subprocess.run(["mandoc", "-Tlint", "-Wwarning", os.path.join(SRC, "man", pg)],
                           capture_output=True, text=True)
        out = (p.stdout + p.stderr).strip()
        if not t.ok(out == "", "mandoc -Tlint %s is clean" % pg):
            t.diag(out)
t.done()
