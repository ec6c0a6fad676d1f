/*
 * journal.h — an append-only file of records, one per line, owned by one
 * process at a time: an exclusive lock (flock) is held from open to close,
 * each record is appended whole with one write(2) (a write that fails part
 * way is undone), and a rewrite goes through a new exclusive file renamed
 * over the old one, the lock moving with it, so no other process is ever
 * left appending to a file that is no longer the journal.
 */
#ifndef MLM_JOURNAL_H
#define MLM_JOURNAL_H

#include <stddef.h>
#include "lines.h"

typedef struct mlm_journal mlm_journal;

enum {
	MLM_JOURNAL_IO = -1,        /* err says what failed */
	MLM_JOURNAL_LOCKED = -2,    /* another process holds it */
	MLM_JOURNAL_EXISTS = -3,    /* a new journal was asked for: not empty */
};

/* Opens path with its lock. cont: continue it (created when missing);
 * else a new journal: created (O_EXCL, mode 0600), or an existing empty
 * file. NULL with *why (MLM_JOURNAL_*) and err set. */
mlm_journal *mlm_journal_open(const char *path, int cont, int *why, char *err, size_t errlen);
/* Every line from the start, through a reader of this maximum; fn returns
 * 0 to go on, -1 to stop. 0, or -1 on a read error (err set). */
int mlm_journal_scan(mlm_journal *j, size_t max, int (*fn)(void *u, const mlm_line *l),
    void *u, char *err, size_t errlen);
/* Keeps the lines keep() accepts (each written with LF), in a new file
 * (mode 0600, O_EXCL|O_NOFOLLOW, locked, synced) renamed over the journal,
 * which continues in it. A journal that is not a regular file is only
 * scanned. 0, or -1 (err set; the journal is unchanged). */
int mlm_journal_rewrite(mlm_journal *j, size_t max, int (*keep)(void *u, const mlm_line *l),
    void *u, char *err, size_t errlen);
/* Appends n bytes (one whole record with its LF) with one write(2). A
 * write that does not complete (a full disk, a file size limit) is undone:
 * the file is cut back to where the record began. -1 with errno and err
 * set ("write error: ...; the journal holds whole records" or, when it
 * could not be cut back, says so). */
int mlm_journal_append(mlm_journal *j, const void *p, size_t n, char *err, size_t errlen);
/* fsync; 0 or -1 (err set). */
int mlm_journal_sync(mlm_journal *j, char *err, size_t errlen);
/*
 * A journal of result records (design.md): lines that are JSON objects
 * with a numeric "i" and a string "id". Keeps the last whole record of
 * each i (the one appended last wins), drops a torn last line, lines that
 * are not such records and, with drop_failed, records without "ok":true;
 * rewrites the journal with what is kept (mlm_journal_rewrite), calling
 * fn(u, i, id) for each record kept (fn may be NULL). 0, or -1 (err set).
 */
int mlm_journal_compact(mlm_journal *j, int drop_failed,
    void (*fn)(void *u, long i, const char *id), void *u, char *err, size_t errlen);
/* Closes it, releasing the lock. */
void mlm_journal_close(mlm_journal *j);

#endif
