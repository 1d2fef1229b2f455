/* TCP and UNIX-socket transport for the GDB stub. See transport_tcp.h for
 * the listen specs and a usage example.
 *
 * Every socket is non-blocking and close-on-exec; writes use MSG_NOSIGNAL so
 * a gdb that vanishes gives EPIPE instead of killing bt86 with SIGPIPE; the
 * client socket has TCP_NODELAY since RSP is a ping-pong of small packets
 * and Nagle's algorithm would add up to 40 ms to each exchange.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "gdb/transport_tcp.h"

/* One pending connection is enough: we serve a single gdb at a time. */
#define RSP_TCP_BACKLOG 1

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

void rsp_tcp_init(struct rsp_tcp *t)
{
	t->listen_fd = -1;
	t->client_fd = -1;
	t->unix_path = NULL;
}

static int listen_unix(struct rsp_tcp *t, const char *path, char *where, size_t wherelen,
		       char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof sa.sun_path) {
		say(err, errlen, "%s: socket path too long (at most %zu bytes)", path,
		    sizeof sa.sun_path - 1);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* A socket file left by an earlier run that nobody listens on any more
	 * is replaced; a live one, or any other kind of file, is not. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			say(err, errlen, "%s: exists and is not a socket", path);
			close(fd);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool alive = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
		if (probe >= 0)
			close(probe);
		if (alive) {
			say(err, errlen, "%s: another program is listening there", path);
			close(fd);
			return -1;
		}
		unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, RSP_TCP_BACKLOG)) {
		say(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	t->unix_path = strdup(path);
	if (!t->unix_path) {
		say(err, errlen, "%s: out of memory", path);
		unlink(path);
		close(fd);
		return -1;
	}
	t->listen_fd = fd;
	say(where, wherelen, "%s", path);
	return 0;
}

/* Split "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" into host and port. */
static int split_spec(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *h = RSP_TCP_DEFAULT_HOST, *p = spec;
	size_t hl = strlen(h);

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return -1;
		h = spec + 1;
		hl = (size_t)(close - h);
		p = close + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon) {
			if (colon > spec) {
				h = spec;
				hl = (size_t)(colon - spec);
			}
			p = colon + 1;
			if (memchr(spec, ':', (size_t)(colon - spec)))
				return -1;   /* a bare IPv6 address needs [ ] */
		}
	}
	if (!hl || hl >= hostlen || !*p || strlen(p) >= portlen || strspn(p, "0123456789") != strlen(p))
		return -1;
	if (strtoul(p, NULL, 10) > 65535)
		return -1;
	memcpy(host, h, hl);
	host[hl] = 0;
	strcpy(port, p);
	return 0;
}

static void describe(int fd, char *where, size_t wherelen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) ||
	    getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, port, sizeof port,
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		say(where, wherelen, "?");
		return;
	}
	say(where, wherelen, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
}

static int listen_tcp(struct rsp_tcp *t, const char *spec, char *where, size_t wherelen,
		      char *err, size_t errlen)
{
	char host[256], port[8];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	int rc, fd = -1, last = 0;

	if (split_spec(spec, host, sizeof host, port, sizeof port)) {
		say(err, errlen, "%s: expected PORT, HOST:PORT, [IPV6]:PORT or a socket path", spec);
		return -1;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		say(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		/* Restart on the same port at once, despite TIME_WAIT. */
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, RSP_TCP_BACKLOG) == 0)
			break;
		last = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		say(err, errlen, "%s: %s", spec, strerror(last ? last : EADDRNOTAVAIL));
		return -1;
	}
	t->listen_fd = fd;
	describe(fd, where, wherelen);
	return 0;
}

int rsp_tcp_listen(struct rsp_tcp *t, const char *spec, char *where, size_t wherelen,
		   char *err, size_t errlen)
{
	say(where, wherelen, "%s", "");
	if (t->listen_fd >= 0) {
		say(err, errlen, "already listening");
		return -1;
	}
	if (!spec || !*spec) {
		say(err, errlen, "empty gdb listen address");
		return -1;
	}
	if (strchr(spec, '/'))
		return listen_unix(t, spec, where, wherelen, err, errlen);
	return listen_tcp(t, spec, where, wherelen, err, errlen);
}

int rsp_tcp_accept(struct rsp_tcp *t, int timeout_ms)
{
	if (t->client_fd >= 0)
		return 1;
	if (t->listen_fd < 0) {
		errno = EBADF;
		return -1;
	}
	struct pollfd pfd = { .fd = t->listen_fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	int fd = accept4(t->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		/* The client may have given up between poll and accept. */
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return 0;
		return -1;
	}
	int one = 1;
	if (!t->unix_path)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	t->client_fd = fd;
	return 1;
}

int rsp_tcp_fd(const struct rsp_tcp *t)
{
	return t->client_fd >= 0 ? t->client_fd : t->listen_fd;
}

bool rsp_tcp_connected(const struct rsp_tcp *t)
{
	return t->client_fd >= 0;
}

void rsp_tcp_close_client(struct rsp_tcp *t)
{
	if (t->client_fd >= 0)
		close(t->client_fd);
	t->client_fd = -1;
}

void rsp_tcp_destroy(struct rsp_tcp *t)
{
	rsp_tcp_close_client(t);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	t->listen_fd = -1;
	if (t->unix_path) {
		unlink(t->unix_path);
		free(t->unix_path);
		t->unix_path = NULL;
	}
}

/* ---- struct rsp_io callbacks ---- */

static ssize_t tcp_read(void *ctx, void *buf, size_t len)
{
	struct rsp_tcp *t = ctx;

	if (t->client_fd < 0)
		return -1;
	ssize_t n = recv(t->client_fd, buf, len, MSG_DONTWAIT);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	return -1;   /* 0 is end of file: gdb closed the connection */
}

static ssize_t tcp_write(void *ctx, const void *buf, size_t len)
{
	struct rsp_tcp *t = ctx;

	if (t->client_fd < 0)
		return -1;
	ssize_t n = send(t->client_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -1;
}

static int tcp_poll(void *ctx, int timeout_ms)
{
	struct rsp_tcp *t = ctx;

	if (t->client_fd < 0)
		return -1;
	struct pollfd pfd = { .fd = t->client_fd, .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	return n;   /* POLLHUP/POLLERR count as ready: the read then reports it */
}

const struct rsp_io rsp_tcp_io = {
	.peek = NULL,      /* reads are non-blocking, so no need to ask first */
	.read = tcp_read,
	.write = tcp_write,
	.poll = tcp_poll,
};
