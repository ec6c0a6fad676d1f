#!/bin/sh
# A key_cmd (a command printing the key, like `pass show ...`) runs before
# the scheduler opens the shared store's write transaction, never inside
# it: while it runs, another process can write the state. The key_cmd here
# is that other process: it takes SQLite's write lock on the state file
# (waiting up to 3 s) and says whether it could.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
DB="$XDG_STATE_HOME/many-llm/state.db"
cat > kc.pool <<EOF
{"id":"kc1","provider":"x","base_url":"$SIM/v1","model":"m1","key_cmd":"if sqlite3 -cmd '.timeout 3000' $DB 'BEGIN IMMEDIATE; COMMIT;' >/dev/null 2>&1; then echo written; else echo blocked; fi >> $T/kc.log; printf good1"}
EOF
chmod 600 kc.pool

rm -f "$T/kc.log"
t0=$(date +%s)
run llm-ask --pool kc.pool hello
t1=$(date +%s)
is "$rc" 0 "llm-ask with a key_cmd entry: exit 0"
is "$out" "echo: hello" "... the answer"
is "$(cat "$T/kc.log")" written "llm-ask: the key_cmd wrote the shared state while it ran (not blocked by a transaction)"
check "... without waiting on a lock ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 3 ]

rm -f "$T/kc.log"
printf 'a\nb\n' > in.txt
run llm-map --pool kc.pool -q . in.txt
is "$rc" 0 "llm-map with a key_cmd entry: exit 0"
is "$(cat "$T/kc.log")" written "llm-map: the key_cmd ran once, outside the store's transaction"

rm -f "$T/kc.log"
run llm-pool --status kc.pool
is "$rc" 0 "llm-pool --status: exit 0"
is "$(cat "$T/kc.log")" written "llm-pool --status: the key_cmd ran outside its transaction"

done_testing
