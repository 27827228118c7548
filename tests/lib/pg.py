"""A PostgreSQL server of the test's own: initdb into a temporary directory,
its own port, a Unix socket beside it, trust authentication for local
connections; run as the postgres user (the server refuses root)."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import time


def bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("FAIL: PostgreSQL server not installed (package postgresql)")
    return os.path.dirname(found[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root):
        self.root = root
        self.data = os.path.join(root, "data")
        self.sockdir = os.path.join(root, "sock")
        self.port = free_port()
        self.bin = bindir()
        pw = pwd.getpwnam("postgres")
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.makedirs(self.sockdir, exist_ok=True)
        os.chmod(root, 0o755)
        os.chown(self.sockdir, self.uid, self.gid)
        os.chmod(self.sockdir, 0o777)

    def _as_pg(self, *args, **kw):
        return subprocess.run(["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                               "--init-groups"] + list(args), capture_output=True, text=True,
                              timeout=kw.pop("timeout", 120), **kw)

    def start(self):
        os.makedirs(self.data, exist_ok=True)
        os.chown(self.data, self.uid, self.gid)
        r = self._as_pg(os.path.join(self.bin, "initdb"), "-D", self.data, "-A", "trust",
                        "-U", "postgres", "-E", "UTF8", "--locale=C")
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout + r.stderr)
        r = self._as_pg(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-w", "-l",
                        os.path.join(self.data, "log"), "-o",
                        f"-p {self.port} -k {self.sockdir} -c listen_addresses=''", "start")
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start failed:\n" + r.stdout + r.stderr + self.log())
        end = time.time() + 30
        while time.time() < end:
            if self.psql("postgres", "select 1").returncode == 0:
                break
            time.sleep(0.2)
        return self

    def log(self):
        try:
            with open(os.path.join(self.data, "log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def psql(self, db, sql):
        return self._as_pg(os.path.join(self.bin, "psql"), "-h", self.sockdir, "-p",
                           str(self.port), "-U", "postgres", "-d", db, "-At", "-c", sql)

    def createdb(self, name):
        r = self.psql("postgres", f"create database {name}")
        if r.returncode != 0:
            raise RuntimeError("createdb: " + r.stderr)

    def conninfo(self, db):
        return f"host={self.sockdir} port={self.port} user=postgres dbname={db}"

    def stop(self):
        if os.path.isdir(self.data):
            self._as_pg(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "immediate",
                        "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
