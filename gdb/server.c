/* The GDB stub's listening thread (see server.h).
 *
 * One thread does everything for gdb: it waits for a connection, then polls
 * the client socket, the glue's stop eventfd and a quit pipe, feeding input
 * to rsp_poll() and stops to the glue, which answers through the stub. When
 * the client goes (detach, kill, disconnect, a broken socket) the glue leaves
 * the guest stopped and the thread waits for the next client on the same
 * socket. Every signal a terminal sends is blocked in the thread, so Ctrl-C
 * keeps reaching the prompt.
 */
#include "gdb/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gdb/glue.h"
#include "gdb/regs_i386.h"
#include "gdb/rsp.h"
#include "gdb/transport_tcp.h"
#include "monitor/stop.h"
#include "session/session.h"

/* After the guest's end was reported, how long a closing server waits for
 * gdb to hang up first, so the W packet is never lost to a reset. */
#define SERVER_LINGER_MS 1000
/* The RSP interrupt byte (Ctrl-C outside a packet). */
#define SERVER_CTRL_C 0x03

struct gdb_server {
	struct session *s;
	struct gdb_glue *glue;
	struct rsp_tcp tcp;
	pthread_t thread;
	bool started;
	int quit_pipe[2];         /* gdb_server_stop writes a byte */
	int done_fd;              /* an eventfd, readable once finished */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool finished, failed, connected;
	int status;
	char where[160];
};

static int64_t server_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool server_quitting(struct gdb_server *g)
{
	struct pollfd p = { g->quit_pipe[0], POLLIN, 0 };
	return poll(&p, 1, 0) > 0;
}

static void server_finish(struct gdb_server *g, bool failed, int status)
{
	pthread_mutex_lock(&g->lock);
	if (!g->finished) {
		g->finished = true;
		g->failed = failed;
		g->status = status;
		uint64_t one = 1;
		ssize_t n = write(g->done_fd, &one, sizeof one);
		(void)n;
	}
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void server_set_connected(struct gdb_server *g, bool on)
{
	pthread_mutex_lock(&g->lock);
	g->connected = on;
	pthread_mutex_unlock(&g->lock);
}

/* gdb_glue_interrupt_fn: while a monitor command waits for the guest, a
 * Ctrl-C byte from gdb (taken from the socket), gdb hanging up or the server
 * closing stop the guest. Other bytes stay for the stub. */
static bool server_interrupted(void *ctx)
{
	struct gdb_server *g = ctx;
	int fd = g->tcp.client_fd;
	char c;

	if (server_quitting(g))
		return true;
	if (fd < 0)
		return true;
	struct pollfd p = { fd, POLLIN, 0 };
	if (poll(&p, 1, 0) <= 0)
		return false;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0)
		return true;   /* gdb hung up */
	if (n < 0)
		return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
	if (c != SERVER_CTRL_C)
		return false;
	(void)recv(fd, &c, 1, MSG_DONTWAIT);   /* the Ctrl-C is ours */
	return true;
}

/* Hang up on a gdb that was told the guest ended only after it hung up (or
 * a short while passed): closing with its bytes unread would reset the
 * connection and could lose the W packet in flight. */
static void server_linger(struct gdb_server *g)
{
	int fd = g->tcp.client_fd;
	char buf[256];
	if (fd < 0)
		return;
	shutdown(fd, SHUT_WR);
	int64_t until = server_now_ms() + SERVER_LINGER_MS;
	for (;;) {
		int64_t left = until - server_now_ms();
		if (left <= 0)
			break;
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
	}
}

/* A second gdb while one is served: hang up at once (gdb says "Remote
 * connection closed") rather than leave it waiting in the backlog. */
static void server_turn_away(struct gdb_server *g)
{
	int fd = accept4(g->tcp.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
}

/* Serve the connected gdb until it goes. Returns true if the server is
 * being stopped. */
static bool server_serve(struct gdb_server *g)
{
	bool quit = false;
	int status;
	struct rsp *r = rsp_create(&rsp_tcp_io, &g->tcp, &gdb_glue_target, g->glue, &rsp_arch_i386);

	if (!r) {
		rsp_tcp_close_client(&g->tcp);
		return false;
	}
	server_set_connected(g, true);
	gdb_glue_begin(g->glue, r, server_interrupted, g);
	for (;;) {
		if (rsp_poll(r) != RSP_OK)
			break;
		/* The guest's end reached gdb: the run is over (gdb hangs up). */
		if (gdb_glue_exited(g->glue, &status) && !rsp_want_write(r))
			server_finish(g, false, status);
		struct pollfd p[4] = {
			{ rsp_tcp_fd(&g->tcp), (short)(POLLIN | (rsp_want_write(r) ? POLLOUT : 0)), 0 },
			{ gdb_glue_stop_fd(g->glue), POLLIN, 0 },
			{ g->quit_pipe[0], POLLIN, 0 },
			{ g->tcp.listen_fd, POLLIN, 0 },
		};
		int n = poll(p, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents) {
			quit = true;
			break;
		}
		if (p[1].revents & POLLIN)
			gdb_glue_poll_stop(g->glue);
		if (p[3].revents & POLLIN)
			server_turn_away(g);
	}
	gdb_glue_end(g->glue);
	bool killed = gdb_glue_killed(g->glue, &status);
	bool exited = !killed && gdb_glue_exited(g->glue, &status);
	if (quit && exited)
		server_linger(g);
	rsp_destroy(r);
	rsp_tcp_close_client(&g->tcp);
	server_set_connected(g, false);
	if (killed || exited)
		server_finish(g, false, status);
	return quit;
}

static void *server_main(void *arg)
{
	struct gdb_server *g = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ g->tcp.listen_fd, POLLIN, 0 },
			{ g->quit_pipe[0], POLLIN, 0 },
		};
		int n = poll(p, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			server_finish(g, true, STATUS_GUEST_ERROR);
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & (POLLERR | POLLNVAL)) {
			server_finish(g, true, STATUS_GUEST_ERROR);
			break;
		}
		int a = rsp_tcp_accept(&g->tcp, 0);
		if (a < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors for now: try again a little later. */
				poll(&p[1], 1, 100);
				continue;
			}
			server_finish(g, true, STATUS_GUEST_ERROR);
			break;
		}
		if (a == 1 && server_serve(g))
			break;
	}
	return NULL;
}

