"""A throwaway Postfix instance and a mugai-milter for the end-to-end tests
and the mail benchmark.

Everything lives under one temporary directory: config_directory (etc/),
queue_directory (queue/), data_directory (data/), the log (maillog) and the
delivered mail (mail/localhost/test/, a Maildir written by virtual(8)).
Two SMTP servers listen on 127.0.0.1:
  port        smtpd_milters = the mugai-milter, delivers into the Maildir;
  relay_port  no milter, content_filter=tomx:[127.0.0.1]:port: a message
              accepted here sits in this Postfix's own queue and is
              relayed to `port` by smtp(8), so a tempfail from the milter
              leaves it deferred in the queue (the part of a remote MTA).
With pipe_argv, a third one:
  pipe_port   no milter; mail for @pipe.localhost goes to pipe(8) with
              flags=F (an mbox `From ` line first, LF line ends), as user
              nobody, running pipe_argv: how Postfix hands a message to
              `mugai mail` in pipe mode.
"""
import email
import email.policy
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
SWAKS = shutil.which("swaks") or "/usr/bin/swaks"
MAILBOX_UID = 65534  # nobody: virtual(8) refuses root
MAILBOX_GID = 65534


def require_tools():
    missing = [p for p in (POSTFIX, SWAKS) if not os.access(p, os.X_OK)]
    if missing:
        raise SystemExit("FAIL: %s not installed (scripts/install-deps.sh installs postfix and swaks)"
                         % " and ".join(missing))
    if os.geteuid() != 0:
        raise SystemExit("FAIL: the Postfix test starts its own Postfix and must run as root")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


MAIN_CF = """\
compatibility_level = 3.6
config_directory = {etc}
queue_directory = {queue}
data_directory = {data}
mail_owner = postfix
setgid_group = postdrop
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
myhostname = mugai-test.localhost
mydomain = localhost
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
virtual_mailbox_domains = localhost
virtual_mailbox_maps = texthash:{etc}/vmailbox
virtual_mailbox_base = {root}/mail
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
virtual_transport = virtual
smtpd_milters = inet:127.0.0.1:{mport}
non_smtpd_milters = inet:127.0.0.1:{mport}
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 5s
milter_command_timeout = 30s
# Short on purpose: a slow engine run must be kept alive by the milter's
# progress messages (SMFIR_PROGRESS every 5 s), not by a long timeout.
milter_content_timeout = 8s
message_size_limit = 52428800
virtual_mailbox_limit = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtputf8_enable = no
biff = no
append_dot_mydomain = no
readme_directory = no
minimal_backoff_time = 300s
maximal_backoff_time = 600s
queue_run_delay = 300s
smtp_connection_cache_on_demand = no
smtp_data_done_timeout = 300s
delay_warning_time = 0
"""

PIPE_CF = """\
transport_maps = texthash:{etc}/transport
relay_domains = pipe.localhost
mugaipipe_destination_recipient_limit = 1
"""

