/*
 * map-resume.h — llm-map's journal (map-resume.c): -o FILE opened and
 * locked for the whole run, compacted, and --resume's answered inputs.
 */
#ifndef MAP_RESUME_H
#define MAP_RESUME_H

#include "journal.h"

/* another run holds the journal (sysexits' EX_TEMPFAIL) */
#define EX_TEMPFAIL 75

/* Opens the journal at path; dies 75 when another run holds it, 2 when it
 * exists without resume, 78 when it cannot be opened. */
mlm_journal *map_journal_open(const char *path, int resume);
/* Rewrites it with one record per input (the last whole one); loading
 * (--resume) also drops failed records with retry_failed and fills the
 * answered set. Dies 1 on an error. */
void map_journal_rewrite(mlm_journal *j, const char *path, int loading, int retry_failed);
/* Input i with id was answered in the journal (--resume). */
int map_answered(long i, const char *id);

#endif
