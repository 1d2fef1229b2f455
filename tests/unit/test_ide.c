/* Unit tests for monitor/ide, the ATA disks, at register level as a driver
 * sees them (ATA/ATAPI-6): the IDENTIFY block's words and byte-swapped
 * strings, LBA28, LBA48 (HOB FIFO registers, past the 28-bit limit on a
 * sparse image) and CHS round trips through temporary images, READ/WRITE
 * MULTIPLE with an interrupt per block, the data-in/data-out interrupt
 * protocol (status read acknowledges, alternate status does not, nIEN
 * masks), SRST and its signature (settings revert unless SET FEATURES 66h),
 * EXECUTE DEVICE DIAGNOSTIC, aborted
 * commands (ATAPI ones, NOP, unknown, MULTIPLE while disabled, DMA modes),
 * IDNF past the end, readonly images, power modes, absent drives and empty
 * channels, FLUSH CACHE reaching the file (read back with stdio), the
 * machine's device row and `ide_drive_info`'s counters. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/ide.h"
#include "monitor/machine.h"

#define DATA 0
#define ERRF 1
#define NSECT 2
#define LBAL 3
#define LBAM 4
#define LBAH 5
#define SEL 6
#define STCMD 7

static struct ide *ide;
static int irq_level[2];
static int irq_rises[2];
static char dir[64];
static char paths[4][128];

static void on_irq(void *opaque, int ch, int level)
{
	ck_assert_ptr_eq(opaque, irq_level);
	if (level && !irq_level[ch])
		irq_rises[ch]++;
	irq_level[ch] = level;
}

/* A temporary image of n sectors; sector i begins with its number (32-bit)
 * and is filled with (i & 0xff) after it. */
static const char *mkimg(int k, uint64_t n, bool fill)
{
	snprintf(paths[k], sizeof paths[k], "%s/disk%d.img", dir, k);
	FILE *f = fopen(paths[k], "wb");
	ck_assert_ptr_nonnull(f);
	if (fill)
		for (uint64_t i = 0; i < n; i++) {
			uint8_t s[512];
			memset(s, (int)(i & 0xff), sizeof s);
			memcpy(s, &i, 4);
			ck_assert_int_eq(fwrite(s, 1, 512, f), 512);
		}
	fclose(f);
	if (!fill)
		ck_assert_int_eq(truncate(paths[k], (off_t)(n * 512)), 0);
	return paths[k];
}

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/bt86-test-ide.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	irq_level[0] = irq_level[1] = 0;
	irq_rises[0] = irq_rises[1] = 0;
	ide = ide_new(on_irq, irq_level);
	ck_assert_ptr_nonnull(ide);
}

static void teardown(void)
{
	ide_free(ide);
	for (int k = 0; k < 4; k++)
		if (paths[k][0])
			unlink(paths[k]);
	memset(paths, 0, sizeof paths);
	rmdir(dir);
}

static void attach(unsigned index, const char *path, bool ro)
{
	char err[256];
	ck_assert_msg(ide_attach(ide, index, path, ro, err, sizeof err) == 0, "%s", err);
}

static void outb(unsigned ch, unsigned reg, uint8_t v)
{
	ide_io_cmd(ide_channel(ide, ch), reg, &v, 1, true);
}

static uint8_t inb(unsigned ch, unsigned reg)
{
	uint8_t v;
	ide_io_cmd(ide_channel(ide, ch), reg, &v, 1, false);
	return v;
}

static uint8_t altstatus(unsigned ch)
{
	uint8_t v;
	ide_io_ctl(ide_channel(ide, ch), 0, &v, 1, false);
	return v;
}

static void devctl(unsigned ch, uint8_t v)
{
	ide_io_ctl(ide_channel(ide, ch), 0, &v, 1, true);
}

static uint32_t inl_data(unsigned ch)
{
	uint32_t v;
	ide_io_cmd(ide_channel(ide, ch), DATA, &v, 4, false);
	return v;
}

static uint16_t inw_data(unsigned ch)
{
	uint16_t v;
	ide_io_cmd(ide_channel(ide, ch), DATA, &v, 2, false);
	return v;
}

