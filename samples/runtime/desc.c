/* desc.c — the runtime's GDT, TSS and IDT, and C-level trap dispatch.
 *
 * Multiboot leaves the guest on the loader's GDT, somewhere we do not own,
 * with no IDT; any exception would then triple-fault. rt_desc_init()
 * replaces both so every exception is reported on the console.
 */
#include "rt.h"

/* Descriptor access bytes (P, DPL, S, type); the accessed bit (bit 0 of
 * the type) is preset so loading a segment never writes to the GDT. */
#define ACC_KCODE  0x9B  /* present, DPL 0, code, execute/read, accessed */
#define ACC_KDATA  0x93  /* present, DPL 0, data, read/write, accessed */
#define ACC_UCODE  0xFB  /* present, DPL 3, code, execute/read, accessed */
#define ACC_UDATA  0xF3  /* present, DPL 3, data, read/write, accessed */
#define ACC_TSS    0x89  /* present, DPL 0, system, 32-bit available TSS */
#define FLAGS_FLAT 0xC   /* G=1 (4 KiB units), D/B=1 (32-bit) */
#define FLAGS_BYTE 0x0   /* G=0 (byte units), for the TSS */
#define LIMIT_4G   0xFFFFF   /* 2^20 pages of 4 KiB */

#define GATE_PRESENT 0x8000  /* P bit in the gate's high dword */

/* Placed at fixed addresses by link.ld; see there. */
uint64_t rt_gdt[RT_GDT_ENTRIES]
	__attribute__((section(".rt_desc.gdt"), aligned(8)));
struct rt_tss rt_tss __attribute__((section(".rt_desc.tss"), aligned(8)));
uint64_t rt_idt[RT_IDT_ENTRIES]
	__attribute__((section(".rt_desc.idt"), aligned(8)));

_Static_assert(sizeof(struct rt_tss) == 104, "hardware 32-bit TSS size");

/* Ring-0 stack for traps from ring 3 (TSS.esp0): separate from the boot
 * stack, which a ring-3 sample may still be using. */
static uint8_t tss_stack[8192] __attribute__((aligned(16)));

/* Stub entry points, one per vector (desc_stubs.S). */
extern void (*const rt_isr_stubs[RT_IDT_ENTRIES])(void);

static rt_trap_fn trap_handlers[RT_IDT_ENTRIES];

struct __attribute__((packed)) pseudo_descriptor {
	uint16_t limit;         /* size of the table minus one */
	uint32_t base;
};

static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access,
			uint8_t flags)
{
	return (uint64_t)(limit & 0xFFFF)
	     | (uint64_t)(base & 0xFFFFFF) << 16
	     | (uint64_t)access << 40
	     | (uint64_t)(limit >> 16 & 0xF) << 48
	     | (uint64_t)(flags & 0xF) << 52
	     | (uint64_t)(base >> 24) << 56;
}

void rt_set_idt_gate(uint8_t vector, void (*handler)(void), unsigned dpl,
		     unsigned type)
{
	uint32_t off = (uint32_t)(uintptr_t)handler;
	uint32_t lo = (off & 0xFFFF) | (uint32_t)RT_SEL_KCODE << 16;
	uint32_t hi = (off & 0xFFFF0000) | GATE_PRESENT | (dpl & 3) << 13
		    | (type & 0xF) << 8;
	rt_idt[vector] = (uint64_t)hi << 32 | lo;
}

void rt_set_trap_handler(uint8_t vector, rt_trap_fn fn, unsigned dpl)
{
	trap_handlers[vector] = fn;
	rt_set_idt_gate(vector, rt_isr_stubs[vector], dpl, RT_GATE_INT);
}

void rt_set_trap_gate(uint8_t vector, rt_trap_fn fn, unsigned dpl,
		      unsigned type)
{
	trap_handlers[vector] = fn;
	rt_set_idt_gate(vector, rt_isr_stubs[vector], dpl, type);
}

void rt_trap_dispatch(struct rt_trap_frame *f)
{
	if (trap_handlers[f->vector]) {
		trap_handlers[f->vector](f);
		return;
	}
	rt_printf("unexpected exception %u at EIP 0x%08x error 0x%04x\n",
		  (unsigned)f->vector, (unsigned)f->eip, (unsigned)f->error);
	rt_exit(RT_EXIT_EXCEPTION);
}

static void load_tables(void)
{
	struct pseudo_descriptor gdtr = {
		sizeof(rt_gdt) - 1, (uint32_t)(uintptr_t)rt_gdt };
	struct pseudo_descriptor idtr = {
		sizeof(rt_idt) - 1, (uint32_t)(uintptr_t)rt_idt };

	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	__asm__ volatile("lidt %0" : : "m"(idtr));
	/* A far jump is the way to reload CS; the data segment registers are
	 * reloaded so none keeps a cached descriptor of the loader's GDT. */
	__asm__ volatile("ljmp %0, $1f\n"
			 "1:\n\t"
			 "movw %w1, %%ds\n\t"
			 "movw %w1, %%es\n\t"
			 "movw %w1, %%fs\n\t"
			 "movw %w1, %%gs\n\t"
			 "movw %w1, %%ss"
			 : : "i"(RT_SEL_KCODE), "r"(RT_SEL_KDATA) : "memory");
}

void rt_desc_init(void)
{
	rt_gdt[0] = 0;                                  /* null descriptor */
	rt_gdt[RT_SEL_KCODE >> 3] = segment(0, LIMIT_4G, ACC_KCODE, FLAGS_FLAT);
	rt_gdt[RT_SEL_KDATA >> 3] = segment(0, LIMIT_4G, ACC_KDATA, FLAGS_FLAT);
	rt_gdt[RT_SEL_UCODE >> 3] = segment(0, LIMIT_4G, ACC_UCODE, FLAGS_FLAT);
	rt_gdt[RT_SEL_UDATA >> 3] = segment(0, LIMIT_4G, ACC_UDATA, FLAGS_FLAT);
	rt_gdt[RT_SEL_TSS >> 3] = segment((uint32_t)(uintptr_t)&rt_tss,
					  sizeof(rt_tss) - 1, ACC_TSS, FLAGS_BYTE);

	memset(&rt_tss, 0, sizeof(rt_tss));
	rt_tss.ss0 = RT_SEL_KDATA;
	rt_tss.esp0 = (uint32_t)(uintptr_t)(tss_stack + sizeof(tss_stack));
	rt_tss.iomap_base = sizeof(rt_tss);  /* no I/O bitmap: ring 3 I/O
						needs IOPL 3 */

	for (unsigned v = 0; v < RT_IDT_ENTRIES; v++)
		rt_set_trap_handler(v, 0, 0);

	load_tables();
}
