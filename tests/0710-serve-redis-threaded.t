#!/bin/sh
# 0708-serve-redis.t again over the threaded server (--threads 3): the store
# is used by the engine thread, /healthz is answered by the HTTP threads.
SERVE_THREADS=3 exec sh "$(dirname "$0")/0708-serve-redis.t"
