/*
 * ask.c — an LLM in a C program's loop: classify each line of stdin with
 * the pool, through libmanyllm. Build:
 *	cc ask.c $(pkg-config --cflags --libs manyllm)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <manyllm.h>

int
main(void)
{
	char err[MANYLLM_ERRLEN], line[4096];
	manyllm *m = manyllm_open(NULL, err, sizeof err);
	if (!m) {
		fprintf(stderr, "ask: %s\n", err);
		return 78;
	}
	int rc = 0;
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = 0;
		char *who = NULL;
		char *a = manyllm_ask2(m, "Answer in one word.", line, &who, err, sizeof err);
		if (!a) {
			fprintf(stderr, "ask: %s\n", err);
			rc = 69;
			continue;
		}
		printf("%s\t%s\t%s\n", line, a, who ? who : "?");
		free(a);
		free(who);
	}
	manyllm_close(m);
	return rc;
}
