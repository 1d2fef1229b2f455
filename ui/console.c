/* Headless console (see console.h). Output is written as it comes, unbuffered,
 * so a guest that prints a prompt and waits is seen at once. */
#include "ui/console.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void console_out(void *opaque, uint8_t byte)
{
	struct console *c = opaque;
	ssize_t n;
	do
		n = write(c->out_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
}

struct console_input_arg {
	int fd;
	struct uart *uart;
};

static void *console_input_main(void *p)
{
	struct console_input_arg a = *(struct console_input_arg *)p;
	uint8_t buf[256];

	free(p);
	for (;;) {
		ssize_t n = read(a.fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t off = 0;
		while (off < (size_t)n) {
			size_t took = uart_push_input(a.uart, buf + off, (size_t)n - off);
			off += took;
			if (!took)
				usleep(1000);   /* the guest is not reading: wait, do not drop */
		}
	}
	return NULL;
}

int console_start_input(struct console *c, int in_fd, struct uart *u)
{
	struct console_input_arg *a = malloc(sizeof *a);
	pthread_attr_t attr;

	if (!a)
		return -1;
	a->fd = in_fd;
	a->uart = u;
	c->uart = u;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&c->input_thread, &attr, console_input_main, a) != 0) {
		pthread_attr_destroy(&attr);
		free(a);
		return -1;
	}
	pthread_attr_destroy(&attr);
	c->input_running = true;
	return 0;
}
