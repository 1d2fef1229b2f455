/* Unit tests for the command language (session/cmd*.c): lookup by unique prefix,
 * aliases and ambiguity; address expressions (numbers, symbols from a
 * generated symbol table, registers from a real runner, offsets, deref) and
 * their errors; every command's argument errors, each one line on the error
 * sink; the running-state errors while a guest spins in `jmp .`; and the
 * commands themselves on a real machine, bt engine and runner with a tiny
 * guest written into RAM (breakpoints, stepping, watchpoints, x formats,
 * tc show marks, trace, the guest's exit, completion). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/runner.h"
#include "monitor/machine.h"
#include "session/cmd.h"
#include "gdb/server.h"

#define CODE 0x100000u
#define FUNC 0x100040u
#define SPIN 0x100100u
#define DATA 0x101000u

/* The guest: writes 5 to DATA, prints 'A', calls func (which reads the
 * UART's receive register), exits with value 0 (status 1). */
static const uint8_t guest_main[] = {
	0xb8, 0x05, 0x00, 0x00, 0x00,   /* 0x100000 mov eax, 5 */
	0xa3, 0x00, 0x10, 0x10, 0x00,   /* 0x100005 mov [0x101000], eax */
	0x40,                           /* 0x10000a inc eax */
	0xba, 0xf8, 0x03, 0x00, 0x00,   /* 0x10000b mov edx, 0x3f8 */
	0xb0, 'A',                      /* 0x100010 mov al, 'A' */
	0xee,                           /* 0x100012 out dx, al */
	0xe8, 0x28, 0x00, 0x00, 0x00,   /* 0x100013 call 0x100040 */
	0xb8, 0x00, 0x00, 0x00, 0x00,   /* 0x100018 mov eax, 0 */
	0xe7, 0xf4,                     /* 0x10001d out 0xf4, eax */
	0xf4,                           /* 0x10001f hlt */
};
static const uint8_t guest_func[] = { 0xec, 0xc3 };   /* in al, dx; ret */
static const uint8_t guest_spin[] = { 0xeb, 0xfe };   /* jmp . */

struct fixture {
	struct machine m;
	struct engine *e;
	struct runner r;
	struct session s;
	struct out_buf ob, eb;
	struct out out, err;
	char serial[256];
	size_t nserial;
	char tmp[64];
};

static struct fixture fx;

static void capture(void *opaque, uint8_t b)
{
	struct fixture *f = opaque;
	if (f->nserial + 1 < sizeof f->serial)
		f->serial[f->nserial++] = (char)b;
}

static void test_wait(struct session *s)
{
	struct stop_info st = runner_wait(s->r);
	cmd_print_stop(s, &st);
}

static void add_sym(struct symtab *t, const char *name, uint32_t addr, uint32_t size, bool func)
{
	t->s = realloc(t->s, (size_t)(t->n + 1) * sizeof *t->s);
	ck_assert_ptr_nonnull(t->s);
	t->s[t->n++] = (struct sym){ strdup(name), addr, size, func };
}

static void setup(void)
{
	char err[256];
	int unavailable;
	memset(&fx, 0, sizeof fx);
	struct machine_config cfg = { .ram_size = 64u << 20, .console_out = capture, .console_opaque = &fx };
	ck_assert_msg(machine_init(&fx.m, &cfg, err, sizeof err) == 0, "%s", err);
	struct mb_boot b = { .entry = CODE, .mbi = 0 };
	mb_boot_state(&b, &fx.m.boot_state);
	fx.m.boot_state.gpr[R_ESP] = 0x90000;
	ck_assert(gmem_write(&fx.m.mem, CODE, guest_main, sizeof guest_main) == 0);
	ck_assert(gmem_write(&fx.m.mem, FUNC, guest_func, sizeof guest_func) == 0);
	ck_assert(gmem_write(&fx.m.mem, SPIN, guest_spin, sizeof guest_spin) == 0);
	/* The flat GDT the multiboot loader leaves (mb_boot_state's GDTR). */
	static const uint64_t gdt[] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	ck_assert(gmem_write(&fx.m.mem, fx.m.boot_state.gdtr.base, gdt, sizeof gdt) == 0);
	ck_assert_msg(engine_bt_ops.create(&fx.m, &fx.e, &unavailable, err, sizeof err) == 0, "%s", err);
	ck_assert_msg(runner_start(&fx.r, fx.e, &fx.m, err, sizeof err) == 0, "%s", err);
	/* Sorted by address, as sym_load leaves them. */
	add_sym(&fx.s.syms, "main", CODE, sizeof guest_main, true);
	add_sym(&fx.s.syms, "func", FUNC, sizeof guest_func, true);
	add_sym(&fx.s.syms, "spin", SPIN, sizeof guest_spin, true);
	add_sym(&fx.s.syms, "data", DATA, 4, false);
	fx.out = OUT_BUF(&fx.ob);
	fx.err = OUT_BUF(&fx.eb);
	fx.s.m = &fx.m;
	fx.s.e = fx.e;
	fx.s.r = &fx.r;
	fx.s.guest_path = "test-guest";
	fx.s.out = &fx.out;
	fx.s.err = &fx.err;
	fx.s.wait_stop = test_wait;
	snprintf(fx.tmp, sizeof fx.tmp, "/tmp/test_cmd.%d.trace", (int)getpid());
}

