/* unit-journal.c — the locked journal: one owner at a time, new journals
 * exclusive and 0600, a failed append undone, compaction of records, a
 * rewrite that keeps the lock and never follows a planted link. */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlm.h"
#include "journal.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	size_t n;
	return tap_slurp(path, &n);
}

static void
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
}

static void
collect(void *u, long i, const char *id)
{
	mlm_buf *b = u;
	mlm_buf_printf(b, "%ld:%s ", i, id);
}

int
main(void)
{
	char dir[] = "/tmp/unit-journal.XXXXXX", path[256], tmp[300], err[MLM_ERRLEN];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/j.ndjson", dir);
	int why;

	umask(022);
	mlm_journal *j = mlm_journal_open(path, 0, &why, err, sizeof err);
	ok(j != NULL, "a new journal opens");
	struct stat st;
	stat(path, &st);
	is_int(st.st_mode & 0777, 0600, "a new journal is 0600 whatever the umask");
	mlm_journal *j2 = mlm_journal_open(path, 1, &why, err, sizeof err);
	ok(!j2 && why == MLM_JOURNAL_LOCKED, "a second open (continuing) while held: locked");
	ok(strstr(err, "j.ndjson: in use by another run (locked)") != NULL, "locked: the error names the file");
	j2 = mlm_journal_open(path, 0, &why, err, sizeof err);
	ok(!j2 && why == MLM_JOURNAL_LOCKED, "a second open (new) while held: locked");

	const char *recs = "{\"i\":0,\"id\":\"a\",\"ok\":true}\n{\"i\":1,\"id\":\"b\",\"ok\":false}\n"
	    "not json\n{\"i\":0,\"id\":\"c\",\"ok\":true}\n";
	is_int(mlm_journal_append(j, recs, strlen(recs), err, sizeof err), 0, "append");
	mlm_journal_close(j);
	j = mlm_journal_open(path, 0, &why, err, sizeof err);
	ok(!j && why == MLM_JOURNAL_EXISTS, "a new journal over a non-empty file: exists");

	/* compaction: the last record of each i, failed ones dropped on ask,
	 * a torn last line dropped */
	j = mlm_journal_open(path, 1, &why, err, sizeof err);
	ok(j != NULL, "continue: opens");
	is_int(mlm_journal_append(j, "{\"i\":2,\"id\":\"d\"", 15, err, sizeof err), 0, "a torn last line");
	ino_t before = (stat(path, &st), st.st_ino);
	/* a link planted at the temporary's name is not followed */
	char victim[300];
	snprintf(victim, sizeof victim, "%s/victim", dir);
	put(victim, "precious\n");
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	ok(symlink(victim, tmp) == 0, "a link planted at the temporary's name");
	mlm_buf b = { 0 };
	mlm_buf_add(&b, "", 0);
	is_int(mlm_journal_compact(j, 1, collect, &b, err, sizeof err), 0, "compact");
	is_str(b.p, "0:c ", "compact: the last record of i 0; failed, torn and foreign lines dropped");
	char *got = slurp(path);
	is_str(got, "{\"i\":0,\"id\":\"c\",\"ok\":true}\n", "compact: the file holds what was kept");
	free(got);
	got = slurp(victim);
	is_str(got, "precious\n", "the planted link's target is untouched");
	free(got);
	lstat(path, &st);
	ok(S_ISREG(st.st_mode) && st.st_ino != before && (st.st_mode & 0777) == 0600,
	    "the journal is a new regular file, 0600");
	j2 = mlm_journal_open(path, 1, &why, err, sizeof err);
	ok(!j2 && why == MLM_JOURNAL_LOCKED, "after the rewrite: the new file is locked too");
	mlm_buf_free(&b);

	/* a write that fails part way is undone */
	signal(SIGXFSZ, SIG_IGN);
	stat(path, &st);
	struct rlimit rl = { (rlim_t)st.st_size + 10, RLIM_INFINITY };
	setrlimit(RLIMIT_FSIZE, &rl);
	const char *big = "{\"i\":5,\"id\":\"e\",\"text\":\"more than ten bytes\"}\n";
	is_int(mlm_journal_append(j, big, strlen(big), err, sizeof err), -1, "a write past the size limit fails");
	ok(strstr(err, "write error: File too large; the journal holds whole records") != NULL,
	    "the message says the journal holds whole records");
	got = slurp(path);
	is_str(got, "{\"i\":0,\"id\":\"c\",\"ok\":true}\n", "the partial record was cut off");
	free(got);
	rl.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &rl);
	is_int(mlm_journal_sync(j, err, sizeof err), 0, "sync");
	mlm_journal_close(j);
	j = mlm_journal_open(path, 1, &why, err, sizeof err);
	ok(j != NULL, "closed: another open takes it");
	mlm_journal_close(j);

	unlink(victim);
	unlink(path);
	rmdir(dir);
	printf("1..%d\n", tap_n);
	return tap_fail != 0;
}
