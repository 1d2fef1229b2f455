/* esc_lib.c — the escape guests' shared harness (see esc.h). */
#include "esc.h"

extern volatile uint32_t esc_probe_armed, esc_probe_vector;
extern char esc_probe_recover[];

volatile uint32_t esc_error;
void (*esc_user_trap)(struct rt_trap_frame *f);
volatile uint32_t esc_ticks;
void (*esc_tick_hook)(struct rt_trap_frame *f);

static uint32_t esc_pd[1024] __attribute__((aligned(4096)));
static uint32_t esc_pt[ESC_RAM_MB / 4][1024] __attribute__((aligned(4096)));
static uint32_t esc_rng;
static unsigned esc_npass, esc_nfail;

/* Ring 3, or virtual-8086 mode (QEMU TCG enters it on an IRET at CPL 3
 * whose popped EFLAGS has VM set, which the SDM allows only at CPL 0). */
static bool esc_from_user(const struct rt_trap_frame *f)
{
	return (f->cs & 3) || (f->eflags & 0x20000u);
}

/* EFLAGS.VM in a frame from protected-mode code (ring-0 or ring-3 CS):
 * impossible on a real CPU, where POPF never changes VM. Count it and clear
 * it, so the IRET back does not try virtual-8086 mode. */
volatile uint32_t esc_vm_leaks;

static void esc_vm_leak(struct rt_trap_frame *f)
{
	if ((f->eflags & 0x20000u) && (f->cs == RT_SEL_KCODE || f->cs == RT_SEL_UCODE)) {
		esc_vm_leaks++;
		f->eflags &= ~0x20000u;
	}
}

static void esc_on_trap(struct rt_trap_frame *f)
{
	esc_vm_leak(f);
	if (esc_from_user(f)) {
		if (esc_user_trap)
			esc_user_trap(f);
		rt_printf("harness: ring-3 trap %u at 0x%08x and no hook\n", (unsigned)f->vector, (unsigned)f->eip);
		rt_exit(RT_EXIT_EXCEPTION);
	}
	if (esc_probe_armed) {
		esc_probe_vector = f->vector;
		esc_error = f->error;
		esc_probe_armed = 0;
		f->eip = (uint32_t)(uintptr_t)esc_probe_recover;
		f->cs = RT_SEL_KCODE;
		f->ds = f->es = f->fs = f->gs = RT_SEL_KDATA;
		f->eflags &= ~(0x100u | 0x400u | 0x4000u | 0x40000u);   /* TF DF NT AC */
		return;
	}
	uint32_t cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	rt_printf("harness: unexpected vector %u error 0x%x at %x:0x%08x (cr2 0x%08x)\n", (unsigned)f->vector,
		  (unsigned)f->error, (unsigned)f->cs, (unsigned)f->eip, (unsigned)cr2);
	/* At a failed IRET these are the frame it was given. */
	const uint32_t *next = &f->user_esp;
	rt_printf("harness: stack above: %08x %08x %08x %08x %08x\n", (unsigned)next[0], (unsigned)next[1],
		  (unsigned)next[2], (unsigned)next[3], (unsigned)next[4]);
	rt_exit(RT_EXIT_EXCEPTION);
}

void esc_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		rt_set_trap_handler((uint8_t)v, esc_on_trap, 0);
}

void esc_paging_on(void)
{
	for (uint32_t t = 0; t < ESC_RAM_MB / 4; t++) {
		for (uint32_t i = 0; i < 1024; i++)
			esc_pt[t][i] = ((t * 1024 + i) << 12) | ESC_PTE_P | ESC_PTE_RW;
		esc_pd[t] = (uint32_t)(uintptr_t)esc_pt[t] | ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US;
	}
	esc_pt[0][0] = 0;   /* page 0 unmapped: a null access faults */
	__asm__ volatile("mov %0, %%cr3" : : "r"(esc_pd) : "memory");
	esc_set_cr0(esc_cr0() | 0x80010000u);   /* PG, WP */
}

void esc_paging_off(void)
{
	esc_set_cr0(esc_cr0() & ~0x80000000u);
}

