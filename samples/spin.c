/* spin.c — a guest that never ends on its own, for the debugger's Ctrl-C:
 * with the bare token `forever` on the command line it prints "spinning"
 * and loops in `jmp .` (at the global label spin_loop), which a stop request
 * must still interrupt within microseconds. Without it, it prints the line
 * and exits 0, so the sample suites can check it like any other. */
#include "rt.h"

int sample_main(void)
{
	rt_puts("spinning");
	if (rt_has_flag("forever"))
		for (;;)
			__asm__ volatile(".globl spin_loop\nspin_loop: jmp spin_loop");
	return 0;
}
