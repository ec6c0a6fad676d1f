#!/bin/sh
# 0706-serve-guard.t again over the threaded server (--threads 3): the
# Host/Origin checks run in libmicrohttpd's threads, and a hang-up is seen
# by the engine thread while an HTTP thread holds the connection suspended.
SERVE_THREADS=3 exec sh "$(dirname "$0")/0706-serve-guard.t"
