/* A socket transport for the GDB stub: listen on TCP or on a UNIX socket,
 * accept one gdb at a time, and move bytes without ever blocking, through the
 * struct rsp_io callbacks in rsp_tcp_io.
 *
 *   struct rsp_tcp tcp;
 *   char where[128], err[256];
 *   rsp_tcp_init(&tcp);
 *   if (rsp_tcp_listen(&tcp, "1234", where, sizeof where, err, sizeof err))
 *           die(err);                        // "bt86: gdb: 127.0.0.1:1234: Address in use"
 *   printf("waiting for gdb on %s\n", where); // "127.0.0.1:1234"
 *   while (rsp_tcp_accept(&tcp, 1000) == 0)  // 1: connected, 0: timeout, -1: error
 *           ;
 *   struct rsp *r = rsp_create(&rsp_tcp_io, &tcp, &target, vm, &rsp_arch_i386);
 *   ... poll(rsp_tcp_fd(&tcp)), rsp_poll(r) until it ends ...
 *   rsp_destroy(r);
 *   rsp_tcp_close_client(&tcp);              // then accept the next gdb
 *   rsp_tcp_destroy(&tcp);
 *
 * Listen specs:
 *   "1234", ":1234"          127.0.0.1 port 1234 (loopback: a gdb stub gives
 *                            whoever connects full control of the guest)
 *   "0.0.0.0:1234", "[::1]:1234", "localhost:0"   HOST:PORT; port 0 picks a free one
 *   "/tmp/bt86.sock", "./s"  a UNIX socket (anything with a '/'); a stale socket
 *                            file there is replaced, any other file is not
 */
#ifndef BT86_GDB_TRANSPORT_TCP_H
#define BT86_GDB_TRANSPORT_TCP_H

#include <stdbool.h>
#include <stddef.h>

#include "gdb/rsp.h"

#define RSP_TCP_DEFAULT_HOST "127.0.0.1"

struct rsp_tcp {
	int listen_fd;        /* -1 when not listening */
	int client_fd;        /* -1 when no gdb is connected */
	char *unix_path;      /* the UNIX socket to unlink at the end, or NULL */
};

/* The transport callbacks; io_ctx is the struct rsp_tcp. */
extern const struct rsp_io rsp_tcp_io;

void rsp_tcp_init(struct rsp_tcp *t);

/* Listen on spec (see above). where gets "127.0.0.1:1234", "[::1]:1234" or
 * the socket path. Returns 0, or -1 with a one-line reason in err. */
int rsp_tcp_listen(struct rsp_tcp *t, const char *spec, char *where, size_t wherelen,
		   char *err, size_t errlen);

/* Wait up to timeout_ms (-1: forever, 0: just check) for gdb to connect.
 * Returns 1 when a client is connected (also if one already was), 0 on
 * timeout, -1 on error (errno set). */
int rsp_tcp_accept(struct rsp_tcp *t, int timeout_ms);

/* The descriptor to poll: the client's while one is connected, else the
 * listening socket's (readable = a gdb is waiting to be accepted). */
int rsp_tcp_fd(const struct rsp_tcp *t);

bool rsp_tcp_connected(const struct rsp_tcp *t);

/* Hang up on the current gdb (if any); the listener stays open. */
void rsp_tcp_close_client(struct rsp_tcp *t);

/* Close everything and remove the UNIX socket file. */
void rsp_tcp_destroy(struct rsp_tcp *t);

#endif
