/* A 16550A UART (COM1 at 0x3F8 on a PC): enough of the chip for real drivers,
 * including the loopback self-test that many kernels run at init, the FIFO
 * bits, scratch register, divisor latch and the interrupt identification logic.
 * Transmitted bytes go to an output callback (stdout or a UI pane); received
 * bytes are pushed by a front end thread with uart_push_input().
 *
 *   uart_init(&u, console_write, ui);
 *   iobus_register(&pio, 0x3f8, 8, "com1", uart_io, &u);
 */
#ifndef BT86_MONITOR_UART_H
#define BT86_MONITOR_UART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3F8
#define UART_COM1_IRQ  4
#define UART_COM2_BASE 0x2F8
#define UART_COM2_IRQ  3
#define UART_COM3_BASE 0x3E8
#define UART_COM4_BASE 0x2E8
#define UART_PORTS     8     /* registers, from the base port */
#define UART_RX_CAP    1024  /* bytes buffered from the user; more are dropped */

typedef void uart_out_fn(void *opaque, uint8_t byte);
typedef void uart_irq_fn(void *opaque, int level);

struct uart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	bool thr_irq;            /* THR-empty interrupt pending (cleared by IIR read/THR write) */
	uint8_t rx[UART_RX_CAP]; /* receive FIFO; larger than the chip's 16 bytes so typing is not lost */
	unsigned rx_head, rx_len;
	int irq_level;
	/* On an IBM PC, MCR.OUT2 gates the chip's interrupt output to the bus.
	 * QEMU does not gate it, and kernels written against QEMU (xv6) never
	 * set OUT2, so bt86 does not either by default (uart_init: false). */
	bool out2_gate;
	uart_out_fn *out;
	void *out_opaque;
	uart_irq_fn *irq;
	void *irq_opaque;
	uint64_t tx_count, rx_count;
	pthread_mutex_t lock;    /* the vCPU thread and the input thread share rx */
};

void uart_init(struct uart *u, uart_out_fn *out, void *out_opaque);
void uart_destroy(struct uart *u);
/* Master reset: the registers and receive buffer as uart_init left them; the
 * output and IRQ callbacks stay. Lowers the IRQ line if it was high. */
void uart_reset(struct uart *u);
void uart_set_irq(struct uart *u, uart_irq_fn *irq, void *opaque);

/* The io_fn for the 8 registers. */
void uart_io(void *opaque, uint64_t off, void *data, unsigned size, bool is_write);

/* Queue input from the user; returns how many bytes were taken. Thread-safe. */
size_t uart_push_input(struct uart *u, const uint8_t *buf, size_t len);

/* The chip as a front end shows it, read under the lock. lsr is the
 * register without its data-ready bit: rx_waiting says what is buffered. */
struct uart_status {
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
	uint16_t divisor;        /* DLM:DLL */
	bool thr_irq;            /* THR-empty interrupt pending */
	int irq_level;
	uint64_t tx_count, rx_count;
	unsigned rx_waiting;     /* bytes in the receive buffer */
};
void uart_status(struct uart *u, struct uart_status *out);

/* The machine's serial ports (monitor/device.h hooks), the row's name
 * choosing the port: "com1" (state: machine.com1, IRQ 4, the console),
 * "com2" (0x2F8, IRQ 3), "com3" (0x3E8) and "com4" (0x2E8), whose output
 * goes nowhere; COM3 and COM4 have no IRQ line (ISA lines are not shared,
 * and a PC shares theirs with COM1 and COM2). State: a struct uart. */
struct machine_dev;
int uart_dev_init(struct machine_dev *d, char *err, size_t errlen);
void uart_dev_reset(struct machine_dev *d);
void uart_dev_destroy(struct machine_dev *d);

#endif
