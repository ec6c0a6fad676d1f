#!/bin/sh
# Every record stream is read with the one bounded line reader: llm-ask
# --messages and -c FILE, pool files (llm-pool, --pool) and llm-serve's
# --token-file name FILE:LINE in their errors, take CR LF line ends as LF,
# and refuse an over-long line with one clear line (as llm-map does)
# instead of reading it whole.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
sim_env
export OPENAI_API_KEY=good1 OPENAI_MODELS=m1 LLM_STATE=memory

# ---- llm-ask --messages: CR LF, positions, an over-long line
printf '{"role":"user","content":"hi"}\r\n\r\n{"role":"assistant","content":"yo"}\r\n{"role":"user","content":"again"}\r\n' >msgs
run llm-ask --messages <msgs
is "$rc" 0 "--messages with CR LF line ends: exit 0"
is "$out" "echo: again" "... the last message answered"
printf '{"role":"user","content":"hi"}\r\n{"role":"bot","content":"x"}\r\n' >bad
run llm-ask --messages <bad
is "$rc" 65 "--messages, a bad role: exit 65"
like "$err" "^llm-ask: <stdin>:2: a message needs \"role\"" "... named <stdin>:2"
{ printf '{"role":"user","content":"hi"}\n{"role":"user","content":"'; head -c 67108870 /dev/zero | tr '\000' a; printf '"}\n'; } >long
run llm-ask --messages <long
is "$rc" 65 "--messages, a line over 64 MiB: exit 65"
like "$err" "^llm-ask: <stdin>:2: line longer than 67108864 bytes \\(67108898\\)$" "... one line: <stdin>:2, the bound and the length"
rm -f long

# ---- llm-ask -c FILE: the same reader
printf '{"role":"user","content":"one"}\r\n{"role":"assistant","content":"1"}\r\n' >conv.ndjson
run llm-ask -c conv.ndjson two
is "$rc" 0 "-c FILE with CR LF line ends: exit 0"
is "$out" "echo: two" "... answered"
printf '{"role":"user","content":"one"}\n\nnot json\n' >conv2.ndjson
run llm-ask -c conv2.ndjson two
is "$rc" 65 "-c FILE, a line not JSON: exit 65"
like "$err" "^llm-ask: conv2.ndjson:3: invalid JSON" "... named conv2.ndjson:3"

# ---- pool files: positions, CR LF, an over-long line
printf '# a pool\r\n{"id":"a","provider":"x","base_url":"%s/v1","model":"m1","key":"good1"}\r\n' "$SIM" >p.pool
chmod 600 p.pool
run llm-pool p.pool
is "$rc" 0 "llm-pool FILE with CR LF line ends: exit 0"
is "$(printf '%s\n' "$out" | jq -r .id)" a "... the entry read"
{ printf '{"id":"a","provider":"x","base_url":"%s/v1","model":"m1","key":"good1"}\n{"id":"' "$SIM"; head -c 1048600 /dev/zero | tr '\000' b; printf '"}\n'; } >long.pool
chmod 600 long.pool
run llm-pool long.pool
is "$rc" 65 "llm-pool, a pool line over 1 MiB: exit 65"
like "$err" "^llm-pool: long.pool:2: line longer than 1048576 bytes \\(1048609\\)$" "... one line: FILE:2, the bound and the length"
run llm-ask --pool long.pool hi
is "$rc" 78 "llm-ask --pool, the same file: exit 78"
like "$err" "^llm-ask: long.pool:2: line longer than 1048576 bytes" "... the same message"
mkdir adir
run llm-pool adir
is "$rc" 78 "llm-pool DIRECTORY: exit 78, not an empty pool"
like "$err" "^llm-pool: adir: Is a directory" "... saying why"

# ---- llm-serve --token-file: CR LF, an over-long line
printf 'tok1\r\n# comment\r\n\r\n' >tokens
chmod 600 tokens
start_serve --token-file tokens
req -H "Authorization: Bearer tok1" "$SRV/v1/models"
is "$code" 200 "--token-file with CR LF line ends: the token works"
stop_serve
{ printf 'tok1\n'; head -c 70000 /dev/zero | tr '\000' t; printf '\n'; } >ltokens
chmod 600 ltokens
run llm-serve --listen 127.0.0.1:0 --token-file ltokens
is "$rc" 78 "--token-file, a line over 64 KiB: exit 78"
like "$err" "^llm-serve: --token-file ltokens:2: line longer than 65536 bytes \\(70000\\)$" "... one line: FILE:2, the bound and the length"

done_testing
