/* sensitive.c — run x86 instructions that are sensitive but not all
 * privileged, and print what the guest observed.
 *
 * These are the instructions a binary translator must rewrite or emulate
 * (see docs/design.md, "Sensitive instructions"). Only deterministic facts are
 * printed, so the output is the same on QEMU TCG, KVM and bt86; a line that
 * differs names the instruction the VMM gets wrong.
 */
#include "rt.h"

#define EFLAGS_IF    (1u << 9)           /* interrupt enable */
#define EFLAGS_IOPL  (3u << 12)          /* I/O privilege level, 2 bits */
#define IOPL_SHIFT   12
#define CR0_PE       0x0001              /* protection enable */
#define CR0_ET       0x0010              /* extension type, always 1 on i686+ */
#define DESC_TYPE_SHIFT 40               /* type field in a GDT descriptor */
#define DESC_TYPE_TSS_BUSY 0xB           /* 32-bit busy TSS */
#define CPUID_EDX_FPU (1u << 0)          /* leaf 1 EDX: x87 FPU on chip */
#define CPUID_EDX_TSC (1u << 4)          /* leaf 1 EDX: RDTSC supported */
#define COM1_SCR     0x3FF               /* 16550 scratch register */
#define COM1_LSR     0x3FD               /* 16550 line status register */
#define LSR_TX_IDLE  0x60                /* THRE | TEMT: transmitter empty */
#define SCRATCH_VALUE 0x5A

struct __attribute__((packed)) pseudo_descriptor {
	uint16_t limit;
	uint32_t base;
};

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

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void show_flags(void)
{
	__asm__ volatile("cli");
	rt_printf("cli; pushf: IF=%u\n", (read_eflags() & EFLAGS_IF) ? 1 : 0);
	__asm__ volatile("sti");
	rt_printf("sti; pushf: IF=%u\n", (read_eflags() & EFLAGS_IF) ? 1 : 0);

	/* At CPL 0 POPF may change IOPL; a translator that runs POPF at host
	 * CPL 3 silently drops the change. */
	write_eflags(read_eflags() | EFLAGS_IOPL);
	uint32_t f = read_eflags();
	rt_printf("popf IOPL=3; pushf: IOPL=%u\n",
		  (unsigned)((f & EFLAGS_IOPL) >> IOPL_SHIFT));
	write_eflags(f & ~EFLAGS_IOPL);

	/* POPF at host CPL 3 silently ignores IF as well. */
	write_eflags(read_eflags() & ~EFLAGS_IF);
	rt_printf("popf IF=0; pushf: IF=%u\n", (read_eflags() & EFLAGS_IF) ? 1 : 0);
}

static void show_tables(void)
{
	struct pseudo_descriptor d;
	uint16_t msw;

	__asm__ volatile("smsw %0" : "=r"(msw));
	rt_printf("smsw: PE=%u ET=%u\n", (msw & CR0_PE) ? 1 : 0,
		  (msw & CR0_ET) ? 1 : 0);
	__asm__ volatile("sgdt %0" : "=m"(d));
	rt_printf("sgdt: limit=0x%04x base=0x%08x\n", d.limit, (unsigned)d.base);
	__asm__ volatile("sidt %0" : "=m"(d));
	rt_printf("sidt: limit=0x%04x base=0x%08x\n", d.limit, (unsigned)d.base);
}

static void show_task_register(void)
{
	uint16_t tr;

	__asm__ volatile("str %0" : "=r"(tr));
	rt_printf("str before ltr: 0x%04x\n", tr);
	__asm__ volatile("ltr %w0" : : "r"(RT_SEL_TSS) : "memory");
	__asm__ volatile("str %0" : "=r"(tr));
	/* LTR marks the TSS descriptor busy in the GDT in memory. */
	unsigned type = (rt_gdt[RT_SEL_TSS >> 3] >> DESC_TYPE_SHIFT) & 0xF;
	rt_printf("str after ltr 0x%02x: 0x%04x, descriptor busy: %s\n",
		  RT_SEL_TSS, tr, yes_no(type == DESC_TYPE_TSS_BUSY));
}

static void show_segments(void)
{
	uint16_t cs, ss;

	__asm__ volatile("movw %%cs, %0" : "=r"(cs));
	__asm__ volatile("movw %%ss, %0" : "=r"(ss));
	rt_printf("mov from cs: 0x%04x, ss: 0x%04x\n", cs, ss);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static void show_cpuid(void)
{
	uint32_t r[4];
	char vendor[12];
	bool printable = true;

	cpuid(0, r);
	memcpy(vendor, &r[1], 4);       /* the vendor string is EBX EDX ECX */
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	for (int i = 0; i < 12; i++)
		printable &= vendor[i] >= ' ' && vendor[i] <= '~';
	rt_printf("cpuid 0: vendor is 12 printable chars: %s\n", yes_no(printable));
	cpuid(1, r);
	rt_printf("cpuid 1: edx fpu: %s, tsc: %s\n",
		  yes_no(r[3] & CPUID_EDX_FPU), yes_no(r[3] & CPUID_EDX_TSC));
}

static void show_rdtsc(void)
{
	uint64_t t0, t1;

	__asm__ volatile("rdtsc" : "=A"(t0));
	__asm__ volatile("rdtsc" : "=A"(t1));
	rt_printf("rdtsc: second read larger: %s\n", yes_no(t1 > t0));
}

static void show_port_io(void)
{
	outb(COM1_SCR, SCRATCH_VALUE);
	rt_printf("out 0x%x, 0x%02x; in: 0x%02x\n", COM1_SCR, SCRATCH_VALUE,
		  inb(COM1_SCR));
	/* Let the last characters drain so the status no longer depends on
	 * timing; bounded, so a UART that never drains shows up as 0x00. */
	uint8_t lsr = 0;
	for (int i = 0; i < 100000 && (lsr & LSR_TX_IDLE) != LSR_TX_IDLE; i++)
		lsr = inb(COM1_LSR);
	rt_printf("in 0x%x (LSR) & 0x%02x: 0x%02x\n", COM1_LSR, LSR_TX_IDLE,
		  lsr & LSR_TX_IDLE);
}

int sample_main(void)
{
	show_flags();
	show_tables();
	show_task_register();
	show_segments();
	show_cpuid();
	show_rdtsc();
	show_port_io();
	return 0;
}
