/* The BIOS data area (0x400-0x4ff) and the extended BIOS data area, with the
 * values a PC BIOS leaves after POST in text mode 3. Kernels read a few of
 * them: the EBDA segment and base memory size (where to search for the MP
 * floating pointer and the RSDP), the COM port bases, the CRT controller's
 * port. Offsets are relative to 0x400. */
#include "monitor/firmware.h"

#include <string.h>

#define BDA_COM_PORTS    0x00    /* 4 words: COM1-COM4 base ports */
#define BDA_LPT_PORTS    0x08    /* 3 words: LPT1-LPT3 (none) */
#define BDA_EBDA_SEG     0x0e    /* word: EBDA segment */
#define BDA_EQUIPMENT    0x10    /* word: installed hardware */
#define BDA_BASE_MEM     0x13    /* word: KiB of conventional memory */
#define BDA_VIDEO_MODE   0x49    /* byte */
#define BDA_VIDEO_COLS   0x4a    /* word */
#define BDA_VIDEO_PAGESZ 0x4c    /* word: bytes per page */
#define BDA_CURSOR_SHAPE 0x60    /* word: start and end scan lines */
#define BDA_CRTC_BASE    0x63    /* word: 0x3d4 colour, 0x3b4 mono */
#define BDA_VIDEO_MSR    0x65    /* byte: mode select register */
#define BDA_VIDEO_ROWS   0x84    /* byte: rows - 1 */
#define BDA_CHAR_HEIGHT  0x85    /* word: scan lines per character */

/* Equipment word: x87 present, initial video 80x25 colour, serial ports. */
#define EQUIP_FPU        0x0002u
#define EQUIP_VIDEO_CGA80 0x0020u
#define EQUIP_SERIAL(n)  ((uint16_t)((n) << 9))

void fw_bda_write(uint8_t bda[FW_BDA_SIZE], uint8_t ebda[PC_EBDA_SIZE], const struct fw_config *c)
{
	static const uint16_t com[4] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

	memset(bda, 0, FW_BDA_SIZE);
	for (int i = 0; i < 4; i++)
		fw_put16(bda + BDA_COM_PORTS + 2 * i, com[i]);
	fw_put16(bda + BDA_EBDA_SEG, (uint16_t)(PC_EBDA_BASE >> 4));
	fw_put16(bda + BDA_EQUIPMENT,
		 (uint16_t)(((c->cpu_features & 1) ? EQUIP_FPU : 0) | EQUIP_VIDEO_CGA80 | EQUIP_SERIAL(4)));
	fw_put16(bda + BDA_BASE_MEM, FW_BASE_MEM_KIB);
	bda[BDA_VIDEO_MODE] = 3;
	fw_put16(bda + BDA_VIDEO_COLS, 80);
	fw_put16(bda + BDA_VIDEO_PAGESZ, 0x1000);
	fw_put16(bda + BDA_CURSOR_SHAPE, 0x0607);
	fw_put16(bda + BDA_CRTC_BASE, 0x3d4);
	bda[BDA_VIDEO_MSR] = 0x29;   /* 80x25 text, video on, blink */
	bda[BDA_VIDEO_ROWS] = 24;
	fw_put16(bda + BDA_CHAR_HEIGHT, 16);

	memset(ebda, 0, PC_EBDA_SIZE);
	fw_put16(ebda, PC_EBDA_SIZE >> 10);   /* its size in KiB */
}
