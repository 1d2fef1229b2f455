/* popek.c — x86's sensitive but unprivileged instructions, after Popek and
 * Goldberg (1974): a machine can be virtualized by trap-and-emulate only if
 * every sensitive instruction is privileged. On x86 these are not: at CPL 3
 * they neither trap nor do what they do at CPL 0 — they quietly do
 * something else, or reveal state a VMM wants to hide.
 *
 * Every probe runs at CPL 0 and again at CPL 3 (with IOPL 0, and once more
 * with IOPL 3 where IOPL matters), and each line prints what the guest saw.
 * Under a correct VMM the lines are those of real hardware (QEMU TCG is the
 * reference); a VMM that runs deprivileged guest code IDENT (bt86's `naive`
 * treatment) changes the ring-0 lines: POPF loses its IF and IOPL changes,
 * PUSHF and MOV from CS/SS show the host's privilege level, SGDT/SIDT/STR
 * the host's tables, LAR/LSL/VERR/VERW judge by the wrong CPL.
 *
 * Ring 3 is entered with IRET and left with INT 0x80; with the bare token
 * `sysenter` on the command line, with SYSEXIT and SYSENTER instead (for a
 * VMM or KVM backend without protected-mode IRET); the output is the same.
 * CPUID is left out on purpose: its answers differ between QEMU and KVM.
 */
#include "rt.h"

#define EFLAGS_IF    (1u << 9)
#define EFLAGS_IOPL  (3u << 12)
#define IOPL_SHIFT   12
#define CR0_LOW_BITS 0x1Fu          /* PE MP EM TS ET: what SMSW shows */
#define CR0_PE       0x01u
#define LAR_MASK     0x00F0FF00u    /* bits LAR defines (type..P, AVL..G) */
#define EXIT_VECTOR  0x80
#define SEL_BEYOND_GDT 0x30         /* first selector past the GDT limit */

