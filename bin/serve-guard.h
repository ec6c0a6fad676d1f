/*
 * serve-guard.h — llm-serve's defences against hostile web pages and
 * hostile clients: the Host, Origin and Content-Type checks, the connection
 * table (header deadline, eviction of connections that carry no request),
 * and the test for a client that hung up while its request waits.
 */
#ifndef SERVE_GUARD_H
#define SERVE_GUARD_H

#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

/* listen_host: the literal host of --listen; open: bearer tokens are set
 * (any Host and Origin then, as behind a reverse proxy); header_ms: the
 * deadline for a request's complete headers; idle_cap: connections that
 * carry no request (idle, or still sending headers) kept at most. */
void guard_init(const char *listen_host, int open, long header_ms, long idle_cap);

/* 1 when the Host header (NULL: none) names this server: a loopback name
 * or the listen address; always 1 with tokens. */
int guard_host_ok(const char *host);
/* 1 when there is no Origin or it is a loopback origin; always 1 with tokens. */
int guard_origin_ok(const char *origin);
/* 1 when the Content-Type is JSON: application/json or application/...+json. */
int guard_json_type(const char *ctype);

/* Both: why a request is refused with 403 (and its error code), or NULL. */
const char *guard_refusal(struct MHD_Connection *c, const char **code);

/* The listening socket for ss, bound with SO_REUSEADDR, and SO_REUSEPORT
 * only when reuse_port: a port already served is an error (exits 1). */
int guard_listen(const char *listen_at, const struct sockaddr_storage *ss, int reuse_port);
/* Creates --log's file 0600 if it does not exist (it may quote requests). */
void guard_log_file(const char *file);

/* MHD callbacks: MHD_OPTION_NOTIFY_CONNECTION and MHD_OPTION_URI_LOG_CALLBACK
 * (returns NULL: the handler sees no context). */
void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code);
void *guard_uri_log(void *cls, const char *uri, struct MHD_Connection *c);
/* The handler got a request's headers (its first call); the request is over. */
void guard_request_begins(struct MHD_Connection *c);
void guard_request_ends(struct MHD_Connection *c);
/* Closes the connections past their header deadline; call a few times a
 * second from any thread. */
void guard_sweep(void);
/* Connections closed by the guard, by reason (for /metrics). */
long guard_closed_header_timeout(void);
long guard_closed_evicted(void);

/* The socket of a connection, -1 if unknown. */
int guard_conn_fd(struct MHD_Connection *c);
/* 1 when the peer of a (suspended) connection's socket has closed it. */
int guard_peer_gone(int fd);

#endif
