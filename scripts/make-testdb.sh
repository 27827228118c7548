#!/bin/sh
# Builds the small ClamAV database used by the tests and the demo:
#   mugai-test.ndb  EICAR test string anywhere in a file (body signature)
#   mugai-test.hdb  SHA-256 of clam.exe from Debian's clamav-testfiles
set -eu
out=$1
mkdir -p "$out"
# The EICAR string, assembled here so that this script is not itself a hit.
eicar='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR'
eicar="$eicar-STANDARD-ANTIVIRUS-TEST-FILE!\$H+H*"
hex=$(printf '%s' "$eicar" | od -An -tx1 | tr -d ' \n')
printf 'Mugai.Test.EICAR:0:*:%s\n' "$hex" > "$out/mugai-test.ndb.tmp"
clam=/usr/share/clamav-testfiles/clam.exe
if [ ! -r "$clam" ]; then
    echo "make-testdb: $clam missing: install clamav-testfiles (scripts/install-deps.sh)" >&2
    exit 1
fi
sigtool --sha256 "$clam" | sed 's/:clam.exe$/:Mugai.Test.ClamExe/' > "$out/mugai-test.hdb.tmp"
mv "$out/mugai-test.ndb.tmp" "$out/mugai-test.ndb"
mv "$out/mugai-test.hdb.tmp" "$out/mugai-test.hdb"
