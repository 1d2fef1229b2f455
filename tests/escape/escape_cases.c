/* escape_cases.c — the specific ways out a guest might try, each asserting
 * what the SDM (and QEMU TCG) says a real CPU does. Run one group at a time
 * (group=NAME), so a group that stops bt86 or crashes it spoils no other;
 * run-escape.sh runs every group under bt86 --check-host and QEMU.
 *
 *   syscall sysenter int80 vmcall vmmcall rdpid rdfsbase rdgsbase wrfsbase
 *   wrgsbase cpuid pause seg segtss wrap4g addr16 repram pteram ptevga
 *   tcguess popfvm popfirq
 *
 * Each check prints "NAME: ok" or "NAME: FAIL ..."; the guest exits 0 when
 * its group passed. */
#include "esc.h"

#define EFL_IF 0x200u
#define EFL_VM 0x20000u

static int is(const char *group, const char *name)
{
	return strlen(group) == strlen(name) && memcmp(group, name, strlen(name)) == 0;
}

/* ---- instructions that must raise #UD or #GP here ---- */

static void do_syscall(void) { __asm__ volatile(".byte 0x0f, 0x05" ::: "memory", "ecx"); }
static void do_sysenter(void) { __asm__ volatile(".byte 0x0f, 0x34" ::: "memory"); }
static void do_vmcall(void) { __asm__ volatile(".byte 0x0f, 0x01, 0xc1" : : "a"(0xffffffffu) : "memory"); }
/* EAX all ones: no hypercall number a host hypervisor knows. */
static void do_vmmcall(void) { __asm__ volatile(".byte 0x0f, 0x01, 0xd9" : : "a"(0xffffffffu) : "memory"); }
static void do_rdpid(void) { __asm__ volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" ::: "eax"); }
static void do_rdfsbase(void) { __asm__ volatile(".byte 0xf3, 0x0f, 0xae, 0xc0" ::: "eax"); }
static void do_rdgsbase(void) { __asm__ volatile(".byte 0xf3, 0x0f, 0xae, 0xc8" ::: "eax"); }
/* A value that would wreck the host's TLS (FS) or window (GS) if it ran. */
static void do_wrfsbase(void) { __asm__ volatile(".byte 0xf3, 0x0f, 0xae, 0xd0" : : "a"(0x1000u)); }
static void do_wrgsbase(void) { __asm__ volatile(".byte 0xf3, 0x0f, 0xae, 0xd8" : : "a"(0x1000u)); }

static volatile uint32_t int80_seen;
static void on_int80(struct rt_trap_frame *f) { int80_seen = f->eax; f->eax = 0x80808080u; }
static void do_int80(void)
{
	uint32_t a = 0x1234;
	__asm__ volatile("int $0x80" : "+a"(a) : : "memory");
	if (a != 0x80808080u)
		int80_seen = 0;
}

static void group_simple(const char *g)
{
	if (is(g, "syscall"))
		esc_expect("syscall: #UD (legacy mode, EFER.SCE 0)", esc_probe(do_syscall), 6, ESC_ANY_ERR);
	if (is(g, "sysenter"))
		esc_expect("sysenter: #GP(0) with IA32_SYSENTER_CS 0", esc_probe(do_sysenter), 13, 0);
	if (is(g, "vmcall"))
		esc_expect("vmcall: #UD outside VMX operation", esc_probe(do_vmcall), 6, ESC_ANY_ERR);
	if (is(g, "vmmcall"))
		esc_expect("vmmcall: #UD (EFER.SVME 0)", esc_probe(do_vmmcall), 6, ESC_ANY_ERR);
	if (is(g, "rdpid"))
		esc_expect("rdpid: #UD (not in the CPU model)", esc_probe(do_rdpid), 6, ESC_ANY_ERR);
	if (is(g, "rdfsbase"))
		esc_expect("rdfsbase: #UD outside 64-bit mode", esc_probe(do_rdfsbase), 6, ESC_ANY_ERR);
	if (is(g, "rdgsbase"))
		esc_expect("rdgsbase: #UD outside 64-bit mode", esc_probe(do_rdgsbase), 6, ESC_ANY_ERR);
	if (is(g, "wrfsbase"))
		esc_expect("wrfsbase: #UD outside 64-bit mode", esc_probe(do_wrfsbase), 6, ESC_ANY_ERR);
	if (is(g, "wrgsbase"))
		esc_expect("wrgsbase: #UD outside 64-bit mode", esc_probe(do_wrgsbase), 6, ESC_ANY_ERR);
	if (is(g, "int80")) {
		rt_set_trap_handler(0x80, on_int80, 3);
		esc_expect("int80: no exception", esc_probe(do_int80), ESC_NONE, ESC_ANY_ERR);
		esc_check("int80: through the guest IDT (handler saw EAX, set it)", int80_seen, 0x1234);
	}
}

/* ---- CPUID says only what the CPU does ---- */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void do_clac(void) { __asm__ volatile(".byte 0x0f, 0x01, 0xca"); }
static void do_stac(void) { __asm__ volatile(".byte 0x0f, 0x01, 0xcb"); __asm__ volatile(".byte 0x0f, 0x01, 0xca"); }
static void do_umip(void) { esc_set_cr4(esc_cr4() | (1u << 11)); esc_set_cr4(esc_cr4() & ~(1u << 11)); }
static void do_rd_deadline(void) { uint32_t a, d; __asm__ volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(0x6e0u)); }
static void do_rd_tsc_aux(void) { uint32_t a, d; __asm__ volatile("rdmsr" : "=a"(a), "=d"(d) : "c"(0xc0000103u)); }
static volatile uint32_t aux_seen;
static void do_rdtscp(void)
{
	uint32_t c;
	__asm__ volatile(".byte 0x0f, 0x01, 0xf9" : "=c"(c) : : "eax", "edx");
	aux_seen = c;
}
static void do_rdpid_value(void)
{
	uint32_t a;
	__asm__ volatile(".byte 0xf3, 0x0f, 0xc7, 0xf8" : "=a"(a));
	aux_seen = a;
}
static void do_wr_tsc_aux(void) { __asm__ volatile("wrmsr" : : "c"(0xc0000103u), "a"(0x2au), "d"(0u)); }

