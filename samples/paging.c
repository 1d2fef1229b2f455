/* paging.c — a guest that uses paging the way a small kernel does, so the
 * translator's shadow paging is checked against QEMU and KVM:
 *
 *   - the kernel runs through a higher-half alias (0xC0000000 + physical),
 *   - two address spaces (two CR3s) put different code at the same linear
 *     address 0x40000000, and a CR3 load must switch which runs,
 *   - code is rewritten through another mapping of its physical page,
 *   - a PTE is pointed elsewhere and INVLPG makes the change visible,
 *   - the CPU sets the Accessed and Dirty bits,
 *   - #PF on an instruction fetch, on a write to a read-only page with
 *     CR0.WP, and from ring 3 (CR2 and error codes printed),
 *   - ring 3 runs code and uses a stack on user pages.
 *
 * Each check prints one line ending in "ok" or what it saw instead. */
#include "rt.h"
#include "rt_desc.h"

#define PAGE      4096u
#define PTE_P     0x001u
#define PTE_RW    0x002u
#define PTE_US    0x004u
#define PTE_A     0x020u
#define PTE_D     0x040u
#define CR0_WP    (1u << 16)
#define CR0_PG    (1u << 31)

#define USER_BASE 0x40000000u   /* PDE 0x100 */
#define HIGH_BASE 0xc0000000u   /* PDE 0x300: the kernel's higher-half alias */
#define PHYS_WIN  0x00800000u   /* PDE 2: 0x800000-0xbfffff, identity */
#define PHYS(n)   (PHYS_WIN + (n) * PAGE)

static uint32_t pd_a[1024] __attribute__((aligned(PAGE)));
static uint32_t pd_b[1024] __attribute__((aligned(PAGE)));
static uint32_t pt_low[1024] __attribute__((aligned(PAGE)));
static uint32_t pt_win[1024] __attribute__((aligned(PAGE)));
static uint32_t pt_user_a[1024] __attribute__((aligned(PAGE)));
static uint32_t pt_user_b[1024] __attribute__((aligned(PAGE)));

static int failures;

static void check(const char *what, uint32_t got, uint32_t want)
{
	if (got == want) {
		rt_printf("%s: 0x%08x ok\n", what, (unsigned)got);
	} else {
		rt_printf("%s: 0x%08x WRONG (want 0x%08x)\n", what, (unsigned)got, (unsigned)want);
		failures++;
	}
}

static void load_cr3(uint32_t *pd)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(pd) : "memory");
}

static void invlpg(uint32_t lin)
{
	__asm__ volatile("invlpg (%0)" : : "r"(lin) : "memory");
}

/* "mov eax, v; ret" at physical address pa (through the identity window). */
static void put_ret_code(uint32_t pa, uint32_t v)
{
	volatile uint8_t *p = (volatile uint8_t *)pa;
	p[0] = 0xb8;
	p[1] = (uint8_t)v;
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)(v >> 16);
	p[4] = (uint8_t)(v >> 24);
	p[5] = 0xc3;
}

static uint32_t call_at(uint32_t lin)
{
	uint32_t (*fn)(void) = (uint32_t (*)(void))lin;
	return fn();
}

static uint32_t __attribute__((noinline)) seven(void)
{
	return 7;
}

/* ---- #PF handling: record it and resume where the test says ---- */
static volatile uint32_t pf_cr2, pf_err, pf_eip, pf_count;
extern char pf_ret[], pf_w_at[], pf_w_resume[];

/* pf_ret: a bare `ret`, where a fetch fault resumes (the call's return
 * address is still on the stack). pf_w: a write that faults. */
__asm__(".text\n"
	".globl pf_ret\n"
	"pf_ret: ret\n"
	".globl pf_w, pf_w_at, pf_w_resume\n"
	"pf_w:\n"
	"pf_w_at: movl $1, 0x40002000\n"
	"pf_w_resume: ret\n");
void pf_w(void);

