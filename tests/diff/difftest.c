/* difftest: differential testing of the execution engines against the host
 * CPU. Random sequences of non-privileged 32-bit instructions (gen.c) run
 * from the same initial state
 *   (a) natively, in the 32-bit helper diffnative (the ground truth),
 *   (b) under the binary translator (engine_bt_ops), every case, and
 *   (c) under KVM (engine_kvm_ops), the first --kvm-count cases, when
 *       /dev/kvm is usable (a run that stops with STOP_UNAVAILABLE, such as
 *       x87/SSE on a software backend, is skipped; so is a case that faults
 *       natively, since the guest has no IDT, and one the generator marks as
 *       no fair test of a VM: see gen_case.kvm_skip);
 * and the general registers, the arithmetic flags and DF, and the data
 * region are compared. A case that faults natively must fault the same way
 * at the same EIP with the same registers and memory (precise exceptions):
 * the CPU's trap number in the signal context gives the vector (SIGFPE #DE,
 * SIGSEGV #GP/#PF/#BR, SIGILL #UD); the engine's stop message names it.
 *
 *   difftest [--native PATH] [--seed S] [--count N] [--first I]
 *            [--kvm-count N] [--verbose] [--quiet] [--code HEX]
 *
 * The default is seed 1, 3000 cases, the first 20 of them on KVM too. A
 * case is (seed, index): `--seed S --first I --count 1 --verbose` replays
 * one. The summary line counts cases: a case fails if any engine disagreed
 * with the host; skipped counts engine runs that could not be made.
 * Exit status: 0 all passed, 1 some failed, 77 nothing could run, 2 usage.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "monitor/emulate.h"
#include "monitor/machine.h"
#include "monitor/multiboot.h"

#include "diffmode.h"
#include "diffproto.h"
#include "gen.h"

#define CR4_OSFXSR     0x200u   /* FXSAVE/FXRSTOR and SSE enabled */
#define CR4_OSXMMEXCPT 0x400u   /* unmasked SIMD exceptions are #XM */

#define DEFAULT_COUNT 3000
#define DEFAULT_KVM_COUNT 20
#define MAX_DIFF_LINES 24

/* What one side did with a case. */
enum outcome_kind {
	OUT_END,         /* ran to the terminator */
	OUT_FAULT,       /* a CPU exception (vector) at eip */
	OUT_OTHER,       /* any other stop: msg says what */
	OUT_SKIP,        /* the engine cannot run this here */
};

struct outcome {
	enum outcome_kind kind;
	int vector;
	bool outside;            /* a native page fault outside the case's memory */
	uint32_t eip;
	uint32_t gpr[8];
	uint32_t eflags;
	const uint8_t *data;
	char msg[300];
};

struct options {
	const char *native;
	uint64_t seed;
	uint64_t first;
	uint64_t count;
	uint64_t kvm_count;
	bool kvm_count_set;
	bool verbose;
	bool quiet;
	const char *code;    /* --code HEX: these bytes instead of generated ones */
	enum denv_mode mode; /* --mode: the guest environment of the cases */
};

struct native {
	pid_t pid;
	int to, from;
};

/* A watchdog for the engines: a stuck run is asked to stop. */
struct watchdog {
	pthread_t thread;
	_Atomic(struct engine *) engine;
	atomic_llong deadline_ms;
	atomic_bool fired;
	atomic_bool quit;
};

static csh cs;
static bool cs_ok;

/* --- small helpers ------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	while (!atomic_load(&w->quit)) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		long long d = atomic_load(&w->deadline_ms);
		struct engine *e = atomic_load(&w->engine);
		if (e && d && now_ms() > d && !atomic_exchange(&w->fired, true))
			e->ops->request_stop(e);
	}
	return NULL;
}

static int read_all(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int native_start(struct native *nv, const char *path)
{
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		perror("difftest: pipe");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("difftest: fork");
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "difftest: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	nv->pid = pid;
	nv->to = in[1];
	nv->from = out[0];
	return 0;
}

static void native_stop(struct native *nv)
{
	if (nv->pid <= 0)
		return;
	close(nv->to);
	close(nv->from);
	waitpid(nv->pid, NULL, 0);
	nv->pid = 0;
}

/* --- naming -------------------------------------------------------------------- */

