/* The readline prompt and batch scripts (see cli.h).
 *
 * The prompt uses readline's callback interface with a select() loop, so a
 * SIGINT handler only sets a flag: at the prompt the loop clears the line;
 * while a command waits for the guest, cli_wait_stop polls the flag and
 * asks the runner to stop. */
#include "ui/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "session/cmd.h"
#include "ui/console.h"
#include "session/disas.h"

#define CLI_PROMPT "(bt86) "
#define CLI_HISTORY_MAX 1000
#define CLI_WAIT_POLL_MS 20

static volatile sig_atomic_t cli_sigint;
static atomic_bool cli_midline;   /* the guest's output ended without a newline */

static void cli_on_sigint(int sig)
{
	(void)sig;
	cli_sigint = 1;
}

void cli_block_sigint(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void cli_take_sigint(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cli_on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;   /* no SA_RESTART: select() at the prompt returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void cli_console_out(void *opaque, uint8_t byte)
{
	console_out(opaque, byte);
	atomic_store(&cli_midline, byte != '\n');
}

void cli_wait_stop(struct session *s)
{
	struct stop_info st;
	bool interrupted = false;
	while (!runner_wait_for(s->r, CLI_WAIT_POLL_MS, &st)) {
		if (cli_sigint) {
			cli_sigint = 0;
			interrupted = true;
			runner_stop(s->r);
		}
	}
	cli_sigint = 0;
	/* The report starts on a line of its own: after the guest's partial
	 * line, or after the ^C the terminal echoed. */
	if (atomic_exchange(&cli_midline, false) || (interrupted && s->interactive))
		out_write(s->out, "\n", 1);
	cmd_print_stop(s, &st);
}

/* Scripts: errors on stderr, each line prefixed with FILE:LINE. */
struct cli_where {
	const char *file;
	unsigned line;
	bool bol;
};

static void cli_err_write(void *ctx, const char *text, size_t len)
{
	struct cli_where *w = ctx;
	for (size_t i = 0; i < len; i++) {
		if (w->bol)
			fprintf(stderr, "%s:%u: ", w->file, w->line);
		fputc(text[i], stderr);
		w->bol = text[i] == '\n';
	}
	fflush(stderr);
}

/* Run every line of f; returns how many commands failed. */
static int cli_lines(struct session *s, FILE *f, const char *name, bool prefix)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int failed = 0;
	struct cli_where w = { name, 0, true };
	struct out errout = { cli_err_write, &w };
	struct out *old_err = s->err;
	if (prefix)
		s->err = &errout;
	while (!s->quit && (n = getline(&line, &cap, f)) >= 0) {
		w.line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		cli_sigint = 0;
		if (cmd_exec(s, line) < 0)
			failed++;
	}
	s->err = old_err;
	free(line);
	return failed;
}

/* Completion: the candidates cmd_complete offers, for readline. */
static struct session *cli_session;
static char **cli_cands;
static size_t cli_ncands, cli_capcands;

static void cli_add_cand(void *ctx, const char *cand)
{
	(void)ctx;
	if (cli_ncands == cli_capcands) {
		size_t cap = cli_capcands ? cli_capcands * 2 : 64;
		char **v = realloc(cli_cands, cap * sizeof *v);
		if (!v)
			return;
		cli_cands = v;
		cli_capcands = cap;
	}
	char *copy = strdup(cand);
	if (copy)
		cli_cands[cli_ncands++] = copy;
}

static void cli_free_cands(void)
{
	for (size_t i = 0; i < cli_ncands; i++)
		free(cli_cands[i]);
	cli_ncands = 0;
}

static char *cli_cand_gen(const char *text, int state)
{
	static size_t next;
	(void)text;
	if (!state)
		next = 0;
	if (next < cli_ncands) {
		char *c = cli_cands[next];
		cli_cands[next++] = NULL;   /* readline frees it */
		return c;
	}
	return NULL;
}

static char **cli_complete(const char *text, int start, int end)
{
	(void)end;
	char buf[1024], *argv[CMD_MAX_ARGS];
	int argc = 0;
	size_t len = (size_t)start < sizeof buf ? (size_t)start : sizeof buf - 1;
	memcpy(buf, rl_line_buffer, len);
	buf[len] = 0;
	for (char *p = strtok(buf, " \t"); p && argc < CMD_MAX_ARGS; p = strtok(NULL, " \t"))
		argv[argc++] = p;
	rl_attempted_completion_over = 1;
	for (size_t i = 0; i < cli_ncands; i++)
		free(cli_cands[i]);
	cli_ncands = 0;
	if (argc == CMD_MAX_ARGS)
		return NULL;
	if (cmd_complete(cli_session, argc, argv, text, cli_add_cand, NULL) == 1) {
		rl_attempted_completion_over = 0;   /* readline's file names */
		return NULL;
	}
	if (!cli_ncands)
		return NULL;
	char **m = rl_completion_matches(text, cli_cand_gen);
	cli_free_cands();
	return m;
}

