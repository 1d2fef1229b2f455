/* The IDENTIFY DEVICE block of a bt86 disk (ATA/ATAPI-6 8.15, table 24).
 * Strings go two characters to a word, the first in the high byte, padded
 * with spaces. No integrity word (255 is 0: not given). */
#include "monitor/ide_int.h"

#include <stdio.h>
#include <string.h>

#define IDE_MODEL    "BT86 HARDDISK"
#define IDE_FIRMWARE "1.0"

static void ide_id_string(uint16_t *w, unsigned words, const char *s)
{
	size_t n = strlen(s);
	for (unsigned i = 0; i < words * 2; i++) {
		uint8_t ch = i < n ? (uint8_t)s[i] : ' ';
		if (i & 1)
			w[i / 2] |= ch;
		else
			w[i / 2] = (uint16_t)(ch << 8);
	}
}

void ide_identify_fill(const struct ide_drive *d, unsigned index, uint16_t w[256])
{
	uint64_t total = d->disk.sectors;
	uint32_t lba28 = total > 0x0FFFFFFF ? 0x0FFFFFFF : (uint32_t)total;
	uint64_t cyl = total / (16 * 63);
	uint64_t ccyl = total / (d->heads * d->spt);
	char serial[21];

	memset(w, 0, 256 * sizeof w[0]);
	if (cyl > 16383)
		cyl = 16383;
	if (ccyl > 65535)
		ccyl = 65535;
	uint32_t ccap = (uint32_t)(ccyl * d->heads * d->spt);
	w[0] = 0x0040;                      /* ATA device, fixed (not removable) */
	w[1] = (uint16_t)cyl;               /* default CHS: 16 heads, 63 sectors */
	w[3] = 16;
	w[6] = 63;
	snprintf(serial, sizeof serial, "BT86-DISK-%u", index);
	ide_id_string(&w[10], 10, serial);
	ide_id_string(&w[23], 4, IDE_FIRMWARE);
	ide_id_string(&w[27], 20, IDE_MODEL);
	w[47] = 0x8000 | IDE_MAX_MULT;      /* READ/WRITE MULTIPLE up to 16 sectors */
	w[49] = 0x0A00;                     /* IORDY supported, LBA supported (no DMA) */
	w[50] = 0x4000;
	w[51] = 0x0200;                     /* PIO mode 2 timing (obsolete word) */
	w[53] = 0x0003;                     /* words 54-58 and 64-70 valid */
	w[54] = (uint16_t)ccyl;             /* current CHS (INITIALIZE DEVICE PARAMETERS) */
	w[55] = (uint16_t)d->heads;
	w[56] = (uint16_t)d->spt;
	w[57] = (uint16_t)ccap;
	w[58] = (uint16_t)(ccap >> 16);
	w[59] = (uint16_t)(d->mult ? 0x0100 | d->mult : 0);   /* current multiple setting */
	w[60] = (uint16_t)lba28;            /* LBA28 addressable sectors */
	w[61] = (uint16_t)(lba28 >> 16);
	w[64] = 0x0003;                     /* PIO modes 3 and 4 */
	w[65] = w[66] = w[67] = w[68] = 120;   /* cycle times, ns */
	w[80] = 0x0070;                     /* ATA-4, ATA-5, ATA/ATAPI-6 */
	w[82] = 0x4068;                     /* NOP, look-ahead, write cache, power management */
	w[83] = 0x7400;                     /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit address */
	w[84] = 0x4000;
	w[85] = (uint16_t)(0x4048 | (d->wcache ? 0x0020 : 0));   /* enabled: as supported */
	w[86] = 0x3400;
	w[87] = 0x4000;
	w[100] = (uint16_t)total;           /* LBA48 addressable sectors */
	w[101] = (uint16_t)(total >> 16);
	w[102] = (uint16_t)(total >> 32);
	w[103] = (uint16_t)(total >> 48);
}