static const char *flag_names(uint32_t f, char *buf, size_t n)
{
	static const struct { uint32_t bit; const char *name; } fl[] = {
		{ EFLAGS_CF, "CF" }, { EFLAGS_PF, "PF" }, { EFLAGS_AF, "AF" }, { EFLAGS_ZF, "ZF" },
		{ EFLAGS_SF, "SF" }, { EFLAGS_DF, "DF" }, { EFLAGS_OF, "OF" },
	};
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
		if (f & fl[i].bit)
			k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s", k ? " " : "", fl[i].name);
	if (!k)
		snprintf(buf, n, "-");
	return buf;
}

static void describe(const struct outcome *o, char *buf, size_t n)
{
	switch (o->kind) {
	case OUT_END:
		snprintf(buf, n, "ran to the end");
		break;
	case OUT_FAULT:
		snprintf(buf, n, "%s at EIP 0x%08x (+0x%x)", emu_exception_name(o->vector), o->eip,
			 o->eip - DIFF_CODE_ADDR);
		break;
	case OUT_OTHER:
		snprintf(buf, n, "stopped: %s", o->msg);
		break;
	default:
		snprintf(buf, n, "skipped: %s", o->msg);
		break;
	}
}

static void print_code(FILE *f, const struct gen_case *c)
{
	fprintf(f, "  code (%u bytes at 0x%08x, then the terminator):\n", c->code_len, DIFF_CODE_ADDR);
	for (int i = 0; i < c->ninsn; i++) {
		uint32_t off = c->insn[i].off;
		uint32_t end = i + 1 < c->ninsn ? c->insn[i + 1].off : c->code_len;
		if (end > c->code_len || end < off)
			end = c->code_len;
		cs_insn *ci = NULL;
		size_t n = cs_ok && end > off ? cs_disasm(cs, c->code + off, end - off, DIFF_CODE_ADDR + off, 1, &ci) : 0;
		uint32_t len = n ? (uint32_t)ci[0].size : end - off;
		char hex[64], text[224];
		size_t k = 0;
		for (uint32_t j = 0; j < len && k + 4 < sizeof hex; j++)
			k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x ", c->code[off + j]);
		if (n)
			snprintf(text, sizeof text, "%s%s%s", ci[0].mnemonic, ci[0].op_str[0] ? " " : "", ci[0].op_str);
		else
			snprintf(text, sizeof text, "(undecodable)");
		fprintf(f, "    %08x: %-24s %-40s [%s]\n", DIFF_CODE_ADDR + off, hex, text, c->insn[i].tmpl);
		if (n)
			cs_free(ci, n);
		if (len < end - off) {   /* bytes a jump skips */
			k = 0;
			for (uint32_t j = len; j < end - off && k + 4 < sizeof hex; j++)
				k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x ", c->code[off + j]);
			fprintf(f, "    %08x: %-24s %s\n", DIFF_CODE_ADDR + off + len, hex, "(skipped bytes)");
		}
	}
}

static void print_state(FILE *f, const char *what, const uint32_t *gpr, uint32_t eflags)
{
	char fl[64];
	fprintf(f, "  %s: eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x edi=%08x flags=[%s]\n",
		what, gpr[0], gpr[1], gpr[2], gpr[3], gpr[4], gpr[5], gpr[6], gpr[7],
		flag_names(eflags & DIFF_FLAGS_CMP, fl, sizeof fl));
}

/* --- the sides ------------------------------------------------------------------- */

static int run_native(struct native *nv, const struct diff_case *dc, const uint8_t *image, uint8_t *data,
		      struct outcome *o)
{
	struct diff_result r;
	if (write_all(nv->to, dc, sizeof *dc) < 0 || write_all(nv->to, image, DIFF_DATA_SIZE) < 0 ||
	    read_all(nv->from, &r, sizeof r) < 0 || read_all(nv->from, data, DIFF_DATA_SIZE) < 0 ||
	    r.magic != DIFF_MAGIC_RESULT)
		return -1;
	memset(o, 0, sizeof *o);
	memcpy(o->gpr, r.gpr, sizeof o->gpr);
	o->eflags = r.eflags;
	o->data = data;
	o->eip = r.eip;
	switch (r.signo) {
	case 0:
		o->kind = OUT_END;
		break;
	case SIGFPE:
		o->kind = OUT_FAULT;
		o->vector = r.trapno < 32 ? (int)r.trapno : EXC_DE;
		break;
	case SIGSEGV:
	case SIGBUS:
		o->kind = OUT_FAULT;
		o->vector = r.trapno < 32 ? (int)r.trapno : EXC_GP;
		/* A page fault outside the code and data the case owns says only
		 * that the Linux process has no page there; the guest has RAM. */
		o->outside = o->vector == 14 &&
			     !(r.addr >= DIFF_CODE_ADDR && r.addr < DIFF_CODE_ADDR + DIFF_CODE_PAGE) &&
			     !(r.addr >= DIFF_DATA_ADDR && r.addr < DIFF_DATA_ADDR + DIFF_DATA_SIZE);
		break;
	case SIGILL:
		o->kind = OUT_FAULT;
		o->vector = EXC_UD;
		break;
	case SIGTRAP:
		o->kind = OUT_FAULT;
		o->vector = r.trapno == 3 ? EXC_BP : EXC_DB;
		break;
	default:
		o->kind = OUT_OTHER;
		snprintf(o->msg, sizeof o->msg, "signal %u (%s) at EIP 0x%08x", r.signo,
			 r.signo == SIGALRM ? "timeout" : strsignal((int)r.signo), r.eip);
		break;
	}
	return 0;
}

