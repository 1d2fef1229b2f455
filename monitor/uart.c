/* 16550A UART model (see uart.h). Register map, offsets from the base port:
 * 0 RBR/THR (DLL when LCR.DLAB), 1 IER (DLM when DLAB), 2 IIR/FCR, 3 LCR,
 * 4 MCR, 5 LSR, 6 MSR, 7 SCR. */
#include "monitor/uart.h"
#include "monitor/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LCR_DLAB   0x80  /* divisor latch access */
#define IER_RDI    0x01  /* received data available interrupt */
#define IER_THRI   0x02  /* THR empty interrupt */
#define IER_RLSI   0x04  /* receiver line status interrupt */
#define IER_MSI    0x08  /* modem status interrupt */
#define IIR_NONE   0x01  /* no interrupt pending */
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_FIFO   0xC0  /* FIFOs enabled */
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define LSR_DR     0x01  /* data ready */
#define LSR_THRE   0x20  /* transmit holding register empty */
#define LSR_TEMT   0x40  /* transmitter empty */
#define MCR_DTR    0x01
#define MCR_RTS    0x02
#define MCR_OUT1   0x04
#define MCR_OUT2   0x08  /* on a PC, gates the interrupt line to the PIC */
#define MCR_LOOP   0x10  /* loopback: TX feeds RX, MCR bits feed MSR */
#define MSR_CTS    0x10
#define MSR_DSR    0x20
#define MSR_RI     0x40
#define MSR_DCD    0x80

/* The power-on registers (16550A datasheet, master reset: IER IIR FCR LCR
 * MCR cleared, LSR THRE|TEMT, MSR's deltas clear and its inputs as wired);
 * the divisor and scratch are undefined there, 9600 baud and 0 here. */
static void uart_regs_reset(struct uart *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->dlm = u->fcr = 0;
	u->lsr = LSR_THRE | LSR_TEMT;
	u->msr = MSR_CTS | MSR_DSR | MSR_DCD;  /* a console is always connected */
	u->dll = 12;                           /* 9600 baud, the reset divisor */
	u->thr_irq = false;
	u->rx_head = u->rx_len = 0;
	u->tx_count = u->rx_count = 0;
}

void uart_init(struct uart *u, uart_out_fn *out, void *out_opaque)
{
	memset(u, 0, sizeof *u);
	uart_regs_reset(u);
	u->out = out;
	u->out_opaque = out_opaque;
	pthread_mutex_init(&u->lock, NULL);
}

void uart_destroy(struct uart *u)
{
	pthread_mutex_destroy(&u->lock);
}

void uart_set_irq(struct uart *u, uart_irq_fn *irq, void *opaque)
{
	u->irq = irq;
	u->irq_opaque = opaque;
}

static void uart_update_irq(struct uart *u);

void uart_reset(struct uart *u)
{
	pthread_mutex_lock(&u->lock);
	uart_regs_reset(u);
	uart_update_irq(u);   /* IER is 0: the line drops */
	pthread_mutex_unlock(&u->lock);
}

/* Highest-priority pending interrupt, as the IIR encodes it. Caller holds lock. */
static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;
	if ((u->ier & IER_RDI) && u->rx_len)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_irq)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

static void uart_update_irq(struct uart *u)
{
	int level = !(uart_iir(u) & IIR_NONE) && (!u->out2_gate || (u->mcr & MCR_OUT2));
	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->irq)
			u->irq(u->irq_opaque, level);
	}
}

static void uart_rx_put(struct uart *u, uint8_t b)
{
	if (u->rx_len == UART_RX_CAP)
		return;
	u->rx[(u->rx_head + u->rx_len) % UART_RX_CAP] = b;
	u->rx_len++;
	u->rx_count++;
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = 0;

	switch (reg) {
	case 0:
		if (dlab)
			return u->dll;
		if (u->rx_len) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_RX_CAP;
			u->rx_len--;
		}
		break;
	case 1:
		return dlab ? u->dlm : u->ier;
	case 2:
		v = uart_iir(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thr_irq = false;   /* reading IIR acknowledges THR empty */
		break;
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5:
		v = u->lsr | (u->rx_len ? LSR_DR : 0);
		break;
	case 6:
		if (u->mcr & MCR_LOOP) {  /* modem outputs wired back to inputs */
			v = (uint8_t)(((u->mcr & MCR_RTS) ? MSR_CTS : 0) |
				      ((u->mcr & MCR_DTR) ? MSR_DSR : 0) |
				      ((u->mcr & MCR_OUT1) ? MSR_RI : 0) |
				      ((u->mcr & MCR_OUT2) ? MSR_DCD : 0));
		} else {
			v = u->msr;
		}
		break;
	case 7: return u->scr;
	}
	return v;
}

