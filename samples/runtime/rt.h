/* rt.h — the bt86 sample runtime: the whole API a sample guest uses.
 *
 * A sample defines `int sample_main(void)`; the runtime boots it (boot.S,
 * start.c), gives it a serial console, its command line and the x86
 * descriptor tables, and passes its return value to rt_exit().
 *
 *     #include "rt.h"
 *     int sample_main(void)
 *     {
 *             unsigned n = rt_arg_uint("n", 100);
 *             rt_printf("n=%u\n", n);
 *             return 0;        // VMM / QEMU exit status (0 << 1) | 1 = 1
 *     }
 *
 * The compute kernels also build as native Linux programs against the same
 * API (samples/native/native_rt.c), so keep them to printf/args/exit.
 */
#ifndef RT_H
#define RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_desc.h"

/* The sample's entry point, called by the runtime after initialisation. */
int sample_main(void);

/* ---- console (COM1, 115200 8N1) ---- */

/* Write one byte to the console; '\n' is sent as is (no CR added). */
void rt_putc(char c);
/* Write s followed by a newline, like puts(). */
void rt_puts(const char *s);
/* printf subset: %c %s %d %i %u %x %X %p %%, flags '-' and '0', a decimal
 * width, length modifiers l and ll (64-bit values print in full). %p prints
 * like glibc: "0x" and lowercase hex, "(nil)" for NULL. Returns the number
 * of bytes written. */
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_vprintf(const char *fmt, va_list ap);

/* ---- exit ---- */

#define RT_EXIT_PORT       0xF4  /* QEMU isa-debug-exit, iobase=0xf4 */
#define RT_EXIT_BAD_ARG    0x7E  /* rt_exit() value: malformed command line */
#define RT_EXIT_EXCEPTION  0x7F  /* rt_exit() value: unexpected exception */

/* Stop the machine: the VMM (or QEMU) exits with status (v << 1) | 1.
 * If no exit device is present, halts forever with interrupts off. */
__attribute__((noreturn)) void rt_exit(unsigned v);

/* ---- command line ---- */

/* The command line: the multiboot one in a guest (QEMU and GRUB put the
 * kernel path first), argv joined by spaces natively; "" if none. */
const char *rt_cmdline(void);
/* Value of the first whitespace-separated token "key=value" anywhere in
 * the command line; value is decimal or 0x-hex. dflt if the key is absent;
 * a malformed value prints an error and exits with RT_EXIT_BAD_ARG. */
unsigned rt_arg_uint(const char *key, unsigned dflt);
/* True if the bare token `word` is on the command line. */
bool rt_has_flag(const char *word);

/* ---- multiboot (guest only) ---- */

#define RT_MULTIBOOT_MAGIC   0x2BADB002  /* EAX from a multiboot v1 loader */
#define RT_MB_FLAG_MEMORY    (1u << 0)   /* mem_lower/mem_upper valid */
#define RT_MB_FLAG_CMDLINE   (1u << 2)   /* cmdline valid */
#define RT_MB_FLAG_MMAP      (1u << 6)   /* mmap_length/mmap_addr valid */

/* The start of the multiboot v1 information structure (spec section 3.3). */
struct rt_multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;     /* KiB of memory from 0 (max 640) */
	uint32_t mem_upper;     /* KiB of memory from 1 MiB to the first hole */
	uint32_t boot_device;
	uint32_t cmdline;       /* physical address of a NUL-terminated string */
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
};

/* What the loader passed in EAX and EBX. */
uint32_t rt_multiboot_magic(void);
const struct rt_multiboot_info *rt_multiboot_info(void);

/* ---- port I/O ---- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ---- string functions (gcc may emit calls to these) ---- */

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif /* RT_H */
