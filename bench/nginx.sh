#!/bin/sh
# bench/nginx.sh DIR N RUNS — the cost of the shared state, with nginx as a
# zero-latency OpenAI-shaped upstream (a fixed answer), so the simulator's
# own cost is out of the figure: llm-map -j 64 over N lines with memory and
# with the default SQLite state, and the bare libcurl-multi loop ($DIR/multi).
# Prints markdown table rows: req/s and CPU us per request.
set -u
d=$1 N=$2 RUNS=$3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$NGINX" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	printf 'installing nginx-light with apt-get (the upstream of this row)\n' >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >&2 || true
fi
[ -x "$NGINX" ] || { printf '| nginx upstream | - | - | - | skipped: no nginx (as root: apt-get install nginx-light) |\n'; exit 0; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
ng="$d/nginx"
mkdir -p "$ng"
answer='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'
port=
for try in 1 2 3 4 5 6 7 8; do
	p=$(( ($$ * 7 + try * 7919) % 30000 + 30000 ))
	cat > "$ng/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $ng/nginx.pid;
error_log $ng/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $ng;
	proxy_temp_path $ng;
	fastcgi_temp_path $ng;
	uwsgi_temp_path $ng;
	scgi_temp_path $ng;
	keepalive_requests 1000000;
	server {
		listen 127.0.0.1:$p;
		location / { default_type application/json; return 200 '$answer'; }
	}
}
EOF
	"$NGINX" -p "$ng" -c "$ng/nginx.conf" 2>>"$ng/start.err" &
	npid=$!
	i=0; while ! curl -s -o /dev/null "http://127.0.0.1:$p/" && [ $i -lt 50 ]; do sleep 0.05; i=$((i+1)); done
	if kill -0 "$npid" 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { printf '| nginx upstream | - | - | - | skipped: nginx would not start |\n'; exit 0; }
trap 'kill "$npid" 2>/dev/null' EXIT
up="http://127.0.0.1:$port/v1"
seq "$N" > "$d/ng.in"
# wall throughput swings on a shared machine; CPU time (user+sys) per
# request is the steadier figure: both, medians of RUNS
one() { # one NAME CMD...: appends req/s to $d/ng.NAME.r, CPU us/request to .c
	n=$1; shift
	t0=$(now_ms); /usr/bin/time -f "%U %S" -o "$d/ng.cpu" "$@" >/dev/null 2>&1; t1=$(now_ms)
	awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f\n", n * 1000 / (ms > 0 ? ms : 1) }' >> "$d/ng.$n.r"
	awk -v n="$N" '{ printf "%.1f\n", ($1 + $2) * 1e6 / n }' "$d/ng.cpu" >> "$d/ng.$n.c"
}
rm -f "$d"/ng.*.r "$d"/ng.*.c
for r in $(seq "$RUNS"); do
	one mem env LLM_STATE=memory OPENAI_BASE_URL="$up" llm-map -q -j 64 . "$d/ng.in"
	rm -rf "$d/ng.state"
	one sql env XDG_STATE_HOME="$d/ng.state" OPENAI_BASE_URL="$up" llm-map -q -j 64 . "$d/ng.in"
	one bare "$d/multi" "$up/chat/completions" "$OPENAI_API_KEY_1" 64 < "$d/ng.in"
done
for x in mem sql bare; do
	eval "r_$x=\$(median < \"\$d/ng.\$x.r\") c_$x=\$(median < \"\$d/ng.\$x.c\")"
done
printf '| nginx upstream: llm-map -j 64, SQLite state vs memory, req/s | %s | %s | %sx | >= 0.85x |\n' "$r_sql" "$r_mem" "$(ratio "$r_sql" "$r_mem")"
printf '| nginx upstream: CPU us/request, SQLite state vs memory | %s | %s | %sx | <= 1.15x |\n' "$c_sql" "$c_mem" "$(ratio "$c_sql" "$c_mem")"
printf '| nginx upstream: llm-map -j 64, SQLite state, vs libcurl-multi loop, req/s | %s | %s | %sx | >= 0.6x |\n' "$r_sql" "$r_bare" "$(ratio "$r_sql" "$r_bare")"
printf '| nginx upstream: CPU us/request, SQLite state vs libcurl-multi loop | %s | %s | %sx | <= 1.67x |\n' "$c_sql" "$c_bare" "$(ratio "$c_sql" "$c_bare")"
