/* The VGA's registers in colour text mode, the ones a text-mode guest and a
 * VGA probe touch (IBM VGA technical reference): the CRT controller at
 * 0x3D4/0x3D5 (0x00-0x18 stored and readable: cursor shape 0x0A/0x0B, start
 * address 0x0C/0x0D, cursor location 0x0E/0x0F), input status 1 at 0x3DA
 * (display-enable and vertical-retrace bits follow a 70 Hz, 449-line frame
 * in real time, so guests that wait for retrace do not hang; reading it
 * resets the attribute controller's flip-flop), the attribute controller
 * 0x3C0/0x3C1, misc output 0x3C2 (write) / 0x3CC (read, 0x67 after reset),
 * the sequencer 0x3C4/0x3C5, the graphics controller 0x3CE/0x3CF and the
 * DAC 0x3C6-0x3C9, which store what they are given. Text lives in VGA memory
 * (monitor/vgamem.h); this device only holds registers.
 *
 * What bt86 does not model: graphics modes (attribute mode control bit 0 or
 * graphics controller misc bit 0 set) and monochrome emulation (misc output
 * bit 0 clear: text at 0xB0000, CRTC at 0x3B4): the unsupported hook says
 * so, and the device stops the run. In colour mode a VGA does not decode the
 * monochrome addresses 0x3B4/0x3B5/0x3BA, and no MDA is fitted: they read
 * 0xFF and ignore writes (claimed, so they are not logged as unclaimed).
 *
 *   cga_init(&v, NULL, NULL);
 *   iobus_register(&pio, 0x3C0, 16, "vga", cga_io_3c0, &v); ...
 *   struct cga_cursor c; cga_cursor(&v, &c);    // any thread
 */
#ifndef BT86_MONITOR_CGA_H
#define BT86_MONITOR_CGA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define CGA_CRTC_REGS 0x19
#define CGA_SEQ_REGS  5
#define CGA_GC_REGS   9
#define CGA_ATTR_REGS 0x15

typedef void cga_unsupported_fn(void *opaque, const char *what);

struct cga {
	pthread_mutex_t lock;      /* the vCPU writes, a front end reads the cursor */
	uint8_t crtc_index, crtc[CGA_CRTC_REGS];
	uint8_t seq_index, seq[CGA_SEQ_REGS];
	uint8_t gc_index, gc[CGA_GC_REGS];
	uint8_t attr_index, attr[CGA_ATTR_REGS];
	bool attr_data;            /* the flip-flop: the next 0x3C0 write is data */
	uint8_t misc, feature;
	uint8_t pel_mask, dac_read, dac_write, dac_comp, dac_state;
	uint8_t dac[256][3];
	cga_unsupported_fn *unsupported;
	void *opaque;
	uint64_t t0_ns;            /* the frame clock's origin */
};

void cga_init(struct cga *v, cga_unsupported_fn *unsupported, void *opaque);
void cga_destroy(struct cga *v);
/* Mode 3 (80x25 colour text) as a BIOS sets it; the cursor at 0. */
void cga_reset(struct cga *v);

/* io_fns for 0x3C0-0x3CF, 0x3D4-0x3D5, 0x3DA and the monochrome 0x3B4-0x3B5, 0x3BA. */
void cga_io_3c0(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void cga_io_crtc(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void cga_io_status(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void cga_io_mono(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* Input status 1 at time ns since the frame clock's origin (tests). */
uint8_t cga_status1_at(uint64_t ns);

/* The text cursor and screen start as the CRTC holds them (any thread). */
struct cga_cursor {
	uint16_t pos;              /* cell index from the start of VGA text memory */
	uint16_t start;            /* the first cell shown (0x0C:0x0D) */
	uint8_t first_line, last_line;   /* 0x0A, 0x0B scan lines */
	bool visible;              /* 0x0A bit 5 clear */
	uint8_t misc;              /* misc output (0x67: colour text) */
};
void cga_cursor(struct cga *v, struct cga_cursor *out);

/* The machine's VGA registers (monitor/device.h hooks; state: struct cga). */
struct machine_dev;
int cga_dev_init(struct machine_dev *d, char *err, size_t errlen);
void cga_dev_reset(struct machine_dev *d);
void cga_dev_destroy(struct machine_dev *d);

#endif
