/* exceptions.c — raise every x86 exception a 32-bit kernel meets, one after
 * another, catch each through the guest's IDT and carry on.
 *
 * One C handler serves all the exception vectors. It records the vector,
 * the error code, the saved EIP (printed as an offset from the start of
 * the test routine, so the output does not depend on where the linker put
 * the code), the CPL and, for #DB and #PF, DR6 and CR2; then it resumes at
 * the test's recovery label. The test routines are in assembly below, so
 * the instruction lengths are known. Each case prints one line:
 *
 *     #DE div: vector 0 err - eip +11 ok
 *
 * "ok" means vector, error code and EIP are what the SDM says; anything
 * else prints what was expected. Also checked: a fault inside a handler
 * (nesting), a contributory fault during delivery (#DF), a not-present
 * gate, and IF as seen through an interrupt gate and a trap gate.
 *
 * Bare command-line tokens add cases left out of the default run:
 *   align   #AC: a misaligned load at CPL 3 with CR0.AM and EFLAGS.AC set.
 *           Real CPUs and KVM raise it; QEMU TCG does not emulate
 *           alignment checking at all, so the reference output cannot
 *           hold it;
 *   paging  identity-map 4 MiB, enable CR0.PG, take #PF three ways (CR2 and
 *           error code printed), disable paging again;
 *   triple  load an IDT with limit 0 and execute int3: #BP, #GP and #DF
 *           cannot be delivered, the CPU shuts down (QEMU -no-reboot exits,
 *           a VMM must report it). Runs last.
 */
#include "rt.h"

#define VEC_DE  0
#define VEC_DB  1
#define VEC_BP  3
#define VEC_OF  4
#define VEC_BR  5
#define VEC_UD  6
#define VEC_DF  8
#define VEC_TS  10
#define VEC_NP  11
#define VEC_SS  12
#define VEC_GP  13
#define VEC_PF  14
#define VEC_AC  17
#define NO_ERR  (-1)            /* the vector pushes no error code */
#define LAST_EXCEPTION 19       /* #XM; the handler covers 0..19 */

#define VEC_EXIT      0x80      /* ring 3 -> ring 0, DPL 3 */
#define VEC_INT_GATE  0x40      /* IF probes */
#define VEC_TRAP_GATE 0x41
#define VEC_NO_GATE   0x50      /* a not-present gate */

#define EFLAGS_TF   (1u << 8)
#define EFLAGS_IF   (1u << 9)
#define EFLAGS_NT   (1u << 14)
#define CR0_AM      (1u << 18)
#define CR0_PG      (1u << 31)
#define DR6_BS      (1u << 14)  /* single step */
#define GATE_P      (1ull << 47)  /* present bit of an IDT gate */
#define IDT_ERROR(v) ((v) << 3 | 2)  /* error code naming IDT entry v */

/* The sample's own GDT: the runtime's six descriptors, then two data
 * segments marked not present. Selectors from SEL_BEYOND are past the
 * limit. */
#define SEL_NP_DATA   0x30      /* not present: mov ds -> #NP */
#define SEL_NP_STACK  0x38      /* not present: mov ss -> #SS */
#define SEL_BEYOND    0x40
#define GDT_ENTRIES   8
#define ACC_DATA_NOT_PRESENT 0x13  /* P=0, DPL 0, data, read/write, accessed */

/* Paging: a 4 MiB identity map with a hole and a supervisor-only page. */
#define PTE_P   0x001
#define PTE_RW  0x002
#define PTE_US  0x004
#define PAGE_SIZE 4096
#define PF_HOLE     0x3FF000    /* not present */
#define PF_KERNEL   0x3FE000    /* present, supervisor only */