PIPE_MASTER_CF = """\
127.0.0.1:{pipe_port} inet n - n - - smtpd
  -o smtpd_milters=
mugaipipe unix  -       n       n       -       -       pipe
  flags=F user=nobody argv={pipe_argv}
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
127.0.0.1:{relay_port} inet n - n - - smtpd
  -o smtpd_milters=
  -o content_filter=tomx:[127.0.0.1]:{port}
127.0.0.1:{release_port} inet n - n - - smtpd
  -o smtpd_milters=
  -o non_smtpd_milters=
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
smtp      unix  -       -       n       -       -       smtp
tomx      unix  -       -       n       -       -       smtp
  -o myhostname=relay.mugai-test.localhost
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    def __init__(self, root, milter_port, recipients=("test@localhost",), pipe_argv=None):
        self.root = root
        self.etc = os.path.join(root, "etc")
        self.queue = os.path.join(root, "queue")
        self.data = os.path.join(root, "data")
        self.mail = os.path.join(root, "mail")
        self.maildir = os.path.join(self.mail, "localhost", "test")
        self.log = os.path.join(root, "maillog")
        self.port = free_port()
        self.relay_port = free_port()
        while self.relay_port == self.port:
            self.relay_port = free_port()
        # Re-injection without the milter, as a released message takes
        # (the stand-in sendmail of the quarantine test submits here).
        self.release_port = free_port()
        while self.release_port in (self.port, self.relay_port):
            self.release_port = free_port()
        self.pipe_port = None
        if pipe_argv:
            self.pipe_port = free_port()
            while self.pipe_port in (self.port, self.relay_port, self.release_port):
                self.pipe_port = free_port()
        self.milter_port = milter_port
        self.started = False
        os.chmod(root, 0o755)  # virtual(8) delivers as nobody below here
        d = os.path.dirname(os.path.abspath(root))
        while d != "/":
            if not os.stat(d).st_mode & 0o001:
                raise RuntimeError("%s is not searchable by others: Postfix's daemons run as "
                                   "postfix and nobody below it" % d)
            d = os.path.dirname(d)
        for d in (self.etc, self.queue, self.mail):
            os.makedirs(d, exist_ok=True)
        os.chown(self.mail, MAILBOX_UID, MAILBOX_GID)
        v = dict(root=root, etc=self.etc, queue=self.queue, data=self.data, uid=MAILBOX_UID,
                 gid=MAILBOX_GID, mport=milter_port, port=self.port, relay_port=self.relay_port,
                 release_port=self.release_port, pipe_port=self.pipe_port,
                 pipe_argv=" ".join(pipe_argv or ()))
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(MAIN_CF.format(**v) + (PIPE_CF.format(**v) if pipe_argv else ""))
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(**v) + (PIPE_MASTER_CF.format(**v) if pipe_argv else ""))
        if pipe_argv:
            with open(os.path.join(self.etc, "transport"), "w") as f:
                f.write("pipe.localhost mugaipipe:\n")
        with open(os.path.join(self.etc, "vmailbox"), "w") as f:
            for r in recipients:
                f.write("%s localhost/%s/\n" % (r, r.split("@")[0]))

    def postfix(self, *args, check=True):
        return subprocess.run([POSTFIX, "-c", self.etc] + list(args), capture_output=True,
                              text=True, timeout=120, check=check)

    def start(self):
        r = self.postfix("check", check=False)
        if r.returncode != 0:
            raise RuntimeError("postfix check failed:\n%s%s" % (r.stdout, r.stderr))
        r = self.postfix("start", check=False)
        if r.returncode != 0:
            raise RuntimeError("postfix start failed:\n%s%s\n%s" % (r.stdout, r.stderr,
                                                                   self.read_log()))
        self.started = True
        for p in (self.port, self.relay_port, self.release_port, self.pipe_port):
            if p and not wait_port(p):
                raise RuntimeError("Postfix does not listen on %d\n%s" % (p, self.read_log()))

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        """Always safe to call; leaves no Postfix process of this instance."""
        pid = self.master_pid()
        if self.started or pid:
            self.postfix("stop", check=False)
        end = time.monotonic() + 10
        while pid and time.monotonic() < end:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                pid = None
                break
            time.sleep(0.1)
        # Leftovers: the master if it did not stop, and any daemon it ran
        # (all have this instance's config directory in their environment).
        for p in self.processes():
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.started = False

    def processes(self):
        """Pids of processes that belong to this instance."""
        me = ("MAIL_CONFIG=" + self.etc).encode()
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/environ" % d, "rb") as f:
                    env = f.read().split(b"\0")
            except OSError:
                continue
            if me in env:
                out.append(int(d))
        return out

    def read_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return "(no maillog)"

    def delivered(self):
        """[(path, bytes)] in the Maildir, oldest first."""
        new = os.path.join(self.maildir, "new")
        if not os.path.isdir(new):
            return []
        files = sorted((os.stat(os.path.join(new, n)).st_mtime, n) for n in os.listdir(new))
        out = []
        for _, n in files:
            with open(os.path.join(new, n), "rb") as f:
                out.append((n, f.read()))
        return out

    def wait_delivered(self, count, timeout=90.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            d = self.delivered()
            if len(d) >= count:
                return d
            time.sleep(0.1)
        return self.delivered()

    def queued(self):
        """{queue name: [queue ids]} for the files in this Postfix's queue."""
        out = {}
        for q in ("maildrop", "incoming", "active", "deferred", "hold"):
            ids = []
            for dirpath, _, names in os.walk(os.path.join(self.queue, q)):
                ids += names
            if ids:
                out[q] = sorted(ids)
        return out

    def flush(self):
        return self.postfix("flush", check=False)

    def swaks(self, data_file, port=None, to="test@localhost", timeout=180):
        cmd = [SWAKS, "--server", "127.0.0.1:%d" % (port or self.port), "--to", to, "--from",
               "sender@example.jp", "--helo", "client.example.jp", "--data", "@" + data_file,
               "--timeout", "170", "--hide-informational"]
        # The transcript echoes the message: 8-bit bytes in any charset.
        return subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                              timeout=timeout)


def smtp_send(port, data, to="test@localhost", timeout=180):
    """Send raw message bytes as they are (dot-stuffed, nothing else: swaks
    reads a literal backslash-n in a message as a line break). Returns
    (code, reply text) of the end of DATA, or (None, error)."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=timeout) as c:
            c.ehlo("client.example.jp")
            c.mail("sender@example.jp")
            code, msg = c.rcpt(to)
            if code >= 400:
                return code, msg.decode("utf-8", "replace")
            code, msg = c.data(data)
            return code, msg.decode("utf-8", "replace")
    except (OSError, smtplib.SMTPException) as e:
        return None, str(e)


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


class Milter:
    """mugai-milter in the foreground as a child process."""

    def __init__(self, binary, mugai, db, spool, port, log, env=None):
        self.cmd = [binary, "-p", "inet:%d@127.0.0.1" % port, "--mugai", mugai, "--db", db,
                    "--spool", spool]
        self.port = port
        self.log = log
        self.env = env
        self.proc = None

    def start(self):
        lf = open(self.log, "ab")
        env = dict(os.environ)
        env.update(self.env or {})
        self.proc = subprocess.Popen(self.cmd, stdout=lf, stderr=lf, env=env)
        lf.close()
        if not wait_port(self.port, proc=self.proc):
            raise RuntimeError("mugai-milter does not listen on %d:\n%s" % (self.port,
                                                                           self.read_log()))

    def read_log(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        """SIGTERM, as a service manager would; returns the exit status."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def new_root(prefix):
    return tempfile.mkdtemp(prefix=prefix)
