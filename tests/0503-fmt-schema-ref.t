#!/bin/sh
# JSON Schema $ref: each definition is built once and copied, the tree with
# every $ref expanded is capped (a "$ref bomb" is refused at once, not
# expanded for minutes), and a definition that contains itself is refused
# with a clear error, in llm-fmt, llm-ask and llm-map alike.
. "$(dirname "$0")/lib.sh"
exec </dev/null

# defs N: a schema of N definitions, each naming the next twice
defs() {
	_n=$1 _i=0
	printf '{"$defs":{'
	while [ "$_i" -lt "$_n" ]; do
		_j=$((_i + 1))
		if [ "$_j" -lt "$_n" ]; then
			printf '"d%d":{"type":"object","properties":{"a":{"$ref":"#/$defs/d%d"},"b":{"$ref":"#/$defs/d%d"}},"required":["a","b"]},' "$_i" "$_j" "$_j"
		else
			printf '"d%d":{"type":"integer","minimum":0}' "$_i"
		fi
		_i=$_j
	done
	printf '},"type":"object","properties":{"x":{"$ref":"#/$defs/d0"}},"required":["x"]}'
}

# ---- the bomb: 18 definitions, each naming the next twice (2^18 leaves)
defs 18 > bomb.json
run timeout 20 llm-fmt -S @bomb.json -e jsonschema
is "$rc" 2 "\$ref bomb: llm-fmt exits 2 (schema error), not after minutes"
like "$err" '^llm-fmt: --schema: #/\$defs/d[0-9]+[^ ]*: the schema has more than 10000 nodes once each \$ref is expanded$' \
	"\$ref bomb: one line naming the place and the cap"
is "$out" "" "\$ref bomb: nothing on stdout"
echo '{"x":1}' > in.txt
run timeout 20 llm-fmt -S @bomb.json in.txt
is "$rc" 2 "\$ref bomb: validating input is refused the same way"
# memory stays small: a 150 MB address space is plenty when nothing is expanded
if ! ldd "$MLM_BIN/llm-fmt" 2>/dev/null | grep -q libasan; then
	run sh -c 'ulimit -v 150000; exec timeout 20 llm-fmt -S @bomb.json -e dsl'
	is "$rc" 2 "\$ref bomb: refused within a 150 MB address space"
else
	ok "# skip address-space limit under ASan"
fi

# ---- a shared definition within the cap: expanded everywhere it is named
defs 6 > six.json
run llm-fmt -S @six.json -e jsonschema
is "$rc" 0 "6 definitions, 2^5 leaves: accepted"
is "$(printf '%s\n' "$out" | jq '[paths(objects and has("type") and .type == "integer")] | length')" 32 \
	"every use of a definition is expanded (32 leaves)"
is "$(printf '%s\n' "$out" | jq -c '.properties.x.properties.b.properties.a.properties.b.properties.a.properties.b')" \
	'{"type":"integer","minimum":0}' "a leaf deep in the second branch is the definition"
leaf=$(printf '{"a":{"a":1,"b":2},"b":{"a":3,"b":4}}')
l2=$(printf '{"a":%s,"b":%s}' "$leaf" "$leaf")
l3=$(printf '{"a":%s,"b":%s}' "$l2" "$l2")
l4=$(printf '{"a":%s,"b":%s}' "$l3" "$l3")
printf '{"x":%s}\n' "$l4" > good.json
run llm-fmt -S @six.json good.json
is "$rc" 0 "a value of the shared definitions validates"
sed 's/"b":4}}}}}/"b":-4}}}}}/' good.json > bad.json
run llm-fmt -S @six.json bad.json
is "$rc" 65 "minimum of a copied definition is enforced (-4 < 0)"
like "$err" 'minimum|less than|below|>= 0' "the error names the bound"

# a $ref with its own description keeps it, the definition's other uses do not
cat > desc.json <<'J'
{"$defs":{"n":{"type":"integer","description":"plain"}},"type":"object",
 "properties":{"a":{"$ref":"#/$defs/n","description":"first"},"b":{"$ref":"#/$defs/n"}},"required":["a","b"]}
J
run llm-fmt -S @desc.json -e jsonschema
is "$(printf '%s\n' "$out" | jq -r '.properties.a.description + "," + .properties.b.description')" "first,plain" \
	"a \$ref's description is its own: the shared definition is not changed"

# ---- recursion: an infinite tree is refused with what and where
cat > rec.json <<'J'
{"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/$defs/node"}}}},
 "$ref":"#/$defs/node"}
J
run timeout 20 llm-fmt -S @rec.json -e jsonschema
is "$rc" 2 "recursive \$ref: exit 2"
is "$err" 'llm-fmt: --schema: #/$defs/node.properties.next: recursive $ref "#/$defs/node": a definition that contains itself is not supported (the schema must be finite)' \
	"recursive \$ref: says which reference and why"
cat > mutual.json <<'J'
{"$defs":{"a":{"type":"array","items":{"$ref":"#/definitions/b"}}},
 "definitions":{"b":{"type":"object","properties":{"x":{"$ref":"#/$defs/a"}}}},
 "type":"object","properties":{"top":{"$ref":"#/$defs/a"}}}
J
run timeout 20 llm-fmt -S @mutual.json -e jsonschema
is "$rc" 2 "mutual recursion through \$defs and definitions: exit 2"
like "$err" 'recursive \$ref "#/\$defs/a"' "mutual recursion: names the reference that closes the loop"

# ---- llm-ask and llm-map refuse the bomb before sending anything
start_sim
sim_env
export LLM_STATE=memory
run timeout 20 env OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1 llm-ask --schema @bomb.json hello
is "$rc" 2 "llm-ask --schema bomb: exit 2"
like "$err" '^llm-ask: .*more than 10000 nodes' "llm-ask: the cap is named"
echo hello > lines.txt
run timeout 20 env OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1 llm-map --schema @rec.json lines.txt
is "$rc" 2 "llm-map --schema recursive: exit 2"
like "$err" '^llm-map: .*recursive \$ref' "llm-map: the recursion is named"
is "$(cat "$SIM_LOG" 2>/dev/null | wc -l | tr -d ' ')" 0 "no request reached the simulator"
# the shared definitions reach a provider expanded
run env OPENAI_API_KEY_1=k1 OPENAI_MODELS=m1 llm-ask --schema @six.json "SIM-REPLY: $(cat good.json)"
is "$rc" 0 "llm-ask --schema with shared definitions: answered"
is "$(tail -n 1 "$SIM_LOG" | jq '[.body.response_format.json_schema.schema | paths(objects and has("type") and .type == "integer")] | length')" 32 \
	"the provider receives every use expanded"
done_testing