struct pseudo_descriptor {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* ---- the test routines ----
 * t_X is called from C (or entered at CPL 3); t_X_at is the instruction
 * that faults (or, for traps, the one before the reported EIP); t_X_resume
 * is where the handler resumes. The kernel routines return with RET, the
 * ring-3 ones leave with INT 0x80. */
#define TEST_LABELS(x) extern char t_##x[], t_##x##_at[], t_##x##_resume[]
TEST_LABELS(de_div);
TEST_LABELS(de_idiv);
TEST_LABELS(db);
TEST_LABELS(bp);
TEST_LABELS(of);
TEST_LABELS(br);
TEST_LABELS(ud);
TEST_LABELS(ts);
TEST_LABELS(np);
TEST_LABELS(ss);
TEST_LABELS(gp);
TEST_LABELS(npgate);
TEST_LABELS(nested_ud);
TEST_LABELS(u_hlt);
TEST_LABELS(u_int);
TEST_LABELS(u_ac);
TEST_LABELS(pf_read);
TEST_LABELS(pf_write);
TEST_LABELS(u_pf);

#define ASM_TEST(x) ".globl t_" #x ", t_" #x "_at, t_" #x "_resume\n" \
		    "t_" #x ":\n\t"
#define ASM_AT(x) "t_" #x "_at:\n\t"
#define ASM_RESUME(x) "t_" #x "_resume:\n\t"

__asm__(".text\n"
	/* #DE: unsigned division by zero. */
	ASM_TEST(de_div)
	"movl $1, %eax\n\t"
	"xorl %edx, %edx\n\t"
	"xorl %ecx, %ecx\n"
	ASM_AT(de_div)
	"divl %ecx\n"
	ASM_RESUME(de_div)
	"ret\n"
	/* #DE: INT_MIN / -1 does not fit. */
	ASM_TEST(de_idiv)
	"movl $0x80000000, %eax\n\t"
	"cltd\n\t"
	"movl $-1, %ecx\n"
	ASM_AT(de_idiv)
	"idivl %ecx\n"
	ASM_RESUME(de_idiv)
	"ret\n"
	/* #DB: POPF sets TF; the trap comes after the instruction that
	 * follows, with EIP past it. */
	ASM_TEST(db)
	"pushfl\n\t"
	"orl $0x100, (%esp)\n\t"
	"popfl\n"
	ASM_AT(db)
	"movl $0x1234, %eax\n"
	ASM_RESUME(db)
	"ret\n"
	/* #BP: a trap, EIP past the int3. */
	ASM_TEST(bp)
	"nop\n"
	ASM_AT(bp)
	"int3\n"
	ASM_RESUME(bp)
	"ret\n"
	/* #OF: INTO with OF set (INT_MAX + 1), a trap. */
	ASM_TEST(of)
	"movl $0x7fffffff, %eax\n\t"
	"addl $1, %eax\n"
	ASM_AT(of)
	"into\n"
	ASM_RESUME(of)
	"ret\n"
	/* #BR: 11 is outside [0, 10]. */
	ASM_TEST(br)
	"movl $11, %eax\n"
	ASM_AT(br)
	"boundl %eax, t_br_bounds\n"
	ASM_RESUME(br)
	"ret\n"
	/* #UD */
	ASM_TEST(ud)
	"nop\n"
	ASM_AT(ud)
	"ud2\n"
	ASM_RESUME(ud)
	"ret\n"
	/* #TS: IRET with NT=1 returns to the task in TSS.link, which is a
	 * data segment here. */
	ASM_TEST(ts)
	"pushfl\n\t"
	"orl $0x4000, (%esp)\n\t"
	"popfl\n"
	ASM_AT(ts)
	"iret\n"
	ASM_RESUME(ts)
	"ret\n"
	/* #NP: DS := a not-present segment. */
	ASM_TEST(np)
	"movw $0x30, %ax\n"
	ASM_AT(np)
	"movw %ax, %ds\n"
	ASM_RESUME(np)
	"ret\n"
	/* #SS: SS := a not-present segment. */
	ASM_TEST(ss)
	"movw $0x38, %ax\n"
	ASM_AT(ss)
	"movw %ax, %ss\n"
	ASM_RESUME(ss)
	"ret\n"
	/* #GP: DS := a selector past the GDT limit. */
	ASM_TEST(gp)
	"movw $0x40, %ax\n"
	ASM_AT(gp)
	"movw %ax, %ds\n"
	ASM_RESUME(gp)
	"ret\n"
	/* #NP: INT through a not-present gate. */
	ASM_TEST(npgate)
	"nop\n"
	ASM_AT(npgate)
	"int $0x50\n"
	ASM_RESUME(npgate)
	"ret\n"
	/* #UD raised inside the #BP handler. */
	ASM_TEST(nested_ud)
	"nop\n"
	ASM_AT(nested_ud)
	"ud2\n"
	ASM_RESUME(nested_ud)
	"ret\n"
	/* Ring 3: HLT is privileged, #GP(0). */
	ASM_TEST(u_hlt)
	"nop\n"
	ASM_AT(u_hlt)
	"hlt\n"
	ASM_RESUME(u_hlt)
	"int $0x80\n"
	/* Ring 3: INT n through a DPL-0 gate, #GP(n * 8 + 2), a fault. */
	ASM_TEST(u_int)
	"nop\n"
	ASM_AT(u_int)
	"int $0x40\n"
	ASM_RESUME(u_int)
	"int $0x80\n"
	/* Ring 3 with CR0.AM and EFLAGS.AC: a misaligned load, #AC(0). */
	ASM_TEST(u_ac)
	"movl $t_ac_data, %ebx\n"
	ASM_AT(u_ac)
	"movl 1(%ebx), %eax\n"
	ASM_RESUME(u_ac)
	"int $0x80\n"
	/* #PF (paging only): read and write the hole, at CPL 0. */
	ASM_TEST(pf_read)
	"nop\n"
	ASM_AT(pf_read)
	"movl 0x3ff123, %eax\n"
	ASM_RESUME(pf_read)
	"ret\n"
	ASM_TEST(pf_write)
	"nop\n"
	ASM_AT(pf_write)
	"movl %eax, 0x3ff456\n"
	ASM_RESUME(pf_write)
	"ret\n"
	/* #PF (paging only): ring 3 reads a supervisor page. */
	ASM_TEST(u_pf)
	"nop\n"
	ASM_AT(u_pf)
	"movl 0x3fe789, %eax\n"
	ASM_RESUME(u_pf)
	"int $0x80\n"

	".data\n"
	".balign 4\n"
	"t_br_bounds:\n\t"
	".long 0, 10\n"
	"t_ac_data:\n\t"
	".long 0, 0\n"
	".text\n");

/* ---- the handler ---- */

struct record {
	uint32_t vector, error, eip, cs, eflags;
	uint32_t cr2, dr6, depth, frame;
};

#define MAX_RECORDS 4
static volatile struct record records[MAX_RECORDS];
static volatile unsigned nrecords;
static volatile unsigned depth;
static volatile uint32_t resume_eip;    /* where the handler continues */
static void (*volatile hook)(struct rt_trap_frame *f);  /* nested test */
static volatile uint32_t hook_vector;

static void on_exception(struct rt_trap_frame *f)
{
	uint32_t cr2 = 0, dr6 = 0;

	if (f->vector == VEC_PF)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	if (f->vector == VEC_DB) {
		__asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
		__asm__ volatile("mov %0, %%dr6" : : "r"(0u));
	}
	depth++;
	if (nrecords < MAX_RECORDS) {
		volatile struct record *r = &records[nrecords];
		r->vector = f->vector;
		r->error = f->error;
		r->eip = f->eip;
		r->cs = f->cs;
		r->eflags = f->eflags;
		r->cr2 = cr2;
		r->dr6 = dr6;
		r->depth = depth;
		r->frame = (uint32_t)(uintptr_t)f;
	}
	nrecords++;
	if (hook && f->vector == hook_vector)
		hook(f);
	/* Not to be inherited by the code we resume: a single-step trap and
	 * the nested-task flag of the #TS case. */
	f->eflags &= ~(EFLAGS_TF | EFLAGS_NT);
	if (resume_eip)
		f->eip = resume_eip;
	depth--;
}

static void on_exit_trap(struct rt_trap_frame *f)
{
	(void)f;
	rt_leave_user(0);
}

/* ---- running and reporting ---- */

static unsigned failures;

static void start_test(const char *resume)
{
	nrecords = 0;
	depth = 0;
	resume_eip = (uint32_t)(uintptr_t)resume;
}

static void print_err(uint32_t err, bool has)
{
	if (has)
		rt_printf("0x%04x", (unsigned)err);
	else
		rt_printf("-");
}

/* One line: what record 0 says, and whether it is what we want. */
static void report(const char *name, int vector, int err, const char *base,
		   const char *want_eip, unsigned want_cpl)
{
	const volatile struct record *r = &records[0];
	uint32_t b = (uint32_t)(uintptr_t)base;

	if (nrecords == 0) {
		rt_printf("%s: no exception, WRONG (want vector %d)\n", name,
			  vector);
		failures++;
		return;
	}
	bool has_err = err != NO_ERR;
	bool ok = nrecords == 1 && r->vector == (uint32_t)vector &&
		  (!has_err || r->error == (uint32_t)err) &&
		  (!want_eip || r->eip == (uint32_t)(uintptr_t)want_eip) &&
		  (r->cs & 3) == want_cpl;
	rt_printf("%s: vector %u err ", name, (unsigned)r->vector);
	print_err(r->error, has_err);
	if (want_eip)
		rt_printf(" eip +%u", (unsigned)(r->eip - b));
	if (want_cpl)
		rt_printf(" cpl %u", (unsigned)(r->cs & 3));
	if (ok) {
		rt_printf(" ok\n");
		return;
	}
	failures++;
	rt_printf(" WRONG (saw %u exception(s); want vector %d err ",
		  nrecords, vector);
	print_err((uint32_t)err, has_err);
	if (want_eip)
		rt_printf(" eip +%u", (unsigned)((uint32_t)(uintptr_t)want_eip - b));
	rt_printf(" cpl %u)\n", want_cpl);
}

static void run_kernel(const char *name, void (*fn)(void), int vector,
		       int err, const char *want_eip, const char *resume)
{
	start_test(resume);
	fn();
	report(name, vector, err, (const char *)fn, want_eip, 0);
}

static uint8_t user_stack[4096] __attribute__((aligned(16)));

static void run_user(const char *name, const char *fn, int vector, int err,
		     const char *want_eip, const char *resume, uint32_t eflags)
{
	start_test(resume);
	rt_enter_user((void (*)(void))(uintptr_t)fn,
		      user_stack + sizeof(user_stack), eflags);
	report(name, vector, err, fn, want_eip, 3);
}

#define KTEST(name, x, vec, err, eip) \
	run_kernel(name, (void (*)(void))(uintptr_t)t_##x, vec, err, eip, \
		   t_##x##_resume)

/* ---- the cases that need more than a line ---- */

static void nested_hook(struct rt_trap_frame *f)
{
	uint32_t outer_resume = resume_eip;

	(void)f;
	resume_eip = (uint32_t)(uintptr_t)t_nested_ud_resume;
	((void (*)(void))(uintptr_t)t_nested_ud)();
	resume_eip = outer_resume;
}

static void test_nested(void)
{
	hook = nested_hook;
	hook_vector = VEC_BP;
	start_test(t_bp_resume);
	((void (*)(void))(uintptr_t)t_bp)();
	hook = 0;

	const volatile struct record *outer = &records[0], *inner = &records[1];
	uint32_t base = (uint32_t)(uintptr_t)t_nested_ud;
	bool ok = nrecords == 2 && outer->vector == VEC_BP &&
		  outer->depth == 1 && inner->vector == VEC_UD &&
		  inner->depth == 2 &&
		  inner->eip == (uint32_t)(uintptr_t)t_nested_ud_at &&
		  inner->frame < outer->frame;
	rt_printf("nested #UD in #BP handler: vector %u depth %u eip +%u, "
		  "frame below the outer one: %s, #BP resumed %s\n",
		  (unsigned)inner->vector, (unsigned)inner->depth,
		  (unsigned)(inner->eip - base),
		  inner->frame < outer->frame ? "yes" : "no",
		  ok ? "ok" : "WRONG");
	if (!ok)
		failures++;
}

/* #DE while the #DE gate is not present: the #NP raised while delivering
 * a contributory exception makes a #DF (error code 0). Its saved EIP is
 * undefined by the SDM, so it is not printed. */
static void test_double_fault(void)
{
	uint64_t gate = rt_idt[VEC_DE];

	rt_idt[VEC_DE] = gate & ~GATE_P;
	start_test(t_de_div_resume);
	((void (*)(void))(uintptr_t)t_de_div)();
	rt_idt[VEC_DE] = gate;
	report("#DF #DE through a not-present gate", VEC_DF, 0, t_de_div, 0, 0);
}

static void test_not_present_gate(void)
{
	uint64_t gate = rt_idt[VEC_NO_GATE];

	rt_idt[VEC_NO_GATE] = gate & ~GATE_P;
	KTEST("#NP int 0x50 through a not-present gate", npgate, VEC_NP,
	      IDT_ERROR(VEC_NO_GATE), t_npgate_at);
	rt_idt[VEC_NO_GATE] = gate;
}

static void test_single_step(void)
{
	KTEST("#DB single step", db, VEC_DB, NO_ERR, t_db_resume);
	rt_printf("#DB single step: dr6.BS=%u, TF in the saved EFLAGS=%u\n",
		  (records[0].dr6 & DR6_BS) ? 1 : 0,
		  (records[0].eflags & EFLAGS_TF) ? 1 : 0);
}

static void test_task_return(void)
{
	/* Needs a current TSS; its back link is a data segment. */
	rt_tss.link = RT_SEL_KDATA;
	KTEST("#TS iret with NT to a non-TSS", ts, VEC_TS, RT_SEL_KDATA,
	      t_ts_at);
	rt_tss.link = 0;
}

static void test_alignment_check(void)
{
	uint32_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_AM));
	run_user("#AC ring3 misaligned load", t_u_ac, VEC_AC, 0, t_u_ac_at,
		 t_u_ac_resume, RT_EFLAGS_AC);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
}