static void group_cpuid(void)
{
	uint32_t r0[4], r1[4], r7[4], rx[4] = { 0 }, rx1[4] = { 0 };
	cpuid(0, 0, r0);
	cpuid(1, 0, r1);
	if (r0[0] >= 7)
		cpuid(7, 0, r7);
	else
		r7[0] = r7[1] = r7[2] = r7[3] = 0;
	cpuid(0x80000000u, 0, rx);
	if (rx[0] >= 0x80000001u)
		cpuid(0x80000001u, 0, rx1);
	rt_printf("cpuid: 1.ecx=%08x 1.edx=%08x 7.ebx=%08x 7.ecx=%08x 80000001.edx=%08x\n", (unsigned)r1[2],
		  (unsigned)r1[3], (unsigned)r7[1], (unsigned)r7[2], (unsigned)rx1[3]);
	/* Each advertised feature must work; one that is absent is not checked. */
	if (r7[1] & (1u << 20)) {
		esc_expect("cpuid: SMAP advertised, CLAC works", esc_probe(do_clac), ESC_NONE, ESC_ANY_ERR);
		esc_expect("cpuid: SMAP advertised, STAC works", esc_probe(do_stac), ESC_NONE, ESC_ANY_ERR);
	} else {
		esc_expect("cpuid: SMAP absent, CLAC is #UD", esc_probe(do_clac), 6, ESC_ANY_ERR);
	}
	/* (Not tried when absent: QEMU TCG then hangs on the CR4 write.) */
	if (r7[2] & (1u << 2))
		esc_expect("cpuid: UMIP advertised, CR4.UMIP can be set", esc_probe(do_umip), ESC_NONE, ESC_ANY_ERR);
	if (r1[2] & (1u << 24))
		esc_expect("cpuid: TSC-deadline advertised, its MSR reads", esc_probe(do_rd_deadline), ESC_NONE,
			   ESC_ANY_ERR);
	else
		esc_check("cpuid: TSC-deadline absent", 0, 0);
	/* RDTSCP and RDPID return the guest's IA32_TSC_AUX (set to 0x2a here),
	 * never the host's CPU number. */
	bool aux = (rx1[3] & (1u << 27)) || (r7[2] & (1u << 22));
	if (aux) {
		esc_expect("cpuid: RDTSCP or RDPID advertised, IA32_TSC_AUX writes", esc_probe(do_wr_tsc_aux), ESC_NONE,
			   ESC_ANY_ERR);
		esc_expect("cpuid: RDTSCP or RDPID advertised, IA32_TSC_AUX reads", esc_probe(do_rd_tsc_aux), ESC_NONE,
			   ESC_ANY_ERR);
	}
	if (rx1[3] & (1u << 27)) {
		aux_seen = 0;
		esc_expect("cpuid: RDTSCP advertised, RDTSCP works", esc_probe(do_rdtscp), ESC_NONE, ESC_ANY_ERR);
		esc_check("cpuid: RDTSCP advertised, ECX is IA32_TSC_AUX", aux_seen, 0x2a);
	} else {
		esc_expect("cpuid: RDTSCP absent, RDTSCP is #UD", esc_probe(do_rdtscp), 6, ESC_ANY_ERR);
	}
	if (r7[2] & (1u << 22)) {
		aux_seen = 0;
		esc_expect("cpuid: RDPID advertised, RDPID works", esc_probe(do_rdpid_value), ESC_NONE, ESC_ANY_ERR);
		esc_check("cpuid: RDPID advertised, it returns IA32_TSC_AUX", aux_seen, 0x2a);
	} else
		esc_expect("cpuid: RDPID absent, RDPID is #UD", esc_probe(do_rdpid), 6, ESC_ANY_ERR);
}