static void teardown(void)
{
	cmd_session_close(&fx.s);
	runner_destroy(&fx.r);
	fx.e->ops->destroy(fx.e);
	sym_free(&fx.s.syms);
	machine_destroy(&fx.m);
	out_buf_free(&fx.ob);
	out_buf_free(&fx.eb);
	unlink(fx.tmp);
}

static const char *outs(void)
{
	return fx.ob.p ? fx.ob.p : "";
}

static const char *errs(void)
{
	return fx.eb.p ? fx.eb.p : "";
}

static int run(const char *line)
{
	out_buf_free(&fx.ob);
	out_buf_free(&fx.eb);
	return cmd_exec(&fx.s, line);
}

/* The command succeeds with no error text. */
static void expect_ok(const char *line)
{
	int rc = run(line);
	ck_assert_msg(rc == 0, "'%s' failed: %s", line, errs());
	ck_assert_msg(fx.eb.len == 0, "'%s' wrote an error: %s", line, errs());
}

/* The command fails with exactly one error line containing needle. */
static void expect_err(const char *line, const char *needle)
{
	int rc = run(line);
	ck_assert_msg(rc == -1, "'%s' did not fail (out: %s)", line, outs());
	const char *e = errs();
	size_t len = strlen(e);
	ck_assert_msg(len > 1 && e[len - 1] == '\n', "'%s': error '%s' is not one line", line, e);
	ck_assert_msg(strchr(e, '\n') == e + len - 1, "'%s': error '%s' has more than one line", line, e);
	ck_assert_msg(strstr(e, needle), "'%s': error '%s' lacks '%s'", line, e, needle);
}

static void expect_out(const char *needle)
{
	ck_assert_msg(strstr(outs(), needle), "output lacks '%s':\n%s", needle, outs());
}

static struct vcpu_state state(void)
{
	struct vcpu_state st;
	runner_snapshot(&fx.r, &st, NULL);
	return st;
}

START_TEST(find_prefixes)
{
	bool amb;
	ck_assert_str_eq(cmd_find("continue", &amb)->name, "continue");
	ck_assert(!amb);
	ck_assert_str_eq(cmd_find("cont", &amb)->name, "continue");
	ck_assert_str_eq(cmd_find("tb", &amb)->name, "tbreak");
	ck_assert_ptr_null(cmd_find("st", &amb));                    /* stepi stepf stop */
	ck_assert(amb);
	ck_assert_ptr_null(cmd_find("s", &amb));
	ck_assert(amb);
	ck_assert_ptr_null(cmd_find("frobnicate", &amb));
	ck_assert(!amb);
	ck_assert_ptr_null(cmd_find("", &amb));
	ck_assert_str_eq(cmd_find("x", &amb)->name, "x");
	ck_assert_str_eq(cmd_find("stepi", &amb)->name, "stepi");
	/* gdb's aliases win over prefixes */
	ck_assert_str_eq(cmd_find("c", &amb)->name, "continue");
	ck_assert_str_eq(cmd_find("si", &amb)->name, "stepi");
	ck_assert_str_eq(cmd_find("i", &amb)->name, "info");
	ck_assert_str_eq(cmd_find("b", &amb)->name, "break");
	/* every command has a help text and a synopsis */
	for (const struct cmd *const *c = cmd_all(); *c; c++) {
		ck_assert_ptr_nonnull((*c)->help);
		ck_assert_ptr_nonnull((*c)->args);
		ck_assert_ptr_nonnull((*c)->fn);
	}
}
END_TEST

START_TEST(find_disas_prefix)
{
	/* "disa" is a prefix of both disable and disas: ambiguous. */
	bool amb;
	ck_assert_ptr_null(cmd_find("disa", &amb));
	ck_assert(amb);
	ck_assert_str_eq(cmd_find("disas", &amb)->name, "disas");
	ck_assert_str_eq(cmd_find("disab", &amb)->name, "disable");
}
END_TEST

