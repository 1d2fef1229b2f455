/* strmmio.c — one string routine for device memory and RAM alike, as a
 * kernel's memmove and memset are (xv6 scrolls its CGA screen with them).
 *
 * A translator that finds REP MOVSB/STOSL reaching the VGA text buffer
 * at 0xB8000 (MMIO) retranslates those instructions as callouts, after
 * which every memmove and memset of the kernel's RAM goes through the
 * callout too. This sample makes its copy and fill routines reach the VGA
 * buffer often enough to be proven guilty, then uses them on RAM: forward
 * and backward (DF=1) copies, copies whose source and destination overlap
 * (REP MOVSB then repeats a pattern, as the CPU copies byte by byte),
 * unaligned runs across page boundaries, and copies between RAM and the
 * VGA buffer; then it runs them on RAM often enough for a translator to
 * find them innocent again, and on the VGA buffer once more. It prints
 * checksums of the results, which only the
 * instructions' architectural semantics decide: the same on QEMU, KVM and
 * bt86.
 */
#include "rt.h"

#define VGA        ((volatile uint8_t *)0xB8000)
#define FNV_OFFSET 0x811C9DC5u
#define FNV_PRIME  0x01000193u

static uint8_t buf[5 * 4096] __attribute__((aligned(4096)));

static uint32_t fnv(const volatile uint8_t *p, unsigned n)
{
	uint32_t h = FNV_OFFSET;
	for (unsigned i = 0; i < n; i++) {
		h ^= p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* REP MOVSB, forward. */
static __attribute__((noinline)) void copy_fwd(volatile void *dst, const volatile void *src, unsigned n)
{
	__asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* REP MOVSB with DF=1, from the last byte down, as memmove does for dst > src. */
static __attribute__((noinline)) void copy_back(volatile void *dst, const volatile void *src, unsigned n)
{
	const volatile uint8_t *s = (const volatile uint8_t *)src + n - 1;
	volatile uint8_t *d = (volatile uint8_t *)dst + n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
}

/* REP MOVSL, forward. */
static __attribute__((noinline)) void copy_dw(volatile void *dst, const volatile void *src, unsigned n)
{
	__asm__ volatile("cld; rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* REP STOSL, forward; and REP STOSW with DF=1. */
static __attribute__((noinline)) void fill_dw(volatile void *dst, uint32_t v, unsigned n)
{
	__asm__ volatile("cld; rep stosl" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

static __attribute__((noinline)) void fill_w_back(volatile void *dst_last, uint16_t v, unsigned n)
{
	__asm__ volatile("std; rep stosw; cld" : "+D"(dst_last), "+c"(n) : "a"(v) : "memory", "cc");
}

static void pattern(void)
{
	for (unsigned i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8));
}

int sample_main(void)
{
	/* Prove every routine guilty of reaching MMIO. */
	for (unsigned i = 0; i < 40; i++) {
		fill_dw(VGA + 160 * 10, 0x07410741u + i, 40);
		fill_w_back(VGA + 160 * 11 + 158, (uint16_t)(0x0742 + i), 80);
		copy_fwd(VGA + 160 * 12, VGA + 160 * 10, 160);
		copy_back(VGA + 160 * 13, VGA + 160 * 12, 160);
		copy_dw(VGA + 160 * 14, VGA + 160 * 11, 40);
	}
	rt_printf("vga rows 10-14: 0x%08x\n", (unsigned)fnv(VGA + 160 * 10, 160 * 5));

	/* The same routines on RAM. */
	pattern();
	copy_fwd(buf + 4096 * 2 + 1001, buf + 13, 7000);            /* unaligned, across pages */
	rt_printf("forward copy across pages: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));
	pattern();
	copy_fwd(buf + 4093, buf + 4090, 6000);                      /* overlap: repeats 3 bytes */
	rt_printf("forward overlapping copy: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));
	pattern();
	copy_back(buf + 4099, buf + 4090, 9000);                     /* memmove up, DF=1 */
	rt_printf("backward overlapping copy: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));
	pattern();
	copy_back(buf + 10, buf + 4100, 8000);                       /* DF=1, dst below src */
	rt_printf("backward copy down: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));
	pattern();
	copy_dw(buf + 4094, buf + 2, 2500);                          /* dwords across pages */
	rt_printf("dword copy: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));
	pattern();
	fill_dw(buf + 4095, 0xA5C33C5Au, 3000);                      /* unaligned dwords */
	fill_w_back(buf + 3 * 4096 + 1, 0x1234, 4000);              /* words downwards across pages */
	rt_printf("fills: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));
	fill_dw(buf, 0, 0);                                          /* ECX=0: nothing */
	rt_printf("empty fill: 0x%08x\n", (unsigned)fnv(buf, sizeof buf));

	/* Between RAM and the VGA buffer, both ways, across its 4 KiB pages. */
	pattern();
	copy_fwd(VGA + 3000, buf + 5, 3000);
	copy_back(buf + 8000, VGA + 2990, 2500);
	rt_printf("ram <-> vga: 0x%08x 0x%08x\n", (unsigned)fnv(VGA + 3000, 3000), (unsigned)fnv(buf, sizeof buf));

	/* Many RAM-only runs (innocent again), then the screen once more. */
	uint32_t h = FNV_OFFSET;
	for (unsigned i = 0; i < 300; i++) {
		fill_dw(buf + 4 * (i % 7), i, 100);
		fill_w_back(buf + 1000 + 2 * (i % 5), (uint16_t)i, 50);
		copy_fwd(buf + 2000, buf + (i % 11), 300);
		copy_back(buf + 3000, buf + 2000 + (i % 13), 300);
		copy_dw(buf + 5000, buf + 3000 + (i % 3), 100);
		h ^= fnv(buf, 6000);
		h *= FNV_PRIME;
	}
	rt_printf("300 rounds on RAM: 0x%08x\n", (unsigned)h);
	for (unsigned i = 0; i < 40; i++) {
		fill_dw(VGA + 160 * 20, 0x07610761u + i, 40);
		fill_w_back(VGA + 160 * 21 + 158, (uint16_t)(0x0762 + i), 80);
		copy_fwd(VGA + 160 * 22, VGA + 160 * 20, 160);
		copy_back(VGA + 160 * 23, VGA + 160 * 22, 160);
		copy_dw(VGA + 160 * 24, VGA + 160 * 21, 40);
	}
	rt_printf("vga rows 20-24: 0x%08x\n", (unsigned)fnv(VGA + 160 * 20, 160 * 5));
	fill_dw(VGA, 0x07200720u, 2000);   /* blank the screen again */
	return 0;
}
