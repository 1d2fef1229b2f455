/* The VGA's text-mode registers (see cga.h). */
#include "monitor/cga.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Mode 3's register values (IBM VGA technical reference, BIOS mode table). */
static const uint8_t cga_crtc_mode3[CGA_CRTC_REGS] = {
	0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
	0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};
static const uint8_t cga_seq_mode3[CGA_SEQ_REGS] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t cga_gc_mode3[CGA_GC_REGS] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF };
static const uint8_t cga_attr_mode3[CGA_ATTR_REGS] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
	0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00,
};
#define CGA_MISC_MODE3 0x67
#define CGA_MISC_COLOR 0x01   /* I/O at 0x3Dx, text at 0xB8000 */
#define CGA_ATTR_MODE  0x10
#define CGA_GC_MISC    0x06
#define CGA_GRAPHICS   0x01   /* attribute mode control / GC misc: graphics */

/* The 25.175 MHz text timing: 449 lines of 31.778 us, 70.1 Hz; lines
 * 0-399 displayed, retrace at 412-413; 640 of 800 dots displayed a line. */
#define CGA_LINE_NS    31778u
#define CGA_LINES      449u
#define CGA_VRS_FIRST  412u
#define CGA_VRS_LAST   413u
#define CGA_VISIBLE    400u
#define CGA_HDISP_NS   25422u

static uint64_t cga_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint8_t cga_status1_at(uint64_t ns)
{
	uint64_t line = (ns / CGA_LINE_NS) % CGA_LINES;
	uint64_t in_line = ns % CGA_LINE_NS;
	bool vretrace = line >= CGA_VRS_FIRST && line <= CGA_VRS_LAST;
	bool blank = line >= CGA_VISIBLE || in_line >= CGA_HDISP_NS;
	return (uint8_t)((blank ? 0x01 : 0) | (vretrace ? 0x08 : 0));
}

static void cga_regs_reset(struct cga *v)
{
	memcpy(v->crtc, cga_crtc_mode3, sizeof v->crtc);
	memcpy(v->seq, cga_seq_mode3, sizeof v->seq);
	memcpy(v->gc, cga_gc_mode3, sizeof v->gc);
	memcpy(v->attr, cga_attr_mode3, sizeof v->attr);
	v->attr_index = 0x20;   /* PAS: the palette is the screen's */
	v->crtc_index = v->seq_index = v->gc_index = 0;
	v->attr_data = false;
	v->misc = CGA_MISC_MODE3;
	v->feature = 0;
	v->pel_mask = 0xFF;
	v->dac_read = v->dac_write = v->dac_comp = v->dac_state = 0;
	memset(v->dac, 0, sizeof v->dac);
}

void cga_init(struct cga *v, cga_unsupported_fn *unsupported, void *opaque)
{
	memset(v, 0, sizeof *v);
	pthread_mutex_init(&v->lock, NULL);
	v->unsupported = unsupported;
	v->opaque = opaque;
	v->t0_ns = cga_now_ns();
	cga_regs_reset(v);
}

void cga_destroy(struct cga *v)
{
	pthread_mutex_destroy(&v->lock);
}

void cga_reset(struct cga *v)
{
	pthread_mutex_lock(&v->lock);
	cga_regs_reset(v);
	pthread_mutex_unlock(&v->lock);
}

static void cga_say_unsupported(struct cga *v, const char *what)
{
	if (v->unsupported)
		v->unsupported(v->opaque, what);
}

static void cga_attr_write(struct cga *v, uint8_t b)
{
	if (!v->attr_data) {
		v->attr_index = b & 0x3F;
		v->attr_data = true;
		return;
	}
	v->attr_data = false;
	unsigned i = v->attr_index & 0x1F;
	if (i >= CGA_ATTR_REGS)
		return;
	v->attr[i] = b;
	if (i == CGA_ATTR_MODE && (b & CGA_GRAPHICS))
		cga_say_unsupported(v, "VGA graphics mode");
}

static void cga_dac_data_write(struct cga *v, uint8_t b)
{
	v->dac[v->dac_write][v->dac_comp] = b & 0x3F;
	if (++v->dac_comp == 3) {
		v->dac_comp = 0;
		v->dac_write++;
	}
}

static uint8_t cga_dac_data_read(struct cga *v)
{
	uint8_t b = v->dac[v->dac_read][v->dac_comp];
	if (++v->dac_comp == 3) {
		v->dac_comp = 0;
		v->dac_read++;
	}
	return b;
}

/* 0x3C0-0x3CF, port p (0-15). */
static void cga_3c0_write(struct cga *v, unsigned p, uint8_t b)
{
	switch (p) {
	case 0x0: cga_attr_write(v, b); break;
	case 0x2:
		v->misc = b;
		if (!(b & CGA_MISC_COLOR))
			cga_say_unsupported(v, "VGA monochrome emulation (misc output bit 0 clear)");
		break;
	case 0x4: v->seq_index = b; break;
	case 0x5:
		if (v->seq_index < CGA_SEQ_REGS)
			v->seq[v->seq_index] = b;
		break;
	case 0x6: v->pel_mask = b; break;
	case 0x7: v->dac_read = b; v->dac_comp = 0; v->dac_state = 0x03; break;
	case 0x8: v->dac_write = b; v->dac_comp = 0; v->dac_state = 0x00; break;
	case 0x9: cga_dac_data_write(v, b); break;
	case 0xE: v->gc_index = b; break;
	case 0xF:
		if (v->gc_index < CGA_GC_REGS) {
			v->gc[v->gc_index] = b;
			if (v->gc_index == CGA_GC_MISC && (b & CGA_GRAPHICS))
				cga_say_unsupported(v, "VGA graphics mode");
		}
		break;
	default: break;   /* 0x3C1 and 0x3C3 writes: ignored, as on a VGA */
	}
}