/* The exception vector a stop message names ("guest exception #DE at ...",
 * "guest #DE at ...: triple fault ..."): the first "#XX" that is one. */
static int vector_in(const char *msg)
{
	for (const char *p = strchr(msg, '#'); p; p = strchr(p + 1, '#')) {
		for (int v = 0; v < 32; v++) {
			const char *name = emu_exception_name(v);
			size_t n = strlen(name);
			if (name[0] == '#' && strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '(' || p[n] == ':' ||
									 p[n] == ',' || p[n] == 0))
				return v;
		}
	}
	return -1;
}

/* Where the harness keeps a snippet that resets the guest's x87/MMX state
 * (FNINIT; CLI; HLT): run after a case that stopped in the middle of an
 * x87 or MMX group, so the next case starts clean as it does natively. */
#define RESET_ADDR (DIFF_CODE_ADDR + DIFF_CODE_PAGE)

static void reset_fpu(struct engine *e)
{
	static const uint8_t code[] = { 0xdb, 0xe3, 0xfa, 0xf4 };
	struct vcpu_state st = e->m->boot_state;
	struct stop_info s;
	gmem_write(&e->m->mem, RESET_ADDR, code, sizeof code);
	st.eip = RESET_ADDR;
	st.gpr[R_ESP] = DIFF_DATA_ADDR + DIFF_DATA_SIZE - 16;
	e->ops->set_state(e, &st);
	e->ops->run(e, &s);
}