static volatile uint32_t if_inside, if_saved;

static void on_if_probe(struct rt_trap_frame *f)
{
	uint32_t fl;
	__asm__ volatile("pushfl; popl %0" : "=r"(fl));
	if_inside = (fl & EFLAGS_IF) ? 1 : 0;
	if_saved = (f->eflags & EFLAGS_IF) ? 1 : 0;
}

/* IF=1 is safe: the runtime masked every line of both PICs. */
static void test_gate_types(void)
{
	rt_set_trap_gate(VEC_INT_GATE, on_if_probe, 0, RT_GATE_INT);
	rt_set_trap_gate(VEC_TRAP_GATE, on_if_probe, 0, RT_GATE_TRAP);

	__asm__ volatile("sti; int %0; cli" : : "i"(VEC_INT_GATE) : "memory");
	bool ok = if_inside == 0 && if_saved == 1;
	rt_printf("interrupt gate: IF in handler=%u, saved IF=%u %s\n",
		  (unsigned)if_inside, (unsigned)if_saved, ok ? "ok" : "WRONG");
	failures += !ok;

	__asm__ volatile("sti; int %0; cli" : : "i"(VEC_TRAP_GATE) : "memory");
	ok = if_inside == 1 && if_saved == 1;
	rt_printf("trap gate: IF in handler=%u, saved IF=%u %s\n",
		  (unsigned)if_inside, (unsigned)if_saved, ok ? "ok" : "WRONG");
	failures += !ok;
}

