#!/bin/sh
# llm-ask and .env files: comments, blank lines, export, quotes, escapes,
# '#' inside quotes, no $VAR expansion, malformed lines (exit 78, FILE:LINE:),
# the real environment winning, --env FILE, and loose file modes.
. "$(dirname "$0")/lib.sh"
exec </dev/null   # llm-ask appends a non-terminal stdin; llm-pool reads a pipe

start_sim
lastq() { tail -n 1 "$SIM_LOG" | jq -r "$1"; }

# The values travel to the simulator: the key is logged as sent, the model
# comes back in the --json record.
cat > .env <<EOF
# a comment line
   # an indented comment

export A_BASE_URL=$SIM/v1
A_API_KEY="dq\\"k#ey\\\\x\\\$HOME"
A_MODELS='m-\$HOME#1'   # a comment after a quoted value
EOF
chmod 600 .env
run llm-ask --json hello
is "$rc" 0 ".env: exit 0"
is "$err" "" ".env with mode 600: no warning"
is "$(printf '%s' "$out" | jq -r .text)" "echo: hello" ".env: the answer"
is "$(printf '%s' "$out" | jq -r .provider)" a ".env: export prefix (A_BASE_URL) is read"
is "$(printf '%s' "$out" | jq -r .model)" 'm-$HOME#1' ".env: single quotes literal, # inside quotes kept, no expansion, trailing comment dropped"
is "$(lastq .key)" 'dq"k#ey\x$HOME' ".env: double-quote escapes, # inside quotes, no expansion"

cat > .env <<EOF
B_BASE_URL=$SIM/v1
B_API_KEY=bare-key   # comment after a bare value
B_MODELS="m1\\tx"
EOF
chmod 600 .env
run llm-ask --json hi
is "$(lastq .key)" bare-key ".env: a bare value ends before ' # comment'"
is "$(printf '%s' "$out" | jq -r .model)" "$(printf 'm1\tx')" ".env: tab escape in double quotes"

# the real environment wins over the file
B_API_KEY=from-environment llm-ask hi >/dev/null 2>&1
is "$(lastq .key)" from-environment "the environment wins over .env"

# a malformed line: exit 78 naming FILE:LINE:
printf 'B_BASE_URL=%s/v1\n# fine\nB_API_KEY=k\nthis line is bad\n' "$SIM" > .env
chmod 600 .env
run llm-ask hi
is "$rc" 78 "malformed .env: exit 78"
like "$err" '^llm-ask: \.env:4: ' "malformed .env: the message names .env:4:"
is "$out" "" "malformed .env: nothing on stdout"
printf 'B_API_KEY="unterminated\n' > .env
chmod 600 .env
run llm-ask hi
is "$rc" 78 "unterminated quote: exit 78"
like "$err" '\.env:1: .*quote' "unterminated quote: FILE:LINE: and why"
rm .env

# --env FILE
mkdir conf
printf 'C_BASE_URL=%s/v1\nC_API_KEY=c-key\nC_MODELS=cm\n' "$SIM" > conf/keys.env
chmod 600 conf/keys.env
run llm-ask --json --env conf/keys.env hi
is "$rc" 0 "--env FILE: exit 0"
is "$(printf '%s' "$out" | jq -r .entry)" c:cm "--env FILE: the pool comes from it"
is "$(lastq .key)" c-key "--env FILE: its key is used"
run llm-ask --env conf/none.env hi
is "$rc" 78 "--env of a missing file: exit 78"
like "$err" 'conf/none.env' "--env of a missing file: names it"
printf 'C_API_KEY=x\nbroken\n' > conf/bad.env
run llm-ask --env conf/bad.env hi
like "$err" 'conf/bad\.env:2: ' "--env FILE malformed: FILE:LINE:"

# a group-readable .env: a warning, and the call still works
chmod 640 conf/keys.env
run llm-ask --env conf/keys.env hi
is "$rc" 0 "group-readable .env: still works"
like "$err" 'warning: conf/keys\.env is readable by group or others' "group-readable .env: a warning"
is "$(printf '%s\n' "$err" | grep -c .)" 1 "group-readable .env: one line"
chmod 604 conf/keys.env
run llm-ask --env conf/keys.env hi
like "$err" 'warning: .*readable' "world-readable .env: a warning"

done_testing