static void on_pf(struct rt_trap_frame *f)
{
	uint32_t cr2;
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	pf_cr2 = cr2;
	pf_err = f->error;
	pf_eip = f->eip;
	pf_count++;
	if (f->eip == (uint32_t)(uintptr_t)pf_w_at)
		f->eip = (uint32_t)(uintptr_t)pf_w_resume;
	else if ((f->cs & 3) == 3)
		rt_leave_user(0xdead0000u | (cr2 & 0xffff));
	else
		f->eip = (uint32_t)(uintptr_t)pf_ret;
}

static void on_int80(struct rt_trap_frame *f)
{
	rt_leave_user(f->eax);
}

int sample_main(void)
{
	/* Kernel: identity 0-4 MiB and the same at 0xC0000000, supervisor. */
	for (uint32_t i = 0; i < 1024; i++) {
		pt_low[i] = i * PAGE | PTE_P | PTE_RW;
		pt_win[i] = (PHYS_WIN + i * PAGE) | PTE_P | PTE_RW;
	}
	pd_a[0] = pd_b[0] = (uint32_t)(uintptr_t)pt_low | PTE_P | PTE_RW | PTE_US;
	pd_a[2] = pd_b[2] = (uint32_t)(uintptr_t)pt_win | PTE_P | PTE_RW;
	pd_a[HIGH_BASE >> 22] = pd_b[HIGH_BASE >> 22] = (uint32_t)(uintptr_t)pt_low | PTE_P | PTE_RW;
	pd_a[USER_BASE >> 22] = (uint32_t)(uintptr_t)pt_user_a | PTE_P | PTE_RW | PTE_US;
	pd_b[USER_BASE >> 22] = (uint32_t)(uintptr_t)pt_user_b | PTE_P | PTE_RW | PTE_US;
	/* User space: code at 0x40000000 (a different page in each space). */
	put_ret_code(PHYS(0), 0xaaaa0001u);
	put_ret_code(PHYS(1), 0xbbbb0002u);
	put_ret_code(PHYS(2), 0xcccc0004u);
	pt_user_a[0] = PHYS(0) | PTE_P | PTE_RW | PTE_US;
	pt_user_b[0] = PHYS(1) | PTE_P | PTE_RW | PTE_US;

	rt_set_trap_handler(14, on_pf, 0);
	rt_set_trap_handler(0x80, on_int80, 3);

	uint32_t cr0;
	load_cr3(pd_a);
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");
	rt_printf("paging on\n");

	/* The kernel through its higher-half alias. */
	check("call through the 0xC0000000 alias", call_at(HIGH_BASE + (uint32_t)(uintptr_t)seven), 7);
	check("read through the 0xC0000000 alias", *(volatile uint32_t *)(HIGH_BASE + (uint32_t)(uintptr_t)&pt_win[5]),
	      pt_win[5]);

	/* Two address spaces, the same linear address. */
	check("space A at 0x40000000", call_at(USER_BASE), 0xaaaa0001u);
	load_cr3(pd_b);
	check("space B at 0x40000000", call_at(USER_BASE), 0xbbbb0002u);
	load_cr3(pd_a);
	check("space A again", call_at(USER_BASE), 0xaaaa0001u);

	/* Code rewritten through the physical window, run through 0x40000000. */
	put_ret_code(PHYS(0), 0xaaaa0003u);
	check("code rewritten through another mapping", call_at(USER_BASE), 0xaaaa0003u);

	/* A PTE pointed elsewhere, then INVLPG. */
	pt_user_a[0] = PHYS(2) | PTE_P | PTE_RW | PTE_US;
	invlpg(USER_BASE);
	check("PTE changed, INVLPG", call_at(USER_BASE), 0xcccc0004u);

	/* Accessed and Dirty. */
	pt_user_a[1] = PHYS(3) | PTE_P | PTE_RW | PTE_US;
	invlpg(USER_BASE + PAGE);
	(void)*(volatile uint32_t *)(USER_BASE + PAGE);
	check("PTE after a read (A, D)", pt_user_a[1] & (PTE_A | PTE_D), PTE_A);
	*(volatile uint32_t *)(USER_BASE + PAGE + 8) = 0x1234;
	check("PTE after a write (A, D)", pt_user_a[1] & (PTE_A | PTE_D), PTE_A | PTE_D);
	check("the write reached the physical page", *(volatile uint32_t *)(PHYS(3) + 8), 0x1234);
	check("PDE accessed", pd_a[USER_BASE >> 22] & PTE_A, PTE_A);

	/* #PF on an instruction fetch from a page that is not present. */
	pf_count = 0;
	(void)call_at(USER_BASE + 5 * PAGE);   /* on_pf resumes at a `ret` */
	check("  #PF count", pf_count, 1);
	check("  CR2", pf_cr2, USER_BASE + 5 * PAGE);
	check("  error code", pf_err, 0);
	check("  EIP", pf_eip, USER_BASE + 5 * PAGE);

	/* #PF writing a read-only page with CR0.WP (supervisor). */
	pt_user_a[2] = PHYS(4) | PTE_P | PTE_US;
	invlpg(USER_BASE + 2 * PAGE);
	pf_w();   /* CR0.WP clear: the supervisor may write */
	check("supervisor write to a read-only page, WP=0", *(volatile uint32_t *)PHYS(4), 1);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG | CR0_WP) : "memory");
	pf_count = 0;
	*(volatile uint32_t *)PHYS(4) = 0;
	pf_w();
	check("supervisor write to a read-only page, WP=1: #PF count", pf_count, 1);
	check("  CR2", pf_cr2, USER_BASE + 2 * PAGE);
	check("  error code", pf_err, PTE_P | PTE_RW);
	check("  the page is unchanged", *(volatile uint32_t *)PHYS(4), 0);
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");

	/* Ring 3: code and stack on user pages, INT 0x80 back. */
	static const uint8_t user_code[] = {
		0xb8, 0x78, 0x56, 0x34, 0x12,   /* mov eax, 0x12345678 */
		0x50,                           /* push eax (the user stack) */
		0x58,                           /* pop eax */
		0xcd, 0x80,                     /* int 0x80 */
	};
	memcpy((void *)PHYS(5), user_code, sizeof user_code);
	pt_user_a[3] = PHYS(5) | PTE_P | PTE_US;            /* code: read-only */
	pt_user_a[4] = PHYS(6) | PTE_P | PTE_RW | PTE_US;   /* stack */
	check("ring 3 code and stack on user pages",
	      rt_enter_user((void (*)(void))(USER_BASE + 3 * PAGE), (void *)(USER_BASE + 5 * PAGE), 0), 0x12345678u);
	/* Ring 3 reads the kernel's (supervisor) pages: #PF, error code P|U. */
	static const uint8_t user_peek[] = {
		0xa1, 0x00, 0x10, 0x10, 0x00,   /* mov eax, [0x101000] */
		0xcd, 0x80,
	};
	memcpy((void *)PHYS(5), user_peek, sizeof user_peek);
	pf_count = 0;
	check("ring 3 reads a supervisor page",
	      rt_enter_user((void (*)(void))(USER_BASE + 3 * PAGE), (void *)(USER_BASE + 5 * PAGE), 0), 0xdead1000u);
	check("  error code", pf_err, PTE_P | PTE_US);
	/* Ring 3 writes its read-only code page: error code P|W|U. */
	static const uint8_t user_poke[] = {
		0xc7, 0x05, 0x00, 0x30, 0x00, 0x40, 0x01, 0x00, 0x00, 0x00,   /* mov dword [0x40003000], 1 */
		0xcd, 0x80,
	};
	memcpy((void *)PHYS(5), user_poke, sizeof user_poke);
	check("ring 3 writes a read-only page",
	      rt_enter_user((void (*)(void))(USER_BASE + 3 * PAGE), (void *)(USER_BASE + 5 * PAGE), 0), 0xdead3000u);
	check("  error code", pf_err, PTE_P | PTE_RW | PTE_US);

	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	rt_printf("paging off\n");
	check("kernel after paging off", seven(), 7);
	rt_printf("paging: %d wrong\n", failures);
	return failures ? 1 : 0;
}
