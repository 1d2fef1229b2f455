/* The headless console: COM1 output to stdout, stdin to COM1 input. */
#ifndef BT86_UI_CONSOLE_H
#define BT86_UI_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "monitor/uart.h"

struct console {
	int out_fd;
	struct uart *uart;       /* where input goes */
	pthread_t input_thread;
	bool input_running;
};

/* uart_out_fn: write one guest byte to out_fd. */
void console_out(void *opaque, uint8_t byte);

/* Forward in_fd to the UART from a thread until EOF (started only if in_fd is
 * readable). Returns 0 or -1. */
int console_start_input(struct console *c, int in_fd, struct uart *u);

#endif
