/* escape_fuzz.c — every opcode of the one-byte, 0f, 0f 38 and 0f 3a maps and
 * VEX (c4, c5) and EVEX (62) forms, with random prefixes, ModRM/SIB,
 * displacements, immediates, registers and flags, run at ring 3 under
 * paging: the harness's pages are supervisor-only, one user page holds the
 * case's code and one its stack and data. Each case ends in an exception
 * (caught by the IDT, whatever vector), in the INT 0x80 the code page ends
 * with ("completed"), or in a timer tick ("timeout", for loops); the next
 * case then starts. The guest asserts survival: every case came back to
 * ring 0, and the GDT, IDT, TSS, page tables and harness code are what they
 * were. Which vector each opcode gets is the differential tester's
 * business, not this one's: the counts are printed, not asserted.
 *
 * Each case prints "@N" first, so a run that bt stops ("not supported by
 * bt") can go on from the next case: from=N+1 (run-escape.sh does).
 * Arguments: seed=N (PRNG seed), k=N (variants per opcode, default 3),
 * from=N (the first case), show=N (print case N's bytes), timer=0 (no
 * watchdog), kirq=0 (interrupts off in the ring-0 harness). */
#include "esc.h"

#define OUT_COMPLETED 32u
#define OUT_TIMEOUT   33u
#define NOUT          34u

static uint8_t ucode[4096] __attribute__((aligned(4096)));
static uint8_t udata[4096] __attribute__((aligned(4096)));
static uint32_t counts[NOUT];

static uint64_t gdt_copy[RT_GDT_ENTRIES], idt_copy[RT_IDT_ENTRIES];
static struct rt_tss tss_copy;

static void on_user_trap(struct rt_trap_frame *f)
{
	rt_leave_user(f->vector);
}

static void on_int80(struct rt_trap_frame *f)
{
	(void)f;
	rt_leave_user(OUT_COMPLETED);
}

static void on_tick(struct rt_trap_frame *f)
{
	(void)f;
	if (esc_ticks >= 2)
		rt_leave_user(OUT_TIMEOUT);
}

/* No 0x67 anywhere: bt stops the whole guest on 16-bit addressing ("not
 * supported by bt"), so escape_cases tests it alone, as its last case. */
#define ESC_NO67(b) ((uint8_t)((b) == 0x67 ? 0x66 : (b)))

static const uint8_t prefixes[] = { 0x66, 0xf2, 0xf3, 0xf0, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65 };

/* The instruction bytes of one case: map 0 one-byte, 1 0f, 2 0f38, 3 0f3a,
 * 4 c5 VEX, 5 c4 VEX, 6 62 EVEX. */
static unsigned make_case(uint8_t *p, unsigned map, unsigned op, unsigned variant)
{
	unsigned n = 0;
	if (map <= 3 && (variant & 1))
		p[n++] = prefixes[esc_rand() % sizeof prefixes];
	switch (map) {
	case 1: p[n++] = 0x0f; break;
	case 2: p[n++] = 0x0f; p[n++] = 0x38; break;
	case 3: p[n++] = 0x0f; p[n++] = 0x3a; break;
	case 4:   /* in 32-bit mode c5 is VEX only if ModRM.mod would be 11: force it mostly */
		p[n++] = 0xc5;
		p[n++] = ESC_NO67(esc_rand() | (variant % 4 ? 0xc0 : 0));
		break;
	case 5:
		p[n++] = 0xc4;
		p[n++] = (uint8_t)((esc_rand() & 0xe0) | (variant % 4 ? 0xc0 : 0) | (1 + esc_rand() % 3));
		p[n++] = ESC_NO67(esc_rand());
		break;
	case 6:
		p[n++] = 0x62;
		p[n++] = (uint8_t)((esc_rand() & 0xf3) | (variant % 4 ? 0xc0 : 0) | (1 + esc_rand() % 3));
		p[n++] = ESC_NO67(esc_rand() | 0x04);
		p[n++] = ESC_NO67(esc_rand());
		break;
	}
	p[n++] = ESC_NO67(op);
	for (unsigned i = 0; i < 12; i++)
		p[n++] = ESC_NO67(esc_rand());
	return n;
}

/* A register value: half the time an address in the user data page. */
static uint32_t rand_reg(void)
{
	uint32_t r = esc_rand();
	if (r & 1)
		return (uint32_t)(uintptr_t)udata + (esc_rand() & 0xffc);
	return esc_rand();
}

static uint32_t run_case(const uint8_t *insn, unsigned n)
{
	/* add esp, 4 (over the return address rt_enter_user pushes); popfd;
	 * popad; pop esp; the case; then INT 0x80 to the end of the page (a
	 * misaligned decode resynchronises on "cd 80"). */
	unsigned k = 0;
	ucode[k++] = 0x83;
	ucode[k++] = 0xc4;
	ucode[k++] = 0x04;
	ucode[k++] = 0x9d;
	ucode[k++] = 0x61;
	ucode[k++] = 0x5c;
	for (unsigned i = 0; i < n; i++)
		ucode[k++] = insn[i];
	for (; k + 1 < sizeof ucode; k += 2) {
		ucode[k] = 0xcd;
		ucode[k + 1] = 0x80;
	}
	ucode[sizeof ucode - 1] = 0x90;
	uint32_t *st = (uint32_t *)(udata + 0x800);
	st[0] = (esc_rand() & 0x40cd5u) | 0x202u;   /* CF PF AF ZF SF DF OF AC; IF */
	for (int i = 1; i <= 8; i++)
		st[i] = rand_reg();
	st[9] = esc_rand() % 4 ? (uint32_t)(uintptr_t)udata + 0x400 + (esc_rand() & 0x3fc) : esc_rand();
	esc_ticks = 0;
	return rt_enter_user((void (*)(void))(uintptr_t)ucode, udata + 0x800, RT_EFLAGS_IF);
}

