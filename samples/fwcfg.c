/* fwcfg.c — read QEMU's fw_cfg through its port interface (selector 0x510,
 * data 0x511): the signature, the ID's traditional-interface bit, the RAM
 * size and the CPU count, identical on QEMU and bt86 with -m 64. */
#include "rt.h"

static void fw_select(uint16_t key)
{
	outw(0x510, key);
}

static uint64_t fw_read(uint16_t key, unsigned n)
{
	uint64_t v = 0;
	fw_select(key);
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)inb(0x511) << (8 * i);
	return v;
}

int sample_main(void)
{
	char sig[5];
	fw_select(0x0000);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(0x511);
	sig[4] = 0;
	rt_printf("fw_cfg: signature %s\n", sig);
	rt_printf("fw_cfg: traditional interface %s\n", (fw_read(0x0001, 4) & 1) ? "yes" : "no");
	rt_printf("fw_cfg: RAM %u MiB\n", (unsigned)(fw_read(0x0003, 8) >> 20));
	rt_printf("fw_cfg: %u CPU(s)\n", (unsigned)fw_read(0x0005, 2));
	return 0;
}