static void outl_data(unsigned ch, uint32_t v)
{
	ide_io_cmd(ide_channel(ide, ch), DATA, &v, 4, true);
}

/* A 28-bit LBA command on drive dev (0 master, 1 slave). */
static void cmd28(unsigned ch, unsigned dev, uint8_t cmd, uint32_t lba, uint8_t count)
{
	outb(ch, SEL, (uint8_t)(0xE0 | dev << 4 | ((lba >> 24) & 0x0F)));
	outb(ch, NSECT, count);
	outb(ch, LBAL, (uint8_t)lba);
	outb(ch, LBAM, (uint8_t)(lba >> 8));
	outb(ch, LBAH, (uint8_t)(lba >> 16));
	outb(ch, STCMD, cmd);
}

/* A 48-bit command: the high bytes first, then the low (the FIFO). */
static void cmd48(unsigned ch, unsigned dev, uint8_t cmd, uint64_t lba, uint16_t count)
{
	outb(ch, SEL, (uint8_t)(0x40 | dev << 4));
	outb(ch, NSECT, (uint8_t)(count >> 8));
	outb(ch, LBAL, (uint8_t)(lba >> 24));
	outb(ch, LBAM, (uint8_t)(lba >> 32));
	outb(ch, LBAH, (uint8_t)(lba >> 40));
	outb(ch, NSECT, (uint8_t)count);
	outb(ch, LBAL, (uint8_t)lba);
	outb(ch, LBAM, (uint8_t)(lba >> 8));
	outb(ch, LBAH, (uint8_t)(lba >> 16));
	outb(ch, STCMD, cmd);
}

static void read_sector(unsigned ch, uint8_t *buf)
{
	for (int i = 0; i < 128; i++) {
		uint32_t v = inl_data(ch);
		memcpy(buf + 4 * i, &v, 4);
	}
}

static void write_sector(unsigned ch, const uint8_t *buf)
{
	for (int i = 0; i < 128; i++) {
		uint32_t v;
		memcpy(&v, buf + 4 * i, 4);
		outl_data(ch, v);
	}
}

static void expect_abort(unsigned ch, uint8_t cmd)
{
	int rises = irq_rises[ch];
	outb(ch, STCMD, cmd);
	ck_assert_msg(irq_rises[ch] == rises + 1, "command 0x%02x: no interrupt", cmd);
	ck_assert_uint_eq(altstatus(ch), 0x51);
	ck_assert_uint_eq(inb(ch, ERRF), 0x04);
	ck_assert_uint_eq(inb(ch, STCMD), 0x51);
	ck_assert_int_eq(irq_level[ch], 0);
}

/* Sector contents as mkimg writes them. */
static void pattern(uint64_t i, uint8_t *s)
{
	memset(s, (int)(i & 0xff), 512);
	memcpy(s, &i, 4);
}

static void file_sector(const char *path, uint64_t lba, uint8_t *s)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseeko(f, (off_t)(lba * 512), SEEK_SET), 0);
	ck_assert_int_eq(fread(s, 1, 512, f), 512);
	fclose(f);
}

