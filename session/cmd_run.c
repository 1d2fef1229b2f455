/* Execution commands: run/continue, stepi, stepf, until, stop. */
#include "session/cmd.h"

#include <stdio.h>
#include <string.h>

/* Start the guest with req and, unless the front end runs asynchronously,
 * wait for the stop and report it. */
static int cmd_go(struct session *s, const struct runner_req *req)
{
	if (runner_state(s->r) == RUNNER_EXITED) {
		struct stop_info st;
		runner_snapshot(s->r, NULL, &st);
		return cmd_error(s, "the guest is not running any more (%s)", st.msg);
	}
	if (runner_resume(s->r, req) < 0)
		return cmd_error(s, "the guest is already running (use stop)");
	if (s->wait_stop)
		s->wait_stop(s);
	return 0;
}

static int cmd_count(struct session *s, int argc, char **argv, uint64_t *n)
{
	*n = 1;
	if (argc > 2)
		return cmd_error(s, "%s: too many arguments", argv[0]);
	if (argc == 2 && cmd_parse_num(argv[1], 1, 1000000000ull, n) < 0)
		return cmd_error(s, "%s: bad count '%s'", argv[0], argv[1]);
	return 0;
}

static int do_continue(struct session *s, int argc, char **argv)
{
	if (argc > 1)
		return cmd_error(s, "%s takes no arguments", argv[0]);
	return cmd_go(s, &(struct runner_req){ .kind = RQ_CONT });
}

static int do_stepi(struct session *s, int argc, char **argv)
{
	uint64_t n;
	if (cmd_count(s, argc, argv, &n) < 0)
		return -1;
	return cmd_go(s, &(struct runner_req){ .kind = RQ_STEP_INSN, .count = n });
}

static int do_stepf(struct session *s, int argc, char **argv)
{
	uint64_t n;
	if (cmd_count(s, argc, argv, &n) < 0)
		return -1;
	return cmd_go(s, &(struct runner_req){ .kind = RQ_STEP_CCF, .count = n });
}

static int do_until(struct session *s, int argc, char **argv)
{
	char err[160];
	if (argc != 2)
		return cmd_error(s, "usage: until ADDR|EVENT-KIND");
	int kind = evlog_kind_parse(argv[1]);
	if (kind >= 0)
		return cmd_go(s, &(struct runner_req){ .kind = RQ_UNTIL_EVENT, .ev = (enum ev_kind)kind });
	uint32_t addr;
	if (cmd_parse_addr(s, argv[1], &addr, err, sizeof err) < 0)
		return cmd_error(s, "until: %s (an address, a symbol or an event kind)", err);
	return cmd_go(s, &(struct runner_req){ .kind = RQ_UNTIL_ADDR, .addr = addr });
}

static int do_stop(struct session *s, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return cmd_error(s, "stop takes no arguments");
	if (runner_state(s->r) != RUNNER_RUNNING)
		return cmd_error(s, "the guest is not running");
	runner_stop(s->r);
	return 0;
}

const struct cmd cmd_table_run[] = {
	{ "continue", "", "run the guest until a breakpoint, a watchpoint, a catch, Ctrl-C or its end", NULL,
	  do_continue, CC_NONE, true },
	{ "run", "", "the same as continue (the guest starts stopped at its entry point)", NULL,
	  do_continue, CC_NONE, true },
	{ "stepi", "[N]", "execute N guest instructions (default 1)", NULL, do_stepi, CC_NONE, true },
	{ "stepf", "[N]", "execute N whole CCFs, translated fragments (default 1)",
	  "  On the kvm engine, which has no CCFs, a CCF is one instruction.", do_stepf, CC_NONE, true },
	{ "until", "ADDR|EVENT-KIND", "run until EIP reaches ADDR, or until the next event of a kind",
	  "  Event kinds: translate chain callout trap invalidate retranslate interrupt exception vmexit io stop irq.",
	  do_until, CC_UNTIL, true },
	{ "stop", "", "stop the running guest (Ctrl-C does the same)", NULL, do_stop, CC_NONE, false },
	{ NULL, NULL, NULL, NULL, NULL, CC_NONE, false },
};