static uint8_t cga_3c0_read(struct cga *v, unsigned p)
{
	switch (p) {
	case 0x0: return v->attr_index;
	case 0x1: return (v->attr_index & 0x1F) < CGA_ATTR_REGS ? v->attr[v->attr_index & 0x1F] : 0xFF;
	case 0x2: return 0x00;   /* input status 0: no switch sense, no CRT interrupt */
	case 0x4: return v->seq_index;
	case 0x5: return v->seq_index < CGA_SEQ_REGS ? v->seq[v->seq_index] : 0xFF;
	case 0x6: return v->pel_mask;
	case 0x7: return v->dac_state;
	case 0x8: return v->dac_write;
	case 0x9: return cga_dac_data_read(v);
	case 0xA: return v->feature;
	case 0xC: return v->misc;
	case 0xE: return v->gc_index;
	case 0xF: return v->gc_index < CGA_GC_REGS ? v->gc[v->gc_index] : 0xFF;
	default: return 0xFF;
	}
}

void cga_io_3c0(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct cga *v = opaque;
	uint8_t *d = data;
	pthread_mutex_lock(&v->lock);
	/* A 16-bit OUT to an index port writes index then data, as drivers do. */
	for (unsigned i = 0; i < size; i++) {
		unsigned p = (unsigned)(off + i) & 0xF;
		if (is_write)
			cga_3c0_write(v, p, d[i]);
		else
			d[i] = cga_3c0_read(v, p);
	}
	pthread_mutex_unlock(&v->lock);
}

void cga_io_crtc(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct cga *v = opaque;
	uint8_t *d = data;
	pthread_mutex_lock(&v->lock);
	for (unsigned i = 0; i < size; i++) {
		unsigned p = (unsigned)(off + i) & 1;
		if (p == 0) {
			if (is_write)
				v->crtc_index = d[i];
			else
				d[i] = v->crtc_index;
		} else if (is_write) {
			if (v->crtc_index < CGA_CRTC_REGS)
				v->crtc[v->crtc_index] = d[i];
		} else {
			d[i] = v->crtc_index < CGA_CRTC_REGS ? v->crtc[v->crtc_index] : 0xFF;
		}
	}
	pthread_mutex_unlock(&v->lock);
}

void cga_io_status(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct cga *v = opaque;
	uint8_t *d = data;
	(void)off;
	pthread_mutex_lock(&v->lock);
	if (is_write) {
		v->feature = d[0];   /* feature control */
	} else {
		memset(d, 0xFF, size);
		d[0] = cga_status1_at(cga_now_ns() - v->t0_ns);
		v->attr_data = false;
	}
	pthread_mutex_unlock(&v->lock);
}

void cga_io_mono(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	(void)opaque;
	(void)off;
	if (!is_write)
		memset(data, 0xFF, size);
}

void cga_cursor(struct cga *v, struct cga_cursor *out)
{
	pthread_mutex_lock(&v->lock);
	out->pos = (uint16_t)(v->crtc[0x0E] << 8 | v->crtc[0x0F]);
	out->start = (uint16_t)(v->crtc[0x0C] << 8 | v->crtc[0x0D]);
	out->first_line = v->crtc[0x0A] & 0x1F;
	out->last_line = v->crtc[0x0B] & 0x1F;
	out->visible = !(v->crtc[0x0A] & 0x20);
	out->misc = v->misc;
	pthread_mutex_unlock(&v->lock);
}

/* The machine's VGA registers (monitor/device.h). */

static void cga_dev_unsupported(void *opaque, const char *what)
{
	machine_unsupported(opaque, "%s", what);
}

int cga_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct cga *v = malloc(sizeof *v);
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cga_init(v, cga_dev_unsupported, d->m);
	if (machine_dev_pio(d, 0x3C0, 16, "vga", cga_io_3c0, v, err, errlen) < 0 ||
	    machine_dev_pio(d, 0x3D4, 2, "vga crtc", cga_io_crtc, v, err, errlen) < 0 ||
	    machine_dev_pio(d, 0x3DA, 1, "vga status", cga_io_status, v, err, errlen) < 0 ||
	    machine_dev_pio(d, 0x3B4, 2, "mda (absent)", cga_io_mono, v, err, errlen) < 0 ||
	    machine_dev_pio(d, 0x3BA, 1, "mda (absent)", cga_io_mono, v, err, errlen) < 0) {
		cga_destroy(v);
		free(v);
		return -1;
	}
	d->state = v;
	return 0;
}

void cga_dev_reset(struct machine_dev *d)
{
	cga_reset(d->state);
}

void cga_dev_destroy(struct machine_dev *d)
{
	cga_destroy(d->state);
	free(d->state);
}
