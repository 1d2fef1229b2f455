/* serial.c — console output on COM1, a polled 16550 UART. */
#include "rt_internal.h"

#define COM1      0x3F8          /* I/O base of the first serial port */
#define UART_THR  (COM1 + 0)     /* transmit holding register (DLAB=0) */
#define UART_DLL  (COM1 + 0)     /* divisor latch low (DLAB=1) */
#define UART_IER  (COM1 + 1)     /* interrupt enable (DLAB=0) */
#define UART_DLM  (COM1 + 1)     /* divisor latch high (DLAB=1) */
#define UART_FCR  (COM1 + 2)     /* FIFO control */
#define UART_LCR  (COM1 + 3)     /* line control */
#define UART_MCR  (COM1 + 4)     /* modem control */
#define UART_LSR  (COM1 + 5)     /* line status */

#define LCR_DLAB     0x80        /* divisor latch access */
#define LCR_8N1      0x03        /* 8 data bits, no parity, 1 stop bit */
#define FCR_ENABLE   0x07        /* enable FIFOs, clear RX and TX FIFO */
#define MCR_DTR_RTS  0x03        /* data terminal ready, request to send */
#define LSR_THRE     0x20        /* transmit holding register empty */
#define DIVISOR_115200 1         /* 115200 = 1.8432 MHz / 16 / 1 */

void rt_serial_init(void)
{
	outb(UART_IER, 0);               /* polled: no UART interrupts */
	outb(UART_LCR, LCR_DLAB);
	outb(UART_DLL, DIVISOR_115200);
	outb(UART_DLM, 0);
	outb(UART_LCR, LCR_8N1);         /* also clears DLAB */
	outb(UART_FCR, FCR_ENABLE);
	outb(UART_MCR, MCR_DTR_RTS);
}

void rt_putc(char c)
{
	/* Emulated UARTs are always ready, a real one needs the wait. */
	while (!(inb(UART_LSR) & LSR_THRE))
		;
	outb(UART_THR, (uint8_t)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
	rt_putc('\n');
}
