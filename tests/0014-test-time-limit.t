#!/bin/sh
# A test that hangs fails instead of hanging the suite: tests/lib.sh (shell
# tests) and tests/tap.h (C unit tests) stop a test after MLM_TEST_TIMEOUT
# seconds with a failing TAP line, and the processes it started go too.
. "$(dirname "$0")/lib.sh"

mkdir -p tests
cp "$TOP/tests/lib.sh" tests/
cat >tests/hang.t <<'EOF'
#!/bin/sh
. "$(dirname "$0")/lib.sh"
ok "before the hang"
sleep 1000 &
echo "$!" >"$HANG_PID"
wait
ok "after the hang"
done_testing
EOF
cat >tests/quick.t <<'EOF'
#!/bin/sh
. "$(dirname "$0")/lib.sh"
sleep 0.1 &
wait
ok "quick, with a bare wait"
done_testing
EOF
cat >tests/dies.t <<'EOF'
#!/bin/sh
. "$(dirname "$0")/lib.sh"
ok "then killed, no cleanup"
kill -KILL $$
EOF

t0=$(date +%s)
HANG_PID="$T/hang.pid" MLM_TEST_TIMEOUT=2 run prove -v tests/hang.t
t1=$(date +%s)
isnt_zero() { [ "$1" != 0 ]; }
check "a hung test fails (prove exit $rc)" isnt_zero "$rc"
like "$out" "^ok 1 - before the hang" "what ran before is reported"
like "$out" "not ok - timed out after 2 s \(MLM_TEST_TIMEOUT\)" "a failing TAP line says why"
unlike "$out" "after the hang" "nothing after the hang ran"
like "$err" "hang.t: timed out after 2 s" "stderr names the test"
check "it ended within the limit and a few seconds ($((t1 - t0)) s)" [ $((t1 - t0)) -le 8 ]
p=$(cat "$T/hang.pid")
# gone, or a zombie nobody reaps (its parent, the test, was killed)
gone() { case $(ps -o stat= -p "$1" 2>/dev/null) in ''|Z*) return 0 ;; esac; return 1; }
check "the process the test started was killed" gone "$p"

t0=$(date +%s)
MLM_TEST_TIMEOUT=30 run prove tests/quick.t
t1=$(date +%s)
is "$rc" 0 "a quick test passes under a limit"
check "and neither it nor its bare wait waits for the watchdog ($((t1 - t0)) s)" [ $((t1 - t0)) -le 5 ]
t0=$(date +%s)
MLM_TEST_TIMEOUT=30 run prove tests/dies.t
t1=$(date +%s)
check "a test killed without cleanup fails at once, not at the limit ($((t1 - t0)) s)" [ $((t1 - t0)) -le 5 ]

# the C unit tests: the same limit from tests/tap.h
cat >hang.c <<'EOF'
#include "tap.h"
int main(void) { ok(1, "before the hang"); fflush(stdout); sleep(1000); ok(1, "after"); return tap_done(); }
EOF
if cc -I"$TOP/tests" -o hang hang.c 2>cc.err; then
	t0=$(date +%s)
	MLM_TEST_TIMEOUT=1 run ./hang
	t1=$(date +%s)
	is "$rc" 1 "a hung C test exits 1"
	like "$out" "not ok - timed out after 1 s \(MLM_TEST_TIMEOUT\)" "with a failing TAP line"
	check "within the limit ($((t1 - t0)) s)" [ $((t1 - t0)) -le 4 ]
	MLM_TEST_TIMEOUT=0 run timeout 2 ./hang
	is "$rc" 124 "MLM_TEST_TIMEOUT=0: no limit"
else
	nok "tap.h compiles"
	diag "$(cat cc.err)"
fi
done_testing
