/* Architectural state of the guest's one vCPU, engine-neutral: engines convert
 * to and from their own representation (KVM's regs/sregs, the BT context). */
#ifndef BT86_MONITOR_VCPU_H
#define BT86_MONITOR_VCPU_H

#include <stddef.h>
#include <stdint.h>

enum vcpu_reg { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI, R_COUNT };
enum vcpu_segreg { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_COUNT };

/* Segment attribute bits, in the layout of descriptor bits 40..55 (as VMX keeps them). */
#define SEG_TYPE_MASK 0x000f   /* type: code/data, accessed, read/write, conforming */
#define SEG_S         0x0010   /* code or data (not system) */
#define SEG_DPL_SHIFT 5
#define SEG_P         0x0080   /* present */
#define SEG_AVL       0x1000
#define SEG_L         0x2000   /* 64-bit code */
#define SEG_DB        0x4000   /* 32-bit default operand size */
#define SEG_G         0x8000   /* limit in 4 KiB units */

#define SEG_TYPE_CODE_RX_ACC 0xb  /* execute/read, accessed */
#define SEG_TYPE_DATA_RW_ACC 0x3  /* read/write, accessed */
#define SEG_TYPE_TSS32_BUSY  0xb
#define SEG_TYPE_LDT         0x2

struct vcpu_seg {
	uint16_t sel;
	uint16_t attr;    /* SEG_* bits */
	uint32_t base;
	uint32_t limit;   /* byte granular, already expanded */
};

struct vcpu_dtr {
	uint32_t base;
	uint16_t limit;
};

#define EFLAGS_CF   0x00000001u
#define EFLAGS_FIXED 0x00000002u  /* bit 1 always reads as 1 */
#define EFLAGS_PF   0x00000004u
#define EFLAGS_AF   0x00000010u
#define EFLAGS_ZF   0x00000040u
#define EFLAGS_SF   0x00000080u
#define EFLAGS_TF   0x00000100u
#define EFLAGS_IF   0x00000200u
#define EFLAGS_DF   0x00000400u
#define EFLAGS_OF   0x00000800u
#define EFLAGS_IOPL 0x00003000u
#define EFLAGS_NT   0x00004000u
#define EFLAGS_RF   0x00010000u
#define EFLAGS_VM   0x00020000u
#define EFLAGS_AC   0x00040000u
#define EFLAGS_ID   0x00200000u

#define CR0_PE 0x00000001u   /* protected mode */
#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_TS 0x00000008u
#define CR0_ET 0x00000010u   /* 387 present; hardwired to 1 since the 486 */
#define CR0_NE 0x00000020u
#define CR0_WP 0x00010000u
#define CR0_AM 0x00040000u
#define CR0_PG 0x80000000u

/* MTRRs (monitor/msr_arch.c): IA32_MTRR_DEF_TYPE, the 11 fixed-range
 * registers, and 8 PHYSBASE/PHYSMASK pairs. */
#define VCPU_MTRR_VAR 8
struct vcpu_mtrr {
	uint64_t def_type;
	uint64_t fixed[11];
	uint64_t var[2 * VCPU_MTRR_VAR];
};

/* The machine-check banks (monitor/msr_arch.c): only what software writes. */
#define VCPU_MCA_BANKS 4
struct vcpu_mca {
	uint64_t mcg_status;
	uint64_t ctl[VCPU_MCA_BANKS];
};

struct vcpu_state {
	uint32_t gpr[R_COUNT];
	uint32_t eip;
	uint32_t eflags;
	struct vcpu_seg seg[S_COUNT];
	struct vcpu_seg ldtr, tr;
	struct vcpu_dtr gdtr, idtr;
	uint32_t cr0, cr2, cr3, cr4;
	uint64_t efer;
	uint32_t dr[8];
	/* The MSRs a 32-bit kernel uses (others read as 0 and ignore writes). */
	uint32_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t pat;
	uint64_t tsc_offset;      /* guest TSC = host TSC + tsc_offset (WRMSR 0x10) */
	uint64_t tsc_adjust;      /* IA32_TSC_ADJUST (0x3b): what writes added to the TSC */
	struct vcpu_mtrr mtrr;
	struct vcpu_mca mca;
};

/* A flat 4 GiB segment of the given selector and type at ring 0. */
struct vcpu_seg vcpu_flat_seg(uint16_t sel, uint16_t type);

/* The segment a code/data/system descriptor d (its 8 bytes, little-endian)
 * describes, loaded with selector sel: base, attributes, and the limit
 * expanded to bytes when G is set. */
struct vcpu_seg vcpu_seg_from_desc(uint16_t sel, uint64_t d);

/* What an instruction changed, compactly, for events (EIP excluded). */
enum vcpu_field {
	VF_GPR0 = 0,          /* + enum vcpu_reg */
	VF_EFLAGS = 8,
	VF_SEG0 = 9,          /* + enum vcpu_segreg: the selector */
	VF_GDTR = 15, VF_IDTR, VF_TR, VF_LDTR, VF_CR0, VF_CR3, VF_CR4,
};
struct vcpu_change {
	uint8_t field;        /* enum vcpu_field */
	uint32_t before, after;
};
#define VCPU_MAX_CHANGES 4

/* Up to max changes between two states; returns how many (cheap: no text). */
int vcpu_state_changes(const struct vcpu_state *before, const struct vcpu_state *after,
		       struct vcpu_change *out, int max);
/* "eax 0x0->0x5a IF 1->0 ..." or "no change". */
void vcpu_changes_format(const struct vcpu_change *ch, int n, char *out, size_t len);
/* Both at once. */
void vcpu_state_diff(const struct vcpu_state *before, const struct vcpu_state *after,
		     char *out, size_t len);

const char *vcpu_reg_name(enum vcpu_reg r);
const char *vcpu_seg_name(enum vcpu_segreg s);

#endif
