#!/bin/sh
# Installs every Debian 12 package Mugai needs to build, test, fuzz and
# benchmark. Run as root. Safe to run again: installs only what is missing.
set -eu
export DEBIAN_FRONTEND=noninteractive

# Build and the libraries Mugai links with.
BUILD="build-essential cmake pkg-config clang clang-format python3 file time
libmagic-dev libclamav-dev clamav clamav-testfiles libseccomp-dev libssl-dev
libjpeg62-turbo-dev libpng-dev libgif-dev libtiff-dev libwebp-dev libarchive-dev libxml2-dev
libqpdf-dev libpoppler-glib-dev poppler-data libgmime-3.0-dev libmilter-dev libsqlite3-dev libpq-dev"
# Tests: independent checkers and real peers (Postfix, LibreOffice, Samba
# for the inbound share);
# systemd for systemd-analyze, which checks the unit files.
TEST="qpdf poppler-utils libjpeg-turbo-progs 7zip zip unzip libarchive-tools
zstd xz-utils bzip2 cpio gcab webp libtiff-tools sqlite3 postgresql libreoffice-writer-nogui libreoffice-calc-nogui
libreoffice-impress-nogui fonts-noto-cjk postfix swaks python3-olefile python3-xlrd
systemd samba smbclient"
# Fuzzing and benchmarks.
TOOLS="afl++ optipng hyperfine mupdf-tools mat2 clamav-daemon clamdscan clamav-milter"

need=""
for p in $BUILD $TEST $TOOLS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
    # Postfix asks how to configure itself; the tests bring their own
    # configuration, so the system one stays unconfigured.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    # shellcheck disable=SC2086
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need
fi
