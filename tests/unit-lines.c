/* unit-lines.c — the record reader: line ends, positions, chunk
 * boundaries, over-long lines skipped without being kept, read errors. */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mlm.h"
#include "lines.h"
#include "tap.h"

/* Every line of s as "lineno:len:text|" ("lineno:len:LONG|" when too long,
 * "$" appended to a line without LF), read with this maximum. */
static char *
lines_of(const char *s, size_t n, size_t max)
{
	char path[] = "/tmp/unit-lines.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, s, n) != (ssize_t)n)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	unlink(path);
	mlm_lines *r = mlm_lines_fd(fd, "f", max);
	mlm_buf b = { 0 };
	mlm_buf_add(&b, "", 0);
	mlm_line l;
	char err[MLM_ERRLEN];
	int rc;
	while ((rc = mlm_lines_next(r, &l, err, sizeof err)) == 1) {
		mlm_buf_printf(&b, "%ld:%zu:", l.lineno, l.len);
		if (l.toolong)
			mlm_buf_puts(&b, "LONG");
		else if (l.len < 64)
			mlm_buf_add(&b, l.text, l.len);
		else
			mlm_buf_printf(&b, "%c..%c", l.text[0], l.text[l.len - 1]);
		mlm_buf_puts(&b, l.nl ? "|" : "$|");
	}
	if (rc < 0)
		mlm_buf_printf(&b, "ERR %s", err);
	mlm_lines_close(r);
	close(fd);
	return b.p;
}

#define LINES(s, max, want, name) do { \
	char *got_ = lines_of(s, sizeof s - 1, max); \
	is_str(got_, want, name); \
	free(got_); \
} while (0)

int
main(void)
{
	LINES("", 10, "", "empty input: no lines");
	LINES("a\nb\n", 10, "1:1:a|2:1:b|", "two lines");
	LINES("a\nb", 10, "1:1:a|2:1:b$|", "a last line without LF");
	LINES("a\r\nb\r\n", 10, "1:1:a|2:1:b|", "CR LF ends a line");
	LINES("a\rb\n", 10, "1:3:a\rb|", "a CR inside a line stays");
	LINES("a\r\r\n", 10, "1:2:a\r|", "only one CR belongs to the end");
	LINES("a\r", 10, "1:1:a$|", "a CR at the end of the file belongs to the end");
	LINES("\n\n", 10, "1:0:|2:0:|", "empty lines are lines");
	LINES("a\0b\n", 10, "1:3:a\0b|", "NUL bytes are kept, len counts");
	LINES("12345\n123456\n1234\n", 5, "1:5:12345|2:6:LONG|3:4:1234|", "max: a longer line is too long, the next one read");
	LINES("12345\r\n", 5, "1:5:12345|", "max: the CR of CR LF does not count");
	LINES("123456", 5, "1:6:LONG$|", "max: a too-long last line without LF");
	LINES("1234567890123\r\nok\n", 5, "1:13:LONG|2:2:ok|", "max: a skipped line's CR LF is its end");

	/* cr says which lines had a CR taken off: text, CR, LF give the bytes back */
	{
		static const char in[] = "a\r\nb\nc\r\r\n1234567\r\nd\r";
		mlm_lines *r = mlm_lines_mem(in, sizeof in - 1, "m", 5);
		mlm_line l;
		char err[MLM_ERRLEN], got[64] = "";
		while (mlm_lines_next(r, &l, err, sizeof err) == 1)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%d%d", l.cr, l.nl);
		mlm_lines_close(r);
		is_str(got, "1101111110", "cr: set when a CR before the end was taken off, also for a skipped line");
	}

	/* lines across chunk boundaries, and a line longer than one chunk */
	size_t big = 200000;
	char *s = malloc(big + 100);
	size_t k = 0;
	memset(s, 'x', 70000);
	k = 70000;
	s[k++] = '\n';
	memset(s + k, 'y', 100000);
	k += 100000;
	s[k++] = '\n';
	memcpy(s + k, "end\n", 4);
	k += 4;
	char *got = lines_of(s, k, 1 << 20);
	is_str(got, "1:70000:x..x|2:100000:y..y|3:3:end|", "long lines across chunks, kept whole under the maximum");
	free(got);
	got = lines_of(s, k, 80000);
	is_str(got, "1:70000:x..x|2:100000:LONG|3:3:end|", "a line longer than a chunk and the maximum is skipped");
	free(got);
	got = lines_of(s, k, 16);
	is_str(got, "1:70000:LONG|2:100000:LONG|3:3:end|", "a small maximum");
	free(got);
	free(s);

	/* a huge line through a pipe: the reader's memory stays bounded */
	int p[2];
	ok(pipe(p) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		char chunk[65536];
		memset(chunk, 'z', sizeof chunk);
		for (int i = 0; i < 1600; i++)      /* 100 MiB, no newline until the end */
			if (write(p[1], chunk, sizeof chunk) < 0)
				_exit(1);
		if (write(p[1], "\nnext\n", 6) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	mlm_lines *r = mlm_lines_fd(p[0], "<pipe>", 1000);
	mlm_line l;
	char err[MLM_ERRLEN], pos[64];
	is_int(mlm_lines_next(r, &l, err, sizeof err), 1, "huge line: a line");
	ok(l.toolong && l.len == 1600u * 65536u && l.lineno == 1, "huge line: too long, its length counted (%zu)", l.len);
	mlm_lines_pos(r, pos, sizeof pos);
	is_str(pos, "<pipe>:1", "huge line: its position");
	is_int(mlm_lines_next(r, &l, err, sizeof err), 1, "after it: the next line");
	ok(l.text && !strcmp(l.text, "next") && l.lineno == 2, "after it: \"next\" at line 2");
	is_int(mlm_lines_next(r, &l, err, sizeof err), 0, "then the end");
	mlm_lines_close(r);
	close(p[0]);
	waitpid(pid, NULL, 0);

	/* from memory: the same rules */
	static const char mem[] = "one\r\n\ntoo long a line\nlast";
	r = mlm_lines_mem(mem, sizeof mem - 1, "body", 8);
	mlm_buf b = { 0 };
	mlm_buf_add(&b, "", 0);
	while (mlm_lines_next(r, &l, err, sizeof err) == 1)
		mlm_buf_printf(&b, "%ld:%s%s|", l.lineno, l.toolong ? "LONG" : l.text, l.nl ? "" : "$");
	is_str(b.p, "1:one|2:|3:LONG|4:last$|", "from memory: the same rules");
	mlm_lines_pos(r, pos, sizeof pos);
	is_str(pos, "body:4", "from memory: positions");
	mlm_lines_close(r);
	mlm_buf_free(&b);

	/* errors: a file that cannot be opened, a read error */
	r = mlm_lines_open("/nonexistent/x", 10, err, sizeof err);
	ok(!r, "open: a missing file");
	is_str(err, "/nonexistent/x: No such file or directory", "open: the error names the file");
	int dfd = open("/", O_RDONLY | O_DIRECTORY);
	r = mlm_lines_fd(dfd, "dir", 10);
	is_int(mlm_lines_next(r, &l, err, sizeof err), -1, "a read error: -1");
	is_str(err, "dir: Is a directory", "a read error: named");
	mlm_lines_close(r);
	close(dfd);
	r = mlm_lines_open("-", 10, err, sizeof err);
	is_str(mlm_lines_name(r), "<stdin>", "\"-\" is standard input, named <stdin>");
	mlm_lines_close(r);

	printf("1..%d\n", tap_n);
	return tap_fail != 0;
}