static void run_engine(struct engine *e, struct watchdog *wd, long timeout_ms, const struct denv *env,
		       const struct gen_case *c, const uint8_t *image, uint8_t *data, struct outcome *o)
{
	struct machine *m = e->m;
	struct vcpu_state st;
	struct stop_info s;
	uint8_t term[4];
	uint32_t term_len;

	memset(o, 0, sizeof *o);
	denv_build(env, m, &m->boot_state, &st, term, &term_len);
	denv_write(env, m, DIFF_CODE_ADDR, c->code, c->code_len);
	denv_write(env, m, DIFF_CODE_ADDR + c->code_len, term, term_len);
	denv_write(env, m, DIFF_DATA_ADDR, image, DIFF_DATA_SIZE);
	/* Code by physical page (paging off) and where this case put it;
	 * a paged case also loads a new CR3, which flushes the TC. */
	e->ops->invalidate(e, DIFF_CODE_ADDR, DIFF_CODE_PAGE);
	for (uint32_t p = 0; p < DIFF_CODE_PAGE; p += 0x1000)
		if (denv_phys(env, DIFF_CODE_ADDR + p) != DIFF_CODE_ADDR + p)   /* (each call scans the TC) */
			e->ops->invalidate(e, denv_phys(env, DIFF_CODE_ADDR + p), 0x1000);
	memcpy(st.gpr, c->gpr, sizeof st.gpr);
	st.eip = DIFF_CODE_ADDR;
	st.eflags = (c->eflags & DIFF_FLAGS_CMP) | (st.eflags & EFLAGS_IF) | EFLAGS_FIXED;
	e->ops->set_state(e, &st);

	atomic_store(&wd->fired, false);
	atomic_store(&wd->engine, e);
	atomic_store(&wd->deadline_ms, now_ms() + timeout_ms);
	e->ops->run(e, &s);
	atomic_store(&wd->deadline_ms, 0);
	atomic_store(&wd->engine, NULL);

	e->ops->get_state(e, &st);
	denv_read(env, m, DIFF_DATA_ADDR, data, DIFF_DATA_SIZE);
	memcpy(o->gpr, st.gpr, sizeof o->gpr);
	o->eflags = st.eflags;
	o->data = data;
	o->eip = s.eip;
	snprintf(o->msg, sizeof o->msg, "%s", s.msg);
	uint32_t hlt = DIFF_CODE_ADDR + c->code_len + 1;
	if (env->ring3 && s.reason == STOP_HALT) {
		/* A handler halted: the frame says what happened in ring 3. */
		struct denv_stop ds;
		char why[200];
		if (!denv_stop(env, m, &st, s.eip, &ds, why, sizeof why)) {
			o->kind = OUT_OTHER;
			snprintf(o->msg, sizeof o->msg, "%s", why);
			return;
		}
		o->gpr[R_ESP] = ds.esp;
		o->eflags = ds.eflags;
		o->eip = ds.eip;
		if (ds.vector == DENV_END_VECTOR && ds.eip == DIFF_CODE_ADDR + c->code_len + term_len) {
			o->kind = OUT_END;
		} else if (ds.vector < 32) {
			o->kind = OUT_FAULT;
			o->vector = ds.vector;
		} else {
			o->kind = OUT_OTHER;
			snprintf(o->msg, sizeof o->msg, "vector 0x%x taken at EIP 0x%08x", (unsigned)ds.vector, ds.eip);
		}
		return;
	}
	switch (s.reason) {
	case STOP_HALT:
		if (s.eip == hlt) {
			o->kind = OUT_END;
		} else {
			o->kind = OUT_OTHER;
			snprintf(o->msg, sizeof o->msg, "halted at EIP 0x%08x, not at the terminator 0x%08x: %.200s", s.eip,
				 hlt, s.msg);
		}
		break;
	case STOP_ERROR: {
		int v = vector_in(s.msg);
		if (v >= 0) {
			o->kind = OUT_FAULT;
			o->vector = v;
		} else {
			o->kind = OUT_OTHER;
		}
		break;
	}
	case STOP_UNAVAILABLE:
		o->kind = OUT_SKIP;
		break;
	case STOP_REQUEST:
		o->kind = OUT_OTHER;
		snprintf(o->msg, sizeof o->msg, "did not finish within %ld ms (stopped at EIP 0x%08x)", timeout_ms, s.eip);
		break;
	default:
		o->kind = OUT_OTHER;
		snprintf(o->msg, sizeof o->msg, "unexpected stop (%s) at EIP 0x%08x: %s", stop_reason_name(s.reason),
			 s.eip, s.msg);
		break;
	}
}

/* --- comparing ------------------------------------------------------------------- */

/* Compare; print the differences under a header when print. Returns the number found. */
static int compare(const struct gen_case *c, const struct denv *env, const char *engine,
		   const struct outcome *nat, const struct outcome *eng, bool print, FILE *f)
{
	int nd = 0;
	char a[160], b[320];
	uint32_t undef = c->flag_mask;
	if (nat->kind == OUT_FAULT)   /* what was undefined when the faulting instruction began */
		for (int i = 0; i < c->ninsn; i++)
			if (DIFF_CODE_ADDR + c->insn[i].off == nat->eip)
				undef = c->insn[i].flag_mask;
	uint32_t fmask = DIFF_FLAGS_CMP & ~undef;

	bool same_kind = nat->kind == eng->kind &&
			 (nat->kind != OUT_FAULT || (nat->vector == eng->vector && nat->eip == eng->eip));
	if (nat->kind == OUT_FAULT && eng->kind == OUT_FAULT && nat->vector == EXC_PF && eng->vector == EXC_GP &&
	    nat->eip == eng->eip)
		same_kind = true;   /* an access outside the region: #PF natively, #GP (not RAM) here */
	if (!same_kind || nat->kind == OUT_OTHER)
		nd++;
	bool cmp_state = same_kind && (nat->kind == OUT_END || nat->kind == OUT_FAULT);
	if (cmp_state) {
		for (int r = 0; r < 8; r++)
			nd += nat->gpr[r] != eng->gpr[r];
		nd += ((nat->eflags ^ eng->eflags) & fmask) != 0;
		nd += memcmp(nat->data, eng->data, DIFF_DATA_SIZE) != 0;
	}
	if (!nd || !print)
		return nd;

	char envs[120];
	denv_describe(env, envs, sizeof envs);
	fprintf(f, "FAIL: case %" PRIu64 " (seed %" PRIu64 ") on %s, %s\n", c->index, c->seed, engine, envs);
	describe(nat, a, sizeof a);
	describe(eng, b, sizeof b);
	fprintf(f, "  native: %s\n  %s: %s\n", a, engine, b);
	print_code(f, c);
	print_state(f, "initial", c->gpr, c->eflags);
	if (undef) {
		char fl[64];
		fprintf(f, "  not compared (undefined after an emulated instruction): %s\n",
			flag_names(undef, fl, sizeof fl));
	}
	if (!cmp_state)
		return nd;
	static const char *const names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
	for (int r = 0; r < 8; r++)
		if (nat->gpr[r] != eng->gpr[r])
			fprintf(f, "  %s: native 0x%08x, %s 0x%08x\n", names[r], nat->gpr[r], engine, eng->gpr[r]);
	if ((nat->eflags ^ eng->eflags) & fmask) {
		char x[64], y[64], z[64];
		fprintf(f, "  flags: native [%s], %s [%s]; differ: %s\n", flag_names(nat->eflags & fmask, x, sizeof x),
			engine, flag_names(eng->eflags & fmask, y, sizeof y),
			flag_names((nat->eflags ^ eng->eflags) & fmask, z, sizeof z));
	}
	int lines = 0, bytes = 0;
	for (uint32_t i = 0; i < DIFF_DATA_SIZE; i++) {
		if (nat->data[i] == eng->data[i])
			continue;
		bytes++;
		if (lines < MAX_DIFF_LINES) {
			fprintf(f, "  memory 0x%08x: native %02x, %s %02x\n", DIFF_DATA_ADDR + i, nat->data[i], engine,
				eng->data[i]);
			lines++;
		}
	}
	if (bytes > lines)
		fprintf(f, "  ... %d memory bytes differ in all\n", bytes);
	return nd;
}

