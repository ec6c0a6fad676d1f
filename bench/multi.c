/*
 * multi.c — the baseline for llm-map's throughput: a minimal libcurl-multi
 * loop that POSTs one chat request per input line to one URL with N
 * transfers in flight and prints each body. No parsing, no scheduling, no
 * failover: what any engine on libcurl could do at best.
 *	multi URL KEY JOBS < lines
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

struct xfer { char body[512]; char *out; size_t len; struct curl_slist *h; };

static size_t
wr(char *p, size_t s, size_t n, void *u)
{
	struct xfer *x = u;
	char *o = realloc(x->out, x->len + s * n + 1);
	if (!o)
		return 0;
	memcpy(o + x->len, p, s * n);
	x->out = o;
	x->len += s * n;
	return s * n;
}

int
main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	const char *url = argv[1];
	char auth[256];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[2]);
	int jobs = atoi(argv[3]), active = 0, eof = 0;
	long done = 0;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURLM *m = curl_multi_init();
	char line[256];
	for (;;) {
		while (!eof && active < jobs) {
			if (!fgets(line, sizeof line, stdin)) {
				eof = 1;
				break;
			}
			line[strcspn(line, "\n")] = 0;
			struct xfer *x = calloc(1, sizeof *x);
			snprintf(x->body, sizeof x->body,
			    "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", line);
			x->h = curl_slist_append(NULL, auth);
			x->h = curl_slist_append(x->h, "Content-Type: application/json");
			CURL *e = curl_easy_init();
			curl_easy_setopt(e, CURLOPT_URL, url);
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->h);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
			curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, wr);
			curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
			curl_easy_setopt(e, CURLOPT_PRIVATE, x);
			curl_multi_add_handle(m, e);
			active++;
		}
		if (!active && eof)
			break;
		/* perform, then reap what finished, and poll only with transfers
		 * still running: transfers that completed in the perform leave no
		 * socket to watch, and the poll would sleep its whole timeout
		 * (against a zero-latency upstream, most of the time) */
		int running;
		curl_multi_perform(m, &running);
		if (running == active)
			curl_multi_poll(m, NULL, 0, 100, NULL), curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct xfer *x;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			if (x->out)
				fwrite(x->out, 1, x->len, stdout), putchar('\n');
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			curl_slist_free_all(x->h);
			free(x->out);
			free(x);
			active--;
			done++;
		}
	}
	curl_multi_cleanup(m);
	fprintf(stderr, "multi: %ld done\n", done);
	return 0;
}
