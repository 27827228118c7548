#!/bin/sh
# Stands in for `mugai` behind mugai-milter in the kill test: records its
# pid in $MUGAI_SLOW_MARK so the test knows a message is in flight (the
# milter is waiting for the engine at end of message), then waits for the
# test to kill the milter. Should nobody kill it, it runs the real engine.
echo $$ >"$MUGAI_SLOW_MARK.tmp" && mv "$MUGAI_SLOW_MARK.tmp" "$MUGAI_SLOW_MARK"
sleep "${MUGAI_SLOW_SECONDS:-60}"
exec "$MUGAI_REAL" "$@"