static uint32_t addr_ok(const char *text)
{
	char err[160] = "";
	uint32_t a = 0;
	ck_assert_msg(cmd_parse_addr(&fx.s, text, &a, err, sizeof err) == 0, "'%s': %s", text, err);
	return a;
}

static void addr_bad(const char *text, const char *needle)
{
	char err[160] = "";
	uint32_t a;
	ck_assert_msg(cmd_parse_addr(&fx.s, text, &a, err, sizeof err) == -1, "'%s' parsed", text);
	ck_assert_msg(strstr(err, needle), "'%s': '%s' lacks '%s'", text, err, needle);
}

START_TEST(parse_addr)
{
	ck_assert_uint_eq(addr_ok("0x1234"), 0x1234);
	ck_assert_uint_eq(addr_ok("4660"), 4660);
	ck_assert_uint_eq(addr_ok("0xffffffff"), 0xffffffffu);
	ck_assert_uint_eq(addr_ok("main"), CODE);
	ck_assert_uint_eq(addr_ok("func"), FUNC);
	ck_assert_uint_eq(addr_ok("main+0x10"), CODE + 0x10);
	ck_assert_uint_eq(addr_ok("main+16"), CODE + 16);
	ck_assert_uint_eq(addr_ok("data-4"), DATA - 4);
	ck_assert_uint_eq(addr_ok("func+2-1"), FUNC + 1);
	ck_assert_uint_eq(addr_ok("$eip"), CODE);
	ck_assert_uint_eq(addr_ok("$pc"), CODE);
	ck_assert_uint_eq(addr_ok("$esp"), 0x90000);
	ck_assert_uint_eq(addr_ok("$esp+4"), 0x90004);
	ck_assert_uint_eq(addr_ok("$eax"), 0x2badb002);
	ck_assert_uint_eq(addr_ok("*main"), 0x000005b8);   /* the dword at CODE: b8 05 00 00 */
	ck_assert_uint_eq(addr_ok("*0x100001"), 5);
	addr_bad("", "missing");
	addr_bad("nosuch", "unknown symbol 'nosuch'");
	addr_bad("main+nosuch", "unknown symbol 'nosuch'");
	addr_bad("12zz", "bad number '12zz'");
	addr_bad("0x", "bad number");
	addr_bad("$foo", "unknown register '$foo'");
	addr_bad("main+", "bad address expression");
	addr_bad("*0xfffffff0", "cannot read memory");
	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	addr_bad(big, "too long");
}
END_TEST

