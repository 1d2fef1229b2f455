/* hello.c — the smallest sample: greet, show what the multiboot loader
 * reported, and exit 0. With the bare token `halt` on the command line it
 * stops in `cli; hlt` instead, a state the VMM must detect and report. */
#include "rt.h"

int sample_main(void)
{
	const struct rt_multiboot_info *mbi = rt_multiboot_info();

	rt_puts("Hello from bt86 guest!");
	if (!mbi) {
		rt_printf("multiboot: bad magic 0x%08x\n", rt_multiboot_magic());
	} else if (!(mbi->flags & RT_MB_FLAG_MEMORY)) {
		rt_printf("multiboot: ok, no memory info (flags 0x%08x)\n",
			  mbi->flags);
	} else {
		/* With -m 64 QEMU reports 639 and 64384 (its map keeps the top 128 KiB). */
		rt_printf("multiboot: ok mem_lower=%u KiB mem_upper=%u KiB\n",
			  mbi->mem_lower, mbi->mem_upper);
	}

	if (rt_has_flag("halt")) {
		rt_puts("halting with interrupts disabled");
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	return 0;
}
