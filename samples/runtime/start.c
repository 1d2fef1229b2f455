/* start.c — from boot.S to sample_main(): set the machine up, run, exit. */
#include "rt_internal.h"

#define PIC1_DATA  0x21  /* master 8259 interrupt mask register */
#define PIC2_DATA  0xA1  /* slave 8259 interrupt mask register */
#define PIC_MASK_ALL 0xFF

static uint32_t mb_magic;
static const struct rt_multiboot_info *mb_info;

void rt_start(uint32_t magic, const struct rt_multiboot_info *info)
{
	mb_magic = magic;
	mb_info = info;
	rt_desc_init();
	/* A BIOS leaves the PICs initialised with the timer unmasked; mask
	 * every line so a sample that executes STI sees no interrupt. */
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
	rt_serial_init();
	rt_exit(sample_main());
}

uint32_t rt_multiboot_magic(void)
{
	return mb_magic;
}

const struct rt_multiboot_info *rt_multiboot_info(void)
{
	return mb_magic == RT_MULTIBOOT_MAGIC ? mb_info : NULL;
}

const char *rt_cmdline(void)
{
	const struct rt_multiboot_info *mbi = rt_multiboot_info();
	if (!mbi || !(mbi->flags & RT_MB_FLAG_CMDLINE) || !mbi->cmdline)
		return "";
	return (const char *)(uintptr_t)mbi->cmdline;
}
