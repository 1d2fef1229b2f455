/* adaptive.c — hot loops around sensitive instructions, the workload that
 * adaptive binary translation is for.
 *
 * Under trap-and-emulate every execution of a sensitive instruction costs a
 * trap; a VMware-style translator notices the guest address that keeps
 * trapping and retranslates it (in-TC emulation or a callout), patching the
 * old translation with a jump — "innocent until proven guilty". Each loop
 * below runs one kind of sensitive instruction `n=N` times (default 10000)
 * next to ordinary arithmetic, and prints a result that only depends on N:
 *   1. IN AL, DX from COM1's line status register (port 0x3FD) — port I/O;
 *   2. CLI / STI pairs;
 *   3. PUSHF; POP EAX reading IF, after alternating CLI and STI;
 *   4. POPF setting and clearing IF, read back with PUSHF;
 *   5. MOV to and MOVZX from the VGA text buffer at 0xB8000: device memory
 *      (MMIO), which a translator reaches by a host fault per access until
 *      it retranslates the instruction as a callout.
 * The translator's statistics (traps, retranslations) show the difference;
 * the output is the same on QEMU, KVM and bt86. IF=1 is harmless: the
 * runtime masked every line of both PICs.
 */
#include "rt.h"

#define COM1_LSR    0x3FD
#define LSR_THRE    0x20        /* transmit holding register empty */
#define LSR_TEMT    0x40        /* transmitter empty */
#define EFLAGS_IF   (1u << 9)
#define FNV_OFFSET  0x811C9DC5u
#define FNV_PRIME   0x01000193u

/* FNV-1a over the four bytes of v. */
static uint32_t mix(uint32_t h, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		h ^= (v >> (8 * i)) & 0xFF;
		h *= FNV_PRIME;
	}
	return h;
}

static uint32_t read_eflags(void)
{
	uint32_t f;
	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

static void wait_uart_idle(void)
{
	/* Bounded: a UART that never drains shows up in loop 1's count. */
	for (int i = 0; i < 100000; i++)
		if ((inb(COM1_LSR) & (LSR_THRE | LSR_TEMT)) ==
		    (LSR_THRE | LSR_TEMT))
			break;
}

static void loop_in(unsigned n)
{
	unsigned thre = 0;
	uint32_t h = FNV_OFFSET;

	wait_uart_idle();
	for (unsigned i = 0; i < n; i++) {
		uint8_t lsr;
		__asm__ volatile("inb %%dx, %%al" : "=a"(lsr) : "d"(COM1_LSR));
		thre += (lsr & LSR_THRE) != 0;
		h = mix(h, i * 3 + (lsr & LSR_THRE));
	}
	rt_printf("loop 1: %u x in al,dx from 0x%x: THRE set %u times, "
		  "checksum 0x%08x\n", n, COM1_LSR, thre, (unsigned)h);
}

static void loop_cli_sti(unsigned n)
{
	uint32_t sum = 0, h = FNV_OFFSET;

	for (unsigned i = 0; i < n; i++) {
		__asm__ volatile("cli" : : : "memory");
		sum += i * i;
		__asm__ volatile("sti" : : : "memory");
		h = mix(h, sum);
	}
	__asm__ volatile("cli");
	rt_printf("loop 2: %u x cli/sti: sum of squares 0x%08x, checksum "
		  "0x%08x\n", n, (unsigned)sum, (unsigned)h);
}

static void loop_pushf(unsigned n)
{
	unsigned set = 0;
	uint32_t h = FNV_OFFSET;

	for (unsigned i = 0; i < n; i++) {
		uint32_t f;
		if (i & 1)
			__asm__ volatile("sti" : : : "memory");
		else
			__asm__ volatile("cli" : : : "memory");
		__asm__ volatile("pushfl; popl %0" : "=r"(f));
		set += (f & EFLAGS_IF) != 0;
		h = mix(h, (f & EFLAGS_IF) ^ i);
	}
	__asm__ volatile("cli");
	rt_printf("loop 3: %u x pushf after cli or sti: IF=1 in %u, "
		  "checksum 0x%08x\n", n, set, (unsigned)h);
}

static void loop_popf(unsigned n)
{
	unsigned matched = 0;
	uint32_t h = FNV_OFFSET;
	uint32_t base = read_eflags() & ~EFLAGS_IF;

	for (unsigned i = 0; i < n; i++) {
		uint32_t want = (i % 3 == 0) ? EFLAGS_IF : 0, f;
		__asm__ volatile("pushl %1; popfl; pushfl; popl %0"
				 : "=r"(f) : "r"(base | want) : "cc", "memory");
		matched += (f & EFLAGS_IF) == want;
		h = mix(h, (f & EFLAGS_IF) + i);
	}
	__asm__ volatile("cli");
	rt_printf("loop 4: %u x popf IF=1,0,0,...: pushf agreed %u times, "
		  "checksum 0x%08x\n", n, matched, (unsigned)h);
}

static void loop_mmio(unsigned n)
{
	volatile uint16_t *cell = (volatile uint16_t *)0xB8000;
	uint32_t h = FNV_OFFSET;

	for (unsigned i = 0; i < n; i++) {
		unsigned at = (i * 7) % 2000;   /* 80x25 cells */
		cell[at] = (uint16_t)(0x0700 | ('a' + i % 26));
		h = mix(h, cell[at]);           /* read back what was written */
	}
	rt_printf("loop 5: %u x mov to and from the VGA text buffer: checksum 0x%08x\n", n, (unsigned)h);
}

int sample_main(void)
{
	unsigned n = rt_arg_uint("n", 10000);

	loop_in(n);
	loop_cli_sti(n);
	loop_pushf(n);
	loop_popf(n);
	loop_mmio(n);
	return 0;
}