static uint32_t page_dir[1024] __attribute__((aligned(PAGE_SIZE)));
static uint32_t page_table[1024] __attribute__((aligned(PAGE_SIZE)));

static void report_pf(const char *name, uint32_t want_cr2)
{
	bool ok = nrecords == 1 && records[0].cr2 == want_cr2;
	rt_printf("%s: cr2=0x%08x %s\n", name, (unsigned)records[0].cr2,
		  ok ? "ok" : "WRONG");
	failures += !ok;
}

static void test_paging(void)
{
	for (uint32_t i = 0; i < 1024; i++)
		page_table[i] = i * PAGE_SIZE | PTE_P | PTE_RW | PTE_US;
	page_table[PF_HOLE / PAGE_SIZE] = 0;
	page_table[PF_KERNEL / PAGE_SIZE] = PF_KERNEL | PTE_P | PTE_RW;
	page_dir[0] = (uint32_t)(uintptr_t)page_table | PTE_P | PTE_RW | PTE_US;

	uint32_t cr0;
	__asm__ volatile("mov %0, %%cr3" : : "r"(page_dir) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");

	KTEST("#PF read not present", pf_read, VEC_PF, 0x0, t_pf_read_at);
	report_pf("#PF read not present", PF_HOLE + 0x123);
	KTEST("#PF write not present", pf_write, VEC_PF, PTE_RW, t_pf_write_at);
	report_pf("#PF write not present", PF_HOLE + 0x456);
	run_user("#PF ring3 read of a supervisor page", t_u_pf, VEC_PF,
		 PTE_P | PTE_US, t_u_pf_at, t_u_pf_resume, 0);
	report_pf("#PF ring3 read of a supervisor page", PF_KERNEL + 0x789);

	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 & ~CR0_PG) : "memory");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	rt_printf("paging off again: %s\n", (cr0 & CR0_PG) ? "no" : "yes");
}

