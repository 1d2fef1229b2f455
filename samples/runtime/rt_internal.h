/* rt_internal.h — functions the runtime's files share but samples do not call. */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include "rt.h"

/* Program COM1 for 115200 8N1 with FIFOs, no interrupts (serial.c). */
void rt_serial_init(void);

/* C entry from boot.S with the loader's EAX and EBX (start.c). */
__attribute__((noreturn)) void rt_start(uint32_t magic,
					const struct rt_multiboot_info *info);

#endif /* RT_INTERNAL_H */
