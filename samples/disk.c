/* disk.c — IDE/ATA disks as a driver sees them (ATA/ATAPI-6 PIO, polled):
 * find the drives on both legacy channels (a channel with no drives floats
 * to 0xFF, an absent drive reads 0, as xv6 probes), IDENTIFY each, and on
 * drive 1 (the primary slave): read sector 0 with READ SECTORS and REP INSL,
 * write 16 sectors at lba=N (default 100) with WRITE MULTIPLE EXT in blocks
 * of 8 and REP OUTSL, FLUSH CACHE EXT, read them back with READ SECTORS EXT
 * and one with REP INSW, and read past the end (IDNF). Sector k of the run
 * is all 'A'+k, so a shell can check the image with dd and cmp. With no
 * drives it says so and exits 0; a failed write exits 2. bench=N reads N
 * sectors more with READ MULTIPLE, to time the data port. */
#include "rt.h"

#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

static const uint16_t io_base[2] = { 0x1F0, 0x170 };
static const uint16_t ctl_base[2] = { 0x3F6, 0x376 };

static uint8_t sector[16][512];
static uint16_t ident[256];

/* Wait out BSY after a command (the alternate status read is the 400 ns
 * delay ATA asks for before the status is valid); the final status. */
static uint8_t ide_wait(int ch)
{
	(void)inb(ctl_base[ch]);
	for (unsigned i = 0; i < 1000000; i++) {
		uint8_t st = inb(io_base[ch] + 7);
		if (!(st & ST_BSY))
			return st;
	}
	return 0xFF;
}

static void ide_select(int ch, int dev, uint8_t high)
{
	outb(io_base[ch] + 6, (uint8_t)(0xE0 | dev << 4 | (high & 0x0F)));
	(void)inb(ctl_base[ch]);
}

static void ide_cmd28(int ch, int dev, uint8_t cmd, uint32_t lba, uint8_t count)
{
	ide_select(ch, dev, (uint8_t)(lba >> 24));
	outb(io_base[ch] + 2, count);
	outb(io_base[ch] + 3, (uint8_t)lba);
	outb(io_base[ch] + 4, (uint8_t)(lba >> 8));
	outb(io_base[ch] + 5, (uint8_t)(lba >> 16));
	outb(io_base[ch] + 7, cmd);
}

/* LBA48: each register takes the high byte first, then the low. */
static void ide_cmd48(int ch, int dev, uint8_t cmd, uint64_t lba, uint16_t count)
{
	uint16_t b = io_base[ch];
	ide_select(ch, dev, 0);
	outb(b + 2, (uint8_t)(count >> 8));
	outb(b + 3, (uint8_t)(lba >> 24));
	outb(b + 4, (uint8_t)(lba >> 32));
	outb(b + 5, (uint8_t)(lba >> 40));
	outb(b + 2, (uint8_t)count);
	outb(b + 3, (uint8_t)lba);
	outb(b + 4, (uint8_t)(lba >> 8));
	outb(b + 5, (uint8_t)(lba >> 16));
	outb(b + 7, cmd);
}

