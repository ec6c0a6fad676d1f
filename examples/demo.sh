#!/bin/sh
# make demo — a batch over a simulated provider fleet, failing over.
#
# Starts llm-sim with a realistic fleet (a rate-limited Gemini project of two
# keys, a flaky Zhipu key, a slow OpenAI key, an invalid key, good Cloudflare
# and Groq keys), runs a few hundred items through llm-map with its progress
# bar, shows the scheduler state, then a summary. Stops what it started.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$top/bin:$PATH"
n=${DEMO_ITEMS:-300}
d=$(mktemp -d "${TMPDIR:-/tmp}/many-llm-demo.XXXXXX")
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT INT TERM
export XDG_STATE_HOME="$d/state"

llm-sim --port 0 --port-file "$d/port" --log "$d/sim.log" -q &
sim_pid=$!
i=0; while [ ! -s "$d/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
sim="http://127.0.0.1:$(cat "$d/port")"

# The fleet, as a user's .env would hold it (keys encode the simulator's faults)
cat > "$d/.env" <<ENV
GEMINI_BASE_URL=$sim/v1beta
GEMINI_API_KEY_1=gem-a+rpm=40+owner=proj-1
GEMINI_API_KEY_2=gem-b+rpm=40+owner=proj-1
GEMINI_PROJECT_1=proj-1
GEMINI_PROJECT_2=proj-1
GEMINI_MODELS=gemini-sim-flash
ZHIPU_BASE_URL=$sim/api/paas/v4
ZHIPU_API_KEY=zp+flaky=4
ZHIPU_MODELS=glm-sim-flash
OPENAI_BASE_URL=$sim/v1
OPENAI_API_KEY_1=oa-slow+slow=400
OPENAI_API_KEY_2=oa-revoked+invalid
OPENAI_MODELS=gpt-sim-mini
CLOUDFLARE_API_BASE_URL=$sim/client/v4/accounts/demo/ai/run/
CLOUDFLARE_API_TOKEN=cf-good
CLOUDFLARE_MODELS=@cf/meta/llama-sim-8b
GROQ_BASE_URL=$sim/openai/v1
GROQ_API_KEY=groq-good+rpm=120
GROQ_MODELS=llama-sim-instant
ENV
chmod 600 "$d/.env"

echo "== the pool (llm-pool --env .env)"
llm-pool --env "$d/.env" | jq -r '"  \(.id)\tquota \(.quota)"'
echo
echo "== $n paragraphs through llm-map -j 16 (progress on stderr)"
seq "$n" | sed 's/^/Translate paragraph /' > "$d/input.txt"
llm-map --env "$d/.env" -j 16 --progress -o "$d/out.ndjson" \
	'{prompt: ., system: "Translate into French."}' "$d/input.txt" || true
echo
echo "== scheduler state (llm-pool --status)"
llm-pool --env "$d/.env" --status | jq -r '"  \(.id)\t\(.state)\(if .kind then " (\(.kind), \(.left_s)s left)" else "" end)\tok \(.ok) err \(.errors)"'
echo
echo "== summary"
jq -s -r --argjson n "$n" '
  "  records: \(length) for \($n) inputs; ok \(map(select(.ok)) | length); lost \($n - (map(.i) | unique | length))",
  "  answers that belong to their input: \(map(select(.ok and .text == "echo: Translate paragraph \(.i + 1)")) | length)",
  "  failed over: \(map(select((.attempts | length) > 1)) | length) items, \(map(.attempts | length) | add) attempts in all",
  "  answered by:", (map(select(.ok)) | group_by(.entry) | map("    \(.[0].entry)\t\(length)") | .[])
' "$d/out.ndjson"
echo "  attempts per entry (from the simulator's log):"
jq -r '.key' "$d/sim.log" | sort | uniq -c | sort -rn | sed 's/^/   /'