START_TEST(parse_num)
{
	uint64_t v;
	ck_assert_int_eq(cmd_parse_num("10", 1, 100, &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(cmd_parse_num("0x10", 1, 100, &v), 0);
	ck_assert_uint_eq(v, 16);
	ck_assert_int_eq(cmd_parse_num("0", 1, 100, &v), -1);
	ck_assert_int_eq(cmd_parse_num("101", 1, 100, &v), -1);
	ck_assert_int_eq(cmd_parse_num("-1", 0, 100, &v), -1);
	ck_assert_int_eq(cmd_parse_num("1x", 0, 100, &v), -1);
	ck_assert_int_eq(cmd_parse_num("", 0, 100, &v), -1);
	ck_assert_int_eq(cmd_parse_num(NULL, 0, 100, &v), -1);
}
END_TEST

/* Every command's argument errors: one line each, nothing crashes. */
START_TEST(argument_errors)
{
	static const struct { const char *line, *needle; } cases[] = {
		{ "frobnicate", "unknown command 'frobnicate'" },
		{ "s", "ambiguous command 's'" },
		{ "stepi abc", "bad count 'abc'" },
		{ "stepi 0", "bad count '0'" },
		{ "stepi 1 2", "too many arguments" },
		{ "stepf -3", "bad count" },
		{ "continue now", "takes no arguments" },
		{ "until", "usage: until" },
		{ "until nosuch", "unknown symbol 'nosuch'" },
		{ "stop", "not running" },
		{ "break nosuch", "unknown symbol 'nosuch'" },
		{ "break 12zz", "bad number '12zz'" },
		{ "break main func", "too many arguments" },
		{ "tbreak $bogus", "unknown register" },
		{ "delete 99", "no breakpoint, watchpoint or catch number 99" },
		{ "delete 98 99", "numbers 98, 99" },     /* one line for all of them (found by fuzz_cmd) */
		{ "disable 5 6 7", "numbers 5, 6, 7" },
		{ "delete abc", "bad number 'abc'" },
		{ "enable 7", "number 7" },
		{ "disable x1", "bad number" },
		{ "watch", "usage: watch ADDR [LEN]" },
		{ "watch data 3", "bad length '3'" },
		{ "watch data 16", "bad length" },
		{ "watch nosuch", "unknown symbol" },
		{ "awatch data 4 5", "usage: awatch" },
		{ "catch", "usage: catch" },
		{ "catch bogus", "unknown event kind 'bogus'" },
		{ "catch stop", "cannot be caught" },
		{ "info", "usage: info TOPIC" },
		{ "info bogus", "unknown topic 'bogus'" },
		{ "info s", "ambiguous topic 's'" },
		{ "info registers now", "usage: info" },
		{ "info sensitive bogus", "usage: info sensitive" },
		{ "info sensitive sites 0", "bad count '0'" },
		{ "info sensitive sites 3 4", "usage: info sensitive" },
		{ "x/4q main", "bad format letter 'q'" },
		{ "x/4f main", "not supported" },
		{ "x/0x main", "bad count" },
		{ "x/99999x main", "bad count" },
		{ "x/4xw nosuch", "unknown symbol" },
		{ "x/4xw 0xf0000000", "cannot access memory at 0xf0000000" },
		{ "x/4xw main func", "too many arguments" },
		{ "disas nosuch", "unknown symbol" },
		{ "disas main 0", "bad count '0'" },
		{ "disas main 5000", "bad count" },
		{ "disas 0xf0000000", "cannot access memory" },
		{ "disas a b c", "usage: disas" },
		{ "tc", "usage: tc" },
		{ "tc bogus", "unknown subcommand 'bogus'" },
		{ "tc show nosuch", "unknown symbol" },
		{ "tc show 9999", "no CCF 9999" },
		{ "tc show 0x200000", "no CCF holds 0x00200000" },
		{ "tc list nosuch", "unknown symbol" },
		{ "tc list func..main", "empty range" },
		{ "tc list a b", "usage: tc list" },
		{ "tc flush now", "takes no arguments" },
		{ "translate nosuch", "unknown symbol" },
		{ "translate 0xf0000000", "not in guest RAM" },
		{ "translate a b", "usage: translate" },
		{ "events bogus", "neither an event kind nor a count" },
		{ "events 0", "neither" },
		{ "events callout 3 4", "neither" },
		{ "policy io", "usage: policy" },
		{ "policy bogus trap", "unknown class 'bogus'" },
		{ "policy io bogus", "unknown treatment 'bogus'" },
		{ "policy int trap", "int" },   /* INT n supports callout only */
		{ "set tu-max", "usage: set" },
		{ "set tu-max 0", "bad number '0'" },
		{ "set tu-max 65", "bad number" },
		{ "set tc-size 12", "bad number" },
		{ "set bogus 1", "unknown setting 'bogus'" },
		{ "trace bogus", "usage: trace" },
		{ "trace on", "usage: trace" },
		{ "trace off", "not on" },
		{ "trace on /nonexistent-dir/t", "cannot open" },
		{ "print", "usage: print" },
		{ "print nosuch", "unknown symbol" },
		{ "help bogus", "unknown command 'bogus'" },
		{ "help s", "ambiguous command 's'" },
		{ "help a b", "usage: help" },
		{ "quit now", "takes no arguments" },
		{ "gdb a b", "usage: gdb" },
		{ "gdb tcp::99999", "gdb: " },
		{ "\"unterminated", "unknown command" },
		{ "info/x registers", "info takes no /FORMAT" },
	};
	expect_err("x/4xw", "missing address");   /* no address, and no x before to go on from */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_err(cases[i].line, cases[i].needle);
	/* a very long line, and many words */
	char big[2000];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = 0;
	expect_err(big, "too long");
	expect_err("print 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", "too many arguments");
	/* nothing above changed the guest or left state behind */
	ck_assert_uint_eq(state().eip, CODE);
	ck_assert_int_eq(fx.m.debug.nbp + fx.m.debug.nwp + fx.m.debug.nct, 0);
	ck_assert(!fx.s.quit);
	/* blank and comment lines do nothing */
	expect_ok("");
	expect_ok("   # a comment");
	ck_assert_uint_eq(fx.ob.len, 0);
}
END_TEST

START_TEST(break_continue_step)
{
	expect_ok("break func");
	expect_out("breakpoint 1 at 0x00100040 <func>");
	expect_err("break func", "breakpoint 1 is already at 0x00100040");
	expect_ok("continue");
	expect_out("breakpoint 1 at 0x00100040 <func>");
	expect_out("in al, dx");
	ck_assert_uint_eq(state().eip, FUNC);
	ck_assert_str_eq(fx.serial, "A");
	expect_ok("info registers");
	expect_out("eip    0x00100040  <func>");
	expect_out("eax    0x00000041  65");   /* 5, inc, then mov al, 'A' */
	expect_out("esp    0x0008fffc");       /* the return address of the call */
	expect_ok("stepi");
	expect_out("0x00100041 <func+0x1>:  ret");
	ck_assert_uint_eq(state().eip, FUNC + 1);
	expect_ok("stepi 2");
	ck_assert_uint_eq(state().eip, CODE + 0x1d);
	expect_ok("print $eip");
	expect_out("0x0010001d 1048605 <main+0x1d>");
	expect_ok("info breakpoints");
	expect_out("breakpoint        y   0x00100040 1");
	expect_ok("continue");
	expect_out("guest exited with status 1 (exit value 0x0)");
	/* a finished guest: commands that need it say so; inspection still works */
	expect_err("continue", "not running any more");
	expect_err("stepi", "not running any more");
	expect_ok("info registers");
	expect_ok("x/2xw data");
}
END_TEST

START_TEST(tbreak_delete_until)
{
	expect_ok("tbreak func");
	expect_out("temporary breakpoint 1 at 0x00100040 <func>");
	expect_ok("info breakpoints");
	expect_out("tbreak");
	expect_ok("continue");
	ck_assert_uint_eq(state().eip, FUNC);
	expect_ok("info breakpoints");
	expect_out("no breakpoints");
	/* until an address */
	expect_ok("until main+0x18");
	expect_out("reached 0x00100018");
	ck_assert_uint_eq(state().eip, CODE + 0x18);
	/* a deleted breakpoint no longer stops; delete with no id deletes all */
	expect_ok("break main+0x1d");
	expect_ok("disable");
	expect_ok("info breakpoints");
	expect_out("breakpoint        n");
	expect_ok("enable");
	expect_ok("delete");
	expect_ok("info breakpoints");
	expect_out("no breakpoints");
	expect_ok("continue");
	expect_out("guest exited");
}
END_TEST

START_TEST(watchpoints)
{
	expect_ok("watch data");
	expect_out("watchpoint 1: [0x00101000] <data> len 4, value 0x0");
	expect_ok("continue");
	expect_out("watchpoint 1: [0x00101000] 0x0 -> 0x5");
	ck_assert_uint_eq(state().eip, CODE + 0x0a);   /* after the writing instruction */
	expect_ok("x/1dw data");
	expect_out("<data>:\t5");
	expect_ok("delete 1");
	expect_ok("continue");
	expect_out("guest exited");
}
END_TEST

START_TEST(catch_and_until_event)
{
	expect_ok("catch callout");
	expect_out("catch 1: callout events");
	expect_ok("continue");
	expect_out("caught callout at EIP 0x00100012");
	expect_ok("events callout 1");
	expect_out("callout     0x00100012 <main+0x12>");
	expect_ok("info breakpoints");
	expect_out("catch");
	expect_ok("delete 1");
	/* until trap under the trap treatment of I/O */
	expect_ok("policy io trap");
	expect_out("policy: io trap");
	expect_ok("policy");
	expect_out("io          trap");
	expect_ok("until trap");
	expect_out("caught trap at EIP 0x00100040");
}
END_TEST

START_TEST(memory_formats)
{
	expect_ok("x/4xb main");
	expect_out("0x00100000 <main>:\t0xb8\t0x05\t0x00\t0x00\n");
	expect_ok("x/2xh main");
	expect_out("0x00100000 <main>:\t0x05b8\t0x0000\n");
	expect_ok("x");   /* goes on after the last one */
	expect_out("0x00100004 <main+0x4>:\t0xa300\n");   /* the count is 1 again */
	expect_ok("x/1xg main");
	expect_out("0x1000a300000005b8");
	expect_ok("x/2db main+0x19");   /* 00 00 */
	expect_out("\t0\t0\n");
	expect_ok("x/1ub main");
	expect_out("\t184\n");
	expect_ok("x/1db main");
	expect_out("\t-72\n");
	expect_ok("x/1ob main");
	expect_out("\t0270\n");
	expect_ok("x/1tb main");
	expect_out("\t10111000\n");
	expect_ok("x/1c main+0x11");
	expect_out("65 'A'");
	expect_ok("x/1a main+0x14");   /* 0x28 00 00 00 */
	expect_out("0x00000028");
	expect_ok("x/3i main");
	expect_out("=> 0x00100000 <main>:");
	expect_out("mov eax, 5");
	expect_out("0x0010000a <main+0xa>:");
	gmem_write(&fx.m.mem, DATA + 16, "hi\n", 4);
	expect_ok("x/s data+16");
	expect_out("\"hi\\n\"");
	expect_ok("disas");
	expect_out(" => 0x00100000 <main>:  b8 05 00 00 00");
	expect_ok("break func");
	expect_ok("disas func 2");
	expect_out("B   0x00100040 <func>:");
	expect_out("ret");
	expect_ok("x/4xw $esp");
}
END_TEST

START_TEST(info_topics)
{
	static const char *const topics[] = { "registers", "segments", "flags", "cr", "gdt", "idt", "tss", "pic",
					      "pit", "lapic", "ioapic", "uart", "devices", "breakpoints", "events", "stats", "tc" };
	for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
		char line[64];
		snprintf(line, sizeof line, "info %s", topics[i]);
		run(line);
		/* The boot IDT (base 0, limit 0x3ff) is in RAM; nothing here fails. */
		ck_assert_msg(fx.eb.len == 0, "%s: %s", line, errs());
		ck_assert_msg(fx.ob.len > 0, "%s printed nothing", line);
	}
	expect_ok("info reg");   /* topics abbreviate */
	expect_out("eflags");
	expect_ok("info gdt");
	expect_out("code r-x");
	expect_out("data rw-");
	expect_ok("info seg");
	expect_out("cs    sel 0x0008");
	expect_ok("info devices");
	expect_out("com1");
	expect_out("debug-exit");
	expect_ok("info disks");
	expect_out("disk 0 (primary master): none\n");
	expect_out("disk 3 (secondary slave): none\n");
	expect_ok("info cr");
	expect_out("[ PE");
}
END_TEST

/* Every device of the table, each claim on its own line, in table order. */
START_TEST(info_devices_lists_claims)
{
	static const char *const lines[] = {
		"device       kind  range                   label\n",
		"lapic        mmio  0xfee00000-0xfee00fff   lapic\n",
		"pic          port  0x0020-0x0021           pic-master\n",
		"pic          port  0x00a0-0x00a1           pic-slave\n",
		"pic          irq   2                       cascade\n",
		"ioapic       mmio  0xfec00000-0xfec00fff   ioapic\n",
		"pit          port  0x0040-0x0043           pit\n",
		"pit          port  0x0061-0x0061           port61\n",
		"pit          irq   0                       pit\n",
		"com1         port  0x03f8-0x03ff           com1\n",
		"com1         irq   4                       com1\n",
		"ide          port  0x01f0-0x01f7           ide0\n",
		"ide          port  0x03f6-0x03f6           ide0-ctl\n",
		"ide          port  0x0170-0x0177           ide1\n",
		"ide          port  0x0376-0x0376           ide1-ctl\n",
		"ide          irq   14                      ide0\n",
		"ide          irq   15                      ide1\n",
		"debug-exit   port  0x00f4-0x00f7           debug-exit\n",
		"vga          mmio  0x000a0000-0x000bffff   vga\n",
	};
	expect_ok("info devices");
	const char *at = outs();
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		const char *hit = strstr(at, lines[i]);
		ck_assert_msg(hit, "missing or out of order: '%s' in:\n%s", lines[i], outs());
		at = hit + strlen(lines[i]);
	}
	expect_out("RAM   0x00000000-0x03ffffff");
	expect_out("unclaimed accesses:");
	expect_ok("help info");
	expect_out("IRQ lines");
}
END_TEST