/* Kinds of failure for the end summary: the message with numbers and
 * instruction text blurred, and the template of the instruction at the stop. */
#define MAX_KINDS 48
static struct {
	char text[200];
	int count;
	uint64_t first_case;
} kinds[MAX_KINDS];
static int nkinds;

static const char *tmpl_at(const struct gen_case *c, uint32_t eip)
{
	for (int i = 0; i < c->ninsn; i++)
		if (DIFF_CODE_ADDR + c->insn[i].off == eip)
			return c->insn[i].tmpl;
	return NULL;
}

static void note_error(const char *engine, const char *msg, const struct gen_case *c, uint32_t eip)
{
	char t[200];
	size_t k = (size_t)snprintf(t, sizeof t, "%s: ", engine);
	bool quoted = false;
	for (const char *p = msg; *p && k + 12 < sizeof t; p++) {
		if (*p == '\'') {
			quoted = !quoted;
			if (quoted) {
				memcpy(t + k, "'...'", 5);
				k += 5;
			}
			continue;
		}
		if (quoted)
			continue;
		if (!strncmp(p, " at EIP 0x", 10)) {
			p += 10;
			while (p[1] && ((p[1] >= '0' && p[1] <= '9') || (p[1] >= 'a' && p[1] <= 'f')))
				p++;
			if (p[1] == ':' && !strncmp(msg, "guest", 5))
				break;   /* the instruction text follows */
			continue;
		}
		if (p[0] == '0' && p[1] == 'x') {
			t[k++] = 'N';
			p += 2;
			while (p[0] && ((p[0] >= '0' && p[0] <= '9') || (p[0] >= 'a' && p[0] <= 'f')))
				p++;
			p--;
			continue;
		}
		t[k++] = *p;
	}
	t[k] = 0;
	const char *tm = tmpl_at(c, eip);
	if (tm)
		snprintf(t + k, sizeof t - k, " [%s]", tm);
	for (int i = 0; i < nkinds; i++)
		if (strcmp(kinds[i].text, t) == 0) {
			kinds[i].count++;
			return;
		}
	if (nkinds < MAX_KINDS) {
		snprintf(kinds[nkinds].text, sizeof kinds[nkinds].text, "%s", t);
		kinds[nkinds].count = 1;
		kinds[nkinds].first_case = c->index;
		nkinds++;
	}
}