struct pseudo_descriptor {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

/* What a probe run saw. */
struct seg_view {
	bool lar_ok, lsl_ok, verr, verw;
	uint32_t lar, lsl;
};

static const uint16_t probe_sels[] = {
	0x0000, RT_SEL_KCODE, RT_SEL_KDATA, RT_SEL_UCODE, RT_SEL_UDATA,
	RT_SEL_TSS, SEL_BEYOND_GDT,
};
#define NSELS (sizeof(probe_sels) / sizeof(probe_sels[0]))

struct observations {
	uint32_t pushf;                 /* EFLAGS as PUSHF shows it */
	uint32_t if_before, if_after;   /* POPF with IF cleared */
	uint32_t iopl_before, iopl_after, iopl_tried;  /* POPF with IOPL ^= 3 */
	struct pseudo_descriptor gdtr, idtr;
	uint16_t ldtr, tr, msw, cs, ss, ds;
	struct seg_view seg[NSELS];
};

static uint8_t user_stack[4096] __attribute__((aligned(16)));
static struct observations obs_user;
static void (*user_probe)(struct observations *o);
static bool use_sysenter;

static uint32_t read_eflags(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static void write_eflags(uint32_t f)
{
	__asm__ volatile("pushl %0; popfl" : : "r"(f) : "cc", "memory");
}

/* The probes, the same code at any CPL. Leaves IF and IOPL as they were
 * when POPF was allowed to change them. */
static void probe(struct observations *o)
{
	uint32_t f = read_eflags();

	o->pushf = f;
	o->if_before = (f & EFLAGS_IF) ? 1 : 0;
	write_eflags(f & ~EFLAGS_IF);           /* cli by POPF */
	o->if_after = (read_eflags() & EFLAGS_IF) ? 1 : 0;
	write_eflags(f);

	o->iopl_before = (f & EFLAGS_IOPL) >> IOPL_SHIFT;
	o->iopl_tried = o->iopl_before ^ 3;
	write_eflags(f ^ EFLAGS_IOPL);
	o->iopl_after = (read_eflags() & EFLAGS_IOPL) >> IOPL_SHIFT;
	write_eflags(f);

	__asm__ volatile("sgdt %0" : "=m"(o->gdtr));
	__asm__ volatile("sidt %0" : "=m"(o->idtr));
	__asm__ volatile("sldt %0" : "=r"(o->ldtr));
	__asm__ volatile("str %0" : "=r"(o->tr));
	__asm__ volatile("smsw %0" : "=r"(o->msw));
	__asm__ volatile("movw %%cs, %0" : "=r"(o->cs));
	__asm__ volatile("movw %%ss, %0" : "=r"(o->ss));
	__asm__ volatile("movw %%ds, %0" : "=r"(o->ds));
}

/* LAR, LSL, VERR and VERW on every selector, judged at the current CPL. */
static void probe_segments(struct observations *o)
{
	for (unsigned i = 0; i < NSELS; i++) {
		struct seg_view *v = &o->seg[i];
		uint32_t sel = probe_sels[i];
		uint32_t lar = 0, lsl = 0;
		uint8_t ok;

		__asm__ volatile("larl %2, %0; setz %1"
				 : "+r"(lar), "=q"(ok) : "r"(sel) : "cc");
		v->lar_ok = ok;
		v->lar = ok ? lar & LAR_MASK : 0;
		__asm__ volatile("lsll %2, %0; setz %1"
				 : "+r"(lsl), "=q"(ok) : "r"(sel) : "cc");
		v->lsl_ok = ok;
		v->lsl = ok ? lsl : 0;
		__asm__ volatile("verr %w1; setz %0" : "=q"(ok) : "r"(sel) : "cc");
		v->verr = ok;
		__asm__ volatile("verw %w1; setz %0" : "=q"(ok) : "r"(sel) : "cc");
		v->verw = ok;
	}
}

/* ---- ring 3 ---- */

static __attribute__((noreturn)) void user_main(void)
{
	user_probe(&obs_user);
	if (use_sysenter)
		rt_user_sysenter(0);
	__asm__ volatile("int %0" : : "i"(EXIT_VECTOR) : "memory");
	for (;;)
		;       /* not reached */
}

static void on_exit_trap(struct rt_trap_frame *f)
{
	(void)f;
	rt_leave_user(0);
}

static void run_in_ring3(void (*fn)(struct observations *o), uint32_t eflags)
{
	memset(&obs_user, 0, sizeof(obs_user));
	user_probe = fn;
	if (use_sysenter)
		rt_enter_user_sysexit(user_main, user_stack + sizeof(user_stack),
				      eflags);
	else
		rt_enter_user(user_main, user_stack + sizeof(user_stack), eflags);
}

/* ---- printing ---- */

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_obs(const char *ring, const struct observations *o,
		      bool flags_only)
{
	rt_printf("%s pushf: IF=%u IOPL=%u\n", ring,
		  (o->pushf & EFLAGS_IF) ? 1 : 0,
		  (unsigned)((o->pushf & EFLAGS_IOPL) >> IOPL_SHIFT));
	rt_printf("%s popf cli-attempt: IF before=%u after=%u\n", ring,
		  (unsigned)o->if_before, (unsigned)o->if_after);
	rt_printf("%s popf IOPL=%u attempt: IOPL before=%u after=%u\n", ring,
		  (unsigned)o->iopl_tried, (unsigned)o->iopl_before,
		  (unsigned)o->iopl_after);
	if (flags_only)
		return;
	rt_printf("%s sgdt: limit=0x%04x base=0x%08x (own GDT: %s)\n", ring,
		  o->gdtr.limit, (unsigned)o->gdtr.base,
		  yes_no(o->gdtr.base == (uint32_t)(uintptr_t)rt_gdt));
	rt_printf("%s sidt: limit=0x%04x base=0x%08x (own IDT: %s)\n", ring,
		  o->idtr.limit, (unsigned)o->idtr.base,
		  yes_no(o->idtr.base == (uint32_t)(uintptr_t)rt_idt));
	rt_printf("%s sldt: 0x%04x, str: 0x%04x\n", ring, o->ldtr, o->tr);
	rt_printf("%s smsw: PE=%u, low bits & 0x%02x = 0x%02x\n", ring,
		  (o->msw & CR0_PE) ? 1 : 0, CR0_LOW_BITS,
		  o->msw & CR0_LOW_BITS);
	rt_printf("%s mov from cs: 0x%04x (RPL %u), ss: 0x%04x, ds: 0x%04x\n",
		  ring, o->cs, o->cs & 3, o->ss, o->ds);
}

static void print_segments(const char *ring, const struct observations *o)
{
	for (unsigned i = 0; i < NSELS; i++) {
		const struct seg_view *v = &o->seg[i];

		rt_printf("%s sel 0x%04x: lar ", ring, probe_sels[i]);
		if (v->lar_ok)
			rt_printf("0x%08x", (unsigned)v->lar);
		else
			rt_printf("-");
		rt_printf(" lsl ");
		if (v->lsl_ok)
			rt_printf("0x%08x", (unsigned)v->lsl);
		else
			rt_printf("-");
		rt_printf(" verr %s verw %s\n", yes_no(v->verr), yes_no(v->verw));
	}
}

int sample_main(void)
{
	static struct observations obs_kernel;
	uint32_t cr0;

	use_sysenter = rt_has_flag("sysenter");
	rt_set_trap_handler(EXIT_VECTOR, on_exit_trap, 3);
	/* TR as ring 3 will see it (rt_enter_user would load it anyway). */
	__asm__ volatile("ltr %w0" : : "r"(RT_SEL_TSS) : "memory");

	/* Ring 0 with IF=1, like ring 3 below; the PICs are masked. */
	__asm__ volatile("sti");
	probe(&obs_kernel);
	__asm__ volatile("cli");
	print_obs("ring0", &obs_kernel, false);
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	rt_printf("ring0 mov from cr0 agrees with smsw: %s\n",
		  yes_no((cr0 & 0xFFFF) == obs_kernel.msw));
	uint32_t f = read_eflags();
	rt_printf("ring0 cli; pushf: IF=%u\n", (f & EFLAGS_IF) ? 1 : 0);

	run_in_ring3(probe, RT_EFLAGS_IF);
	print_obs("ring3", &obs_user, false);

	/* With IOPL 3, CPL 3 may change IF but still not IOPL. */
	run_in_ring3(probe, RT_EFLAGS_IF | EFLAGS_IOPL);
	print_obs("ring3/iopl3", &obs_user, true);

	/* Last, as the least commonly emulated: the segment probes. */
	probe_segments(&obs_kernel);
	print_segments("ring0", &obs_kernel);
	run_in_ring3(probe_segments, RT_EFLAGS_IF);
	print_segments("ring3", &obs_user);
	return 0;
}