START_TEST(tc_commands)
{
	expect_ok("break func");
	expect_ok("continue");
	expect_ok("tc list");
	expect_out("<main>");
	expect_out("CCFs\n");
	expect_ok("tc list main");
	expect_out("<main>");
	expect_ok("tc show main");
	expect_out("IDENT");
	expect_out("REENC");      /* mov [0x101000], eax reaches memory through GS */
	expect_out("CALLOUT");    /* out dx, al */
	expect_out("EXIT");       /* the call */
	expect_ok("info sensitive");   /* the callout ran: tallied by mnemonic */
	expect_out("sites of sensitive instructions left translated code");
	expect_out("\nout              io");
	expect_ok("info sensitive sites 5");
	expect_out("out dx, al");
	expect_out("<main+0x");
	expect_ok("info sensitive retranslated");
	expect_out("(none)");
	expect_ok("tc show 1");
	expect_out("CCF 1:");
	expect_ok("translate func");
	expect_out("in al, dx");
	expect_err("tc show func", "not translated yet");   /* a preview is not kept */
	expect_ok("tc flush");
	expect_out("flushed");
	expect_ok("tc list");
	expect_out("0 of 0 CCFs");
	expect_ok("set tu-max 2");
	expect_out("tu-max 2");
	expect_ok("set tc-size 1048576");
	expect_out("tc-size 1048576");
	expect_ok("set");
	expect_out("tu-max   2");
	expect_ok("info tc");
	expect_out("tu-max 2");
}
END_TEST

