/* reset.c — the guest resets the machine and counts its boots.
 *
 * A PC's reset reloads nothing but the firmware: RAM keeps what it held. So
 * the sample keeps a boot counter (behind a magic word) at physical 0x8000,
 * below its image, which the loader never writes. Each boot prints
 * "reset: boot N"; until `boots=N` (default 2) boots have happened it resets
 * the machine through `via=`: kbc (default: the 8042's pulse command 0xFE),
 * porta (port 0x92's fast reset bit) or outport (the 8042's output port
 * written with the reset bit low, command 0xD1). On the last boot it prints
 * "reset: done" and exits with value 0.
 *
 * Under bt86 --no-reboot (and QEMU -no-reboot) the first reset ends the run
 * with status 0 instead. A reset that does not happen prints "reset: the
 * machine did not reset" and exits with value 0x10.
 */
#include "rt.h"

#define KBC_STATUS   0x64
#define KBC_DATA     0x60
#define KBC_PULSE_RESET 0xFE
#define KBC_WRITE_OUTPORT 0xD1
#define KBC_OUTPORT_A20 0x02  /* reset bit 0 low, A20 kept on */
#define PORTA        0x92
#define PORTA_RESET  0x01
#define PORTA_A20    0x02

#define BOOT_MAGIC   0xB0075EEDu
#define BOOT_AREA    ((volatile uint32_t *)0x8000)   /* [0] magic, [1] boots */

static const char *const methods[] = { "kbc", "porta", "outport" };

int sample_main(void)
{
	volatile uint32_t *area = BOOT_AREA;
	if (area[0] != BOOT_MAGIC) {
		area[0] = BOOT_MAGIC;
		area[1] = 0;
	}
	unsigned boots = ++area[1];
	unsigned want = rt_arg_uint("boots", 2);
	const char *via = rt_has_flag("via=porta") ? methods[1] : rt_has_flag("via=outport") ? methods[2] : methods[0];

	rt_printf("reset: boot %u\n", boots);
	if (boots >= want) {
		rt_printf("reset: done\n");
		area[0] = 0;   /* the next run starts counting afresh */
		return 0;
	}
	rt_printf("reset: resetting via %s\n", via);
	if (via == methods[1]) {
		outb(PORTA, (uint8_t)(inb(PORTA) & PORTA_A20));
		outb(PORTA, (uint8_t)((inb(PORTA) & PORTA_A20) | PORTA_RESET));
	} else if (via == methods[2]) {
		while (inb(KBC_STATUS) & 0x02)
			;
		outb(KBC_STATUS, KBC_WRITE_OUTPORT);
		outb(KBC_DATA, KBC_OUTPORT_A20);
	} else {
		while (inb(KBC_STATUS) & 0x02)   /* input buffer empty, as Linux waits */
			;
		outb(KBC_STATUS, KBC_PULSE_RESET);
	}
	for (volatile int i = 0; i < 1000000; i++)
		;
	rt_printf("reset: the machine did not reset\n");
	return 0x10;
}
