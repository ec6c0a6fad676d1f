#!/bin/sh
# llm-sim's embedding endpoints through the official clients
# (tests/node/sim-embed.mjs): @google/genai's embedContent (which sends
# :batchEmbedContents, for one content too) and openai's embeddings.create,
# float and base64.
. "$(dirname "$0")/lib.sh"

node_clients
start_sim
SIM="$SIM" node_tap sim-embed.mjs "sdk: "
for want in 'genai embedContent: three embeddings of 5 values' 'openai embeddings.create: base64 and float agree'; do
	grep -q "^PASS $want\$" "$T/node.out" && ok "ran: $want" || nok "ran: $want"
done
is "$(jq -r 'select(.status == 200) | .path' "$SIM_LOG" | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ';')" \
	'2 /v1/embeddings;2 /v1beta/models/text-embedding-004:batchEmbedContents;' \
	"the clients' requests were answered (genai batches even one content)"
done_testing