/* QEMU's spellings: "tcp::1234", "tcp:HOST:PORT", "unix:PATH". */
static const char *server_spec(const char *spec, char *buf, size_t len)
{
	if (strncmp(spec, "tcp:", 4) == 0)
		return spec + 4;
	if (strncmp(spec, "unix:", 5) == 0) {
		const char *path = spec + 5;
		if (strchr(path, '/'))
			return path;
		snprintf(buf, len, "./%s", path);   /* a path the transport knows as one */
		return buf;
	}
	return spec;
}

struct gdb_server *gdb_server_start(struct session *s, const char *spec, char *where, size_t wherelen,
				    char *err, size_t errlen)
{
	char e2[256], buf[300];
	struct gdb_server *g = calloc(1, sizeof *g);

	if (where && wherelen)
		where[0] = 0;
	if (!g) {
		snprintf(err, errlen, "gdb: out of memory");
		return NULL;
	}
	g->s = s;
	g->quit_pipe[0] = g->quit_pipe[1] = -1;
	g->done_fd = -1;
	rsp_tcp_init(&g->tcp);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	if (!spec || !*spec) {
		snprintf(err, errlen, "gdb: empty listen address (PORT, HOST:PORT or a socket path)");
		goto fail;
	}
	g->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (g->done_fd < 0 || pipe2(g->quit_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "gdb: pipe: %s", strerror(errno));
		goto fail;
	}
	if (rsp_tcp_listen(&g->tcp, server_spec(spec, buf, sizeof buf), g->where, sizeof g->where, e2,
			   sizeof e2) < 0) {
		snprintf(err, errlen, "gdb: %s", e2);
		goto fail;
	}
	g->glue = gdb_glue_create(s, err, errlen);
	if (!g->glue)
		goto fail;
	/* The thread takes no terminal signals (SIGINT belongs to the prompt). */
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&g->thread, NULL, server_main, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "gdb: cannot start the server thread: %s", strerror(rc));
		goto fail;
	}
	g->started = true;
	if (where && wherelen)
		snprintf(where, wherelen, "%s", g->where);
	return g;
fail:
	gdb_server_stop(g);
	return NULL;
}

void gdb_server_stop(struct gdb_server *g)
{
	if (!g)
		return;
	if (g->started) {
		char c = 'q';
		ssize_t n = write(g->quit_pipe[1], &c, 1);
		(void)n;
		pthread_join(g->thread, NULL);
	}
	rsp_tcp_destroy(&g->tcp);
	gdb_glue_destroy(g->glue);
	for (int i = 0; i < 2; i++)
		if (g->quit_pipe[i] >= 0)
			close(g->quit_pipe[i]);
	if (g->done_fd >= 0)
		close(g->done_fd);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

int gdb_server_wait(struct gdb_server *g, int *exit_status)
{
	pthread_mutex_lock(&g->lock);
	while (!g->finished)
		pthread_cond_wait(&g->cond, &g->lock);
	int status = g->status;
	bool failed = g->failed;
	pthread_mutex_unlock(&g->lock);
	if (exit_status)
		*exit_status = status;
	return failed ? -1 : 0;
}

bool gdb_server_finished(struct gdb_server *g, int *exit_status)
{
	pthread_mutex_lock(&g->lock);
	bool done = g->finished;
	if (done && exit_status)
		*exit_status = g->status;
	pthread_mutex_unlock(&g->lock);
	return done;
}

int gdb_server_finished_fd(const struct gdb_server *g)
{
	return g->done_fd;
}

const char *gdb_server_where(const struct gdb_server *g)
{
	return g->where;
}

bool gdb_server_connected(struct gdb_server *g)
{
	pthread_mutex_lock(&g->lock);
	bool on = g->connected;
	pthread_mutex_unlock(&g->lock);
	return on;
}

static void *gdb_server_stub_start(struct session *s, const char *spec, char *where, size_t wherelen, char *err,
				   size_t errlen)
{
	return gdb_server_start(s, spec, where, wherelen, err, errlen);
}

static const char *gdb_server_stub_where(const void *stub)
{
	return gdb_server_where(stub);
}

const struct session_stub_ops gdb_server_stub_ops = { gdb_server_stub_start, gdb_server_stub_where };