static uint32_t sum(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0x811c9dc5u;
	for (uint32_t i = 0; i < n; i++)
		s = (s ^ b[i]) * 0x01000193u;
	return s;
}

int sample_main(void)
{
	uint32_t seed = rt_arg_uint("seed", 1);
	unsigned variants = rt_arg_uint("k", 3), from = rt_arg_uint("from", 0), show = rt_arg_uint("show", ~0u);
	esc_seed(seed);
	esc_init();
	esc_user_trap = on_user_trap;
	esc_tick_hook = on_tick;
	rt_set_trap_handler(0x80, on_int80, 3);
	esc_paging_on();
	esc_map((uint32_t)(uintptr_t)ucode, (uint32_t)(uintptr_t)ucode, ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US);
	esc_map((uint32_t)(uintptr_t)udata, (uint32_t)(uintptr_t)udata, ESC_PTE_P | ESC_PTE_RW | ESC_PTE_US);
	/* CR0: NE (x87 errors as #MF), AM (#AC with EFLAGS.AC at ring 3); CR4:
	 * OSFXSR, OSXMMEXCPT (SSE on, #XM). */
	esc_set_cr0(esc_cr0() | 0x20u | 0x40000u);
	esc_set_cr4(esc_cr4() | 0x600u);
	__asm__ volatile("fninit");
	if (rt_arg_uint("timer", 1))   /* timer=0: no watchdog (a loop then hangs) */
		esc_timer_on();
	/* The timer also interrupts the ring-0 harness (kirq=0: only ring 3).
	 * That found a bt bug: the exit a CCF left through was chained to the
	 * interrupt handler delivered next, so the harness later "returned"
	 * into the ISR and its IRET failed. */
	if (rt_arg_uint("kirq", 1))
		__asm__ volatile("sti");
	else
		__asm__ volatile("cli");

	/* One case first: the first entry to ring 3 loads TR, which marks the
	 * TSS descriptor busy in the GDT. */
	static const uint8_t nop[] = { 0x90 };
	run_case(nop, sizeof nop);
	memcpy(gdt_copy, rt_gdt, sizeof gdt_copy);
	memcpy(idt_copy, rt_idt, sizeof idt_copy);
	memcpy(&tss_copy, &rt_tss, sizeof tss_copy);
	uint32_t text0 = 0x101000u, text_sum = sum((void *)text0, 0x4000);

	static const char *const map_names[7] = { "one-byte", "0f", "0f38", "0f3a", "vex-c5", "vex-c4", "evex" };
	unsigned per_map = 256 * variants, all = 7 * per_map, total = 0, bad = 0;
	uint32_t before[NOUT];
	memcpy(before, counts, sizeof before);
	for (unsigned i = from; i < all; i++) {
		unsigned map = i / per_map, op = i / variants % 256, v = i % variants;
		/* Each case its own seed, so a run started at from=i makes case i again. */
		esc_seed(seed * 0x9e3779b9u + i * 0x85ebca6bu + 1);
		rt_printf("@%u\n", i);
		uint8_t insn[20];
		unsigned n = make_case(insn, map, op, v);
		if (i == show) {   /* show=N: the bytes of case N, to reproduce it */
			rt_printf("case %u:", i);
			for (unsigned b = 0; b < n; b++)
				rt_printf(" %02x", insn[b]);
			rt_putc('\n');
		}
		uint32_t out = run_case(insn, n);
		if (out >= NOUT) {
			rt_printf("case %u (map %s op %02x): bad outcome %u\n", i, map_names[map], op, (unsigned)out);
			bad++;
		} else {
			counts[out]++;
			total++;
		}
		if (i + 1 == all || (i + 1) % per_map == 0) {
			rt_printf("fuzz %s:", map_names[map]);
			for (unsigned o = 0; o < NOUT; o++)
				if (counts[o] != before[o])
					rt_printf(o == OUT_COMPLETED ? " done=%u" : o == OUT_TIMEOUT ? " timeout=%u" : " v%u=%u",
						  o >= OUT_COMPLETED ? (unsigned)(counts[o] - before[o]) : o,
						  (unsigned)(counts[o] - before[o]));
			rt_putc('\n');
			memcpy(before, counts, sizeof before);
		}
	}
	__asm__ volatile("cli");
	esc_timer_off();
	esc_paging_off();

	esc_check("fuzz cases came back", total + bad, all > from ? all - from : 0);
	esc_check("fuzz bad outcomes", bad, 0);
	esc_check("fuzz EFLAGS.VM never set in protected mode", esc_vm_leaks, 0);
	esc_check("fuzz GDT unchanged", (uint32_t)memcmp(gdt_copy, rt_gdt, sizeof gdt_copy), 0);
	esc_check("fuzz IDT unchanged", (uint32_t)memcmp(idt_copy, rt_idt, sizeof idt_copy), 0);
	esc_check("fuzz TSS unchanged", (uint32_t)memcmp(&tss_copy, &rt_tss, sizeof tss_copy), 0);
	esc_check("fuzz harness code unchanged", sum((void *)text0, 0x4000), text_sum);
	return esc_finish();
}
