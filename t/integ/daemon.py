"""daemon: run herald-start for an Instance in the background, for the
integration tests of the scheduler. Everything it starts is stopped by PID
in stop() (and in __exit__), also when the test fails: this process
becomes a child subreaper, so deliveries orphaned by a killed herald-send
or herald-lspawn are reparented to it and stopped too.

    with Instance() as inst, Daemon(inst) as d:
        ...inject...
        d.wait_for(lambda: os.listdir(maildir_new), "delivered")
"""
import ctypes
import os
import signal
import subprocess
import time

from taplib import prog

PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def comm(pid):
    """The command name of process pid ("" if it is gone)."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


# Children of this process that reap_orphans leaves alone (servers a test runs).
KEEP = set()


def reap_orphans():
    """Kill and reap what herald-start's children left running (orphaned
    deliveries), now children of this subreaper; not the pids in KEEP."""
    with open("/proc/self/task/%d/children" % os.getpid()) as f:
        pids = [int(x) for x in f.read().split()]
    for p in pids:
        if p in KEEP:
            continue
        try:
            os.kill(p, signal.SIGKILL)
            os.waitpid(p, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


class Daemon:
    def __init__(self, inst, env=None):
        self.inst = inst
        self.env = env or inst.env()
        self.proc = None
        self.log_path = inst.path("..", "herald-start.log")
        self.log = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([prog("herald-start")], env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        # ready once herald-send has logged its start
        self.wait_for(lambda: b"herald-send: status: started" in self.text(), "herald-send started",
                      timeout=20)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read()

    def children(self, pid):
        """PIDs whose parent is pid (/proc/PID/task/*/children)."""
        out = []
        try:
            tasks = os.listdir("/proc/%d/task" % pid)
        except OSError:
            return out
        for tid in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    out.extend(int(x) for x in f.read().split())
            except OSError:
                pass
        return out

    def descendants(self):
        if self.proc is None or self.proc.poll() is not None:
            return []
        todo, seen = [self.proc.pid], []
        while todo:
            p = todo.pop()
            for c in self.children(p):
                seen.append(c)
                todo.append(c)
        return seen

    def signal(self, sig):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout=90):
        """SIGTERM herald-start and wait; returns its exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        code = None
        if self.proc.poll() is None:
            kids = self.descendants()
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for k in kids:          # anything left behind
                try:
                    os.kill(k, signal.SIGKILL)
                except OSError:
                    pass
        else:
            code = self.proc.returncode
        self.proc = None
        reap_orphans()
        if self.log:
            self.log.close()
        return code

    def wait_for(self, cond, what, timeout=30):
        """Poll cond() until true; raises TimeoutError naming what."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = cond()
            if v:
                return v
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("herald-start exited %d while waiting for %s:\n%s" %
                                   (self.proc.returncode, what, self.text().decode(errors="replace")))
            time.sleep(0.02)
        raise TimeoutError("timed out waiting for " + what)
