"""`cmake --install` into a staging directory puts the service where the
README and the units say: binaries, /etc/mugai samples, systemd units
pointing at the installed binaries, sysusers.d and tmpfiles.d entries; the
sample configuration is accepted by the installed mugaid."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
import mugaitest as mt  # noqa: E402

t = mt.Checker("install")
build = os.environ.get("MUGAI_BUILD", "")
dest = tempfile.mkdtemp(prefix="mugai-install-")
# The prefix the build was configured with (Debian: /usr, configuration in /etc).
prefix = "/usr/local"
for line in open(os.path.join(build, "CMakeCache.txt")):
    if line.startswith("CMAKE_INSTALL_PREFIX:"):
        prefix = line.split("=", 1)[1].strip()
etc = "/etc" if prefix == "/usr" else prefix + "/etc"
p = subprocess.run(["cmake", "--install", build], env=dict(os.environ, DESTDIR=dest),
                   capture_output=True, text=True)
t.check(p.returncode == 0, "cmake --install: " + p.stderr[-500:])
P, E = prefix.lstrip("/"), etc.lstrip("/")
want = [f"{P}/bin/mugai", f"{P}/bin/mugai-milter", f"{P}/sbin/mugaid", f"{P}/bin/mugai-share",
        f"{P}/lib/systemd/system/mugaid.service", f"{P}/lib/systemd/system/mugai-milter.service",
        f"{P}/lib/systemd/system/mugai-share.service",
        f"{P}/share/doc/mugai/examples/smb.conf.mugai-share",
        f"{P}/lib/sysusers.d/mugai.conf", f"{P}/lib/tmpfiles.d/mugai.conf",
        f"{E}/mugai/mugaid.conf", f"{E}/mugai/policy.conf", f"{P}/share/doc/mugai/README.md",
        f"{P}/libexec/mugai/mugai-standalone"]
for w in want:
    t.check(os.path.exists(os.path.join(dest, w)), f"installed: {w}")
unit = open(os.path.join(dest, f"{P}/lib/systemd/system/mugaid.service")).read()
t.check(f"ExecStart={prefix}/sbin/mugaid --config {etc}/mugai/mugaid.conf --foreground" in unit,
        "the unit starts the installed daemon with the installed configuration")
t.check("ExecReload=/bin/kill -HUP $MAINPID" in unit, "reload is SIGHUP")
sysusers = open(os.path.join(dest, f"{P}/lib/sysusers.d/mugai.conf")).read()
t.check("u mugai-worker" in sysusers and "u mugai " in sysusers, "both users are made")
# The sample configuration is what mugaid reads without complaint.
conf = os.path.join(dest, f"{E}/mugai/mugaid.conf")
t.check(f"policy = {etc}/mugai/policy.conf" in open(conf).read(), "it names the installed policy")
p = subprocess.run([os.path.join(dest, f"{P}/sbin/mugaid"), "--config", conf, "--help"],
                   capture_output=True, text=True)
t.check(p.returncode == 0, "mugaid accepts the sample configuration: " + p.stderr)
bad = os.path.join(dest, "bad.conf")
with open(bad, "w") as f:
    f.write("socket = /run/x.sock\nscanners = lots\n")
p = subprocess.run([os.path.join(dest, f"{P}/sbin/mugaid"), "--config", bad, "--help"],
                   capture_output=True, text=True)
t.check(p.returncode == 2 and "bad.conf:2" in p.stderr, "a bad one is refused with FILE:LINE")
pol = os.path.join(dest, f"{E}/mugai/policy.conf")
p = subprocess.run([mt.MUGAI, "sanitize", "--standalone", "--policy", pol, "--db", mt.TESTDB,
                    "--out", os.path.join(dest, "out"), os.path.join(mt.CORPUS, "samples",
                                                                     "お知らせ.txt")],
                   capture_output=True, text=True)
t.check(p.returncode == 0, "the installed policy is the default one, and valid: " + p.stderr)
# The installed client runs the engine through the installed helper.
inst = os.path.join(dest, f"{P}/bin/mugai")
p = subprocess.run([inst, "sanitize", "--standalone", "--db", mt.TESTDB, "--out",
                    os.path.join(dest, "out2"), os.path.join(mt.CORPUS, "samples", "お知らせ.txt")],
                   capture_output=True, text=True,
                   env=dict(os.environ, MUGAI_STANDALONE=os.path.join(
                       dest, f"{P}/libexec/mugai/mugai-standalone")))
t.check(p.returncode == 0, "the client hands --standalone to mugai-standalone: " + p.stderr)
t.done()
