#!/bin/sh
# The providers the catalog adds: each builds entries from its key variable
# alone (numbered _N as for the others), with the catalog's models, limits
# and base URL, and answers through llm-sim's OpenAI-compatible path when
# NAME_BASE_URL points there.
. "$(dirname "$0")/lib.sh"
exec </dev/null

start_sim
jqo() { printf '%s\n' "$out" | jq -r "$@"; }

# provider key-variable base-url first-model
while read -r prov var base model; do
	NAME=$(echo "$prov" | tr a-z A-Z)
	# from the key variable alone: the catalog's base URL and models
	run env "$var=k-$prov-secret" llm-pool </dev/null
	is "$rc:$err" "0:" "$prov: $var alone builds the pool"
	is "$(jqo -r 'select(.provider == "'"$prov"'") | .base_url' | sort -u)" "$base" "$prov: the catalog's base URL"
	is "$(jqo -r 'select(.provider == "'"$prov"'") | .model' | head -1)" "$model" "$prov: the catalog's first model"
	is "$(jqo -r 'select(.provider == "'"$prov"'") | .key_env' | sort -u)" "$var" "$prov: key_env names $var"
	mods=" $(jqo -r 'select(.provider == "'"$prov"'") | .model' | tr '\n' ' ')"
	# numbered keys: two entries per model, ids prov-1 and prov-2
	run env "${var}_1=k1" "${var}_2=k2" llm-pool --provider "$prov" </dev/null
	is "$(jqo -s 'map(.id | split(":")[0]) | unique | join(" ")')" "$prov-1 $prov-2" "$prov: ${var}_1 and ${var}_2"
	case "$out$err" in *k-$prov-secret*) nok "$prov: no key in the output" ;; *) ok "$prov: no key in the output" ;; esac
	# answers through llm-sim's OpenAI-compatible path
	: >"$SIM_LOG"
	run env "$var=k-$prov" "${NAME}_BASE_URL=$SIM/v1" llm-ask --provider "$prov" "hello $prov" </dev/null
	is "$rc:$out" "0:echo: hello $prov" "$prov: answers through llm-sim"
	sent=$(jq -r 'select(.path == "/v1/chat/completions") | .model' "$SIM_LOG" | head -1)
	case "$mods" in
	*" $sent "*) ok "$prov: the request named a catalog model ($sent) on /v1/chat/completions" ;;
	*) nok "$prov: the request named a catalog model on /v1/chat/completions"; diag "sent: '$sent', models:$mods" ;;
	esac
done <<EOT
modelscope MODELSCOPE_API_KEY https://api-inference.modelscope.cn/v1 Qwen/Qwen2.5-Coder-32B-Instruct
dashscope DASHSCOPE_API_KEY https://dashscope.aliyuncs.com/compatible-mode/v1 qwen-turbo
qianfan QIANFAN_API_KEY https://qianfan.baidubce.com/v2 ernie-speed-128k
hunyuan HUNYUAN_API_KEY https://api.hunyuan.cloud.tencent.com/v1 hunyuan-lite
spark SPARK_API_KEY https://spark-api-open.xf-yun.com/v1 lite
huggingface HF_TOKEN https://router.huggingface.co/v1 meta-llama/Llama-3.1-8B-Instruct
cohere COHERE_API_KEY https://api.cohere.ai/compatibility/v1 command-a-03-2025
chutes CHUTES_API_KEY https://llm.chutes.ai/v1 chutesai/Mistral-Small-3.2-24B-Instruct-2506
github GITHUB_API_KEY https://models.github.ai/inference openai/gpt-4o-mini
EOT

# the catalog's published windows reach the entries
run env COHERE_API_KEY=k llm-pool --model command-r7b-12-2024
is "$(jqo '[.rpm, .window] | map(tostring) | join(" ")')" "20 128000" "cohere: the trial key's 20 requests a minute"
run env COHERE_API_KEY=k llm-pool --catalog --provider cohere --model command-a-03-2025
is "$(jqo '.limits | map("\(.window)=\(.max)/\(.reset)") | join(" ")')" "rpm=20/rolling rpmo=1000/month" \
	"cohere: the monthly 1000 calls is carried as a window"
run env DASHSCOPE_API_KEY=k llm-pool --model qwen-plus
is "$(jqo '[.rpm, .tpm, .per_model] | map(tostring) | join(" ")')" "15000 1200000 true" "dashscope: per-model RPM and TPM"
run env MODELSCOPE_API_KEY=k MODELSCOPE_MODELS=some/unlisted llm-pool
is "$(jqo '[.model, .rpd, .reset] | map(tostring) | join(" ")')" "some/unlisted 2000 utc" \
	"modelscope: an unlisted model takes the account's 2000 a day"
done_testing