/* --code: replace the generated code with the given bytes (hex, blanks allowed). */
static int use_code(struct gen_case *c, const char *hex)
{
	uint32_t n = 0;
	for (const char *p = hex; *p; ) {
		if (*p == ' ' || *p == ',' || *p == ':') {
			p++;
			continue;
		}
		unsigned v;
		if (n >= DIFF_CODE_MAX || sscanf(p, "%2x", &v) != 1 || !p[1]) {
			fprintf(stderr, "difftest: --code wants hex bytes, not '%s'\n", hex);
			return -1;
		}
		c->code[n++] = (uint8_t)v;
		p += 2;
	}
	c->code_len = n;
	c->ninsn = 0;
	c->flag_mask = 0;
	c->want_fault = false;
	uint32_t off = 0;
	while (off < n && c->ninsn < GEN_MAX_INSNS) {
		cs_insn *ci = NULL;
		size_t k = cs_ok ? cs_disasm(cs, c->code + off, n - off, DIFF_CODE_ADDR + off, 1, &ci) : 0;
		c->insn[c->ninsn++] = (struct gen_insn){ .off = (uint16_t)off, .tmpl = "--code" };
		off += k ? (uint32_t)ci[0].size : n - off;
		if (k)
			cs_free(ci, k);
	}
	return 0;
}