/* A page table for a PDE beyond the identity map, made on demand. */
static uint32_t esc_pt_extra[16][1024] __attribute__((aligned(4096)));
static uint32_t esc_pt_extra_pde[16];
static unsigned esc_nextra;

void esc_map(uint32_t lin, uint32_t phys, uint32_t flags)
{
	uint32_t pde = lin >> 22, pte = (lin >> 12) & 1023;
	uint32_t *pt;
	if (pde < ESC_RAM_MB / 4) {
		pt = esc_pt[pde];
	} else {
		unsigned k = 0;
		while (k < esc_nextra && esc_pt_extra_pde[k] != pde)
			k++;
		if (k == esc_nextra) {
			if (esc_nextra == 16) {
				rt_printf("harness: too many page tables\n");
				rt_exit(RT_EXIT_EXCEPTION);
			}
			esc_pt_extra_pde[esc_nextra++] = pde;
			esc_pd[pde] = (uint32_t)(uintptr_t)esc_pt_extra[k] | ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US;
		}
		pt = esc_pt_extra[k];
	}
	pt[pte] = flags ? (phys & ~0xfffu) | flags : 0;
	__asm__ volatile("invlpg (%0)" : : "r"(lin) : "memory");
}

static void esc_on_timer(struct rt_trap_frame *f)
{
	outb(0x20, 0x20);   /* EOI first: a hook may leave for good */
	esc_vm_leak(f);
	if (esc_from_user(f)) {
		esc_ticks++;
		if (esc_tick_hook)
			esc_tick_hook(f);
	}
}

void esc_timer_on(void)
{
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xfe);   /* IRQ0 only */
	outb(0xa1, 0xff);
	rt_set_trap_handler(0x20, esc_on_timer, 0);
	outb(0x43, 0x34);
	outb(0x40, 11932 & 0xff);   /* 100 Hz */
	outb(0x40, 11932 >> 8);
}

void esc_timer_off(void)
{
	outb(0x21, 0xff);
}

uint32_t esc_rand(void)
{
	uint32_t x = esc_rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return esc_rng = x;
}

void esc_seed(uint32_t s)
{
	esc_rng = s ? s : 0x2545f491u;
}

void esc_fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	rt_printf("%s: FAIL ", name);
	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
	rt_putc('\n');
	esc_nfail++;
}

static void esc_pass(const char *name)
{
	rt_printf("%s: ok\n", name);
	esc_npass++;
}

static void esc_vec_name(uint32_t v, char *buf)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vec9", "#TS", "#NP", "#SS",
		"#GP", "#PF", "vec15", "#MF", "#AC", "#MC", "#XM",
	};
	if (v == ESC_NONE) {
		memcpy(buf, "none", 5);
		return;
	}
	const char *n = v < 32 && names[v] ? names[v] : "vec";
	size_t k = strlen(n);
	memcpy(buf, n, k + 1);
	if (v >= 20) {
		buf[k++] = (char)('0' + v / 10 % 10);
		buf[k++] = (char)('0' + v % 10);
		buf[k] = 0;
	}
}

void esc_expect(const char *name, uint32_t got_vec, uint32_t want_vec, int want_err)
{
	char g[16], w[16];
	esc_vec_name(got_vec, g);
	esc_vec_name(want_vec, w);
	if (got_vec != want_vec)
		esc_fail(name, "got %s (error 0x%x), want %s", g, (unsigned)esc_error, w);
	else if (want_err != ESC_ANY_ERR && got_vec != ESC_NONE && esc_error != (uint32_t)want_err)
		esc_fail(name, "got %s error 0x%x, want error 0x%x", g, (unsigned)esc_error, (unsigned)want_err);
	else
		esc_pass(name);
}

void esc_check(const char *name, uint32_t got, uint32_t want)
{
	if (got != want)
		esc_fail(name, "got 0x%08x, want 0x%08x", (unsigned)got, (unsigned)want);
	else
		esc_pass(name);
}

int esc_finish(void)
{
	rt_printf("escape: %u passed, %u failed\n", esc_npass, esc_nfail);
	return esc_nfail ? 1 : 0;
}
