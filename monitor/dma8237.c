/* The 8237A DMA controllers and page registers (see dma8237.h). Accesses
 * are on the vCPU thread only. */
#include "monitor/dma8237.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Page register (index from port 0x81) of each channel. */
static const uint8_t dma8237_page_of[8] = { 0x87 - 0x81, 0x83 - 0x81, 0x81 - 0x81, 0x82 - 0x81,
					   0x8F - 0x81, 0x8B - 0x81, 0x89 - 0x81, 0x8A - 0x81 };

static void dma8237_ctrl_clear(struct dma8237_ctrl *c)
{
	/* Master clear (and reset): command, status, request and temporary
	 * registers and the flip-flop cleared, every channel masked. The
	 * address, count and mode registers keep their contents. */
	c->command = 0;
	c->status = 0;
	c->request = 0;
	c->temp = 0;
	c->flipflop = false;
	c->mask = 0x0F;
}

void dma8237_init(struct dma8237 *d, dma8237_unsupported_fn *unsupported, void *opaque)
{
	memset(d, 0, sizeof *d);
	d->unsupported = unsupported;
	d->opaque = opaque;
	dma8237_reset(d);
}

void dma8237_reset(struct dma8237 *d)
{
	for (unsigned c = 0; c < 2; c++) {
		memset(&d->ctrl[c], 0, sizeof d->ctrl[c]);
		dma8237_ctrl_clear(&d->ctrl[c]);
	}
	memset(d->page, 0, sizeof d->page);
}

/* A software request on an unmasked channel of an enabled controller
 * starts a transfer on real hardware; bt86 models none. */
static void dma8237_check_request(struct dma8237 *d, unsigned c)
{
	struct dma8237_ctrl *k = &d->ctrl[c];
	uint8_t live = k->request & ~k->mask & 0x0F;
	if (!live || (k->command & DMA8237_CMD_DISABLE) || !d->unsupported)
		return;
	unsigned ch = 0;
	while (!(live & (1u << ch)))
		ch++;
	char what[96];
	snprintf(what, sizeof what, "DMA software request on channel %u (8237 transfers are not modelled)",
		 c * 4 + ch);
	d->unsupported(d->opaque, what);
}

static uint8_t dma8237_byte(struct dma8237_ctrl *k, uint16_t v)
{
	uint8_t b = k->flipflop ? (uint8_t)(v >> 8) : (uint8_t)v;
	k->flipflop = !k->flipflop;
	return b;
}

static void dma8237_set_byte(struct dma8237_ctrl *k, uint16_t *base, uint16_t *cur, uint8_t v)
{
	if (k->flipflop)
		*base = (uint16_t)((*base & 0x00FF) | (v << 8));
	else
		*base = (uint16_t)((*base & 0xFF00) | v);
	*cur = *base;
	k->flipflop = !k->flipflop;
}

uint8_t dma8237_read(struct dma8237 *d, unsigned c, unsigned reg)
{
	struct dma8237_ctrl *k = &d->ctrl[c & 1];
	reg &= 15;
	if (reg < 8) {
		unsigned ch = reg >> 1;
		return dma8237_byte(k, reg & 1 ? k->cur_count[ch] : k->cur_addr[ch]);
	}
	switch (reg) {
	case DMA8237_STATUS: {
		uint8_t s = (uint8_t)((k->status & 0x0F) | (k->request & 0x0F) << 4);
		k->status &= 0xF0;   /* reading clears the terminal-count bits */
		return s;
	}
	case DMA8237_TEMP:
		return k->temp;
	case DMA8237_ALL_MASK:
		return (uint8_t)(0xF0 | k->mask);
	default:
		return 0xFF;   /* write-only: the floating bus */
	}
}