START_TEST(identify_block)
{
	attach(0, mkimg(0, 2000, false), false);
	uint16_t w[256];
	outb(0, SEL, 0xA0);
	outb(0, STCMD, 0xEC);
	ck_assert_uint_eq(irq_level[0], 1);
	ck_assert_uint_eq(altstatus(0), 0x58);   /* DRDY DSC DRQ */
	ck_assert_uint_eq(irq_level[0], 1);      /* alternate status does not acknowledge */
	ck_assert_uint_eq(inb(0, STCMD), 0x58);
	ck_assert_uint_eq(irq_level[0], 0);
	for (int i = 0; i < 256; i++)
		w[i] = inw_data(0);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);   /* done, no interrupt after the block */
	ck_assert_int_eq(irq_rises[0], 1);
	ck_assert_uint_eq(w[0], 0x0040);
	ck_assert_uint_eq(w[1], 2000 / (16 * 63));
	ck_assert_uint_eq(w[3], 16);
	ck_assert_uint_eq(w[6], 63);
	/* "BT86 HARDDISK": two characters a word, the first in the high byte. */
	ck_assert_uint_eq(w[27], 'B' << 8 | 'T');
	ck_assert_uint_eq(w[28], '8' << 8 | '6');
	ck_assert_uint_eq(w[29], ' ' << 8 | 'H');
	ck_assert_uint_eq(w[33], 'K' << 8 | ' ');
	ck_assert_uint_eq(w[46], ' ' << 8 | ' ');
	ck_assert_uint_eq(w[10], 'B' << 8 | 'T');   /* serial BT86-DISK-0 */
	ck_assert_uint_eq(w[15], '0' << 8 | ' ');
	ck_assert_uint_eq(w[19], ' ' << 8 | ' ');
	ck_assert_uint_eq(w[23], '1' << 8 | '.');   /* firmware 1.0 */
	ck_assert_uint_eq(w[47], 0x8010);
	ck_assert(w[49] & (1 << 9));                /* LBA */
	ck_assert_uint_eq(w[50], 0x4000);
	ck_assert_uint_eq(w[53] & 3, 3);
	ck_assert_uint_eq(w[59], 0);                /* multiple mode disabled */
	ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 2000);
	ck_assert_uint_eq(w[64], 0x0003);           /* PIO 3, 4 */
	ck_assert(w[80] & (1 << 6));                /* ATA/ATAPI-6 */
	ck_assert_uint_eq(w[83] & 0xC000, 0x4000);
	ck_assert(w[83] & (1 << 10));               /* 48-bit */
	ck_assert(w[83] & (1 << 12));               /* FLUSH CACHE */
	ck_assert(w[83] & (1 << 13));               /* FLUSH CACHE EXT */
	ck_assert_uint_eq(w[86] & 0x3400, 0x3400);  /* ... enabled */
	ck_assert(w[82] & (1 << 5));
	ck_assert(w[85] & (1 << 5));                /* write cache enabled */
	ck_assert_uint_eq(w[84] & 0xC000, 0x4000);
	ck_assert_uint_eq(w[87] & 0xC000, 0x4000);
	ck_assert_uint_eq(w[100] | (uint64_t)w[101] << 16 | (uint64_t)w[102] << 32 | (uint64_t)w[103] << 48, 2000);
	ck_assert_uint_eq(w[255], 0);
	/* The multiple setting shows in word 59. */
	outb(0, NSECT, 8);
	outb(0, STCMD, 0xC6);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	ide_identify(ide, 0, w);
	ck_assert_uint_eq(w[59], 0x0108);
	/* A data read with no DRQ floats. */
	ck_assert_uint_eq(inw_data(0), 0xFFFF);
}
END_TEST

START_TEST(lba28_round_trip)
{
	const char *p = mkimg(0, 100, true);
	attach(0, p, false);
	uint8_t s[512], want[512], got[512];
	/* READ SECTORS 3 from 7: an interrupt and DRQ before each sector. */
	cmd28(0, 0, 0x20, 7, 3);
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(irq_level[0], 1);
		ck_assert_uint_eq(inb(0, STCMD), 0x58);
		ck_assert_int_eq(irq_level[0], 0);
		read_sector(0, s);
		pattern(7 + (uint64_t)k, want);
		ck_assert_mem_eq(s, want, 512);
	}
	ck_assert_int_eq(irq_rises[0], 3);
	ck_assert_int_eq(irq_level[0], 0);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	/* WRITE SECTORS 2 at 40: DRQ without an interrupt first, then one per block. */
	cmd28(0, 0, 0x30, 40, 2);
	ck_assert_int_eq(irq_level[0], 0);
	ck_assert_uint_eq(altstatus(0), 0x58);
	for (int k = 0; k < 2; k++) {
		memset(s, 0xA0 + k, sizeof s);
		write_sector(0, s);
		ck_assert_int_eq(irq_level[0], 1);
		ck_assert_uint_eq(inb(0, STCMD), k == 0 ? 0x58 : 0x50);
	}
	ck_assert_int_eq(irq_rises[0], 5);
	cmd28(0, 0, 0x21, 40, 2);
	inb(0, STCMD);
	read_sector(0, got);
	memset(want, 0xA0, 512);
	ck_assert_mem_eq(got, want, 512);
	read_sector(0, got);
	memset(want, 0xA1, 512);
	ck_assert_mem_eq(got, want, 512);
	/* FLUSH CACHE: the data is in the file, read with stdio. */
	outb(0, STCMD, 0xE7);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	file_sector(p, 41, got);
	ck_assert_mem_eq(got, want, 512);
	file_sector(p, 42, got);
	pattern(42, want);
	ck_assert_mem_eq(got, want, 512);
	struct ide_drive_info di;
	ide_drive_info(ide, 0, &di);
	ck_assert(di.present);
	ck_assert_uint_eq(di.sectors, 100);
	ck_assert_uint_eq(di.sectors_read, 5);
	ck_assert_uint_eq(di.sectors_written, 2);
	ck_assert_uint_eq(di.flushes, 1);
	ck_assert_uint_eq(di.last_cmd, 0xE7);
	ck_assert_str_eq(di.last_name, "FLUSH CACHE");
}
END_TEST