/* --- main -------------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: difftest [--native PATH] [--mode M] [--seed S] [--count N] [--first I]\n"
		"                [--kvm-count N] [--verbose] [--quiet] [--code HEX]\n"
		"Runs random non-privileged instruction sequences natively (PATH: the 32-bit helper,\n"
		"default: diffnative next to this program), under the bt engine and (the first\n"
		"--kvm-count cases) under KVM, and compares registers, flags and memory.\n"
		"--mode: the translated side's environment: flat (ring 0, paging off), ring3,\n"
		"paging, segbase (FS/GS bases), mixed (each case picks). KVM runs flat cases only.\n"
		"Defaults: --mode flat --seed 1 --count %d --first 0 --kvm-count %d.\n"
		"--code HEX runs those instruction bytes once, from the initial state of case\n"
		"(--seed, --first), and shows the outcome.\n",
		DEFAULT_COUNT, DEFAULT_KVM_COUNT);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->seed = 1;
	o->count = DEFAULT_COUNT;
	o->kvm_count = DEFAULT_KVM_COUNT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		uint64_t *num = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = true;
			continue;
		} else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
			o->quiet = true;
			continue;
		} else if (!strcmp(a, "--native")) {
			if (i + 1 >= argc)
				goto missing;
			o->native = argv[++i];
			continue;
		} else if (!strcmp(a, "--code")) {
			if (i + 1 >= argc)
				goto missing;
			o->code = argv[++i];
			o->count = 1;
			o->verbose = true;
			continue;
		} else if (!strcmp(a, "--mode")) {
			if (i + 1 >= argc)
				goto missing;
			val = argv[++i];
			if (denv_mode_parse(val, &o->mode) < 0) {
				fprintf(stderr, "difftest: --mode wants flat, ring3, paging, segbase or mixed, not '%s'\n",
					val);
				return -1;
			}
			continue;
		} else if (!strcmp(a, "--seed")) {
			num = &o->seed;
		} else if (!strcmp(a, "--count")) {
			num = &o->count;
		} else if (!strcmp(a, "--first")) {
			num = &o->first;
		} else if (!strcmp(a, "--kvm-count")) {
			num = &o->kvm_count;
			o->kvm_count_set = true;
		} else {
			fprintf(stderr, "difftest: unknown option '%s'\n", a);
			usage(stderr);
			return -1;
		}
		if (i + 1 >= argc)
			goto missing;
		val = argv[++i];
		if (parse_u64(val, num) < 0) {
			fprintf(stderr, "difftest: %s wants a non-negative number, not '%s'\n", a, val);
			return -1;
		}
		continue;
missing:
		fprintf(stderr, "difftest: %s needs a value\n", a);
		return -1;
	}
	return 0;
}

static void console_drop(void *opaque, uint8_t b)
{
	(void)opaque;
	(void)b;
}

static char *default_native(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	size_t dir = slash ? (size_t)(slash - argv0) + 1 : 0;
	char *p = malloc(dir + sizeof "diffnative");
	if (!p)
		return NULL;
	memcpy(p, argv0, dir);
	memcpy(p + dir, "diffnative", sizeof "diffnative");
	return p;
}

int main(int argc, char **argv)
{
	struct options opt;
	char err[256] = "";
	int unavailable = 0;

	if (parse_args(argc, argv, &opt) < 0)
		return 2;
	char *native_path = opt.native ? NULL : default_native(argv[0]);
	const char *npath = opt.native ? opt.native : native_path;
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	cs_ok = cs_open(CS_ARCH_X86, CS_MODE_32, &cs) == CS_ERR_OK;

	if (!npath || access(npath, X_OK) != 0) {
		fprintf(stderr, "SKIP: difftest: the native helper %s is missing (%s)\n", npath ? npath : "?",
			strerror(errno));
		if (cs_ok)
			cs_close(&cs);
		free(native_path);
		return 77;
	}

	static struct machine m;
	struct machine_config cfg = { .ram_size = 64ull << 20, .console_out = console_drop,
				      /* the host CPU is the oracle: offer what it has */
				      .cpu = cpu_model_find("host") };
	if (machine_init(&m, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "difftest: %s\n", err);
		if (cs_ok)
			cs_close(&cs);
		free(native_path);
		return 1;
	}
	/* The loader's flat GDT and boot state, as if a multiboot kernel were loaded. */
	static const uint8_t gdt[24] = {
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,   /* 0x08: code, base 0, 4 GiB */
		0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,   /* 0x10: data */
	};
	gmem_write(&m.mem, MB_GDT_ADDR, gdt, sizeof gdt);
	struct mb_boot boot = { .entry = DIFF_CODE_ADDR, .mbi = 0 };
	mb_boot_state(&boot, &m.boot_state);
	/* As a kernel that uses x87 and SSE sets them up (and as a Linux process
	 * runs): native x87 errors, SSE enabled (CR4.OSFXSR, OSXMMEXCPT). */
	m.boot_state.cr0 |= CR0_MP | CR0_NE;
	m.boot_state.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	m.loaded = true;

	struct engine *bt = NULL, *kvm = NULL;
	if (engine_bt_ops.create(&m, &bt, &unavailable, err, sizeof err) < 0) {
		fprintf(stderr, "%s: difftest: cannot create the bt engine: %s\n", unavailable ? "SKIP" : "FAIL", err);
		machine_destroy(&m);
		if (cs_ok)
			cs_close(&cs);
		free(native_path);
		return unavailable ? 77 : 1;
	}
	uint64_t kvm_count = opt.kvm_count;
	if (kvm_count) {
		err[0] = 0;
		if (engine_kvm_ops.create(&m, &kvm, &unavailable, err, sizeof err) < 0) {
			if (!opt.quiet)
				printf("difftest: kvm not used: %s\n", err);
			kvm = NULL;
			if (!unavailable && opt.kvm_count_set)
				fprintf(stderr, "difftest: the kvm engine failed: %s\n", err);
		}
	}

	struct native nv = { 0 };
	if (native_start(&nv, npath) < 0) {
		if (kvm)
			kvm->ops->destroy(kvm);
		bt->ops->destroy(bt);
		machine_destroy(&m);
		if (cs_ok)
			cs_close(&cs);
		free(native_path);
		return 77;
	}
	struct watchdog wd;
	memset(&wd, 0, sizeof wd);
	bool wd_ok = pthread_create(&wd.thread, NULL, watchdog_main, &wd) == 0;

	static uint8_t image[DIFF_DATA_SIZE], ndata[DIFF_DATA_SIZE], edata[DIFF_DATA_SIZE];
	static struct gen_case c;
	static struct diff_case dc;
	uint64_t passed = 0, failed = 0, skipped = 0, ran = 0, faults = 0;
	uint64_t kvm_ran = 0, kvm_passed = 0;
	int status = 0;
	long long t0 = now_ms();

	for (uint64_t i = opt.first; i < opt.first + opt.count; i++) {
		struct denv env;
		denv_pick(opt.mode, opt.seed, i, &env);
		gen_case(opt.seed, i, env.segs ? &env.seg : NULL, &c);
		if (opt.code && use_code(&c, opt.code) < 0) {
			status = 3;   /* usage */
			break;
		}
		gen_data(&c, image);
		memset(&dc, 0, sizeof dc);
		dc.magic = DIFF_MAGIC_CASE;
		memcpy(dc.gpr, c.gpr, sizeof dc.gpr);
		dc.eflags = c.eflags;
		dc.code_len = c.code_len;
		dc.seg_on = env.segs;
		memcpy(dc.seg_base, env.seg.base, sizeof dc.seg_base);
		memcpy(dc.code, c.code, c.code_len);

		struct outcome nat, eo;
		if (run_native(&nv, &dc, image, ndata, &nat) < 0) {
			fprintf(stderr, "difftest: the native helper %s died at case %" PRIu64 "\n", npath, i);
			if (ran == 0) {
				fprintf(stderr, "SKIP: difftest: the host cannot run the 32-bit helper\n");
				status = 77;
			} else {
				status = 2;
			}
			break;
		}
		ran++;
		faults += nat.kind == OUT_FAULT;
		bool bad = false;

		run_engine(bt, &wd, 5000, &env, &c, image, edata, &eo);
		if (eo.kind != OUT_END && c.fpu)
			reset_fpu(bt);
		if (nat.outside) {
			skipped++;   /* the two address spaces differ there: nothing to compare */
		} else if (eo.kind == OUT_SKIP) {
			skipped++;
		} else if (compare(&c, &env, "bt", &nat, &eo, !opt.quiet, stdout)) {
			bad = true;
			if (eo.kind == OUT_OTHER)
				note_error("bt", eo.msg, &c, eo.eip);
			else if (eo.kind == OUT_FAULT && nat.kind != OUT_FAULT)
				note_error("bt", eo.msg, &c, eo.eip);
			else if (eo.kind != nat.kind ||
				 (eo.kind == OUT_FAULT && (eo.vector != nat.vector || eo.eip != nat.eip)))
				note_error("bt", "faults differently from the host", &c, nat.eip);
			else
				note_error("bt", "wrong registers, flags or memory", &c, 0);
			if (!opt.quiet) {
				print_state(stdout, "native end", nat.gpr, nat.eflags);
				print_state(stdout, "bt end", eo.gpr, eo.eflags);
				printf("\n");
			}
		}
		if (opt.verbose && !bad) {
			char a[160];
			describe(&nat, a, sizeof a);
			char envs[120];
			denv_describe(&env, envs, sizeof envs);
			printf("ok: case %" PRIu64 " (%s): %d instructions, %s\n", i, envs, c.ninsn, a);
			print_code(stdout, &c);
			if (opt.code) {
				print_state(stdout, "initial", c.gpr, c.eflags);
				print_state(stdout, "end", nat.gpr, nat.eflags);
			}
		}

		if (kvm && i - opt.first < kvm_count) {
			if (nat.kind != OUT_END) {
				skipped++;   /* the guest has no IDT to take the exception */
				if (opt.verbose)
					printf("kvm: case %" PRIu64 " skipped: it faults natively\n", i);
			} else if (env.ring3 || env.segs || env.paging != DP_OFF) {
				skipped++;   /* KVM is the oracle for flat ring-0 cases only */
				if (opt.verbose)
					printf("kvm: case %" PRIu64 " skipped: not a flat ring-0 case\n", i);
			} else if (c.kvm_skip) {
				skipped++;
				if (opt.verbose)
					printf("kvm: case %" PRIu64 " skipped: it %s\n", i, c.kvm_skip);
			} else {
				run_engine(kvm, &wd, 60000, &env, &c, image, edata, &eo);
				if (eo.kind == OUT_SKIP) {
					skipped++;
					if (opt.verbose)
						printf("kvm: case %" PRIu64 " skipped: %s\n", i, eo.msg);
				} else {
					kvm_ran++;
					if (compare(&c, &env, "kvm", &nat, &eo, !opt.quiet, stdout)) {
						bad = true;
						note_error("kvm", eo.kind == OUT_OTHER ? eo.msg : "differs from the host", &c,
							   eo.eip);
					} else {
						kvm_passed++;
					}
				}
			}
		}
		if (bad)
			failed++;
		else
			passed++;
	}

	if (wd_ok) {
		atomic_store(&wd.quit, true);
		pthread_join(wd.thread, NULL);
	}
	native_stop(&nv);
	if (kvm)
		kvm->ops->destroy(kvm);
	bt->ops->destroy(bt);
	machine_destroy(&m);
	if (cs_ok)
		cs_close(&cs);
	free(native_path);

	if (nkinds && !opt.quiet) {
		printf("difftest: kinds of failure (first case):\n");
		for (int k = 0; k < nkinds; k++)
			printf("  %5d x %s (case %" PRIu64 ")\n", kinds[k].count, kinds[k].text, kinds[k].first_case);
	}
	if (!opt.quiet && ran)
		printf("difftest: mode %s, seed %" PRIu64 ": %" PRIu64 " cases in %.1f s (%" PRIu64
		       " fault natively); kvm ran %" PRIu64
		       ", agreed on %" PRIu64 "\n",
		       denv_mode_name(opt.mode), opt.seed, ran, (double)(now_ms() - t0) / 1000.0, faults, kvm_ran,
		       kvm_passed);
	if (status == 3)
		return 2;
	if (status == 77 || (status == 0 && ran == 0))
		return 77;
	printf("difftest: %" PRIu64 " passed, %" PRIu64 " failed", passed, failed);
	if (skipped)
		printf(", %" PRIu64 " skipped", skipped);
	printf("\n");
	if (status)
		return status == 2 ? 1 : status;
	return failed ? 1 : 0;
}
