/* The command-line front end: the GNU Readline prompt (bt86 -i) and batch
 * scripts (bt86 -x FILE). Both run the command language of session/cmd.h on one
 * session; the guest starts stopped at its entry point.
 *
 *   cli_block_sigint();                  // before any thread is created
 *   ... machine, engine, runner, session with .wait_stop = cli_wait_stop ...
 *   int status = cli_run(&s, script);    // script NULL: the prompt
 *
 * Ctrl-C stops a running guest and returns to the prompt (only the thread
 * running cli_run takes SIGINT: the vCPU, clock and trace threads block it);
 * at the prompt it clears the line; Ctrl-D quits. */
#ifndef BT86_UI_CLI_H
#define BT86_UI_CLI_H

#include <stdint.h>

struct session;

/* Run the prompt (script NULL) or the script at path ("-" is stdin).
 * Returns the exit status: 0, 1 if a scripted command failed, 2 if the
 * script cannot be read. */
int cli_run(struct session *s, const char *script);

/* session.wait_stop: wait for the runner to stop, stopping it on Ctrl-C, and
 * print the stop (cmd_print_stop). */
void cli_wait_stop(struct session *s);

/* Block SIGINT in the calling thread, so the threads it creates inherit the
 * block; cli_run unblocks it in its own thread. */
void cli_block_sigint(void);

/* uart_out_fn for the guest's serial output (opaque: a struct console): it
 * also remembers whether the output ended mid-line, so a stop report after
 * it starts on a line of its own. */
void cli_console_out(void *opaque, uint8_t byte);

#endif
