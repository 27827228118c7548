"""Start and stop a mugaid of our own for the tests (temporary socket and
state directory, the test database copied so it can be changed)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import mugaitest as mt

MUGAID = os.environ.get("MUGAID", "")


class Daemon:
    def __init__(self, root, extra=(), db=None):
        self.root = root
        self.sock = os.path.join(root, "run", "mugaid.sock")
        self.review = os.path.join(root, "run", "review.sock")
        self.state = os.path.join(root, "state")
        self.db = db or os.path.join(root, "db")
        if not db:
            shutil.copytree(mt.TESTDB, self.db, dirs_exist_ok=True)
        self.log = os.path.join(root, "mugaid.log")
        self.cmd = [MUGAID, "--foreground", "--socket", self.sock, "--review-socket", self.review,
                    "--db", self.db,
                    "--state-dir", self.state, "--socket-group", "", "--socket-mode", "0666",
                    "--worker-user", "nobody", "--user", "daemon",
                    "--audit-log", os.path.join(root, "audit", "audit.log")] + list(extra)
        self.audit_log = os.path.join(root, "audit", "audit.log")
        self.proc = None

    def start(self, wait=True):
        self.logf = open(self.log, "ab")
        # Its own session, so a test can kill the whole daemon at once.
        self.proc = subprocess.Popen(self.cmd, stdout=self.logf, stderr=self.logf,
                                     start_new_session=True)
        if wait:
            self.wait_ready()
        return self

    def status(self, *extra):
        return subprocess.run([mt.MUGAI, "status", "--socket", self.sock] + list(extra),
                              capture_output=True, timeout=30)

    def wait_ready(self, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("mugaid exited:\n" + self.read_log())
            if self.status().returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("mugaid not ready:\n" + self.read_log())

    def read_log(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def pids(self):
        """Every process of the daemon (its process group)."""
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.logf.close()


def new(extra=(), db=None):
    root = tempfile.mkdtemp(prefix="mugaid-")
    os.chmod(root, 0o755)
    return Daemon(root, extra, db)
