/* The table of PC devices bt86 does not model (see pc_absent.h). Ranges that
 * other devices claim (DMA controllers and page registers, PIC, PIT, 8042 and port 0x92, RTC, IDE, COM1-4, VGA,
 * fw_cfg, ACPI PM, PCI, the APICs) are not listed: a claim comes first, and
 * those devices exist or are coming. */
#include "monitor/pc_absent.h"

#define PIO(base, last, name, pol) { MACHINE_BUS_PIO, (base), (uint64_t)(last) - (base) + 1, (name), (pol) }
#define MMIO(base, last, name, pol) { MACHINE_BUS_MMIO, (base), (uint64_t)(last) - (base) + 1, (name), (pol) }

static const struct pc_absent pc_absent_rows[] = {
	PIO(0x090, 0x091, "DMA page registers (alias)", PC_UNSUPPORTED),
	PIO(0x093, 0x09F, "DMA page registers (alias)", PC_UNSUPPORTED),
	PIO(0x0F0, 0x0F3, "FPU error ports", PC_SINK),   /* 0xF4-0xF7: the debug exit */
	PIO(0x0F8, 0x0FF, "FPU error ports", PC_SINK),
	PIO(0x1CE, 0x1D0, "Bochs VBE display interface", PC_UNSUPPORTED),
	PIO(0x200, 0x207, "game port", PC_ABSENT),
	PIO(0x220, 0x22F, "Sound Blaster", PC_ABSENT),
	PIO(0x278, 0x27A, "parallel port LPT2", PC_ABSENT),
	PIO(0x378, 0x37A, "parallel port LPT1", PC_ABSENT),
	/* The MDA's CRTC (0x3b4/0x3b5) and status (0x3ba) are the VGA's
	 * monochrome aliases, claimed by monitor/cga.c; the rest is absent. */
	PIO(0x3B0, 0x3B3, "monochrome display adapter", PC_ABSENT),
	PIO(0x3B6, 0x3B9, "monochrome display adapter", PC_ABSENT),
	PIO(0x3BB, 0x3BB, "monochrome display adapter", PC_ABSENT),
	PIO(0x3BC, 0x3BE, "parallel port LPT3", PC_ABSENT),
	/* No floppy controller, as on a q35 PC (the CMOS lists no drives): a
	 * driver probing it, or ISA PnP scanning for its read port, finds an
	 * open bus. */
	PIO(0x3F0, 0x3F5, "floppy controller", PC_ABSENT),   /* 0x3F6: IDE */
	PIO(0x3F7, 0x3F7, "floppy controller", PC_ABSENT),
	MMIO(0xFED00000u, 0xFED003FFu, "HPET", PC_UNSUPPORTED),
	/* A PC has its BIOS ROM here; bt86 boots without one, so there is nothing
	 * to read (and kernels do not read it): open bus, with the event named. */
	MMIO(0xFFFC0000u, 0xFFFFFFFFu, "BIOS flash, empty: bt86 boots without firmware", PC_ABSENT),
};

const struct pc_absent *pc_absent_find(enum machine_bus bus, uint64_t addr, unsigned size)
{
	uint64_t end = addr + (size ? size : 1);
	for (size_t i = 0; i < sizeof pc_absent_rows / sizeof pc_absent_rows[0]; i++) {
		const struct pc_absent *a = &pc_absent_rows[i];
		if (a->bus == bus && a->base < end && addr < a->base + a->len)
			return a;
	}
	return NULL;
}

const struct pc_absent *pc_absent_table(size_t *n)
{
	*n = sizeof pc_absent_rows / sizeof pc_absent_rows[0];
	return pc_absent_rows;
}

const char *pc_absent_policy_name(enum pc_absent_policy p)
{
	switch (p) {
	case PC_ABSENT:      return "absent";
	case PC_UNSUPPORTED: return "unsupported";
	default:             return "sink";
	}
}
