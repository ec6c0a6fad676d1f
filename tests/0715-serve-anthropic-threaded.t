#!/bin/sh
# 0711-serve-anthropic.t again over the threaded server (--threads 3), whose
# streams are written by the engine thread and sent by libmicrohttpd's.
SERVE_THREADS=3 exec sh "$(dirname "$0")/0711-serve-anthropic.t"
