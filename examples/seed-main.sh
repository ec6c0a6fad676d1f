#!/bin/sh
# seed-main.sh — the seed project's main.py as one llm-ask command.
#
#   examples/seed-main.sh [QUESTION]
#
# main.py built the pool from .env, opened a chat session with a fixed
# system prompt, sent one user message and printed the answer, failing over
# from model to model. llm-ask does all of that itself: the pool from .env
# (or the environment), failover, the answer on stdout; exit status 69 when
# no entry could answer. --strategy sequential is the seed's
# SequentialStrategy (random its RandomStrategy).
exec llm-ask --strategy "${STRATEGY:-sequential}" \
	-s 'You are a helpful assistant. Answer concisely.' \
	"${*:-Introduce yourself in one sentence.}"
