/* The PC/AT's two 8237A DMA controllers and the 74LS612 page registers.
 *
 * Controller 1 (8-bit channels 0-3) decodes ports 0x00-0x0F, aliased at
 * 0x10-0x1F; controller 2 (16-bit channels 4-7, channel 4 cascading
 * controller 1) has the same sixteen registers on the even ports
 * 0xC0-0xDE (A0 is not decoded, so each odd port aliases the even one
 * below it). Page registers are at 0x81-0x8F: 0x87/0x83/0x81/0x82 give
 * address bits 16-23 to channels 0-3, 0x8F/0x8B/0x89/0x8A to channels 4-7,
 * the rest are scratch bytes that read back. Port 0x80 is the POST code
 * port (monitor/postcode.c).
 *
 * Every register the 8237A datasheet defines is kept: base and current
 * address and count (written a byte at a time through the byte-pointer
 * flip-flop, both base and current on a write, current read back), mode,
 * command, request, mask, status (terminal-count bits cleared by reading
 * it) and temporary registers, master clear and the clear-mask and
 * write-all-mask commands. The write-only registers (request, mode, single
 * mask, the commands) read as the floating bus, 0xFF, as on the chip; the
 * all-mask register reads back as on the PIIX.
 *
 * No device on bt86's PC asserts a DREQ, so no transfer ever starts by
 * itself; a guest that starts one by software (a request-register write to
 * an unmasked channel of an enabled controller, which real hardware would
 * serve) stops the run as unsupported: bt86 models no DMA transfers. */
#ifndef BT86_MONITOR_DMA8237_H
#define BT86_MONITOR_DMA8237_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMA8237_PORT1      0x00   /* controller 1, 0x00-0x1F */
#define DMA8237_PORT2      0xC0   /* controller 2, 0xC0-0xDF */
#define DMA8237_PAGE_PORT  0x81   /* page registers, 0x81-0x8F */
#define DMA8237_NPAGE      15

/* Register numbers within a controller. */
enum {
	DMA8237_STATUS = 8,       /* read status / write command */
	DMA8237_REQUEST = 9,
	DMA8237_SINGLE_MASK = 10,
	DMA8237_MODE = 11,
	DMA8237_CLEAR_FF = 12,
	DMA8237_TEMP = 13,        /* read temporary / write master clear */
	DMA8237_CLEAR_MASK = 14,
	DMA8237_ALL_MASK = 15,
};

#define DMA8237_CMD_DISABLE 0x04   /* command bit 2: controller disabled */

struct dma8237_ctrl {
	uint16_t base_addr[4], cur_addr[4];
	uint16_t base_count[4], cur_count[4];
	uint8_t mode[4];          /* bits 2-7 of the last mode write per channel */
	uint8_t command, status, request, mask, temp;
	bool flipflop;            /* false: the next byte is the low one */
};

typedef void dma8237_unsupported_fn(void *opaque, const char *what);

struct dma8237 {
	struct dma8237_ctrl ctrl[2];
	uint8_t page[DMA8237_NPAGE];   /* ports 0x81-0x8F */
	dma8237_unsupported_fn *unsupported;
	void *opaque;
};

void dma8237_init(struct dma8237 *d, dma8237_unsupported_fn *unsupported, void *opaque);
void dma8237_reset(struct dma8237 *d);

/* One register of controller c (0 or 1), reg 0-15. */
uint8_t dma8237_read(struct dma8237 *d, unsigned c, unsigned reg);
void dma8237_write(struct dma8237 *d, unsigned c, unsigned reg, uint8_t v);

/* The 24-bit (channels 0-3) or word-addressed (4-7) start address of
 * channel ch as its page register and base address give it. */
uint32_t dma8237_channel_address(const struct dma8237 *d, unsigned ch);

/* The port handlers the device registers. */
void dma8237_io1(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void dma8237_io2(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void dma8237_page_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

struct machine_dev;
int dma8237_dev_init(struct machine_dev *d, char *err, size_t errlen);
void dma8237_dev_reset(struct machine_dev *d);
void dma8237_dev_destroy(struct machine_dev *d);

#endif