/* While the guest runs, commands that need it stopped say so; stop works. */
START_TEST(running_errors)
{
	struct vcpu_state st = state();
	st.eip = SPIN;
	ck_assert_int_eq(runner_set_state(&fx.r, &st), 0);
	fx.s.wait_stop = NULL;   /* an asynchronous front end (the TUI) */
	expect_ok("continue");
	ck_assert_int_eq(runner_state(&fx.r), RUNNER_RUNNING);
	expect_err("continue", "already running");
	expect_err("stepi", "already running");
	expect_err("info registers", "the guest is running");
	expect_err("info gdt", "the guest is running");
	expect_err("info tc", "the guest is running");
	expect_err("break func", "the guest is running");
	expect_err("watch data", "the guest is running");
	expect_err("catch trap", "the guest is running");
	expect_err("delete", "the guest is running");
	expect_err("tc list", "the guest is running");
	expect_err("tc show 1", "the guest is running");
	expect_err("tc flush", "the guest is running");
	expect_err("translate func", "the guest is running");
	expect_err("disas", "the guest is running");
	expect_err("set tu-max 3", "the guest is running");
	expect_err("policy io trap", "the guest is running");
	expect_err("trace on /tmp/never", "the guest is running");
	expect_ok("x/2xb spin");   /* memory reads work while it runs */
	expect_ok("info pic");
	expect_ok("info sensitive");   /* the tally is read under the log's lock */
	expect_ok("stop");
	struct stop_info s = runner_wait(&fx.r);
	ck_assert_int_eq(s.reason, STOP_REQUEST);
	ck_assert_uint_eq(s.eip, SPIN);
	ck_assert_int_eq(fx.m.debug.nbp + fx.m.debug.nwp + fx.m.debug.nct, 0);
}
END_TEST