START_TEST(lba48_past_28_bits)
{
	/* A sparse image just past LBA28's reach. */
	uint64_t n = 0x10000100ull;
	const char *p = mkimg(0, n, false);
	attach(0, p, false);
	uint16_t w[256];
	ide_identify(ide, 0, w);
	ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 0x0FFFFFFF);
	ck_assert_uint_eq(w[100] | (uint64_t)w[101] << 16 | (uint64_t)w[102] << 32, n);
	uint64_t lba = 0x10000010ull;
	uint8_t s[512], got[512];
	cmd48(0, 0, 0x34, lba, 2);
	for (int k = 0; k < 2; k++) {
		pattern(lba + (uint64_t)k, s);
		write_sector(0, s);
		ck_assert_uint_eq(inb(0, STCMD), k ? 0x50 : 0x58);
	}
	outb(0, STCMD, 0xEA);   /* FLUSH CACHE EXT */
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	file_sector(p, lba + 1, got);
	pattern(lba + 1, s);
	ck_assert_mem_eq(got, s, 512);
	cmd48(0, 0, 0x24, lba, 2);
	for (int k = 0; k < 2; k++) {
		ck_assert_uint_eq(inb(0, STCMD), 0x58);
		read_sector(0, got);
		pattern(lba + (uint64_t)k, s);
		ck_assert_mem_eq(got, s, 512);
	}
	/* The registers are two deep: HOB reads the earlier byte; a register
	 * write clears HOB. */
	outb(0, NSECT, 0x12);
	outb(0, NSECT, 0x34);
	outb(0, LBAH, 0x56);
	outb(0, LBAH, 0x78);
	ck_assert_uint_eq(inb(0, NSECT), 0x34);
	devctl(0, 0x80);
	ck_assert_uint_eq(inb(0, NSECT), 0x12);
	ck_assert_uint_eq(inb(0, LBAH), 0x56);
	outb(0, LBAL, 0);
	ck_assert_uint_eq(inb(0, NSECT), 0x34);
	/* LBA28 cannot reach it; a 48-bit count of 0 means 65536. */
	cmd48(0, 0, 0x24, n - 1, 0);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	ck_assert_uint_eq(inb(0, ERRF), 0x10);
	cmd48(0, 0, 0x42, n - 65536, 0);   /* READ VERIFY EXT: all 65536 fit */
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
}
END_TEST