static void uart_write(struct uart *u, unsigned reg, uint8_t v, bool *emit, uint8_t *byte)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab) {
			u->dll = v;
			break;
		}
		u->tx_count++;
		if (u->mcr & MCR_LOOP)
			uart_rx_put(u, v);
		else {
			*emit = true;
			*byte = v;
		}
		u->thr_irq = true;   /* the byte left at once: THR is empty again */
		break;
	case 1:
		if (dlab) {
			u->dlm = v;
		} else {
			/* Enabling THRI while THR is empty raises it at once, as on a 16550. */
			if ((v & IER_THRI) && !(u->ier & IER_THRI))
				u->thr_irq = true;
			u->ier = v & (IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
		}
		break;
	case 2:
		if (v & FCR_CLR_RX)
			u->rx_len = 0;
		u->fcr = v & (FCR_ENABLE | 0xC0);  /* keep enable and trigger level */
		break;
	case 3: u->lcr = v; break;
	case 4: u->mcr = v & 0x1f; break;
	case 5: break;   /* LSR is read-only (factory test writes ignored) */
	case 6: break;
	case 7: u->scr = v; break;
	}
}

void uart_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write)
{
	struct uart *u = opaque;
	uint8_t *d = data;
	bool emit = false;
	uint8_t byte = 0;

	/* Wider accesses touch consecutive registers, byte by byte. */
	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < size; i++) {
		unsigned reg = (unsigned)((off + i) & 7);
		if (is_write)
			uart_write(u, reg, d[i], &emit, &byte);
		else
			d[i] = uart_read(u, reg);
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	/* Output happens outside the lock: the sink may block on a terminal. */
	if (emit && u->out)
		u->out(u->out_opaque, byte);
}

size_t uart_push_input(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	pthread_mutex_lock(&u->lock);
	while (n < len && u->rx_len < UART_RX_CAP)
		uart_rx_put(u, buf[n++]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

void uart_status(struct uart *u, struct uart_status *out)
{
	pthread_mutex_lock(&u->lock);
	*out = (struct uart_status){
		.ier = u->ier, .lcr = u->lcr, .mcr = u->mcr, .lsr = u->lsr, .msr = u->msr, .scr = u->scr,
		.fcr = u->fcr, .divisor = (uint16_t)(u->dlm << 8 | u->dll), .thr_irq = u->thr_irq,
		.irq_level = u->irq_level, .tx_count = u->tx_count, .rx_count = u->rx_count,
		.rx_waiting = u->rx_len,
	};
	pthread_mutex_unlock(&u->lock);
}

/* The machine's serial ports (monitor/device.h): one row per port, the
 * row's name choosing its base and line. COM1 is the console (machine.com1,
 * the front end's output and input). COM2-COM4 exist so probes find them:
 * their output goes nowhere and nothing arrives. COM3 and COM4 share IRQ 4
 * and 3 with COM1 and COM2 on a PC; ISA lines are not shared here, so they
 * have no line (a driver polling them works, one waiting for IRQs waits). */
static const struct uart_port {
	const char *name;
	uint16_t base;
	int irq;   /* -1: none */
} uart_ports[] = {
	{ "com1", UART_COM1_BASE, UART_COM1_IRQ },
	{ "com2", UART_COM2_BASE, UART_COM2_IRQ },
	{ "com3", UART_COM3_BASE, -1 },
	{ "com4", UART_COM4_BASE, -1 },
};

struct uart_dev_line {
	struct machine *m;
	int irq;
};

static void uart_dev_irq(void *opaque, int level)
{
	struct uart_dev_line *l = opaque;
	machine_set_irq(l->m, l->irq, level);
}

int uart_dev_init(struct machine_dev *d, char *err, size_t errlen)
{
	struct machine *m = d->m;
	const struct uart_port *p = NULL;
	for (size_t i = 0; i < sizeof uart_ports / sizeof uart_ports[0]; i++)
		if (strcmp(uart_ports[i].name, d->type->name) == 0)
			p = &uart_ports[i];
	if (!p) {
		snprintf(err, errlen, "no serial port is called %s", d->type->name);
		return -1;
	}
	bool console = p->base == UART_COM1_BASE;
	struct uart *u = console ? &m->com1 : malloc(sizeof *u);
	struct uart_dev_line *l = malloc(sizeof *l);
	if (!u || !l) {
		if (u != &m->com1)
			free(u);
		free(l);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uart_init(u, console ? m->config.console_out : NULL, console ? m->config.console_opaque : NULL);
	*l = (struct uart_dev_line){ m, p->irq };
	/* The glue hangs off the UART (irq_opaque) even without a line, so
	 * destroy finds it. */
	uart_set_irq(u, p->irq >= 0 ? uart_dev_irq : NULL, l);
	d->state = u;
	if (machine_dev_pio(d, p->base, UART_PORTS, NULL, uart_io, u, err, errlen) < 0 ||
	    (p->irq >= 0 && machine_dev_irq(d, p->irq, NULL, err, errlen) < 0)) {
		uart_destroy(u);
		free(l);
		if (u != &m->com1)
			free(u);
		return -1;
	}
	return 0;
}

void uart_dev_reset(struct machine_dev *d)
{
	uart_reset(d->state);
}

void uart_dev_destroy(struct machine_dev *d)
{
	struct uart *u = d->state;
	uart_destroy(u);
	free(u->irq_opaque);
	if (u != &d->m->com1)
		free(u);
}
