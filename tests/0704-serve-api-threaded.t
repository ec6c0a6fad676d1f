#!/bin/sh
# 0700-serve-api.t again over the threaded server (--threads 3: libmicrohttpd's
# threads parse HTTP, the engine runs in a thread of its own and requests
# cross between them), which the default --threads 1 (one loop for HTTP
# and the engine) does not exercise.
SERVE_THREADS=3 exec sh "$(dirname "$0")/0700-serve-api.t"