START_TEST(multiple_irq_per_block)
{
	const char *p = mkimg(0, 64, true);
	attach(0, p, false);
	uint8_t s[512], want[512];
	/* Disabled after power-on: READ MULTIPLE aborts. */
	cmd28(0, 0, 0xC4, 0, 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	ck_assert_uint_eq(inb(0, ERRF), 0x04);
	/* Not a power of two, or more than 16: aborted. */
	outb(0, NSECT, 3);
	expect_abort(0, 0xC6);
	outb(0, NSECT, 32);
	expect_abort(0, 0xC6);
	outb(0, NSECT, 4);
	outb(0, STCMD, 0xC6);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	outb(0, NSECT, 5);         /* a bad count aborts and disables multiple mode */
	expect_abort(0, 0xC6);
	cmd28(0, 0, 0xC4, 0, 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	outb(0, NSECT, 4);
	outb(0, STCMD, 0xC6);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	irq_rises[0] = 0;
	/* WRITE MULTIPLE 10 sectors: blocks of 4, 4, 2, an interrupt after each. */
	cmd28(0, 0, 0xC5, 20, 10);
	ck_assert_int_eq(irq_level[0], 0);
	for (int b = 0; b < 3; b++) {
		int n = b < 2 ? 4 : 2;
		for (int k = 0; k < n; k++) {
			ck_assert_uint_eq(altstatus(0), 0x58);
			memset(s, 0x40 + b * 4 + k, sizeof s);
			write_sector(0, s);
			ck_assert_int_eq(irq_rises[0], k == n - 1 ? b + 1 : b);
		}
		ck_assert_uint_eq(inb(0, STCMD), b < 2 ? 0x58 : 0x50);
	}
	ck_assert_int_eq(irq_rises[0], 3);
	/* READ MULTIPLE EXT the same 10: an interrupt before each block. */
	irq_rises[0] = 0;
	cmd48(0, 0, 0x29, 20, 10);
	for (int b = 0; b < 3; b++) {
		ck_assert_int_eq(irq_rises[0], b + 1);
		ck_assert_uint_eq(inb(0, STCMD), 0x58);
		for (int k = 0; k < (b < 2 ? 4 : 2); k++) {
			read_sector(0, s);
			memset(want, 0x40 + b * 4 + k, sizeof want);
			ck_assert_mem_eq(s, want, 512);
		}
	}
	ck_assert_int_eq(irq_rises[0], 3);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	/* WRITE MULTIPLE EXT, then the file after FLUSH CACHE. */
	cmd48(0, 0, 0x39, 60, 4);
	for (int k = 0; k < 4; k++) {
		memset(s, 0x77, sizeof s);
		write_sector(0, s);
	}
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	outb(0, STCMD, 0xE7);
	file_sector(p, 63, want);
	ck_assert_mem_eq(s, want, 512);
}
END_TEST

START_TEST(nien_masks_the_line)
{
	attach(0, mkimg(0, 16, true), false);
	devctl(0, IDE_CTL_NIEN);
	outb(0, SEL, 0xA0);
	outb(0, STCMD, 0xE1);   /* IDLE IMMEDIATE: completion interrupt, masked */
	ck_assert_int_eq(irq_level[0], 0);
	devctl(0, 0);           /* still pending: the line rises */
	ck_assert_int_eq(irq_level[0], 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	ck_assert_int_eq(irq_level[0], 0);
	devctl(0, 0);
	ck_assert_int_eq(irq_level[0], 0);
	ck_assert_int_eq(irq_level[1], 0);
}
END_TEST

START_TEST(srst_signature)
{
	attach(0, mkimg(0, 16, true), false);
	attach(1, mkimg(1, 16, true), false);
	outb(0, SEL, 0xA0);
	outb(0, NSECT, 4);
	outb(0, STCMD, 0xC6);       /* the master in multiple mode */
	cmd28(0, 1, 0x20, 0, 1);   /* slave mid-transfer */
	devctl(0, IDE_CTL_SRST);
	ck_assert_uint_eq(altstatus(0), 0x80);   /* BSY while held */
	ck_assert_uint_eq(inb(0, STCMD), 0x80);
	devctl(0, 0);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);   /* device 0 selected again */
	ck_assert_uint_eq(inb(0, SEL) & 0x10, 0);
	ck_assert_uint_eq(inb(0, NSECT), 1);
	ck_assert_uint_eq(inb(0, LBAL), 1);
	ck_assert_uint_eq(inb(0, LBAM), 0);
	ck_assert_uint_eq(inb(0, LBAH), 0);
	ck_assert_uint_eq(inb(0, ERRF), 0x01);
	outb(0, SEL, 0xB0);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);   /* the slave: ready, no DRQ left */
	ck_assert_uint_eq(inb(0, LBAL), 1);
	ck_assert_uint_eq(inw_data(0), 0xFFFF);
	/* Settings revert to the defaults at a soft reset (multiple mode off)... */
	struct ide_drive_info di;
	ide_drive_info(ide, 0, &di);
	ck_assert_uint_eq(di.mult, 0);
	/* ...unless SET FEATURES 66h said to keep them. */
	outb(0, SEL, 0xA0);
	outb(0, NSECT, 8);
	outb(0, STCMD, 0xC6);
	outb(0, ERRF, 0x66);
	outb(0, STCMD, 0xEF);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	devctl(0, IDE_CTL_SRST);
	devctl(0, 0);
	ide_drive_info(ide, 0, &di);
	ck_assert_uint_eq(di.mult, 8);
	ck_assert_uint_eq(inb(0, NSECT), 1);
	outb(0, SEL, 0xB0);
	/* EXECUTE DEVICE DIAGNOSTIC: code 01h, device 0 answers with an interrupt. */
	outb(0, LBAM, 0x55);
	outb(0, STCMD, 0x90);
	ck_assert_int_eq(irq_level[0], 1);
	ck_assert_uint_eq(inb(0, ERRF), 0x01);
	ck_assert_uint_eq(inb(0, LBAM), 0);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	ck_assert_int_eq(irq_level[0], 0);
}
END_TEST

START_TEST(aborted_commands)
{
	attach(2, mkimg(0, 16, true), false);
	outb(1, SEL, 0xA0);
	expect_abort(1, 0x08);   /* DEVICE RESET: ATAPI only */
	expect_abort(1, 0xA0);   /* PACKET */
	expect_abort(1, 0xA1);   /* IDENTIFY PACKET DEVICE */
	expect_abort(1, 0x00);   /* NOP always aborts */
	expect_abort(1, 0xC8);   /* READ DMA: no DMA */
	expect_abort(1, 0xFF);
	outb(1, ERRF, 0x03);     /* SET FEATURES transfer mode */
	outb(1, NSECT, 0x45);    /* UDMA 5: no */
	expect_abort(1, 0xEF);
	outb(1, ERRF, 0x03);
	outb(1, NSECT, 0x0C);    /* PIO 4: yes */
	outb(1, STCMD, 0xEF);
	ck_assert_uint_eq(inb(1, STCMD), 0x50);
	outb(1, ERRF, 0x99);
	expect_abort(1, 0xEF);
	/* INITIALIZE DEVICE PARAMETERS with 0 sectors per track. */
	outb(1, NSECT, 0);
	expect_abort(1, 0x91);
	/* A good command after an error clears it. */
	outb(1, STCMD, 0xE5);
	ck_assert_uint_eq(inb(1, STCMD), 0x50);
	ck_assert_uint_eq(inb(1, ERRF), 0x00);
}
END_TEST

START_TEST(idnf_past_the_end)
{
	attach(0, mkimg(0, 50, true), false);
	cmd28(0, 0, 0x20, 49, 2);   /* the last sector and one beyond */
	ck_assert_int_eq(irq_level[0], 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	ck_assert_uint_eq(inb(0, ERRF), 0x10);
	ck_assert_uint_eq(inw_data(0), 0xFFFF);   /* nothing to transfer */
	cmd28(0, 0, 0x30, 50, 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	ck_assert_uint_eq(inb(0, ERRF), 0x10);
	cmd28(0, 0, 0x40, 60, 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	cmd28(0, 0, 0x20, 49, 1);   /* the last one itself is fine */
	ck_assert_uint_eq(inb(0, STCMD), 0x58);
	struct ide_drive_info di;
	ide_drive_info(ide, 0, &di);
	ck_assert_uint_eq(di.errors, 3);
}
END_TEST

START_TEST(readonly_image)
{
	const char *p = mkimg(0, 8, true);
	attach(0, p, true);
	uint8_t s[512], want[512];
	cmd28(0, 0, 0x30, 1, 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);   /* refused at the command: no DRQ */
	ck_assert_uint_eq(inb(0, ERRF), 0x04);
	cmd28(0, 0, 0x20, 1, 1);
	ck_assert_uint_eq(inb(0, STCMD), 0x58);
	read_sector(0, s);
	pattern(1, want);
	ck_assert_mem_eq(s, want, 512);
	outb(0, STCMD, 0xE7);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	struct ide_drive_info di;
	ide_drive_info(ide, 0, &di);
	ck_assert(di.readonly);
	ck_assert_uint_eq(di.sectors_written, 0);
}
END_TEST

START_TEST(chs_addressing)
{
	const char *p = mkimg(0, 2 * 16 * 63, true);
	attach(0, p, false);
	uint8_t s[512], got[512];
	/* Cylinder 1, head 2, sector 3: (1*16 + 2)*63 + 2. */
	outb(0, SEL, 0xA2);
	outb(0, NSECT, 1);
	outb(0, LBAL, 3);
	outb(0, LBAM, 1);
	outb(0, LBAH, 0);
	outb(0, STCMD, 0x20);
	ck_assert_uint_eq(inb(0, STCMD), 0x58);
	read_sector(0, got);
	pattern((1 * 16 + 2) * 63 + 2, s);
	ck_assert_mem_eq(got, s, 512);
	/* Sector 0 is no sector. */
	outb(0, LBAL, 0);
	outb(0, STCMD, 0x20);
	ck_assert_uint_eq(inb(0, STCMD), 0x51);
	ck_assert_uint_eq(inb(0, ERRF), 0x10);
	/* A new geometry: 4 heads, 8 sectors; C0 H1 S1 is sector 8. */
	outb(0, SEL, 0xA3);
	outb(0, NSECT, 8);
	outb(0, STCMD, 0x91);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	outb(0, SEL, 0xA1);
	outb(0, NSECT, 1);
	outb(0, LBAL, 1);
	outb(0, LBAM, 0);
	outb(0, STCMD, 0x30);
	memset(s, 0x5A, sizeof s);
	write_sector(0, s);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	outb(0, STCMD, 0xE7);
	file_sector(p, 8, got);
	ck_assert_mem_eq(got, s, 512);
}
END_TEST

START_TEST(power_modes)
{
	attach(0, mkimg(0, 8, true), false);
	outb(0, SEL, 0xA0);
	outb(0, STCMD, 0xE5);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	ck_assert_uint_eq(inb(0, NSECT), 0xFF);
	outb(0, STCMD, 0xE0);   /* STANDBY IMMEDIATE */
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	outb(0, STCMD, 0xE5);
	ck_assert_uint_eq(inb(0, NSECT), 0x00);
	outb(0, STCMD, 0xE1);   /* IDLE IMMEDIATE */
	outb(0, STCMD, 0xE5);
	ck_assert_uint_eq(inb(0, NSECT), 0xFF);
}
END_TEST

START_TEST(absent_drives)
{
	/* No drives: both channels float. */
	ck_assert_uint_eq(inb(0, STCMD), 0xFF);
	ck_assert_uint_eq(altstatus(1), 0xFF);
	ck_assert_uint_eq(inb(1, LBAL), 0xFF);
	attach(0, mkimg(0, 8, true), false);
	ck_assert_uint_eq(inb(1, STCMD), 0xFF);
	/* A master without a slave: the slave reads 0 and ignores commands. */
	outb(0, SEL, 0xF0);
	ck_assert_uint_eq(inb(0, STCMD), 0);
	ck_assert_uint_eq(altstatus(0), 0);
	outb(0, STCMD, 0xEC);
	ck_assert_int_eq(irq_level[0], 0);
	ck_assert_uint_eq(inb(0, STCMD), 0);
	outb(0, SEL, 0xE0);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	/* Index checks. */
	char err[256];
	ck_assert_int_eq(ide_attach(ide, 0, paths[0], false, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "already"));
	ck_assert_int_eq(ide_attach(ide, 4, paths[0], false, err, sizeof err), -1);
	ck_assert_int_eq(ide_attach(ide, 3, "/nonexistent/x.img", false, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.img"));
	struct ide_drive_info di;
	ide_drive_info(ide, 3, &di);
	ck_assert(!di.present);
}
END_TEST

START_TEST(destroy_flushes)
{
	const char *p = mkimg(0, 8, true);
	attach(0, p, false);
	uint8_t s[512], got[512];
	cmd28(0, 0, 0x30, 5, 1);
	memset(s, 0xC3, sizeof s);
	write_sector(0, s);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	/* With the write cache off, every block is durable at once. */
	outb(0, ERRF, 0x82);
	outb(0, STCMD, 0xEF);
	ck_assert_uint_eq(inb(0, STCMD), 0x50);
	uint16_t w[256];
	ide_identify(ide, 0, w);
	ck_assert(!(w[85] & (1 << 5)));
	ide_free(ide);
	ide = NULL;
	file_sector(p, 5, got);
	ck_assert_mem_eq(got, s, 512);
}
END_TEST

/* The machine's row: ports and lines claimed, drives from the config, the
 * line reaching the PIC's IRR, a bad image failing machine_init. */
START_TEST(machine_device_row)
{
	struct machine m;
	char err[512];
	struct machine_config cfg = { .ram_size = 4 << 20 };
	cfg.disks[1] = (struct ide_disk_spec){ mkimg(0, 8, true), false };
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
	struct ide *mi = machine_device(&m, "ide");
	ck_assert_ptr_nonnull(mi);
	uint8_t v = 0xB0;
	machine_pio(&m, 0, 0x1F6, &v, 1, true);
	machine_pio(&m, 0, 0x1F7, &v, 1, false);
	ck_assert_uint_eq(v, 0x50);
	v = 0xA0;   /* the absent master beside the slave reads ready, as QEMU's */
	machine_pio(&m, 0, 0x1F6, &v, 1, true);
	machine_pio(&m, 0, 0x3F6, &v, 1, false);
	ck_assert_uint_eq(v, 0x50);
	machine_pio(&m, 0, 0x177, &v, 1, false);
	ck_assert_uint_eq(v, 0xFF);
	struct machine_dev *d = machine_dev_find(&m, "ide");
	ck_assert_uint_eq(d->nranges, 4);
	ck_assert_uint_eq(d->nirqs, 2);
	ck_assert_int_eq(d->irq[0].line, 14);
	ck_assert_int_eq(d->irq[1].line, 15);
	struct ide_drive_info di;
	ide_drive_info(mi, 1, &di);
	ck_assert(di.present);
	ck_assert_str_eq(di.path, paths[0]);
	machine_destroy(&m);

	cfg.disks[2] = (struct ide_disk_spec){ "/nonexistent/disk.img", false };
	ck_assert_int_eq(machine_init(&m, &cfg, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/disk.img"));
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(command_names)
{
	ck_assert_str_eq(ide_cmd_name(0x24), "READ SECTORS EXT");
	ck_assert_str_eq(ide_cmd_name(0xC5), "WRITE MULTIPLE");
	ck_assert_str_eq(ide_cmd_name(0xEA), "FLUSH CACHE EXT");
	ck_assert_ptr_null(ide_cmd_name(0xFF));
}
END_TEST

static Suite *ide_suite(void)
{
	Suite *s = suite_create("ide");
	TCase *tc = tcase_create("ide");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, identify_block);
	tcase_add_test(tc, lba28_round_trip);
	tcase_add_test(tc, lba48_past_28_bits);
	tcase_add_test(tc, multiple_irq_per_block);
	tcase_add_test(tc, nien_masks_the_line);
	tcase_add_test(tc, srst_signature);
	tcase_add_test(tc, aborted_commands);
	tcase_add_test(tc, idnf_past_the_end);
	tcase_add_test(tc, readonly_image);
	tcase_add_test(tc, chs_addressing);
	tcase_add_test(tc, power_modes);
	tcase_add_test(tc, absent_drives);
	tcase_add_test(tc, destroy_flushes);
	tcase_add_test(tc, machine_device_row);
	tcase_add_test(tc, command_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ide_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