START_TEST(trace_file)
{
	char line[128];
	snprintf(line, sizeof line, "trace on %s", fx.tmp);
	expect_ok(line);
	expect_err(line, "already tracing");
	expect_ok("trace");
	expect_out("tracing to");
	expect_ok("stepf");
	expect_ok("stepf");
	expect_ok("continue");
	expect_ok("trace off");
	FILE *f = fopen(fx.tmp, "r");
	ck_assert_ptr_nonnull(f);
	char buf[16384];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	ck_assert_msg(strstr(buf, "# bt86 trace of test-guest"), "%s", buf);
	ck_assert_msg(strstr(buf, "stop step 0x"), "%s", buf);
	ck_assert_msg(strstr(buf, "ccf 1 0x00100000-"), "%s", buf);
	ck_assert_msg(strstr(buf, "runs +1 total 1 main"), "%s", buf);
	ck_assert_msg(strstr(buf, "event "), "%s", buf);
	ck_assert_msg(strstr(buf, " translate 0x00100000"), "%s", buf);
	ck_assert_msg(strstr(buf, "stop exit"), "%s", buf);
	ck_assert_msg(strstr(buf, "# trace ended"), "%s", buf);
	expect_ok("trace");
	expect_out("trace is off");
}
END_TEST

START_TEST(help_quit_misc)
{
	expect_ok("help");
	for (const struct cmd *const *c = cmd_all(); *c; c++) {
		char want[64];
		snprintf(want, sizeof want, "  %s", (*c)->name);
		expect_out(want);
	}
	for (const struct cmd *const *c = cmd_all(); *c; c++) {
		char line[64];
		snprintf(line, sizeof line, "help %s", (*c)->name);
		expect_ok(line);
		expect_out("usage: ");
		expect_out((*c)->help);
	}
	expect_ok("help x");
	expect_out("usage: x/FMT [ADDR]");
	expect_ok("help info");
	expect_out("breakpoints");
	expect_ok("echo hello there");
	expect_out("hello there\n");
	expect_ok("events 2");
	expect_ok("events translate");
	expect_ok("print 0x10+0x20");
	expect_out("0x00000030 48");
	expect_err("gdb 127.0.0.1:0", "cannot start a GDB stub");   /* no stub_ops: gdb's own session */
	fx.s.stub_ops = &gdb_server_stub_ops;
	expect_err("gdb unix:/nonexistent-dir/bt86.sock", "gdb: ");
	ck_assert_ptr_null(fx.s.gdb);
	expect_ok("gdb 127.0.0.1:0");
	expect_out("gdb stub listening on 127.0.0.1:");
	ck_assert_ptr_nonnull(fx.s.gdb);
	expect_err("gdb 127.0.0.1:0", "already listens");
	gdb_server_stop(fx.s.gdb);
	fx.s.gdb = NULL;
	expect_ok("quit");
	ck_assert(fx.s.quit);
}
END_TEST

