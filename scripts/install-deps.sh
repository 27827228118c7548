#!/bin/sh
# Installs every Debian 12 package Mugai needs to build, test, fuzz and
# benchmark. Run as root. Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
PKGS="
build-essential cmake pkg-config clang clang-format python3
libmagic-dev libclamav-dev clamav clamav-testfiles
libseccomp-dev
libjpeg62-turbo-dev libjpeg-turbo-progs libpng-dev libgif-dev
libarchive-dev libxml2-dev libqpdf-dev qpdf
libsqlite3-dev
afl++ optipng hyperfine time file
"
need=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need
fi
