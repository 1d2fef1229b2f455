/* The 8042 keyboard controller (IBM PC/AT technical reference, the Intel
 * 8042/8742 datasheet, as Linux's i8042 driver and xv6's kbd.c use it): data
 * port 0x60, status/command port 0x64, a PS/2 keyboard behind it
 * (monitor/ps2kbd.h), IRQ 1 for the keyboard and IRQ 12 for the AUX port.
 * System control port A (0x92: fast A20, fast reset) is here too, because it
 * drives the same A20 and reset lines as the 8042's output port.
 *
 * What bt86 models and decides:
 *  - The command byte starts as a PC BIOS leaves it: 0x65 (translation,
 *    AUX port disabled, system flag, keyboard interrupt), so xv6, which never
 *    programs the controller, gets set 1 scancodes on IRQ 1.
 *  - Translation (command byte bit 6) turns the keyboard's set 2 into set 1,
 *    F0-prefixed breaks into codes with bit 7 set, as the chip does.
 *  - The AUX port exists with nothing plugged in: 0xA9 answers 0x00, 0xD3
 *    echoes on the AUX side (IRQ 12), bytes for the device (0xD4) come back
 *    as 0xFE with the timeout bit, so Linux's probe finds no mouse at once.
 *  - A20 is never gated: RAM is linear. The output port's A20 bit (0xD1,
 *    0xDD/0xDF) and port 0x92's read back; the line is their OR, as on PIIX.
 *    Turning it off is a mode bt86 does not model: the a20 hook says so and
 *    the device stops the run as unsupported.
 *  - The output port's reset bit written 0, a pulse of output line 0
 *    (0xF0-0xFE with bit 0 clear) and port 0x92 bit 0 rising reset the machine.
 *  - Commands it does not know are reported (the event hook) and ignored.
 *  - The input buffer is never full: bytes are taken at once (IBF stays 0).
 *
 *   i8042_init(&c, &ops, opaque);
 *   iobus_register(&pio, 0x60, 1, "kbd", i8042_io_data, &c); ... 0x64, 0x92
 *   i8042_type(&c, "hello\n", 6);            // any thread
 */
#ifndef BT86_MONITOR_I8042_H
#define BT86_MONITOR_I8042_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/ps2kbd.h"

#define I8042_DATA_PORT   0x60
#define I8042_STATUS_PORT 0x64
#define I8042_PORTA       0x92

/* Status register (0x64 read). */
#define I8042_STR_OBF     0x01   /* output buffer full: 0x60 has a byte */
#define I8042_STR_IBF     0x02   /* input buffer full (never: bytes are taken at once) */
#define I8042_STR_SYS     0x04   /* system flag (command byte bit 2, set by self test) */
#define I8042_STR_CMD     0x08   /* the last byte written went to 0x64 */
#define I8042_STR_UNLOCK  0x10   /* keyboard not inhibited (the key lock is open) */
#define I8042_STR_AUXOBF  0x20   /* the byte in the output buffer is from the AUX port */
#define I8042_STR_TIMEOUT 0x40   /* the AUX device did not answer */

/* Command byte (0x20 read, 0x60 write). */
#define I8042_CB_KBDINT   0x01
#define I8042_CB_AUXINT   0x02
#define I8042_CB_SYS      0x04
#define I8042_CB_KBDDIS   0x10
#define I8042_CB_AUXDIS   0x20
#define I8042_CB_XLATE    0x40
#define I8042_CB_RESET    0x65   /* as a BIOS leaves it */

/* Output port (0xD0 read, 0xD1 write). */
#define I8042_OP_RESET    0x01   /* 0: hold the CPU in reset */
#define I8042_OP_A20      0x02
#define I8042_OP_KBDOBF   0x10   /* IRQ 1 line */
#define I8042_OP_AUXOBF   0x20   /* IRQ 12 line */
#define I8042_OP_RESETVAL 0xCF

/* Port 0x92. */
#define I8042_PA_RESET    0x01
#define I8042_PA_A20      0x02

#define I8042_CTRL_Q      16     /* controller replies waiting for the output buffer */

/* What the controller drives; called with its lock held, on the thread of
 * the access (or of i8042_type for IRQ 1). */
struct i8042_ops {
	void (*irq)(void *opaque, int line, int level);   /* line 1 or 12 */
	void (*reset)(void *opaque, const char *why);     /* pulse the CPU's reset line */
	void (*a20)(void *opaque, bool on);               /* the A20 line changed */
	void (*event)(void *opaque, const char *what);    /* an ignored command, say */
};

struct i8042 {
	pthread_mutex_t lock;      /* guest accesses and front-end typing */
	struct ps2kbd kbd;
	uint8_t ram[32];           /* ram[0] is the command byte */
	uint8_t outport, porta;
	uint8_t status;            /* the sticky bits: SYS, CMD, TIMEOUT */
	uint8_t ob;                /* the output buffer */
	bool obf, ob_aux;
	struct { uint8_t b; bool aux; } q[I8042_CTRL_Q];   /* controller replies first */
	unsigned qlen;
	uint8_t pending;           /* a command waiting for its byte on 0x60, or 0 */
	bool xlat_break;           /* translating: an F0 came, the next code is a break */
	int irq1, irq12;           /* the lines' levels */
	const struct i8042_ops *ops;
	void *opaque;
	uint64_t ignored;          /* unknown commands seen */
};

void i8042_init(struct i8042 *c, const struct i8042_ops *ops, void *opaque);
void i8042_destroy(struct i8042 *c);
/* Power-on (as a BIOS leaves it); the lines drop. */
void i8042_reset(struct i8042 *c);

/* io_fns: 0x60, 0x64, 0x92 (one byte each; a wider access uses its low byte,
 * and reads the rest as ones). */
void i8042_io_data(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void i8042_io_cmd(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);
void i8042_io_porta(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* Keyboard input from a front end (any thread): text typed on a US layout
 * (ps2kbd_type_ascii), or one key by its set 2 code. Returns the characters
 * typed. */
size_t i8042_type(struct i8042 *c, const char *text, size_t len);
void i8042_push_key(struct i8042 *c, uint8_t set2, bool extended, bool pressed);
/* Whether the guest has the keyboard on: its interface enabled and scanning. */
bool i8042_kbd_enabled(struct i8042 *c);
/* The A20 line (the OR of the output port's bit and port 0x92's). */
bool i8042_a20(struct i8042 *c);
/* The command byte (for info and tests). */
uint8_t i8042_cmdbyte(struct i8042 *c);

/* The machine's 8042 (monitor/device.h hooks; state: struct i8042; ports
 * 0x60, 0x64, 0x92; IRQ 1 and 12). */
struct machine_dev;
int i8042_dev_init(struct machine_dev *d, char *err, size_t errlen);
void i8042_dev_reset(struct machine_dev *d);
void i8042_dev_destroy(struct machine_dev *d);

#endif