static __attribute__((noreturn)) void test_triple_fault(void)
{
	struct pseudo_descriptor empty = { 0, 0 };

	rt_printf("triple fault: lidt limit 0, int3; the machine should "
		  "shut down now\n");
	__asm__ volatile("lidt %0; int3" : : "m"(empty) : "memory");
	rt_printf("triple fault: still running, WRONG\n");
	rt_exit(2);
}

/* ---- the sample's GDT ---- */

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));

static uint64_t data_segment(uint8_t access)
{
	/* Flat: base 0, limit 0xFFFFF pages, G=1, D/B=1. */
	return 0xFFFFull | (uint64_t)access << 40 | 0xFull << 48 |
	       0xCull << 52;
}

static void load_gdt(uint64_t *table, unsigned entries)
{
	struct pseudo_descriptor d = {
		(uint16_t)(entries * 8 - 1), (uint32_t)(uintptr_t)table };
	__asm__ volatile("lgdt %0" : : "m"(d) : "memory");
}

int sample_main(void)
{
	for (unsigned i = 0; i < RT_GDT_ENTRIES; i++)
		gdt[i] = rt_gdt[i];
	gdt[SEL_NP_DATA >> 3] = data_segment(ACC_DATA_NOT_PRESENT);
	gdt[SEL_NP_STACK >> 3] = data_segment(ACC_DATA_NOT_PRESENT);
	load_gdt(gdt, GDT_ENTRIES);
	__asm__ volatile("ltr %w0" : : "r"(RT_SEL_TSS) : "memory");

	for (unsigned v = 0; v <= LAST_EXCEPTION; v++)
		rt_set_trap_handler(v, on_exception, 0);
	rt_set_trap_handler(VEC_EXIT, on_exit_trap, 3);

	KTEST("#DE div", de_div, VEC_DE, NO_ERR, t_de_div_at);
	KTEST("#DE idiv", de_idiv, VEC_DE, NO_ERR, t_de_idiv_at);
	test_single_step();
	KTEST("#BP int3", bp, VEC_BP, NO_ERR, t_bp_resume);
	KTEST("#OF into", of, VEC_OF, NO_ERR, t_of_resume);
	KTEST("#BR bound", br, VEC_BR, NO_ERR, t_br_at);
	KTEST("#UD ud2", ud, VEC_UD, NO_ERR, t_ud_at);
	test_task_return();
	KTEST("#NP mov ds, not-present segment", np, VEC_NP, SEL_NP_DATA,
	      t_np_at);
	KTEST("#SS mov ss, not-present segment", ss, VEC_SS, SEL_NP_STACK,
	      t_ss_at);
	KTEST("#GP mov ds, selector past the GDT limit", gp, VEC_GP,
	      SEL_BEYOND, t_gp_at);
	run_user("#GP ring3 hlt", t_u_hlt, VEC_GP, 0, t_u_hlt_at,
		 t_u_hlt_resume, 0);
	run_user("#GP ring3 int 0x40 through a DPL-0 gate", t_u_int, VEC_GP,
		 IDT_ERROR(VEC_INT_GATE), t_u_int_at, t_u_int_resume, 0);
	test_not_present_gate();
	test_double_fault();
	test_nested();
	test_gate_types();

	if (rt_has_flag("align"))
		test_alignment_check();
	if (rt_has_flag("paging"))
		test_paging();

	load_gdt(rt_gdt, RT_GDT_ENTRIES);
	rt_printf("exceptions: %u wrong\n", failures);
	if (rt_has_flag("triple"))
		test_triple_fault();
	return 0;
}
