/* The GDB stub's server: a thread that listens for gdb on TCP or a UNIX
 * socket, serves one gdb at a time with the RSP library (gdb/rsp.h) and the
 * bt86 target (gdb/glue.h), and after a detach or a disconnect leaves the
 * guest stopped and waits for the next one. A second gdb that connects while
 * one is served is hung up on at once ("Remote connection closed").
 *
 *   char where[160], err[256];
 *   struct gdb_server *g = gdb_server_start(&session, "1234", where, sizeof where, err, sizeof err);
 *   if (!g) die(err);                    // "gdb: 127.0.0.1:1234: Address already in use"
 *   fprintf(stderr, "bt86: gdb stub listening on %s; the guest waits at its entry point\n", where);
 *   int status;
 *   gdb_server_wait(g, &status);         // bt86 --gdb: until gdb kills it or the guest ends
 *   gdb_server_stop(g);                  // before runner_destroy
 *
 * Listen specs: "1234" or ":1234" (127.0.0.1: whoever connects controls the
 * guest, so only local users by default), "HOST:PORT" ("0.0.0.0:1234",
 * "[::1]:1234"; port 0 picks a free one, which where then names), a UNIX
 * socket path (anything with a '/': "/tmp/bt86.sock", "./gdb.sock"), and the
 * same with QEMU's prefixes: "tcp::1234", "tcp:HOST:PORT", "unix:PATH".
 * gdb connects with `target remote :1234` or `target remote /tmp/bt86.sock`.
 *
 * The server works beside the readline prompt and the TUI on the same
 * session: each stop of the runner is seen by every front end, and gdb's
 * `monitor` commands run on a session of the server's own.
 */
#ifndef BT86_GDB_SERVER_H
#define BT86_GDB_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct session;
struct session_stub_ops;
struct gdb_server;

/* Listen on spec and serve gdb from a new thread. where gets the address
 * actually listened on ("127.0.0.1:1234", or the socket path). NULL with a
 * one-line reason in err ("gdb: ...") on failure. s, its runner, engine,
 * machine and symbols must outlive the server. */
struct gdb_server *gdb_server_start(struct session *s, const char *spec, char *where, size_t wherelen,
				    char *err, size_t errlen);

/* Stop serving: hang up on a connected gdb (the guest is left stopped),
 * close the socket, join the thread, free everything. NULL is fine. */
void gdb_server_stop(struct gdb_server *g);

/* Block until the run is over: gdb killed the guest (k: *exit_status 0, or
 * the final stop's status if the guest had already halted or failed), or
 * gdb was told the guest ended (W: bt86's status for that end, the same as
 * a headless run's: monitor/stop.h). Returns 0, or -1 if the server failed
 * (its socket broke; *exit_status is then STATUS_GUEST_ERROR). */
int gdb_server_wait(struct gdb_server *g, int *exit_status);

/* The same without blocking: true (and the status) once the run is over. */
bool gdb_server_finished(struct gdb_server *g, int *exit_status);

/* A descriptor that becomes readable once the run is over (for a prompt's
 * or a TUI's poll/select loop, which then calls gdb_server_finished). */
int gdb_server_finished_fd(const struct gdb_server *g);

/* The `gdb SPEC` command's hooks for a session (session/session.h): the
 * program that links the stub sets session.stub_ops to these. */
extern const struct session_stub_ops gdb_server_stub_ops;

/* The address being listened on, as gdb_server_start gave it. */
const char *gdb_server_where(const struct gdb_server *g);

/* Is a gdb connected right now? */
bool gdb_server_connected(struct gdb_server *g);

#endif
