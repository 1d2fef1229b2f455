/* The 8042 keyboard controller and port 0x92 (see i8042.h). */
#include "monitor/i8042.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/machine.h"
#include "monitor/pcmap.h"

#define CB(c) ((c)->ram[0])

static void i8042_event(struct i8042 *c, const char *fmt, unsigned v)
{
	char msg[96];
	if (!c->ops || !c->ops->event)
		return;
	snprintf(msg, sizeof msg, fmt, v);
	c->ops->event(c->opaque, msg);
}

/* The interrupt lines follow the output buffer, gated by the command byte. */
static void i8042_update_irq(struct i8042 *c)
{
	int l1 = c->obf && !c->ob_aux && (CB(c) & I8042_CB_KBDINT);
	int l12 = c->obf && c->ob_aux && (CB(c) & I8042_CB_AUXINT);
	if (l1 != c->irq1) {
		c->irq1 = l1;
		if (c->ops && c->ops->irq)
			c->ops->irq(c->opaque, 1, l1);
	}
	if (l12 != c->irq12) {
		c->irq12 = l12;
		if (c->ops && c->ops->irq)
			c->ops->irq(c->opaque, 12, l12);
	}
}

/* Fill an empty output buffer: controller replies first, then the
 * keyboard's bytes (translated) while its interface is enabled. */
static void i8042_refill(struct i8042 *c)
{
	if (!c->obf && c->qlen) {
		c->ob = c->q[0].b;
		c->ob_aux = c->q[0].aux;
		c->obf = true;
		memmove(&c->q[0], &c->q[1], (c->qlen - 1) * sizeof c->q[0]);
		c->qlen--;
	}
	while (!c->obf && !(CB(c) & I8042_CB_KBDDIS) && ps2kbd_pending(&c->kbd)) {
		uint8_t b = ps2kbd_pop(&c->kbd);
		if (CB(c) & I8042_CB_XLATE) {
			if (b == 0xF0) {   /* set 2's break prefix: folded into the next code */
				c->xlat_break = true;
				continue;
			}
			b = (uint8_t)(ps2kbd_set2_to_set1(b) | (c->xlat_break ? 0x80 : 0));
			c->xlat_break = false;
		}
		c->ob = b;
		c->ob_aux = false;
		c->obf = true;
	}
	i8042_update_irq(c);
}

static void i8042_reply(struct i8042 *c, uint8_t b, bool aux)
{
	if (c->qlen < I8042_CTRL_Q) {
		c->q[c->qlen].b = b;
		c->q[c->qlen].aux = aux;
		c->qlen++;
	}
	i8042_refill(c);
}

static bool i8042_a20_locked(const struct i8042 *c)
{
	return (c->outport & I8042_OP_A20) || (c->porta & I8042_PA_A20);
}

/* Change the output port or port 0x92 and tell what the lines did. */
static void i8042_set_lines(struct i8042 *c, uint8_t outport, uint8_t porta, const char *why)
{
	bool was = i8042_a20_locked(c);
	bool reset = (!(outport & I8042_OP_RESET) && (c->outport & I8042_OP_RESET)) ||
		     ((porta & I8042_PA_RESET) && !(c->porta & I8042_PA_RESET));
	c->outport = outport | I8042_OP_RESET;   /* the reset line comes back up at once */
	c->porta = porta;
	bool now = i8042_a20_locked(c);
	if (was != now && c->ops && c->ops->a20)
		c->ops->a20(c->opaque, now);
	if (reset && c->ops && c->ops->reset)
		c->ops->reset(c->opaque, why);
}

void i8042_init(struct i8042 *c, const struct i8042_ops *ops, void *opaque)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	c->ops = ops;
	c->opaque = opaque;
	ps2kbd_reset(&c->kbd);
	CB(c) = I8042_CB_RESET;
	c->outport = I8042_OP_RESETVAL;
	c->status = I8042_STR_SYS;
}

void i8042_destroy(struct i8042 *c)
{
	pthread_mutex_destroy(&c->lock);
}

void i8042_reset(struct i8042 *c)
{
	pthread_mutex_lock(&c->lock);
	ps2kbd_reset(&c->kbd);
	memset(c->ram, 0, sizeof c->ram);
	CB(c) = I8042_CB_RESET;
	c->outport = I8042_OP_RESETVAL;
	c->porta = 0;
	c->status = I8042_STR_SYS;
	c->obf = c->ob_aux = c->xlat_break = false;
	c->qlen = 0;
	c->pending = 0;
	i8042_update_irq(c);
	pthread_mutex_unlock(&c->lock);
}

