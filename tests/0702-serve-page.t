#!/bin/sh
# llm-serve: the status page, rendered by headless Chromium, lists the
# entries and shows a cooling one. Without Chromium (CI installs it) the
# file is skipped.
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROMIUM" ]; then
	echo "1..0 # SKIP no chromium (install the Debian package chromium)"
	exit 0
fi

dump() {
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage \
		--user-data-dir="$(mktemp -d "$T/chr.XXXXXX")" --virtual-time-budget=3000 \
		--dump-dom "$1" 2>"$T/chromium.err"
}

start_sim
sim_env
export OPENAI_API_KEY_1='r1+retry=60' OPENAI_API_KEY_2=good2 OPENAI_MODELS=m1
start_serve --strategy sequential
# the first entry is rate limited and cools down; the second answers
curl -s "$SRV/v1/chat/completions" -H "Content-Type: application/json" -d '{"model":"m1","messages":[{"role":"user","content":"a"}]}' >/dev/null

code=$(curl -s -o "$T/page.html" -w '%{http_code}' "$SRV/")
is "$code" 200 "GET /: 200"
like "$(grep -io '<script src\|<link[^>]*href=\|url(http' "$T/page.html" | head -1)" '^$' "the page loads no external assets"

dom=$(dump "$SRV/")
if [ -z "$dom" ]; then diag "$(tail -5 "$T/chromium.err")"; fi
like "$dom" 'data-entry="openai-1:m1"' "rendered: the first entry has a row"
like "$dom" 'data-entry="openai-2:m1"' "rendered: the second entry has a row"
row2=$(printf '%s' "$dom" | tr '\n' ' ' | sed 's/<tr /\n<tr /g' | grep 'data-entry="openai-1:m1"' | sed 's,</tr>.*,</tr>,')
like "$row2" 's-cooling">cooling<' "rendered: the rate-limited entry shows cooling"
like "$row2" '>[1-6][0-9]s<' "rendered: with its countdown"
like "$row2" 'rate_limited' "rendered: and why"
row1=$(printf '%s' "$dom" | tr '\n' ' ' | sed 's/<tr /\n<tr /g' | grep 'data-entry="openai-2:m1"' | sed 's,</tr>.*,</tr>,')
like "$row1" 's-ok">ok<' "rendered: the entry that answered shows ok"
like "$row1" '100% of 1' "rendered: its success rate"
like "$dom" 'openai-2<' "rendered: quota owners are listed"
like "$dom" 'id="meta">2 entries' "rendered: the summary"

done_testing