struct cands {
	char v[64][64];
	int n;
};

static void add_cand(void *ctx, const char *c)
{
	struct cands *k = ctx;
	if (k->n < 64)
		snprintf(k->v[k->n++], 64, "%s", c);
}

static bool has_cand(const struct cands *k, const char *c)
{
	for (int i = 0; i < k->n; i++)
		if (strcmp(k->v[i], c) == 0)
			return true;
	return false;
}

static struct cands complete(const char *line, const char *word, int *rc)
{
	struct cands k = { .n = 0 };
	char buf[256], *argv[CMD_MAX_ARGS];
	int argc = 0;
	snprintf(buf, sizeof buf, "%s", line);
	for (char *p = strtok(buf, " "); p; p = strtok(NULL, " "))
		argv[argc++] = p;
	*rc = cmd_complete(&fx.s, argc, argv, word, add_cand, &k);
	return k;
}

START_TEST(completion)
{
	int rc;
	struct cands k = complete("", "inf", &rc);
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.v[0], "info");
	k = complete("", "st", &rc);
	ck_assert(has_cand(&k, "stepi") && has_cand(&k, "stepf") && has_cand(&k, "stop"));
	k = complete("info", "re", &rc);
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.v[0], "registers");
	k = complete("break", "fu", &rc);
	ck_assert(has_cand(&k, "func"));
	k = complete("break", "$e", &rc);
	ck_assert(has_cand(&k, "$eip") && has_cand(&k, "$eax"));
	k = complete("until", "", &rc);
	ck_assert(has_cand(&k, "trap") && has_cand(&k, "main"));
	k = complete("catch", "ca", &rc);
	ck_assert(has_cand(&k, "callout"));
	k = complete("policy", "i", &rc);
	ck_assert(has_cand(&k, "io") && has_cand(&k, "iret") && has_cand(&k, "int"));
	k = complete("policy io", "t", &rc);
	ck_assert(has_cand(&k, "trap"));
	k = complete("set", "", &rc);
	ck_assert(has_cand(&k, "tu-max") && has_cand(&k, "tc-size"));
	k = complete("tc", "s", &rc);
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.v[0], "show");
	k = complete("tc show", "ma", &rc);
	ck_assert(has_cand(&k, "main"));
	k = complete("help", "dis", &rc);
	ck_assert(has_cand(&k, "disas") && has_cand(&k, "disable"));
	k = complete("x/4xw", "da", &rc);
	ck_assert(has_cand(&k, "data"));
	k = complete("trace", "o", &rc);
	ck_assert(has_cand(&k, "on") && has_cand(&k, "off"));
	k = complete("trace on", "", &rc);
	ck_assert_int_eq(rc, 1);   /* file names */
	k = complete("frobnicate", "", &rc);
	ck_assert_int_eq(k.n, 0);
}
END_TEST

static Suite *cmd_suite(void)
{
	Suite *s = suite_create("cmd");
	TCase *t = tcase_create("cmd");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 60);
	tcase_add_test(t, find_prefixes);
	tcase_add_test(t, find_disas_prefix);
	tcase_add_test(t, parse_addr);
	tcase_add_test(t, parse_num);
	tcase_add_test(t, argument_errors);
	tcase_add_test(t, break_continue_step);
	tcase_add_test(t, tbreak_delete_until);
	tcase_add_test(t, watchpoints);
	tcase_add_test(t, catch_and_until_event);
	tcase_add_test(t, memory_formats);
	tcase_add_test(t, info_topics);
	tcase_add_test(t, info_devices_lists_claims);
	tcase_add_test(t, tc_commands);
	tcase_add_test(t, running_errors);
	tcase_add_test(t, trace_file);
	tcase_add_test(t, help_quit_misc);
	tcase_add_test(t, completion);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cmd_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