void dma8237_write(struct dma8237 *d, unsigned c, unsigned reg, uint8_t v)
{
	c &= 1;
	struct dma8237_ctrl *k = &d->ctrl[c];
	reg &= 15;
	if (reg < 8) {
		unsigned ch = reg >> 1;
		if (reg & 1)
			dma8237_set_byte(k, &k->base_count[ch], &k->cur_count[ch], v);
		else
			dma8237_set_byte(k, &k->base_addr[ch], &k->cur_addr[ch], v);
		return;
	}
	unsigned ch = v & 3;
	switch (reg) {
	case DMA8237_STATUS:
		k->command = v;
		break;
	case DMA8237_REQUEST:
		if (v & 4)
			k->request |= (uint8_t)(1u << ch);
		else
			k->request &= (uint8_t)~(1u << ch);
		break;
	case DMA8237_SINGLE_MASK:
		if (v & 4)
			k->mask |= (uint8_t)(1u << ch);
		else
			k->mask &= (uint8_t)~(1u << ch);
		break;
	case DMA8237_MODE:
		k->mode[ch] = v & 0xFC;
		return;
	case DMA8237_CLEAR_FF:
		k->flipflop = false;
		return;
	case DMA8237_TEMP:
		dma8237_ctrl_clear(k);
		return;
	case DMA8237_CLEAR_MASK:
		k->mask = 0;
		break;
	case DMA8237_ALL_MASK:
		k->mask = v & 0x0F;
		break;
	}
	dma8237_check_request(d, c);
}

uint32_t dma8237_channel_address(const struct dma8237 *d, unsigned ch)
{
	ch &= 7;
	uint32_t page = d->page[dma8237_page_of[ch]];
	uint32_t base = d->ctrl[ch >> 2].base_addr[ch & 3];
	if (ch < 4)
		return page << 16 | base;
	/* 16-bit channels: address bits 1-16 from the controller, 17-23 from
	 * the page register (its bit 0 is not used). */
	return (page & 0xFE) << 16 | base << 1;
}

static void dma8237_io(struct dma8237 *d, unsigned c, unsigned shift, uint64_t off, void *data, unsigned size,
		       bool is_write)
{
	uint8_t *b = data;
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)((off + i) >> shift) & 15;
		if (is_write)
			dma8237_write(d, c, reg, b[i]);
		else
			b[i] = dma8237_read(d, c, reg);
	}
}

void dma8237_io1(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	dma8237_io(opaque, 0, 0, off, data, size, is_write);
}

void dma8237_io2(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	dma8237_io(opaque, 1, 1, off, data, size, is_write);
}

void dma8237_page_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct dma8237 *d = opaque;
	uint8_t *b = data;
	for (unsigned i = 0; i < size; i++) {
		uint64_t k = off + i;
		if (k >= DMA8237_NPAGE) {
			if (!is_write)
				b[i] = 0xFF;
		} else if (is_write) {
			d->page[k] = b[i];
		} else {
			b[i] = d->page[k];
		}
	}
}

static void dma8237_dev_unsupported(void *opaque, const char *what)
{
	machine_unsupported(opaque, "%s", what);
}

int dma8237_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct dma8237 *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dma8237_init(s, dma8237_dev_unsupported, d->m);
	if (machine_dev_pio(d, DMA8237_PORT1, 0x20, "DMA controller 1 (8237)", dma8237_io1, s, err, errlen) < 0 ||
	    machine_dev_pio(d, DMA8237_PORT2, 0x20, "DMA controller 2 (8237)", dma8237_io2, s, err, errlen) < 0 ||
	    machine_dev_pio(d, DMA8237_PAGE_PORT, DMA8237_NPAGE, "DMA page registers", dma8237_page_io, s, err,
			    errlen) < 0) {
		free(s);
		return -1;
	}
	d->state = s;
	return 0;
}

void dma8237_dev_reset(struct machine_dev *d)
{
	dma8237_reset(d->state);
}

void dma8237_dev_destroy(struct machine_dev *d)
{
	free(d->state);
}