static void insl(uint16_t port, void *dst, uint32_t n)
{
	__asm__ volatile("rep insl" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

static void insw(uint16_t port, void *dst, uint32_t n)
{
	__asm__ volatile("rep insw" : "+D"(dst), "+c"(n) : "d"(port) : "memory");
}

static void outsl(uint16_t port, const void *src, uint32_t n)
{
	__asm__ volatile("rep outsl" : "+S"(src), "+c"(n) : "d"(port) : "memory");
}

/* Is a drive there? Select it and look for a nonzero status. */
static bool ide_present(int ch, int dev)
{
	if (inb(io_base[ch] + 7) == 0xFF)
		return false;   /* the channel floats: no drives at all */
	ide_select(ch, dev, 0);
	for (int i = 0; i < 1000; i++)
		if (inb(io_base[ch] + 7) != 0)
			return true;
	return false;
}

static bool ide_identify(int ch)
{
	outb(io_base[ch] + 7, 0xEC);
	uint8_t st = ide_wait(ch);
	if ((st & ST_ERR) || !(st & ST_DRQ))
		return false;
	insw(io_base[ch], ident, 256);
	return true;
}

static uint64_t ident_sectors(void)
{
	if (ident[83] & (1 << 10))
		return ident[100] | (uint64_t)ident[101] << 16 | (uint64_t)ident[102] << 32 |
		       (uint64_t)ident[103] << 48;
	return ident[60] | (uint32_t)ident[61] << 16;
}

/* Data-in of count sectors in blocks of block sectors; the final status. */
static uint8_t ide_data_in(int ch, void *dst, unsigned count, unsigned block)
{
	uint8_t *p = dst;
	while (count) {
		uint8_t st = ide_wait(ch);
		if ((st & ST_ERR) || !(st & ST_DRQ))
			return st;
		unsigned n = count < block ? count : block;
		insl(io_base[ch], p, n * 128);
		p += n * 512;
		count -= n;
	}
	return ide_wait(ch);
}

static uint8_t ide_data_out(int ch, const void *src, unsigned count, unsigned block)
{
	const uint8_t *p = src;
	while (count) {
		uint8_t st = ide_wait(ch);
		if ((st & ST_ERR) || !(st & ST_DRQ))
			return st;
		unsigned n = count < block ? count : block;
		outsl(io_base[ch], p, n * 128);
		p += n * 512;
		count -= n;
	}
	return ide_wait(ch);
}

static void print_string(const uint8_t *s, unsigned max)
{
	for (unsigned i = 0; i < max && s[i] >= 0x20 && s[i] < 0x7F; i++)
		rt_putc((char)s[i]);
}

int sample_main(void)
{
	bool present[4];
	uint64_t sectors[4] = { 0 };
	int n = 0;

	for (int d = 0; d < 4; d++) {
		int ch = d / 2, dev = d % 2;
		present[d] = ide_present(ch, dev) && ide_identify(ch);
		if (!present[d])
			continue;
		n++;
		sectors[d] = ident_sectors();
		rt_printf("drive %d: ATA, %llu sectors, lba48 %s, flush ext %s, multiple up to %u\n", d,
			  (unsigned long long)sectors[d], (ident[83] & (1 << 10)) ? "yes" : "no",
			  (ident[83] & (1 << 13)) ? "yes" : "no", ident[47] & 0xFF);
	}
	if (n == 0) {
		rt_puts("disk: no drives");
		return 0;
	}
	if (present[0]) {
		ide_cmd28(0, 0, 0x20, 0, 1);
		uint8_t st = ide_data_in(0, sector[0], 1, 1);
		rt_printf("drive 0 sector 0: status 0x%02x \"", st);
		print_string(sector[0], 64);
		rt_puts("\"");
	}
	if (!present[1]) {
		rt_puts("disk: no drive 1, nothing written");
		return 0;
	}
	ide_cmd28(0, 1, 0x20, 0, 1);
	uint8_t st = ide_data_in(0, sector[0], 1, 1);
	rt_printf("drive 1 sector 0: status 0x%02x \"", st);
	print_string(sector[0], 64);
	rt_puts("\"");

	unsigned lba = rt_arg_uint("lba", 100);
	for (int k = 0; k < 16; k++)
		for (int j = 0; j < 512; j++)
			sector[k][j] = (uint8_t)('A' + k);
	ide_select(0, 1, 0);
	outb(io_base[0] + 2, 8);
	outb(io_base[0] + 7, 0xC6);   /* SET MULTIPLE MODE 8 */
	st = ide_wait(0);
	rt_printf("set multiple 8: status 0x%02x\n", st);
	ide_cmd48(0, 1, 0x39, lba, 16);   /* WRITE MULTIPLE EXT */
	st = ide_data_out(0, sector, 16, 8);
	if (st & ST_ERR) {
		rt_printf("write multiple ext: status 0x%02x error 0x%02x\n", st, inb(io_base[0] + 1));
		return 2;
	}
	rt_printf("write multiple ext lba %u x16: status 0x%02x\n", lba, st);
	ide_select(0, 1, 0);
	outb(io_base[0] + 7, 0xEA);   /* FLUSH CACHE EXT */
	rt_printf("flush cache ext: status 0x%02x\n", ide_wait(0));

	for (int k = 0; k < 16; k++)
		for (int j = 0; j < 512; j++)
			sector[k][j] = 0;
	ide_cmd48(0, 1, 0x24, lba, 16);   /* READ SECTORS EXT */
	st = ide_data_in(0, sector, 16, 1);
	int bad = 0;
	for (int k = 0; k < 16; k++)
		for (int j = 0; j < 512; j++)
			bad += sector[k][j] != (uint8_t)('A' + k);
	rt_printf("read sectors ext: status 0x%02x, %d bytes differ\n", st, bad);
	ide_cmd28(0, 1, 0x20, lba + 15, 1);
	st = ide_wait(0);
	insw(io_base[0], sector[0], 256);
	rt_printf("read sectors lba %u (insw): status 0x%02x, first byte '%c'\n", lba + 15, ide_wait(0),
		  sector[0][0]);
	/* bench=N: read N sectors more (READ MULTIPLE of 16), for timing the data port. */
	unsigned bench = rt_arg_uint("bench", 0);
	if (bench) {
		ide_select(0, 1, 0);
		outb(io_base[0] + 2, 16);
		outb(io_base[0] + 7, 0xC6);   /* SET MULTIPLE MODE 16 */
		ide_wait(0);
	}
	for (unsigned done = 0; done < bench; done += 16) {
		ide_cmd28(0, 1, 0xC4, done % (unsigned)(sectors[1] - 16), 16);
		st = ide_data_in(0, sector, 16, 16);
		if (st & ST_ERR) {
			rt_printf("bench: status 0x%02x\n", st);
			return 4;
		}
	}
	if (bench)
		rt_printf("bench: read %u sectors\n", bench);
	ide_cmd48(0, 1, 0x24, sectors[1], 1);
	st = ide_wait(0);
	rt_printf("read past the end: status 0x%02x error 0x%02x\n", st, inb(io_base[0] + 1));
	return bad ? 3 : 0;
}
