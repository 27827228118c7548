#!/bin/sh
# Postfix pipe(8) command of tests/test_postfix.py (flags=F, user nobody):
#   pipe-mugai.sh OUTDIR MUGAI DB SPOOL QUEUE_ID
# keeps what Postfix handed over (OUTDIR/QUEUE_ID.in), runs `mugai mail` on
# it in pipe mode and keeps its output and exit status (.out, .rc). A real
# installation would hand the output to sendmail(1); the test reads it.
set -u
out=$1 mugai=$2 db=$3 spool=$4 id=$5
cat > "$out/$id.in" || exit 75
"$mugai" mail --standalone --db "$db" --spool "$spool" < "$out/$id.in" > "$out/$id.out" 2> "$out/$id.err"
echo $? > "$out/$id.rc"
exit 0