static uint8_t i8042_status(const struct i8042 *c)
{
	uint8_t s = (uint8_t)(c->status | I8042_STR_UNLOCK);
	s = (uint8_t)((s & ~I8042_STR_SYS) | ((CB(c) & I8042_CB_SYS) ? I8042_STR_SYS : 0));
	if (c->obf)
		s |= I8042_STR_OBF | (c->ob_aux ? I8042_STR_AUXOBF : 0);
	return s;
}

static uint8_t i8042_outport(const struct i8042 *c)
{
	return (uint8_t)((c->outport & ~(I8042_OP_KBDOBF | I8042_OP_AUXOBF)) | (c->irq1 ? I8042_OP_KBDOBF : 0) |
			 (c->irq12 ? I8042_OP_AUXOBF : 0));
}

/* A byte written to 0x60. */
static void i8042_write_data(struct i8042 *c, uint8_t v)
{
	uint8_t cmd = c->pending;
	c->pending = 0;
	c->status &= (uint8_t)~I8042_STR_CMD;
	if (cmd >= 0x60 && cmd <= 0x7F) {
		c->ram[cmd - 0x60] = v;
		i8042_refill(c);   /* interrupts or the interface may have come on */
		return;
	}
	switch (cmd) {
	case 0xD1:
		i8042_set_lines(c, v, c->porta, "8042 output port reset bit");
		return;
	case 0xD2:
		i8042_reply(c, v, false);
		return;
	case 0xD3:
		i8042_reply(c, v, true);
		return;
	case 0xD4:   /* to the AUX device: nothing is plugged in */
		c->status |= I8042_STR_TIMEOUT;
		i8042_reply(c, PS2_RESEND, true);
		return;
	}
	ps2kbd_write(&c->kbd, v);   /* not a parameter: a byte for the keyboard */
	i8042_refill(c);
}

/* A command written to 0x64. */
static void i8042_command(struct i8042 *c, uint8_t v)
{
	c->status |= I8042_STR_CMD;
	c->pending = 0;
	if (v >= 0x20 && v <= 0x3F) {
		i8042_reply(c, c->ram[v - 0x20], false);
		return;
	}
	if ((v >= 0x60 && v <= 0x7F) || v == 0xD1 || v == 0xD2 || v == 0xD3 || v == 0xD4) {
		c->pending = v;
		return;
	}
	if (v >= 0xF0) {   /* pulse output lines whose bits are 0; line 0 is reset */
		if (!(v & 1) && c->ops && c->ops->reset)
			c->ops->reset(c->opaque, "8042 reset line");
		return;
	}
	switch (v) {
	case 0xA7: CB(c) |= I8042_CB_AUXDIS; break;
	case 0xA8: CB(c) &= (uint8_t)~I8042_CB_AUXDIS; break;
	case 0xA9: i8042_reply(c, 0x00, false); break;   /* AUX clock and data lines fine */
	case 0xAA:   /* self test: passed, and the system flag is set */
		CB(c) |= I8042_CB_SYS;
		i8042_reply(c, 0x55, false);
		break;
	case 0xAB: i8042_reply(c, 0x00, false); break;
	case 0xAD: CB(c) |= I8042_CB_KBDDIS; break;
	case 0xAE:
		CB(c) &= (uint8_t)~I8042_CB_KBDDIS;
		i8042_refill(c);
		break;
	case 0xC0: i8042_reply(c, 0x80, false); break;   /* input port: keyboard not inhibited */
	case 0xD0: i8042_reply(c, i8042_outport(c), false); break;
	case 0xDD: i8042_set_lines(c, c->outport & (uint8_t)~I8042_OP_A20, c->porta, ""); break;
	case 0xDF: i8042_set_lines(c, c->outport | I8042_OP_A20, c->porta, ""); break;
	default:
		c->ignored++;
		i8042_event(c, "8042: unknown command 0x%02x ignored", v);
		break;
	}
}

void i8042_io_data(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct i8042 *c = opaque;
	uint8_t *d = data;
	(void)off;
	pthread_mutex_lock(&c->lock);
	if (is_write) {
		i8042_write_data(c, d[0]);
	} else {
		/* Reading takes the byte; the line drops before the next byte
		 * raises it again, so each byte is an edge for the PIC. */
		memset(d, 0xff, size);
		d[0] = c->ob;
		if (c->obf) {
			c->obf = false;
			c->status &= (uint8_t)~I8042_STR_TIMEOUT;
			i8042_update_irq(c);
			i8042_refill(c);
		}
	}
	pthread_mutex_unlock(&c->lock);
}

