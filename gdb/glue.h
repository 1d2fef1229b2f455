/* The bt86 target of the GDB stub: the struct rsp_target callbacks that let
 * gdb's packets reach a debugging session (session/session.h) and its vCPU runner.
 * The stub library (gdb/rsp.h) knows nothing of bt86; this is where it meets
 * the machine, the engine, the runner and the command language. The server
 * (gdb/server.h) owns the socket and the thread; the glue runs on that thread.
 *
 *   struct gdb_glue *g = gdb_glue_create(&session, err, sizeof err);
 *   struct rsp *r = rsp_create(&rsp_tcp_io, &tcp, &gdb_glue_target, g, &rsp_arch_i386);
 *   gdb_glue_begin(g, r, peek_ctrl_c, &tcp);
 *   ... poll the socket and gdb_glue_stop_fd(g); when the latter is readable
 *       call gdb_glue_poll_stop(g); feed the socket to rsp_poll(r) ...
 *   gdb_glue_end(g);                  // gdb detached or went away
 *   rsp_destroy(r);
 *   gdb_glue_destroy(g);
 *
 * What gdb sees, and what it is mapped to:
 *   registers   the runner's snapshot of the last stop (runner_snapshot), and
 *               its FXSAVE image for x87/SSE; numbered as gdb/regs_i386.h.
 *               Writes go through runner_set_state/runner_set_fpu (refused
 *               while the guest runs; a write of the value a register already
 *               has is always accepted, so a G packet only changes what
 *               changed). A segment register write loads the descriptor from
 *               the guest's GDT. fioff/fooff are shown as unavailable on the
 *               bt engine, whose FXSAVE image holds host addresses there.
 *   memory      guest linear addresses, translated through the guest's page
 *               tables when CR0.PG is set; RAM, and the VGA window
 *               0xA0000-0xBFFFF; anything else (and host memory, always) is
 *               an error. Writes drop the translations of the bytes written
 *               (engine invalidate) and are refused while the guest runs.
 *   Z0 Z1       breakpoints in the monitor's table (monitor/debug.h), never
 *               int3 in guest memory; listed by `info breakpoints` at the
 *               prompt. gdb removes its breakpoints at every stop and inserts
 *               them again before it resumes; the glue applies a removal only
 *               when the guest is next resumed and only if gdb did not insert
 *               the same one again, so a stop leaves the translation cache
 *               as it was (`monitor tc show $pc` still finds the CCFs).
 *   Z2 Z3 Z4    watch, rwatch, awatch (lengths above 8 bytes are split).
 *               On the kvm engine breakpoints and watchpoints together share
 *               the four debug registers; a fifth gets an error.
 *   c s vCont   runner_resume(RQ_CONT / RQ_STEP_INSN count 1); a signal gdb
 *               asks to deliver is ignored (a bare-metal guest has none). If
 *               the guest already runs (the prompt or the TUI resumed it), gdb
 *               joins that run and gets its stop. Ctrl-C is runner_stop.
 *   stops       every stop of the runner, from any front end, while gdb waits:
 *                 breakpoint        T05swbreak (T05hwbreak for a Z1 one; a
 *                                   breakpoint gdb did not set: T05 and its
 *                                   line as console output)
 *                 watchpoint        T05watch/rwatch/awatch:ADDR
 *                 step              T05
 *                 stop request      T02 (SIGINT), from gdb's Ctrl-C, the
 *                                   prompt's stop or the TUI
 *                 catch (monitor catch ...)  T05 and the catch's line
 *                 guest exit        W<the guest's own exit value>, and the
 *                                   run is over (gdb_glue_exited)
 *                 guest halted (HLT with IF=0)  T11 (SIGSTOP), guest error
 *                                   T0b (SIGSEGV), engine cannot go on T04
 *                                   (SIGILL): each with bt86's one-line
 *                                   reason as console output, so gdb can still
 *                                   show where it stopped; resuming a guest in
 *                                   that state gives W<bt86's exit status>
 *                                   (0, 4, 6: monitor/stop.h) and ends the run.
 *   ?           T05 (the signals above for a guest that cannot go on); never
 *               W, so gdb can always attach and look.
 *   qRcmd       `monitor CMD` runs CMD in the command language (session/cmd.h) on a
 *               session of its own that shares the machine, engine, runner and
 *               symbols, its output and errors sent as O packets. A command
 *               that runs the guest (stepf, until) waits for its stop, at
 *               most 10 s: gdb sends no Ctrl-C while it waits for a monitor
 *               reply, so bt86 then stops the guest itself and says so (a
 *               Ctrl-C byte or gdb hanging up stops it too). `monitor gdb` is
 *               refused. gdb does not know such a command moved the
 *               guest: `maintenance flush register-cache` (flushregs) makes it
 *               read the registers again. A failing command makes gdb say
 *               "Protocol error with Rcmd" after the error line.
 *   D           detach: the guest stays stopped (stopped if it runs) and
 *               gdb's breakpoints are removed; the next gdb may attach.
 *   k           kill: the run is over (gdb_glue_killed).
 *   qAttached   1, as QEMU does: quitting gdb detaches, it never kills bt86.
 */
#ifndef BT86_GDB_GLUE_H
#define BT86_GDB_GLUE_H

#include <stdbool.h>
#include <stddef.h>

#include "gdb/rsp.h"

struct session;
struct gdb_glue;

/* The target callbacks; the target pointer is the struct gdb_glue. */
extern const struct rsp_target gdb_glue_target;

/* Did gdb ask to interrupt (a Ctrl-C byte, which the function consumes) or
 * go away? Polled while a monitor command waits for the guest. */
typedef bool gdb_glue_interrupt_fn(void *ctx);

/* A target for session s (its machine, engine, runner and symbols must
 * outlive the glue). Registers a stop listener on s->r. NULL with a one-line
 * reason in err on failure. */
struct gdb_glue *gdb_glue_create(struct session *s, char *err, size_t errlen);
void gdb_glue_destroy(struct gdb_glue *g);

/* Readable (an eventfd) after the runner stopped; gdb_glue_poll_stop reads it. */
int gdb_glue_stop_fd(const struct gdb_glue *g);

/* A gdb connected: stops are reported to r; intr (may be NULL) is polled
 * while monitor commands wait for the guest. */
void gdb_glue_begin(struct gdb_glue *g, struct rsp *r, gdb_glue_interrupt_fn *intr, void *intr_ctx);
/* The stop fd was readable: if gdb waits for a stop and one came, send it. */
void gdb_glue_poll_stop(struct gdb_glue *g);
/* The gdb went away (detach, disconnect, kill): stop the guest if it runs,
 * take gdb's breakpoints and watchpoints out of the monitor's table. */
void gdb_glue_end(struct gdb_glue *g);

/* gdb sent k or vKill. *status: the exit status bt86 should end with: the
 * final stop's (stop_exit_status) if the guest cannot go on, else 0. */
bool gdb_glue_killed(const struct gdb_glue *g, int *status);
/* The guest's end was reported to gdb (a W packet). *status: bt86's exit
 * status for it (stop_exit_status). */
bool gdb_glue_exited(const struct gdb_glue *g, int *status);

#endif
