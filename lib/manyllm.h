/*
 * manyllm.h — ask a pool of LLM keys from a C program, with failover.
 *
 *	#include <manyllm.h>
 *	char err[MANYLLM_ERRLEN];
 *	manyllm *m = manyllm_open(NULL, err, sizeof err);   // .env + environment
 *	char *answer = manyllm_ask(m, "Be brief.", "Name a prime.", err, sizeof err);
 *	puts(answer ? answer : err);
 *	free(answer);
 *	manyllm_close(m);
 *
 * Build: cc prog.c $(pkg-config --cflags --libs manyllm)
 *
 * The pool comes from LLM_POOL (a pool file) when set, else from the
 * environment and the .env file (env_file, or ./.env when present), exactly
 * as the llm-* tools build it. Scheduler state is shared with the tools
 * (LLM_STATE). Nothing here prints or exits; every failure comes back as
 * NULL or -1 with one line in err. A handle is not thread-safe: use one per
 * thread. Strings returned are the caller's to free(3).
 */
#ifndef MANYLLM_H
#define MANYLLM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MANYLLM_ERRLEN 512

typedef struct manyllm manyllm;

/* Opens the pool. env_file may be NULL (./.env when present). */
manyllm *manyllm_open(const char *env_file, char *err, size_t errlen);

/* Asks one question (system may be NULL); returns the answer, or NULL with
 * err naming every attempt that failed, the last first. */
char *manyllm_ask(manyllm *m, const char *system, const char *prompt, char *err, size_t errlen);

/* Like manyllm_ask, and also returns who answered ("provider:model", the
 * entry id) in *who when who is not NULL (the caller frees it). */
char *manyllm_ask2(manyllm *m, const char *system, const char *prompt, char **who,
    char *err, size_t errlen);

/* Restricts later calls to entries whose model matches the glob (NULL: any). */
int manyllm_set_model(manyllm *m, const char *glob);

/* Embeds n texts: returns n rows of *dims floats (row i is texts[i]'s
 * vector; the caller frees it), or NULL with err. The entries that may
 * answer are those of the model set by manyllm_set_model (all of the pool
 * when none was set), which must be entries of one model: vectors of
 * different models do not mix. dimensions > 0 asks for vectors of that
 * length. Texts are sent in batches of as many as the provider takes, each
 * with failover across the model's keys; *model (when not NULL) gets the
 * model's name (the caller frees it). */
float *manyllm_embed(manyllm *m, const char *const *texts, size_t n, int dimensions,
    int *dims, char **model, char *err, size_t errlen);

/* The number of entries in the pool. */
size_t manyllm_pool_size(const manyllm *m);

void manyllm_close(manyllm *m);

#ifdef __cplusplus
}
#endif
#endif
