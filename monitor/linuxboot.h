/* Linux/x86 boot protocol loader: loads a bzImage as QEMU's -kernel does and
 * enters its protected-mode kernel at the 32-bit entry (the kernel's
 * Documentation/arch/x86/boot.rst, "32-bit boot protocol"): the real-mode
 * setup code is not run, the loader fills the "zero page" (struct
 * boot_params) that setup would have filled.
 *
 *   struct linuxboot lb;
 *   if (linuxboot_detect(img, len) &&
 *       linuxboot_load(&gm, img, len, "console=ttyS0", &lb, err, sizeof err) == 0 &&
 *       linuxboot_load_initrd(&gm, "initrd.img", &lb, err, sizeof err) == 0)
 *       linuxboot_boot_state(&lb, &vcpu);   // EIP=code32_start, ESI=boot_params
 *
 * Where things go (all outside the firmware tables, see monitor/multiboot.h):
 *   0x10000   boot_params (4 KiB): the image's setup header, E820 map,
 *             screen_info, memory sizes; where QEMU puts the setup code
 *   0x20000   the command line (QEMU's place for it)
 *   0xf8000   GDT: null, null, flat code __BOOT_CS 0x10, flat data __BOOT_DS 0x18
 *   0x100000  the protected-mode kernel (the file after its setup sectors)
 *   initrd    page aligned, as high as it goes below min(initrd_addr_max + 1,
 *             RAM top - MB_FW_RESERVED), above the memory the kernel needs
 * The E820 map is multiboot's (mb_memory_map), so both kinds of kernel see
 * the same machine.
 */
#ifndef BT86_MONITOR_LINUXBOOT_H
#define BT86_MONITOR_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "monitor/guestmem.h"
#include "monitor/multiboot.h"
#include "monitor/vcpu.h"

#define LINUXBOOT_PARAMS_ADDR   0x10000u
#define LINUXBOOT_PARAMS_SIZE   0x1000u
#define LINUXBOOT_CMDLINE_ADDR  0x20000u
#define LINUXBOOT_GDT_ADDR      MB_GDT_ADDR
#define LINUXBOOT_KERNEL_ADDR   0x100000u
#define LINUXBOOT_CODE_SEL      0x10   /* __BOOT_CS */
#define LINUXBOOT_DATA_SEL      0x18   /* __BOOT_DS */
#define LINUXBOOT_LOADER_TYPE   0xff   /* type_of_loader: bt86 has no assigned ID (boot.rst says 0xff then) */
#define LINUXBOOT_MIN_PROTOCOL  0x202  /* cmd_line_ptr, and the header's fields up to it */

/* Setup header offsets in the image and in boot_params (boot.rst). */
#define LB_SETUP_SECTS   0x1f1
#define LB_SYSSIZE       0x1f4
#define LB_BOOT_FLAG     0x1fe
#define LB_JUMP          0x200
#define LB_HEADER        0x202   /* "HdrS" */
#define LB_VERSION       0x206
#define LB_TYPE_OF_LOADER 0x210
#define LB_LOADFLAGS     0x211
#define LB_CODE32_START  0x214
#define LB_RAMDISK_IMAGE 0x218
#define LB_RAMDISK_SIZE  0x21c
#define LB_HEAP_END_PTR  0x224
#define LB_CMD_LINE_PTR  0x228
#define LB_INITRD_MAX    0x22c
#define LB_KERNEL_ALIGN  0x230
#define LB_RELOCATABLE   0x234
#define LB_XLOADFLAGS    0x236
#define LB_CMDLINE_SIZE  0x238
#define LB_PREF_ADDRESS  0x258
#define LB_INIT_SIZE     0x260
/* boot_params outside the header. */
#define LB_EXT_MEM_K     0x002   /* in screen_info */
#define LB_ALT_MEM_K     0x1e0
#define LB_E820_ENTRIES  0x1e8
#define LB_E820_TABLE    0x2d0
#define LB_E820_MAX      128

#define LB_LOADED_HIGH   0x01    /* loadflags */
#define LB_CAN_USE_HEAP  0x80
#define LB_XLF_KERNEL_64 0x01    /* xloadflags */

struct linuxboot {
	uint32_t entry;          /* code32_start */
	uint32_t params;         /* boot_params' address, ESI at entry */
	uint16_t protocol;       /* the header's version, 0x20f for 2.15 */
	uint32_t header_end;     /* one past the setup header copied (0x202 + jump offset) */
	uint32_t kernel_end;     /* one past the loaded protected-mode kernel */
	uint32_t run_start;      /* where the kernel decompresses itself and runs */
	uint32_t run_end;        /* run_start + init_size: the memory it needs */
	uint32_t cmdline;        /* cmd_line_ptr */
	uint32_t initrd_addr;    /* 0 and 0: no initrd */
	uint32_t initrd_size;
};

/* The image has a boot sector signature and "HdrS" at 0x202: it is a Linux
 * kernel, whatever its protocol (linuxboot_load judges that). */
bool linuxboot_detect(const uint8_t *img, size_t len);

/* Load the protected-mode kernel, write boot_params, the command line and
 * the GDT. -1 with one line in err (not naming the file) for a protocol
 * before 2.02, a kernel not loaded high, a 64-bit kernel, a truncated
 * image or one that does not fit in RAM, a command line longer than the
 * kernel takes; RAM is untouched then. */
int linuxboot_load(struct guestmem *gm, const uint8_t *img, size_t len, const char *cmdline,
		   struct linuxboot *out, char *err, size_t errlen);

/* After linuxboot_load: read the initrd file into RAM where boot.rst and
 * QEMU put it and set ramdisk_image/ramdisk_size. Errors name the file. */
int linuxboot_load_initrd(struct guestmem *gm, const char *path, struct linuxboot *b, char *err,
			  size_t errlen);

/* The vCPU state the 32-bit boot protocol asks for: protected mode, paging
 * off, CS 0x10 and DS/ES/FS/GS/SS 0x18 flat, IF clear, ESI = boot_params,
 * EBP = EDI = EBX = 0, EIP = code32_start. */
void linuxboot_boot_state(const struct linuxboot *b, struct vcpu_state *s);

#endif
