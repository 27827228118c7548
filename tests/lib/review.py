"""Helpers of the quarantine tests: commands as a real user (setpriv), and a
stand-in sendmail that records its arguments and message as JSON files."""
import json
import os
import pwd
import subprocess

import mugaitest as mt


def as_user(user, *args, **kw):
    """`mugai ARGS` as user (uid, primary and supplementary groups); the exit
    status and stdout+stderr as text."""
    pw = pwd.getpwnam(user)
    cmd = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups",
           mt.MUGAI] + list(args)
    p = subprocess.run(cmd, capture_output=True, timeout=kw.pop("timeout", 120), **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")


class FakeSendmail:
    """An executable at self.path that writes {"argv": [...], "msg": "..."}
    per run into self.dir; sent() reads them back, oldest first."""

    def __init__(self, work):
        self.dir = os.path.join(work, "sent")
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o777)
        self.path = os.path.join(work, "sendmail")
        with open(self.path, "w") as f:
            f.write("#!/usr/bin/python3\nimport sys, json, os, time\n"
                    f"p = os.path.join({self.dir!r}, '%d-%d.json' % (time.time_ns(), os.getpid()))\n"
                    "msg = sys.stdin.buffer.read().decode('latin-1')\n"
                    "json.dump({'argv': sys.argv[1:], 'msg': msg}, open(p, 'w'))\n")
        os.chmod(self.path, 0o755)

    def sent(self):
        out = []
        for n in sorted(os.listdir(self.dir)):
            with open(os.path.join(self.dir, n)) as f:
                out.append(json.load(f))
        return out

    def message_bytes(self, entry):
        """The message as sendmail received it (bytes)."""
        return entry["msg"].encode("latin-1")


def user_dir(work, user):
    """A directory under work that user owns (for their --out)."""
    path = os.path.join(work, "home-" + user)
    os.makedirs(path, exist_ok=True)
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


def make_group(name, users):
    """A group of the test's own with these members (groupadd; retried, since
    two tests running at once contend for /etc/group's lock)."""
    import time
    subprocess.run(["groupdel", name], capture_output=True)
    for _ in range(50):
        p = subprocess.run(["groupadd", "-U", ",".join(users), name], capture_output=True,
                           text=True)
        if p.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("groupadd %s: %s" % (name, p.stderr))


def delete_group(name):
    import time
    for _ in range(50):
        p = subprocess.run(["groupdel", name], capture_output=True)
        if p.returncode in (0, 6):  # 6: no such group
            return
        time.sleep(0.2)
