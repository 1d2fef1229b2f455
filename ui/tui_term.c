/* The terminal: ncurses on for the TUI, and the terminal given back on every
 * way out: a normal quit (endwin), exit() from anywhere (atexit), SIGTERM,
 * SIGHUP, SIGINT and SIGQUIT (the main loop is asked to quit; a second one
 * restores and dies), and crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT).
 *
 * Crashes need care: the binary translator takes SIGSEGV and friends for
 * faults in translated code, which are the guest's business (traps, MMIO,
 * writes to translated pages), and leaves its handler with siglongjmp. So on
 * the vCPU thread the handler that was there before ours runs first, and the
 * terminal is restored only if it comes back (a real crash); on any other
 * thread the terminal is restored first, so a sanitizer's report that ends
 * the process lands on a sane screen.
 *
 * A signal handler can reach only process-wide state: tui_term below is the
 * one terminal a process has. Restoring from a handler uses only write() and
 * tcsetattr(), which are async-signal-safe, with bytes prepared at open time.
 */
#include "ui/tui.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#define TUI_ESCDELAY_MS 25   /* a lone Esc arrives this soon (ncurses' default is 1 s) */

static const int tui_fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static const int tui_quit_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT };
#define TUI_NFATAL (sizeof tui_fatal_signals / sizeof tui_fatal_signals[0])
#define TUI_NQUIT (sizeof tui_quit_signals / sizeof tui_quit_signals[0])

static struct {
	volatile sig_atomic_t active;      /* ncurses owns the terminal */
	volatile sig_atomic_t quit;        /* a quit signal came */
	SCREEN *scr;
	struct termios saved;
	bool have_saved;
	char reset[256];                   /* sgr0 cnorm rmkx rmcup: back to the shell's screen */
	size_t reset_len;
	pthread_t vcpu;
	bool have_vcpu;
	int wake_fd;
	bool atexit_set;
	struct sigaction prev_fatal[TUI_NFATAL];
	struct sigaction prev_quit[TUI_NQUIT];
} tui_term = { .wake_fd = -1 };

/* Async-signal-safe: put the terminal back as the shell had it. */
static void tui_term_restore_raw(void)
{
	if (!tui_term.active)
		return;
	tui_term.active = 0;
	if (tui_term.reset_len)
		(void)!write(STDOUT_FILENO, tui_term.reset, tui_term.reset_len);
	if (tui_term.have_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_term.saved);
}

static void tui_term_chain(const struct sigaction *p, int sig, siginfo_t *si, void *uc)
{
	if ((p->sa_flags & SA_SIGINFO) && p->sa_sigaction)
		p->sa_sigaction(sig, si, uc);
	else if (p->sa_handler != SIG_IGN && p->sa_handler != SIG_DFL && p->sa_handler)
		p->sa_handler(sig);
}

static void tui_term_on_fatal(int sig, siginfo_t *si, void *uc)
{
	unsigned i = 0;
	while (i < TUI_NFATAL && tui_fatal_signals[i] != sig)
		i++;
	bool vcpu = tui_term.have_vcpu && pthread_equal(pthread_self(), tui_term.vcpu);
	if (!vcpu)
		tui_term_restore_raw();
	if (i < TUI_NFATAL)
		tui_term_chain(&tui_term.prev_fatal[i], sig, si, uc);
	/* Still here: not the guest's fault but ours. Die the default way. */
	tui_term_restore_raw();
	signal(sig, SIG_DFL);
	if (si->si_code <= 0 || sig == SIGABRT)
		raise(sig);   /* sent by kill or abort(): returning would not repeat it */
}

static void tui_term_on_quit(int sig)
{
	if (tui_term.quit) {
		tui_term_restore_raw();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	tui_term.quit = 1;
	if (tui_term.wake_fd >= 0)
		(void)!write(tui_term.wake_fd, "q", 1);
}

static void tui_term_atexit(void)
{
	if (tui_term.active) {
		endwin();
		tui_term_restore_raw();
	}
}

bool tui_term_quit_requested(void)
{
	return tui_term.quit != 0;
}

static void tui_term_add_cap(const char *name)
{
	char *cap = tigetstr(name);
	if (!cap || cap == (char *)-1)
		return;
	size_t n = strlen(cap);
	if (tui_term.reset_len + n < sizeof tui_term.reset) {
		memcpy(tui_term.reset + tui_term.reset_len, cap, n);
		tui_term.reset_len += n;
	}
}

int tui_term_open(struct tui *t, char *err, size_t errlen)
{
	const char *term = getenv("TERM");
	if (!term || !*term || strcmp(term, "dumb") == 0) {
		snprintf(err, errlen, "the TUI needs a terminal that can move the cursor (TERM is %s)",
			 term && *term ? term : "not set");
		return -1;
	}
	setlocale(LC_CTYPE, "");
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	tui_term.have_saved = tcgetattr(STDIN_FILENO, &tui_term.saved) == 0;
	tui_term.scr = newterm(NULL, stdout, stdin);
	if (!tui_term.scr) {
		snprintf(err, errlen, "cannot use the terminal '%s' (no terminfo entry?)", term);
		return -1;
	}
	set_term(tui_term.scr);
	raw();                 /* Ctrl-C and Ctrl-Z are keys: Ctrl-C stops the guest */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE); /* the main loop polls stdin itself */
	intrflush(stdscr, FALSE);
	set_escdelay(TUI_ESCDELAY_MS);
	curs_set(0);
	tui_term.reset_len = 0;
	tui_term_add_cap("sgr0");
	tui_term_add_cap("cnorm");
	tui_term_add_cap("rmkx");
	tui_term_add_cap("rmcup");
	tui_term.vcpu = t->s->r->thread;
	tui_term.have_vcpu = t->s->r->started;
	tui_term.wake_fd = t->wake_wr;
	tui_term.quit = 0;
	tui_term.active = 1;
	if (!tui_term.atexit_set) {
		atexit(tui_term_atexit);
		tui_term.atexit_set = true;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = tui_term_on_fatal;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;   /* as the translator's: it may fault again inside */
	for (unsigned i = 0; i < TUI_NFATAL; i++)
		sigaction(tui_fatal_signals[i], &sa, &tui_term.prev_fatal[i]);
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tui_term_on_quit;
	sa.sa_flags = SA_RESTART;
	for (unsigned i = 0; i < TUI_NQUIT; i++)
		sigaction(tui_quit_signals[i], &sa, &tui_term.prev_quit[i]);
	return 0;
}

void tui_term_close(struct tui *t)
{
	(void)t;
	for (unsigned i = 0; i < TUI_NFATAL; i++)
		sigaction(tui_fatal_signals[i], &tui_term.prev_fatal[i], NULL);
	for (unsigned i = 0; i < TUI_NQUIT; i++)
		sigaction(tui_quit_signals[i], &tui_term.prev_quit[i], NULL);
	tui_term.wake_fd = -1;
	if (tui_term.active) {
		endwin();
		tui_term.active = 0;
		fflush(stdout);
	}
	if (tui_term.scr) {
		delscreen(tui_term.scr);
		tui_term.scr = NULL;
	}
}