static void do_pause(void) { __asm__ volatile("pause"); }

static void group_pause(void)
{
	esc_set_cr4(esc_cr4() & ~0x600u);   /* OSFXSR and OSXMMEXCPT off */
	esc_expect("pause: runs with CR4.OSFXSR 0", esc_probe(do_pause), ESC_NONE, ESC_ANY_ERR);
	esc_set_cr4(esc_cr4() | 0x600u);
	esc_expect("pause: runs with CR4.OSFXSR 1", esc_probe(do_pause), ESC_NONE, ESC_ANY_ERR);
}

/* ---- segment loads with a 64-bit Linux host's selector values ---- */

/* The runtime's six descriptors, then 0x30: a data segment, not present.
 * Limit 0x37: 0x38 and up are past it. */
static uint64_t gdt[7] __attribute__((aligned(8)));

static void lgdt_of(void *base, uint16_t limit)
{
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } d = { limit, (uint32_t)(uintptr_t)base };
	__asm__ volatile("lgdt %0" : : "m"(d));
}

#define LOAD_FN(name, reg, sel) \
	static void name(void) { __asm__ volatile("movw %0, %%" #reg : : "r"((uint16_t)(sel))); }
LOAD_FN(ds_10, ds, 0x10)
LOAD_FN(ds_2b, ds, 0x2b)
LOAD_FN(ds_33, ds, 0x33)
LOAD_FN(ds_3b, ds, 0x3b)
LOAD_FN(ds_23, ds, 0x23)
LOAD_FN(fs_33, fs, 0x33)
LOAD_FN(gs_2b, gs, 0x2b)
LOAD_FN(ss_23, ss, 0x23)
LOAD_FN(ss_2b, ss, 0x2b)

#define FAR_FN(name, insn, sel) \
	static void name(void) { __asm__ volatile(insn " $" #sel ", $1f\n1:" ::: "memory"); }
FAR_FN(jmp_08, "ljmp", 0x08)
FAR_FN(jmp_10, "ljmp", 0x10)
FAR_FN(jmp_2b, "ljmp", 0x2b)
FAR_FN(jmp_33, "ljmp", 0x33)
FAR_FN(call_23, "lcall", 0x23)
FAR_FN(call_3b, "lcall", 0x3b)

static void group_seg(void)
{
	memcpy(gdt, rt_gdt, sizeof rt_gdt);
	gdt[6] = 0x00cf72000000ffffull;   /* data, DPL 3 (so RPL 3 may load it), P = 0 */
	uint16_t tr;
	__asm__ volatile("str %0" : "=r"(tr));
	if (!tr)
		__asm__ volatile("ltr %w0" : : "r"(RT_SEL_TSS));   /* busy: a far JMP to it cannot switch tasks */
	memcpy(gdt, rt_gdt, sizeof rt_gdt);   /* again, with the busy bit */
	lgdt_of(gdt, sizeof gdt - 1);
	esc_expect("seg: mov ds, 0x10 (flat data)", esc_probe(ds_10), ESC_NONE, ESC_ANY_ERR);
	esc_expect("seg: mov ds, 0x2b (a TSS): #GP(0x28)", esc_probe(ds_2b), 13, 0x28);
	esc_expect("seg: mov ds, 0x33 (not present): #NP(0x30)", esc_probe(ds_33), 11, 0x30);
	esc_expect("seg: mov ds, 0x3b (past the limit): #GP(0x38)", esc_probe(ds_3b), 13, 0x38);
	esc_expect("seg: mov ds, 0x23 (ring-3 data at CPL 0)", esc_probe(ds_23), ESC_NONE, ESC_ANY_ERR);
	esc_expect("seg: mov fs, 0x33: #NP(0x30)", esc_probe(fs_33), 11, 0x30);
	esc_expect("seg: mov gs, 0x2b: #GP(0x28)", esc_probe(gs_2b), 13, 0x28);
	esc_expect("seg: mov ss, 0x23 (RPL != CPL): #GP(0x20)", esc_probe(ss_23), 13, 0x20);
	esc_expect("seg: mov ss, 0x2b: #GP(0x28)", esc_probe(ss_2b), 13, 0x28);
	esc_expect("seg: ljmp 0x08 (flat code)", esc_probe(jmp_08), ESC_NONE, ESC_ANY_ERR);
	esc_expect("seg: ljmp 0x10 (data): #GP(0x10)", esc_probe(jmp_10), 13, 0x10);
	esc_expect("seg: ljmp 0x33 (data, not present): #GP(0x30)", esc_probe(jmp_33), 13, 0x30);
	esc_expect("seg: lcall 0x23 (data): #GP(0x20)", esc_probe(call_23), 13, 0x20);
	esc_expect("seg: lcall 0x3b (past the limit): #GP(0x38)", esc_probe(call_3b), 13, 0x38);
	lgdt_of(rt_gdt, sizeof rt_gdt - 1);
	rt_desc_init();
}

/* A far JMP to the busy TSS (0x2b: Linux's __USER_DS on a 64-bit host). */
static void group_segtss(void)
{
	uint16_t tr;
	__asm__ volatile("str %0" : "=r"(tr));
	if (!tr)
		__asm__ volatile("ltr %w0" : : "r"(RT_SEL_TSS));
	esc_expect("segtss: ljmp 0x2b (busy TSS): #GP(0x28)", esc_probe(jmp_2b), 13, 0x28);
}

/* ---- addresses that wrap ---- */

static uint8_t pg_a[4096] __attribute__((aligned(4096)));
static uint8_t pg_b[4096] __attribute__((aligned(4096)));
static uint8_t pg_c[4096] __attribute__((aligned(4096)));

static uint32_t rd32(uint32_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
/* The barrier: the compiler cannot see that a store at a wrapping address
 * reaches pg_a and pg_b, and would read them before it. */
static void wr32(uint32_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; __asm__ volatile("" ::: "memory"); }

static void group_wrap4g(void)
{
	/* Paging: linear 0xfffff000 and 0 on two RAM pages; a dword at
	 * 0xfffffffe is the last two bytes of one and the first two of the
	 * other. */
	esc_paging_on();
	esc_map(0xfffff000u, (uint32_t)(uintptr_t)pg_a, ESC_PTE_P | ESC_PTE_RW);
	esc_map(0, (uint32_t)(uintptr_t)pg_b, ESC_PTE_P | ESC_PTE_RW);
	pg_a[0xffe] = 0x11;
	pg_a[0xfff] = 0x22;
	pg_b[0] = 0x33;
	pg_b[1] = 0x44;
	esc_check("wrap4g: paged dword read at 0xfffffffe wraps to 0", rd32(0xfffffffeu), 0x44332211u);
	wr32(0xfffffffeu, 0xaabbccddu);
	esc_check("wrap4g: paged dword write at 0xfffffffe wraps to 0",
		  (uint32_t)pg_a[0xffe] | pg_a[0xfff] << 8 | pg_b[0] << 16 | (uint32_t)pg_b[1] << 24, 0xaabbccddu);
	/* REP STOSD over the top: 0x800 dwords from 0xfffff000 fill both pages. */
	uint32_t d = 0xfffff000u, c = 0x800, v = 0x5a5a5a5au;
	__asm__ volatile("cld; rep stosl" : "+D"(d), "+c"(c) : "a"(v) : "memory");
	esc_check("wrap4g: rep stosd across 4 GiB fills the page at 0", *(uint32_t *)(pg_b + 4092), v);
	esc_check("wrap4g: rep stosd across 4 GiB ends with EDI at 0x1000", d, 0x1000);
	esc_paging_off();
	/* Paging off, flat: the dword at 0xfffffffe has RAM bytes 0 and 1 on top
	 * (its low half is whatever is at the top of the address space: a ROM
	 * on QEMU's PC, nothing in bt86, so it is not checked). */
	volatile uint16_t *low;
	__asm__("xorl %0, %0" : "=r"(low));   /* address 0, hidden from gcc (a null deref is a trap to it) */
	uint16_t keep = *low;
	*low = 0x6677;
	esc_check("wrap4g: flat dword read at 0xfffffffe has RAM 0-1 on top", rd32(0xfffffffeu) >> 16, 0x6677);
	wr32(0xfffffffeu, 0x12340000u | 0xffffu);
	esc_check("wrap4g: flat dword write at 0xfffffffe reaches RAM 0-1", *low, 0x1234);
	*low = keep;
}

static void group_addr16(void)
{
	volatile uint8_t *m;
	__asm__("xorl %0, %0" : "=r"(m));
	uint8_t keep[16];
	for (int i = 0; i < 16; i++) {
		keep[i] = m[i];
		m[i] = (uint8_t)(0xa0 + i);
	}
	for (int i = 0; i < 8; i++)
		m[0xfffe + i] = (uint8_t)(0xc0 + i);
	uint32_t v;
	/* mov eax, [bx+si] with BX 0xffff, SI 3: offset 0x0002 (wraps at 64 KiB) */
	__asm__ volatile(".byte 0x67, 0x8b, 0x00" : "=a"(v) : "b"(0xffffu), "S"(3u) : "memory");
	esc_check("addr16: [bx+si] wraps at 64 KiB", v, 0xa5a4a3a2u);
	/* mov eax, [bx+0x10] with BX 0xfff8: offset 0x0008 */
	__asm__ volatile(".byte 0x67, 0x8b, 0x47, 0x10" : "=a"(v) : "b"(0xfff8u) : "memory");
	esc_check("addr16: [bx+disp8] wraps at 64 KiB", v, 0xabaaa9a8u);
	/* mov eax, [bx] with BX 0xfffe: the offset is 0xfffe, the access runs on past 64 KiB */
	__asm__ volatile(".byte 0x67, 0x8b, 0x07" : "=a"(v) : "b"(0xfffeu) : "memory");
	esc_check("addr16: dword at offset 0xfffe is not split", v, 0xc3c2c1c0u);
	for (int i = 0; i < 16; i++)
		m[i] = keep[i];
}

/* ---- RAM that is not there ---- */

#define RAM_END (ESC_RAM_MB << 20)

static void group_repram(void)
{
	/* REP STOSB over the end of RAM: the bytes in RAM are written, the
	 * ones past it go nowhere, and reading there gives no stored value. */
	uint32_t d = RAM_END - 16, c = 32;
	__asm__ volatile("cld; rep stosb" : "+D"(d), "+c"(c) : "a"(0x5au) : "memory");
	esc_check("repram: rep stosb past RAM: last RAM dword written", rd32(RAM_END - 4), 0x5a5a5a5au);
	esc_check("repram: rep stosb past RAM: ECX ran out", c, 0);
	uint32_t past = rd32(RAM_END);
	if (past == 0x5a5a5a5au)
		esc_fail("repram: write past RAM was dropped", "read back 0x%08x", (unsigned)past);
	else
		esc_check("repram: write past RAM was dropped", 0, 0);
	/* REP MOVSB from past RAM into RAM: no value stored there comes back. */
	static uint8_t buf[32];
	uint32_t s = RAM_END - 8, dd = (uint32_t)(uintptr_t)buf;
	c = 16;
	__asm__ volatile("cld; rep movsb" : "+S"(s), "+D"(dd), "+c"(c) : : "memory");
	esc_check("repram: rep movsb from past RAM: the RAM half copied", *(uint32_t *)(buf + 4), 0x5a5a5a5au);
	esc_check("repram: rep movsb from past RAM: ECX ran out", c, 0);
}

static void group_pteram(void)
{
	esc_paging_on();
	/* A PTE pointing 64 MiB past the end of RAM, and one at its very end. */
	esc_map(0x50000000u, RAM_END + (64u << 20), ESC_PTE_P | ESC_PTE_RW);
	esc_map(0x50001000u, 0xfffff000u, ESC_PTE_P | ESC_PTE_RW);
	wr32(0x50000000u, 0x5a5a5a5au);
	uint32_t v = rd32(0x50000000u);
	if (v == 0x5a5a5a5au)
		esc_fail("pteram: write through a PTE past RAM was dropped", "read back 0x%08x", (unsigned)v);
	else
		esc_check("pteram: write through a PTE past RAM was dropped", 0, 0);
	wr32(0x50001ff0u, 0x5a5a5a5au);
	v = rd32(0x50001ff0u);
	if (v == 0x5a5a5a5au)
		esc_fail("pteram: write through a PTE at 0xfffff000 was dropped", "read back 0x%08x", (unsigned)v);
	else
		esc_check("pteram: write through a PTE at 0xfffff000 was dropped", 0, 0);
	esc_paging_off();
}

static void group_ptevga(void)
{
	esc_paging_on();
	/* A PTE at the VGA text window: a store through it is a store to 0xb8000. */
	esc_map(0x50000000u, 0xb8000u, ESC_PTE_P | ESC_PTE_RW);
	*(volatile uint16_t *)0x50000010u = 0x1f41;
	esc_check("ptevga: store through a PTE at 0xb8000 reaches VGA memory", *(volatile uint16_t *)0xb8010u, 0x1f41);
	wr32(0xb8020u, 0x12345678u);
	esc_check("ptevga: load through it sees VGA memory", rd32(0x50000020u), 0x12345678u);
	esc_paging_off();
}

/* ---- stores aimed at where the host's TC might be ---- */

static void group_tcguess(void)
{
	/* 32-bit truncations of typical x86-64 host addresses (mmap area,
	 * heap, stack, the kernel's), and the top of the linear space. The
	 * guest cannot read host addresses; whatever it writes must land in
	 * its own RAM page, mapped there. */
	static const uint32_t guesses[] = {
		0x7f000000u, 0x7f7f7000u, 0x7ffff000u, 0x55550000u, 0x55555000u, 0x56000000u, 0x00400000u,
		0xf7ff0000u, 0xfffff000u, 0xffffe000u, 0xc0000000u, 0x80000000u, 0xffff8000u, 0x10000000u,
	};
	esc_paging_on();
	unsigned landed = 0;
	for (unsigned i = 0; i < sizeof guesses / sizeof guesses[0]; i++) {
		esc_map(guesses[i], (uint32_t)(uintptr_t)pg_c, ESC_PTE_P | ESC_PTE_RW);
		memset(pg_c, 0, sizeof pg_c);
		uint32_t d = guesses[i], c = 1024, v = 0xc0de0000u + i;
		__asm__ volatile("cld; rep stosl" : "+D"(d), "+c"(c) : "a"(v) : "memory");
		wr32(guesses[i] + 0xffc, ~v);
		landed += *(uint32_t *)pg_c == v && *(uint32_t *)(pg_c + 0xff8) == v && *(uint32_t *)(pg_c + 0xffc) == ~v;
		esc_map(guesses[i], 0, 0);
	}
	esc_check("tcguess: every store landed in guest RAM", landed, sizeof guesses / sizeof guesses[0]);
	esc_paging_off();
}

/* ---- POPF and EFLAGS.VM; an interrupt right after POPF sets IF ---- */

static volatile uint32_t user_eflags;
static void on_user_int80(struct rt_trap_frame *f) { rt_leave_user(f->eflags); }
static uint8_t ustack[1024] __attribute__((aligned(16)));

static void user_popf_vm(void)
{
	__asm__ volatile("pushl $0x20202; popfl; int $0x80");
	for (;;)
		;
}

static void group_popfvm(void)
{
	esc_paging_on();
	/* rt_enter_user's user code and stack: user pages for this excursion. */
	esc_map((uint32_t)(uintptr_t)user_popf_vm & ~0xfffu, (uint32_t)(uintptr_t)user_popf_vm & ~0xfffu,
		ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US);
	esc_map(((uint32_t)(uintptr_t)user_popf_vm & ~0xfffu) + 0x1000, ((uint32_t)(uintptr_t)user_popf_vm & ~0xfffu) + 0x1000,
		ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US);
	for (uint32_t p = (uint32_t)(uintptr_t)ustack & ~0xfffu; p < (uint32_t)(uintptr_t)(ustack + sizeof ustack); p += 4096)
		esc_map(p, p, ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US);
	rt_set_trap_handler(0x80, on_user_int80, 3);
	uint32_t fl = rt_enter_user(user_popf_vm, ustack + sizeof ustack, 0);
	esc_check("popfvm: POPF at CPL 3 leaves EFLAGS.VM clear", fl & EFL_VM, 0);
	esc_paging_off();
	esc_check("popfvm: no frame had EFLAGS.VM", esc_vm_leaks, 0);
}

static volatile uint32_t irq_count;
static void on_irq0(struct rt_trap_frame *f) { (void)f; irq_count++; outb(0x20, 0x20); }
static uint32_t saved_esp_slot;

static void group_popfirq(void)
{
	esc_timer_on();
	rt_set_trap_handler(0x20, on_irq0, 0);
	unsigned bad = 0, taken = 0;
	for (int round = 0; round < 20; round++) {
		irq_count = 0;
		/* Wait with IF clear until IRQ0 is pending in the PIC (IRR). */
		for (uint32_t spin = 0; spin < 100000000u; spin++) {
			outb(0x20, 0x0a);
			if (inb(0x20) & 1)
				break;
		}
		uint32_t before, after, ebx_out, esi_out;
		/* As rt_leave_user does: ESP loaded from memory, then POPF sets IF. */
		__asm__ volatile(
			"movl %%esp, %[before]\n\t"
			"pushl $0x202\n\t"
			"movl %%esp, %[slot]\n\t"
			"movl %[slot], %%esp\n\t"
			"popfl\n\t"
			"nop\n\t"
			"cli\n\t"
			"movl %%esp, %[after]\n\t"
			: [before] "=&r"(before), [after] "=&r"(after), [slot] "+m"(saved_esp_slot), "=b"(ebx_out), "=S"(esi_out)
			: "b"(0x0b0b0b0bu), "S"(0x05050505u)
			: "memory", "cc");
		taken += irq_count != 0;
		bad += before != after || ebx_out != 0x0b0b0b0bu || esi_out != 0x05050505u;
	}
	esc_timer_off();
	esc_check("popfirq: the interrupt was taken after POPF (20 rounds)", taken, 20);
	esc_check("popfirq: ESP and registers intact after it", bad, 0);
}

int sample_main(void)
{
	const char *cl = rt_cmdline();
	const char *g = cl;
	/* group=NAME anywhere on the command line */
	for (const char *p = cl; *p; p++)
		if (memcmp(p, "group=", 6) == 0) {
			g = p + 6;
			break;
		}
	char group[16];
	unsigned n = 0;
	while (g[n] && g[n] != ' ' && n + 1 < sizeof group) {
		group[n] = g[n];
		n++;
	}
	group[n] = 0;
	if (g == cl || !n) {
		rt_printf("escape_cases: give group=NAME\n");
		return RT_EXIT_BAD_ARG;
	}
	esc_init();
	rt_printf("group %s\n", group);
	group_simple(group);
	if (is(group, "cpuid"))
		group_cpuid();
	if (is(group, "pause"))
		group_pause();
	if (is(group, "seg"))
		group_seg();
	if (is(group, "segtss"))
		group_segtss();
	if (is(group, "wrap4g"))
		group_wrap4g();
	if (is(group, "addr16"))
		group_addr16();
	if (is(group, "repram"))
		group_repram();
	if (is(group, "pteram"))
		group_pteram();
	if (is(group, "ptevga"))
		group_ptevga();
	if (is(group, "tcguess"))
		group_tcguess();
	if (is(group, "popfvm"))
		group_popfvm();
	if (is(group, "popfirq"))
		group_popfirq();
	return esc_finish();
}