/* The line the callback handler got (NULL at EOF). */
static char *cli_got;
static bool cli_have_line;

static void cli_line(char *line)
{
	cli_got = line;
	cli_have_line = true;
	/* Removed here, so readline does not print the next prompt before the
	 * command's output; the loop installs it again. */
	rl_callback_handler_remove();
}

static const char *cli_history_path(char *buf, size_t len)
{
	const char *p = getenv("BT86_HISTORY");
	if (p && *p)
		return p;
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	snprintf(buf, len, "%s/.bt86_history", home);
	return buf;
}

static void cli_history_add(const char *path, const char *line)
{
	if (!*line)
		return;
	HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
	if (path && append_history(1, path) != 0)
		write_history(path);
}

static int cli_prompt(struct session *s)
{
	static char breaks[] = " \t\n\"'";
	char hbuf[4096];
	const char *hist = cli_history_path(hbuf, sizeof hbuf);

	s->interactive = true;
	cli_session = s;
	using_history();
	stifle_history(CLI_HISTORY_MAX);
	if (hist && read_history(hist) != 0 && errno == ENOENT)
		write_history(hist);   /* create it, so lines can be appended */
	rl_readline_name = "bt86";
	rl_catch_signals = 0;
	rl_completer_word_break_characters = breaks;
	rl_attempted_completion_function = cli_complete;

	rl_callback_handler_install(CLI_PROMPT, cli_line);
	bool installed = true;
	for (;;) {
		if (cli_sigint) {
			/* Ctrl-C at the prompt: drop the line and start afresh. */
			cli_sigint = 0;
			if (installed) {
				rl_echo_signal_char(SIGINT);
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_replace_line("", 0);
				rl_crlf();
				rl_on_new_line();
				rl_redisplay();
			}
		}
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(STDIN_FILENO, &fds);
		int n = select(STDIN_FILENO + 1, &fds, NULL, NULL, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		rl_callback_read_char();
		if (!cli_have_line)
			continue;
		cli_have_line = false;
		installed = false;
		char *line = cli_got;
		cli_got = NULL;
		if (!line) {
			out_printf(s->out, "quit\n");
			break;
		}
		cli_history_add(hist, line);
		cli_sigint = 0;
		cmd_exec(s, line);
		free(line);
		if (s->quit)
			break;
		rl_callback_handler_install(CLI_PROMPT, cli_line);
		installed = true;
	}
	if (installed)
		rl_callback_handler_remove();
	if (hist)
		history_truncate_file(hist, CLI_HISTORY_MAX);
	clear_history();
	cli_free_cands();
	free(cli_cands);
	cli_cands = NULL;
	cli_capcands = 0;
	return 0;
}

int cli_run(struct session *s, const char *script)
{
	cli_take_sigint();
	if (script) {
		FILE *f = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");
		if (!f) {
			fprintf(stderr, "bt86: cannot read the script %s: %s\n", script, strerror(errno));
			return 2;
		}
		s->interactive = false;
		int failed = cli_lines(s, f, script, true);
		if (f != stdin)
			fclose(f);
		return failed ? 1 : 0;
	}

	struct vcpu_state st;
	char sym[96], insn[96];
	cmd_state(s, &st);
	sym_format(&s->syms, st.eip, sym, sizeof sym);
	disas_guest(&s->m->mem, s->m->maxphyaddr, &st, st.eip, insn, sizeof insn);
	out_printf(s->out, "bt86: %s on the %s engine, stopped at its entry point. Type help for the commands.\n",
		   s->guest_path ? s->guest_path : "the guest", s->e->ops->name);
	out_printf(s->out, "0x%08x%s%s%s:  %s\n", st.eip, sym[0] ? " <" : "", sym, sym[0] ? ">" : "", insn);
	if (!isatty(STDIN_FILENO)) {
		/* Not a terminal: commands from stdin, errors as they are. */
		cli_lines(s, stdin, "stdin", false);
		return 0;
	}
	return cli_prompt(s);
}