void i8042_io_cmd(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct i8042 *c = opaque;
	uint8_t *d = data;
	(void)off;
	pthread_mutex_lock(&c->lock);
	if (is_write) {
		i8042_command(c, d[0]);
	} else {
		memset(d, 0xff, size);
		d[0] = i8042_status(c);
	}
	pthread_mutex_unlock(&c->lock);
}

void i8042_io_porta(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct i8042 *c = opaque;
	uint8_t *d = data;
	(void)off;
	pthread_mutex_lock(&c->lock);
	if (is_write) {
		i8042_set_lines(c, c->outport, d[0] & (I8042_PA_RESET | I8042_PA_A20), "port 0x92 fast reset");
	} else {
		memset(d, 0xff, size);
		d[0] = c->porta;
	}
	pthread_mutex_unlock(&c->lock);
}

size_t i8042_type(struct i8042 *c, const char *text, size_t len)
{
	pthread_mutex_lock(&c->lock);
	size_t n = ps2kbd_type_ascii(&c->kbd, text, len);
	i8042_refill(c);
	pthread_mutex_unlock(&c->lock);
	return n;
}

void i8042_push_key(struct i8042 *c, uint8_t set2, bool extended, bool pressed)
{
	pthread_mutex_lock(&c->lock);
	ps2kbd_key(&c->kbd, set2, extended, pressed);
	i8042_refill(c);
	pthread_mutex_unlock(&c->lock);
}

bool i8042_kbd_enabled(struct i8042 *c)
{
	pthread_mutex_lock(&c->lock);
	bool on = !(CB(c) & I8042_CB_KBDDIS) && c->kbd.scanning;
	pthread_mutex_unlock(&c->lock);
	return on;
}

bool i8042_a20(struct i8042 *c)
{
	pthread_mutex_lock(&c->lock);
	bool on = i8042_a20_locked(c);
	pthread_mutex_unlock(&c->lock);
	return on;
}

uint8_t i8042_cmdbyte(struct i8042 *c)
{
	pthread_mutex_lock(&c->lock);
	uint8_t v = CB(c);
	pthread_mutex_unlock(&c->lock);
	return v;
}

/* The machine's 8042 and port 0x92 (monitor/device.h). */

static void i8042_dev_irq(void *opaque, int line, int level)
{
	machine_set_irq(opaque, line, level);
}

static void i8042_dev_reset_line(void *opaque, const char *why)
{
	machine_request(opaque, MACHINE_REQ_RESET, 0, 0, "%s", why);
}

static void i8042_dev_a20(void *opaque, bool on)
{
	struct machine *m = opaque;
	evlog_add(&m->events, EV_IO, 0, -1, "A20 gate %s", on ? "enabled" : "disabled");
	if (!on)
		machine_unsupported(m, "A20 gate disabled");
}

static void i8042_dev_event(void *opaque, const char *what)
{
	struct machine *m = opaque;
	evlog_add(&m->events, EV_IO, 0, -1, "%s", what);
}

static const struct i8042_ops i8042_dev_ops = {
	.irq = i8042_dev_irq,
	.reset = i8042_dev_reset_line,
	.a20 = i8042_dev_a20,
	.event = i8042_dev_event,
};

int i8042_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct i8042 *c = malloc(sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	i8042_init(c, &i8042_dev_ops, d->m);
	if (machine_dev_pio(d, I8042_DATA_PORT, 1, "i8042 data", i8042_io_data, c, err, errlen) < 0 ||
	    machine_dev_pio(d, I8042_STATUS_PORT, 1, "i8042 command", i8042_io_cmd, c, err, errlen) < 0 ||
	    machine_dev_pio(d, I8042_PORTA, 1, "port A", i8042_io_porta, c, err, errlen) < 0 ||
	    machine_dev_irq(d, PC_IRQ_KBD, "keyboard", err, errlen) < 0 ||
	    machine_dev_irq(d, PC_IRQ_MOUSE, "aux", err, errlen) < 0) {
		i8042_destroy(c);
		free(c);
		return -1;
	}
	d->state = c;
	return 0;
}

void i8042_dev_reset(struct machine_dev *d)
{
	i8042_reset(d->state);
}

void i8042_dev_destroy(struct machine_dev *d)
{
	i8042_destroy(d->state);
	free(d->state);
}
