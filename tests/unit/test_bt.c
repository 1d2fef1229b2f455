/* Engine-level tests of the binary translator (engine_bt_ops): tiny guests
 * written straight into RAM run to a stop, and each test checks what the
 * engine interface promises: device I/O through callouts, the halt stop,
 * registers after a stop, a stop request reaching `jmp .`, precise guest
 * faults (#DE #UD, MMIO, a push and a REP STOSB that fault half-way leave
 * the exact guest state), self-modifying code inside the running CCF,
 * stepping by instruction and by CCF, and the events the TC logs. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "monitor/machine.h"

#define CODE 0x100000u

struct fixture {
	struct machine m;
	struct engine *e;
	struct vcpu_state boot;
	char out[256];
	size_t nout;
};

static struct fixture fx;

static void capture(void *opaque, uint8_t b)
{
	struct fixture *f = opaque;
	if (f->nout + 1 < sizeof f->out)
		f->out[f->nout++] = (char)b;
}

static void setup(void)
{
	char err[256];
	int unavailable;
	memset(&fx, 0, sizeof fx);
	struct machine_config cfg = { .ram_size = 64u << 20, .console_out = capture, .console_opaque = &fx };
	ck_assert_msg(machine_init(&fx.m, &cfg, err, sizeof err) == 0, "%s", err);
	struct mb_boot b = { .entry = CODE, .mbi = 0 };
	mb_boot_state(&b, &fx.boot);
	fx.boot.gpr[R_ESP] = 0x90000;
	fx.m.boot_state = fx.boot;
	ck_assert_msg(engine_bt_ops.create(&fx.m, &fx.e, &unavailable, err, sizeof err) == 0, "%s", err);
}

static void teardown(void)
{
	fx.e->ops->destroy(fx.e);
	machine_destroy(&fx.m);
}

/* Load code at CODE with the boot state (plus changes) and run it. */
static void load(const uint8_t *code, size_t n, const struct vcpu_state *st)
{
	ck_assert(gmem_write(&fx.m.mem, CODE, code, n) == 0);
	fx.e->ops->invalidate(fx.e, CODE, n);
	fx.e->ops->set_state(fx.e, st ? st : &fx.boot);
}

static struct stop_info run(const uint8_t *code, size_t n, const struct vcpu_state *st)
{
	struct stop_info s;
	load(code, n, st);
	fx.e->ops->run(fx.e, &s);
	return s;
}

static struct vcpu_state state(void)
{
	struct vcpu_state st;
	fx.e->ops->get_state(fx.e, &st);
	return st;
}

START_TEST(serial_and_exit)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xf8, 0x03,       /* mov dx, 0x3f8 */
		0xb0, 'o', 0xee,              /* mov al, 'o'; out dx, al */
		0xb0, 'k', 0xee,              /* mov al, 'k'; out dx, al */
		0xb8, 0x05, 0, 0, 0,          /* mov eax, 5 */
		0xe7, 0xf4,                   /* out 0xf4, eax */
		0xf4,                         /* hlt (not reached) */
	};
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_EXIT);
	ck_assert_int_eq(s.status, (5 << 1) | 1);
	ck_assert_str_eq(fx.out, "ok");
	ck_assert_uint_gt(evlog_count(&fx.m.events, EV_CALLOUT), 2);
	ck_assert_uint_gt(evlog_count(&fx.m.events, EV_TRANSLATE), 0);
}
END_TEST

START_TEST(halt_with_if_clear)
{
	static const uint8_t code[] = { 0x90, 0xfa, 0xf4 };   /* nop; cli; hlt */
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(s.eip, CODE + 2);
	ck_assert_msg(strstr(s.msg, "interrupts disabled"), "%s", s.msg);
}
END_TEST

START_TEST(registers_after_stop)
{
	static const uint8_t code[] = {
		0xbb, 0x78, 0x56, 0x34, 0x12,   /* mov ebx, 0x12345678 */
		0x68, 0xef, 0xbe, 0xad, 0xde,   /* push 0xdeadbeef */
		0x5e,                           /* pop esi */
		0x83, 0xec, 0x10,               /* sub esp, 16 */
		0x89, 0xe5,                     /* mov ebp, esp */
		0xf9,                           /* stc */
		0xfa, 0xf4,                     /* cli; hlt */
	};
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_HALT);
	struct vcpu_state st = state();
	ck_assert_uint_eq(st.gpr[R_EBX], 0x12345678);
	ck_assert_uint_eq(st.gpr[R_ESI], 0xdeadbeef);
	ck_assert_uint_eq(st.gpr[R_ESP], 0x90000 - 16);
	ck_assert_uint_eq(st.gpr[R_EBP], 0x90000 - 16);
	ck_assert(st.eflags & EFLAGS_CF);
	ck_assert(!(st.eflags & EFLAGS_IF));
	uint32_t pushed;
	gmem_read(&fx.m.mem, 0x90000 - 4, &pushed, 4);
	ck_assert_uint_eq(pushed, 0xdeadbeef);
}
END_TEST

static void *stopper(void *p)
{
	usleep(100 * 1000);
	struct timespec *t = p;
	clock_gettime(CLOCK_MONOTONIC, t);
	fx.e->ops->request_stop(fx.e);
	return NULL;
}

START_TEST(stop_reaches_jmp_self)
{
	static const uint8_t code[] = { 0x40, 0xeb, 0xfd };   /* again: inc eax; jmp again */
	struct timespec asked, stopped;
	pthread_t t;
	struct stop_info s;

	load(code, sizeof code, NULL);
	pthread_create(&t, NULL, stopper, &asked);
	fx.e->ops->run(fx.e, &s);
	clock_gettime(CLOCK_MONOTONIC, &stopped);
	pthread_join(t, NULL);
	ck_assert_int_eq(s.reason, STOP_REQUEST);
	ck_assert(s.eip == CODE || s.eip == CODE + 1);
	double us = (double)(stopped.tv_sec - asked.tv_sec) * 1e6 + (double)(stopped.tv_nsec - asked.tv_nsec) / 1e3;
	printf("stop latency for a spinning guest: %.0f us\n", us);
	ck_assert_msg(us < 1e6, "stop took %.0f us", us);
	ck_assert_uint_gt(state().gpr[R_EAX], 1000);   /* it really ran, chained */
	ck_assert_uint_gt(evlog_count(&fx.m.events, EV_CHAIN), 0);
	/* And it runs on after the stop. */
	fx.e->ops->step_insn(fx.e, &s);
	ck_assert_int_eq(s.reason, STOP_STEP);
}
END_TEST

START_TEST(divide_error_is_precise)
{
	static const uint8_t code[] = {
		0xb8, 0x01, 0, 0, 0,   /* mov eax, 1 */
		0x31, 0xc9,            /* xor ecx, ecx */
		0xf7, 0xf1,            /* div ecx */
		0xfa, 0xf4,
	};
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(s.eip, CODE + 7);
	ck_assert_msg(strstr(s.msg, "#DE") && strstr(s.msg, "div ecx") && strstr(s.msg, "0x00100007"), "%s", s.msg);
	struct vcpu_state st = state();
	ck_assert_uint_eq(st.eip, CODE + 7);
	ck_assert_uint_eq(st.gpr[R_EAX], 1);
	ck_assert(st.eflags & EFLAGS_ZF);   /* from the xor, untouched by the faulting div */
	ck_assert_uint_eq(evlog_count(&fx.m.events, EV_EXCEPTION), 1);
}
END_TEST

START_TEST(invalid_opcode)
{
	static const uint8_t code[] = { 0x90, 0x0f, 0x0b };   /* nop; ud2 */
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(s.eip, CODE + 1);
	ck_assert_msg(strstr(s.msg, "#UD"), "%s", s.msg);
}
END_TEST

/* IDENT only by allowlist: VMMCALL (which would reach the host's own
 * hypervisor) is the guest's #UD, RDPID (which would read the host CPU
 * number) too; an instruction the model has that bt86 does not run stops
 * loudly; TZCNT without BMI1 is BSF. */
START_TEST(never_native_is_ud)
{
	static const uint8_t vmmcall[] = { 0x90, 0x0f, 0x01, 0xd9 };
	struct stop_info s = run(vmmcall, sizeof vmmcall, NULL);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(s.eip, CODE + 1);
	ck_assert_msg(strstr(s.msg, "#UD") && strstr(s.msg, "vmmcall"), "%s", s.msg);
	static const uint8_t rdpid[] = { 0xf3, 0x0f, 0xc7, 0xf8 };
	s = run(rdpid, sizeof rdpid, NULL);
	ck_assert_uint_eq(s.eip, CODE);
	ck_assert_msg(strstr(s.msg, "#UD"), "%s", s.msg);
}
END_TEST

START_TEST(unsupported_stops_loudly)
{
	static const uint8_t rdpmc[] = { 0x31, 0xc9, 0x0f, 0x33 };   /* xor ecx, ecx; rdpmc */
	struct stop_info s = run(rdpmc, sizeof rdpmc, NULL);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(s.eip, CODE + 2);
	ck_assert_msg(strncmp(s.msg, "unsupported: 'rdpmc'", 20) == 0, "%s", s.msg);
	ck_assert_int_eq(stop_exit_status(&s), STATUS_GUEST_ERROR);
}
END_TEST

START_TEST(clearing_pe_stops)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xc0,   /* mov %cr0,%eax */
		0x83, 0xe0, 0xfe,   /* and $~1,%eax */
		0x0f, 0x22, 0xc0,   /* mov %eax,%cr0: back to real mode */
		0xf4,
	};
	struct stop_info s = run(code, sizeof code, NULL);
	char want[96];
	snprintf(want, sizeof want, "unsupported: real mode (CR0.PE cleared) at EIP 0x%08x", CODE + 6);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_str_eq(s.msg, want);
	ck_assert_int_eq(stop_exit_status(&s), STATUS_GUEST_ERROR);
	ck_assert_uint_eq(state().cr0 & CR0_PE, CR0_PE);   /* not taken */
}
END_TEST

START_TEST(unmodelled_port_stops)
{
	static const uint8_t code[] = {
		0x66, 0xba, 0xce, 0x01,   /* mov $0x1ce,%dx */
		0xec,                     /* in (%dx),%al: Bochs VBE */
		0xf4,
	};
	struct stop_info s = run(code, sizeof code, NULL);
	char want[128];
	snprintf(want, sizeof want, "unsupported: read of port 0x1ce (Bochs VBE display interface, not modelled) at EIP "
		 "0x%08x", CODE + 4);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_str_eq(s.msg, want);
	ck_assert_int_eq(stop_exit_status(&s), STATUS_GUEST_ERROR);
}
END_TEST

START_TEST(unmodelled_mmio_stops)
{
	static const uint8_t code[] = {
		0xa1, 0xf0, 0x00, 0xd0, 0xfe,   /* mov 0xfed000f0,%eax: the HPET */
		0xf4,
	};
	struct stop_info s = run(code, sizeof code, NULL);
	char want[128];
	snprintf(want, sizeof want, "unsupported: read of address 0xfed000f0 (HPET, not modelled) at EIP 0x%08x", CODE);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_str_eq(s.msg, want);
	ck_assert_int_eq(stop_exit_status(&s), STATUS_GUEST_ERROR);
}
END_TEST

START_TEST(tzcnt_is_bsf_without_bmi1)
{
	/* mov ecx, 8; mov eax, 0x77; tzcnt eax, ecx (BSF: 3, ZF clear); hlt with IF=0 */
	static const uint8_t code[] = { 0xb9, 8, 0, 0, 0, 0xb8, 0x77, 0, 0, 0, 0xf3, 0x0f, 0xbc, 0xc1,
					0x31, 0xd2, 0xf3, 0x0f, 0xbc, 0xd2, 0xfa, 0xf4 };
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_HALT);
	struct vcpu_state st = state();
	ck_assert_uint_eq(st.gpr[R_EAX], 3);
	/* tzcnt edx, edx with EDX = 0: BSF sets ZF (TZCNT would set CF and give 32) */
	ck_assert_uint_ne(st.eflags & EFLAGS_ZF, 0);
	ck_assert_uint_ne(st.gpr[R_EDX], 32);
}
END_TEST

START_TEST(mmio_is_emulated)
{
	static const uint8_t code[] = {
		0xc7, 0x05, 0x00, 0x80, 0x0b, 0x00, 0x41, 0x07, 0x42, 0x07,   /* mov dword [0xb8000], 0x07420741 */
		0xa1, 0x00, 0x80, 0x0b, 0x00,                                 /* mov eax, [0xb8000] */
		0x0f, 0xb6, 0x1d, 0x02, 0x80, 0x0b, 0x00,                     /* movzx ebx, byte [0xb8002] */
		0xbf, 0x04, 0x80, 0x0b, 0x00,                                 /* mov edi, 0xb8004 */
		0xb9, 0x03, 0, 0, 0,                                          /* mov ecx, 3 */
		0x66, 0xb8, 0x20, 0x1f,                                       /* mov ax, 0x1f20 */
		0xfc, 0xf3, 0x66, 0xab,                                       /* cld; rep stosw */
		0x8b, 0x15, 0x00, 0x00, 0x00, 0x10,                           /* mov edx, [0x10000000] (no RAM there) */
		0xfa, 0xf4,
	};
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	struct vcpu_state st = state();
	ck_assert_uint_eq(st.gpr[R_EAX], 0x07421f20);
	ck_assert_uint_eq(st.gpr[R_EBX], 0x42);
	ck_assert_uint_eq(st.gpr[R_ECX], 0);
	ck_assert_uint_eq(st.gpr[R_EDI], 0xb800a);
	ck_assert_uint_eq(st.gpr[R_EDX], 0xffffffff);
	const uint8_t *v = fx.m.vga->bytes + (0xb8000 - VGAMEM_BASE);
	static const uint8_t want[] = { 0x41, 0x07, 0x42, 0x07, 0x20, 0x1f, 0x20, 0x1f, 0x20, 0x1f };
	ck_assert_mem_eq(v, want, sizeof want);
}
END_TEST

START_TEST(mmio_unsupported_form_stops)
{
	static const uint8_t code[] = { 0x01, 0x05, 0x00, 0x80, 0x0b, 0x00, 0xfa, 0xf4 };   /* add [0xb8000], eax */
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(s.eip, CODE);
	ck_assert_msg(strstr(s.msg, "0x000b8000") && strstr(s.msg, "not emulated"), "%s", s.msg);
}
END_TEST

START_TEST(push_fault_leaves_esp)
{
	static const uint8_t code[] = { 0x50, 0xfa, 0xf4 };   /* push eax */
	struct vcpu_state st = fx.boot;
	st.gpr[R_ESP] = 0xa0002;   /* the push would write 0xa0000-0xa0001 and 0x9fffe.. */
	st.gpr[R_ESP] = 0xa0004;   /* the push writes 0xa0000-0xa0003: the VGA hole */
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_uint_eq(state().gpr[R_ESP], 0xa0004);
	ck_assert_uint_eq(state().eip, CODE);
}
END_TEST

START_TEST(rep_stos_fault_is_restartable)
{
	/* 16 bytes of RAM, then the VGA window: the native REP STOSB faults half
	 * way with ECX/EDI consistent, and the rest is finished against the device. */
	static const uint8_t code[] = { 0xfc, 0xf3, 0xaa, 0xfa, 0xf4 };   /* cld; rep stosb */
	struct vcpu_state st = fx.boot;
	st.gpr[R_EDI] = 0x9fff0;
	st.gpr[R_ECX] = 100;
	st.gpr[R_EAX] = 0x5a;
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	st = state();
	ck_assert_uint_eq(st.gpr[R_EDI], 0x9fff0 + 100);
	ck_assert_uint_eq(st.gpr[R_ECX], 0);
	uint8_t b;
	gmem_read(&fx.m.mem, 0x9ffff, &b, 1);
	ck_assert_uint_eq(b, 0x5a);
	ck_assert_uint_eq(fx.m.vga->bytes[0], 0x5a);
	ck_assert_uint_eq(fx.m.vga->bytes[83], 0x5a);
	ck_assert_uint_eq(fx.m.vga->bytes[84], 0);
	ck_assert_uint_eq(evlog_count(&fx.m.events, EV_IO), 1);   /* one emulated access, for the rest */
}
END_TEST

START_TEST(selfmod_inside_running_ccf)
{
	static const uint8_t code[] = {
		0xc6, 0x05, 0x08, 0x00, 0x10, 0x00, 0x07,   /* mov byte [0x100008], 7 (the imm below) */
		0xb0, 0x01,                                 /* 0x100007: mov al, 1 -> becomes mov al, 7 */
		0x90,
		0xfa, 0xf4,
	};
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(state().gpr[R_EAX] & 0xff, 7);
	ck_assert_uint_gt(evlog_count(&fx.m.events, EV_INVALIDATE), 0);
}
END_TEST

/* A device (machine_dma_write) writes over code already translated: the
 * engine drops it, and calling the function again runs the new bytes. */
START_TEST(dma_over_translated_code)
{
	static const uint8_t code[] = {
		0xe8, 0xfb, 0x0f, 0x00, 0x00,   /* call CODE+0x1000 */
		0xfa, 0xf4,                     /* cli; hlt */
	};
	static const uint8_t func_old[] = { 0xb8, 0x01, 0, 0, 0, 0xc3 };   /* mov eax, 1; ret */
	static const uint8_t func_new[] = { 0xb8, 0x02, 0, 0, 0, 0xc3 };   /* mov eax, 2; ret */
	ck_assert(gmem_write(&fx.m.mem, CODE + 0x1000, func_old, sizeof func_old) == 0);
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(state().gpr[R_EAX], 1);
	uint64_t inval = evlog_count(&fx.m.events, EV_INVALIDATE);

	ck_assert_int_eq(machine_dma_write(&fx.m, CODE + 0x1000, func_new, sizeof func_new), 0);
	ck_assert_uint_eq(evlog_count(&fx.m.events, EV_INVALIDATE), inval + 1);
	fx.e->ops->set_state(fx.e, &fx.boot);   /* no invalidate: the DMA must have said it */
	fx.e->ops->run(fx.e, &s);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(state().gpr[R_EAX], 2);

	uint8_t back[sizeof func_new];
	ck_assert_int_eq(machine_dma_read(&fx.m, CODE + 0x1000, back, sizeof back), 0);
	ck_assert_mem_eq(back, func_new, sizeof back);
	/* Outside RAM: refused, nothing written, the engine not told. */
	ck_assert_int_eq(machine_dma_write(&fx.m, VGAMEM_CGA_TEXT, func_new, sizeof func_new), -1);
	ck_assert_int_eq(machine_dma_write(&fx.m, fx.m.mem.size - 2, func_new, sizeof func_new), -1);
	ck_assert_uint_eq(evlog_count(&fx.m.events, EV_INVALIDATE), inval + 1);
}
END_TEST

START_TEST(step_insn_and_ccf)
{
	static const uint8_t code[] = {
		0x40,                         /* inc eax */
		0x43,                         /* inc ebx */
		0x41,                         /* inc ecx */
		0xeb, 0x02,                   /* jmp +2 */
		0x90, 0x90,
		0x42,                         /* 0x100007: inc edx */
		0xfa, 0xf4,
	};
	struct stop_info s;
	load(code, sizeof code, NULL);
	fx.e->ops->step_insn(fx.e, &s);
	ck_assert_int_eq(s.reason, STOP_STEP);
	ck_assert_uint_eq(state().eip, CODE + 1);
	ck_assert_uint_eq(state().gpr[R_EBX], 0);
	fx.e->ops->step_insn(fx.e, &s);
	ck_assert_uint_eq(state().eip, CODE + 2);
	ck_assert_uint_eq(state().gpr[R_EBX], 1);
	fx.e->ops->step_ccf(fx.e, &s);   /* inc ecx; jmp: one CCF */
	ck_assert_int_eq(s.reason, STOP_STEP);
	ck_assert_uint_eq(state().eip, CODE + 7);
	ck_assert_uint_eq(state().gpr[R_ECX], 1);
	ck_assert_uint_eq(state().gpr[R_EDX], 0);
	fx.e->ops->run(fx.e, &s);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(state().gpr[R_EDX], 1);
}
END_TEST

START_TEST(call_ret_and_indirect)
{
	static const uint8_t code[] = {
		0xb9, 0x64, 0, 0, 0,          /* mov ecx, 100 */
		0xe8, 0x05, 0, 0, 0,          /* loop: call f */
		0xe2, 0xf9,                   /* loop loop */
		0xfa, 0xf4,                   /* cli; hlt */
		0x90,
		0x40,                         /* f (0x10000f): inc eax */
		0xc3,                         /* ret */
	};
	struct vcpu_state st = fx.boot;
	st.gpr[R_EAX] = 0;
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(state().gpr[R_EAX], 100);
	ck_assert_uint_eq(state().gpr[R_ESP], 0x90000);
}
END_TEST

START_TEST(fs_gs_overrides_add_the_base)
{
	static const uint8_t code[] = {
		0x64, 0xa1, 0x10, 0x00, 0x00, 0x00,   /* mov eax, fs:[0x10] */
		0x65, 0x89, 0x4b, 0x04,               /* mov gs:[ebx+4], ecx */
		0x64, 0xff, 0x35, 0x14, 0, 0, 0,      /* push dword fs:[0x14] */
		0x5a,                                 /* pop edx */
		0x65, 0x8a, 0x24, 0x24,               /* mov ah, gs:[esp] (ESP, AH and GS at once) */
		0xfa, 0xf4,
	};
	uint32_t v1 = 0x11223344, v2 = 0x55667788;
	gmem_write(&fx.m.mem, 0x5010, &v1, 4);
	gmem_write(&fx.m.mem, 0x5014, &v2, 4);
	uint8_t b = 0x9c;
	gmem_write(&fx.m.mem, 0x6000 + 0x90000, &b, 1);
	struct vcpu_state st = fx.boot;
	st.seg[S_FS].base = 0x5000;
	st.seg[S_GS].base = 0x6000;
	st.gpr[R_EBX] = 0x100;
	st.gpr[R_ECX] = 0xcafef00d;
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	st = state();
	ck_assert_uint_eq(st.gpr[R_EAX] & 0xffff00ff, 0x11220044);
	ck_assert_uint_eq((st.gpr[R_EAX] >> 8) & 0xff, 0x9c);
	ck_assert_uint_eq(st.gpr[R_EDX], 0x55667788);
	uint32_t w;
	gmem_read(&fx.m.mem, 0x6104, &w, 4);
	ck_assert_uint_eq(w, 0xcafef00d);
}
END_TEST

START_TEST(fpu_ip_never_leaks_a_host_address)
{
	static const uint8_t code[] = {
		0xdb, 0xe3,                         /* fninit */
		0xd9, 0xe8,                         /* fld1 */
		0x0f, 0xae, 0x05, 0x00, 0x40, 0, 0, /* fxsave [0x4000] */
		0xd9, 0x35, 0x00, 0x50, 0, 0,       /* fnstenv [0x5000] */
		0xfa, 0xf4,
	};
	uint32_t junk = 0xffffffff;
	gmem_write(&fx.m.mem, 0x4008, &junk, 4);
	gmem_write(&fx.m.mem, 0x500c, &junk, 4);
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	uint32_t fip1, fip2;
	gmem_read(&fx.m.mem, 0x4008, &fip1, 4);
	gmem_read(&fx.m.mem, 0x500c, &fip2, 4);
	ck_assert_uint_eq(fip1, 0);
	ck_assert_uint_eq(fip2, 0);
	uint16_t fsw;
	gmem_read(&fx.m.mem, 0x4002, &fsw, 2);
	ck_assert_uint_eq((fsw >> 11) & 7, 7);   /* TOP after one push */
}
END_TEST

START_TEST(tc_full_flushes_and_goes_on)
{
	/* 200 blocks, each a jmp to the next: far more than a 4 KiB TC holds. */
	uint8_t code[200 * 5 + 2];
	char err[128];
	for (int i = 0; i < 200; i++) {
		code[i * 5] = 0xe9;   /* jmp rel32 to the next block */
		uint32_t rel = 0;
		memcpy(code + i * 5 + 1, &rel, 4);
	}
	code[1000] = 0xfa;
	code[1001] = 0xf4;
	ck_assert(fx.e->ops->configure(fx.e, "tc-size", "4096", err, sizeof err) == 0);
	ck_assert(fx.e->ops->configure(fx.e, "tc-size", "12", err, sizeof err) < 0);
	ck_assert(fx.e->ops->configure(fx.e, "tu-max", "0", err, sizeof err) < 0);
	ck_assert(fx.e->ops->configure(fx.e, "warp", "1", err, sizeof err) < 0);
	ck_assert_msg(strstr(err, "unknown"), "%s", err);
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	ck_assert_uint_eq(s.eip, CODE + 1001);
	struct engine_stat st[32];
	int n = fx.e->ops->stats(fx.e, st, 32);
	uint64_t flushes = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(st[i].name, "flushes") == 0)
			flushes = st[i].value;
	ck_assert_uint_gt(flushes, 0);
}
END_TEST

START_TEST(tu_max_one_is_single_instruction_ccfs)
{
	static const uint8_t code[] = { 0x40, 0x40, 0x40, 0xfa, 0xf4 };
	char err[64];
	ck_assert(fx.e->ops->configure(fx.e, "tu-max", "1", err, sizeof err) == 0);
	struct vcpu_state st = fx.boot;
	st.gpr[R_EAX] = 0;
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_int_eq(s.reason, STOP_HALT);
	ck_assert_uint_eq(state().gpr[R_EAX], 3);
	ck_assert_uint_eq(evlog_count(&fx.m.events, EV_TRANSLATE), 5);
}
END_TEST

/* A flat GDT at 0x8000 and an IDT at 0x9000 whose gates point at handler. */
static void setup_tables(int vector, uint32_t handler, unsigned type, unsigned dpl)
{
	static const uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	gmem_write(&fx.m.mem, 0x8000, gdt, sizeof gdt);
	uint64_t gate = (handler & 0xffffull) | (0x08ull << 16) | ((uint64_t)(0x80 | dpl << 5 | type) << 40) |
			((uint64_t)(handler >> 16) << 48);
	gmem_write(&fx.m.mem, 0x9000 + 8 * vector, &gate, 8);
	fx.boot.idtr = (struct vcpu_dtr){ 0x9000, 0x7ff };
	fx.boot.gdtr = (struct vcpu_dtr){ 0x8000, sizeof gdt - 1 };
}

START_TEST(exceptions_and_int_n_go_through_the_idt)
{
	uint8_t code[0x120] = {
		0x31, 0xc9,                   /* xor ecx, ecx */
		0xf7, 0xf1,                   /* div ecx        -> #DE, handler skips it */
		0xcd, 0x80,                   /* int 0x80       -> handler adds 1 to esi */
		0xbb, 0x2a, 0, 0, 0,          /* mov ebx, 42 */
		0xfa, 0xf4,
	};
	static const uint8_t de_handler[] = {
		0x83, 0x04, 0x24, 0x02,       /* add dword [esp], 2: skip the div */
		0x47,                         /* inc edi: count */
		0xcf,                         /* iretd */
	};
	static const uint8_t int80_handler[] = { 0x46, 0x9c, 0x58, 0xcf };   /* inc esi; pushf; pop eax; iretd */
	memcpy(code + 0x100, de_handler, sizeof de_handler);
	memcpy(code + 0x110, int80_handler, sizeof int80_handler);
	setup_tables(0, CODE + 0x100, 0xe, 0);
	setup_tables(0x80, CODE + 0x110, 0xf, 3);
	struct vcpu_state st = fx.boot;
	st.gpr[R_EAX] = 7;
	st.gpr[R_EDX] = 0;
	st.gpr[R_ESI] = 0;
	st.gpr[R_EDI] = 0;
	st.eflags |= EFLAGS_IF;   /* the trap gate keeps it, the interrupt gate clears it */
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	st = state();
	ck_assert_uint_eq(st.gpr[R_EBX], 42);
	ck_assert_uint_eq(st.gpr[R_EDI], 1);
	ck_assert_uint_eq(st.gpr[R_ESI], 1);
	ck_assert(st.gpr[R_EAX] & EFLAGS_IF);   /* seen inside the trap-gate handler */
	ck_assert_uint_eq(st.gpr[R_ESP], 0x90000);
	ck_assert_uint_eq(evlog_count(&fx.m.events, EV_EXCEPTION), 1);
}
END_TEST

static uint64_t bt_stat(const char *name)
{
	struct engine_stat st[32];
	int n = fx.e->ops->stats(fx.e, st, 32);
	for (int i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0)
			return st[i].value;
	ck_abort_msg("no stat %s", name);
	return 0;
}

/* A CR3 load keeps the CCFs of pages the new address space maps alike (the
 * code at CODE, identity-mapped in both) and drops those of pages it maps
 * elsewhere (0x400000: other code in each space); reloading CR3 with its own
 * value after editing a PDE is a TLB flush too. */
START_TEST(cr3_load_keeps_what_maps_alike)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x10, 0x0f, 0x22, 0xe0,   /* CR4.PSE */
		0xb8, 0x00, 0x00, 0x20, 0x00, 0x0f, 0x22, 0xd8,         /* cr3 = PD1 */
		0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0,   /* CR0.PG */
		0xbf, 0x00, 0x00, 0x40, 0x00,                           /* mov edi, 0x400000 */
		0xff, 0xd7, 0x89, 0xc3,                                 /* call edi; mov ebx, eax */
		0xb8, 0x00, 0x10, 0x20, 0x00, 0x0f, 0x22, 0xd8,         /* cr3 = PD2 */
		0xff, 0xd7, 0x89, 0xc1,                                 /* call edi; mov ecx, eax */
		0xb8, 0x00, 0x00, 0x20, 0x00, 0x0f, 0x22, 0xd8,         /* cr3 = PD1 */
		0xff, 0xd7, 0x89, 0xc2,                                 /* call edi; mov edx, eax */
		0xc7, 0x05, 0x04, 0x00, 0x20, 0x00, 0x83, 0x00, 0xc0, 0x00,   /* PD1[1] = 0xC00000 */
		0xb8, 0x00, 0x00, 0x20, 0x00, 0x0f, 0x22, 0xd8,         /* cr3 = PD1 again */
		0xff, 0xd7, 0x89, 0xc6,                                 /* call edi; mov esi, eax */
		0xfa, 0xf4,
	};
	static const uint8_t one[] = { 0xb8, 1, 0, 0, 0, 0xc3 }, two[] = { 0xb8, 2, 0, 0, 0, 0xc3 };
	uint32_t pd1[2] = { 0x83, 0x800083 }, pd2[2] = { 0x83, 0xc00083 };
	ck_assert(gmem_write(&fx.m.mem, 0x200000, pd1, sizeof pd1) == 0);
	ck_assert(gmem_write(&fx.m.mem, 0x201000, pd2, sizeof pd2) == 0);
	ck_assert(gmem_write(&fx.m.mem, 0x800000, one, sizeof one) == 0);
	ck_assert(gmem_write(&fx.m.mem, 0xc00000, two, sizeof two) == 0);
	struct stop_info s = run(code, sizeof code, NULL);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	struct vcpu_state st = state();
	ck_assert_uint_eq(st.gpr[R_EBX], 1);
	ck_assert_uint_eq(st.gpr[R_ECX], 2);
	ck_assert_uint_eq(st.gpr[R_EDX], 1);
	ck_assert_uint_eq(st.gpr[R_ESI], 2);
	ck_assert_uint_ge(bt_stat("cr3_loads"), 3);
	ck_assert_uint_ge(bt_stat("cr3_dropped_ccfs"), 3);
	ck_assert_uint_ge(bt_stat("cr3_kept_code_pages"), 3);
	ck_assert_uint_eq(bt_stat("flushes"), 1);   /* turning paging on, only */
}
END_TEST

START_TEST(triple_fault_stops)
{
	static const uint8_t code[] = { 0x31, 0xc9, 0xf7, 0xf1, 0xfa, 0xf4 };   /* div by zero, no IDT */
	struct vcpu_state st = fx.boot;
	st.idtr = (struct vcpu_dtr){ 0, 0 };
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_msg(strstr(s.msg, "triple fault") && strstr(s.msg, "#DE"), "%s", s.msg);
}
END_TEST

START_TEST(shadow_returns_deep_recursion)
{
	/* f: if (ecx) { ecx--; f(); } eax++; ret — 10001 frames, past the shadow budget */
	static const uint8_t code[] = {
		0xb9, 0x10, 0x27, 0, 0,          /* 0: mov ecx, 10000 */
		0xe8, 0x02, 0, 0, 0,             /* 5: call f (12) */
		0xfa, 0xf4,                      /* 10: cli; hlt */
		0x85, 0xc9,                      /* 12: f: test ecx, ecx */
		0x74, 0x06,                      /* 14: jz 22 */
		0x49,                            /* 16: dec ecx */
		0xe8, 0xf6, 0xff, 0xff, 0xff,    /* 17: call f */
		0x40,                            /* 22: inc eax */
		0xc3,                            /* 23: ret */
	};
	struct vcpu_state st = fx.boot;
	st.gpr[R_EAX] = 0;
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	ck_assert_uint_eq(state().gpr[R_EAX], 10001);
	ck_assert_uint_eq(state().gpr[R_ESP], 0x90000);
	/* and again, now that everything is translated and chained */
	fx.e->ops->set_state(fx.e, &st);
	fx.e->ops->run(fx.e, &s);
	ck_assert_uint_eq(state().gpr[R_EAX], 10001);
}
END_TEST

START_TEST(shadow_return_to_another_address)
{
	/* g replaces its return address: the shadow must not be trusted. */
	static const uint8_t code[] = {
		0xe8, 0x06, 0, 0, 0,             /* 0: call g (11) */
		0xbb, 0xbd, 0, 0, 0,             /* 5: mov ebx, 0xbd (must be skipped) */
		0x90,                            /* 10 */
		0x58,                            /* 11: g: pop eax */
		0x68, 0x13, 0x00, 0x10, 0x00,    /* 12: push 0x100013 */
		0xc3,                            /* 17: ret -> 19 */
		0x90,                            /* 18 */
		0xb9, 0x2a, 0, 0, 0,             /* 19: mov ecx, 42 */
		0xfa, 0xf4,
	};
	struct vcpu_state st = fx.boot;
	st.gpr[R_EBX] = 0;
	struct stop_info s = run(code, sizeof code, &st);
	ck_assert_msg(s.reason == STOP_HALT, "%s", s.msg);
	ck_assert_uint_eq(state().gpr[R_ECX], 42);
	ck_assert_uint_eq(state().gpr[R_EBX], 0);
	ck_assert_uint_eq(state().gpr[R_EAX], CODE + 5);
}
END_TEST

static void *stop_later(void *p)
{
	(void)p;
	usleep(50 * 1000);
	fx.e->ops->request_stop(fx.e);
	return NULL;
}

START_TEST(stop_reaches_a_call_ret_loop)
{
	static const uint8_t code[] = {
		0xe8, 0x02, 0, 0, 0,   /* 0: loop: call f */
		0xeb, 0xf9,            /* 5: jmp loop */
		0x40,                  /* 7: f: inc eax */
		0xc3,                  /* 8: ret */
	};
	pthread_t t;
	struct stop_info s;
	load(code, sizeof code, NULL);
	pthread_create(&t, NULL, stop_later, NULL);
	fx.e->ops->run(fx.e, &s);
	pthread_join(t, NULL);
	ck_assert_msg(s.reason == STOP_REQUEST, "%s", s.msg);
	ck_assert_uint_gt(state().gpr[R_EAX], 1000);
}
END_TEST

static Suite *bt_suite(void)
{
	Suite *s = suite_create("bt");
	TCase *tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, serial_and_exit);
	tcase_add_test(tc, halt_with_if_clear);
	tcase_add_test(tc, registers_after_stop);
	tcase_add_test(tc, stop_reaches_jmp_self);
	tcase_add_test(tc, divide_error_is_precise);
	tcase_add_test(tc, invalid_opcode);
	tcase_add_test(tc, never_native_is_ud);
	tcase_add_test(tc, unsupported_stops_loudly);
	tcase_add_test(tc, clearing_pe_stops);
	tcase_add_test(tc, unmodelled_port_stops);
	tcase_add_test(tc, unmodelled_mmio_stops);
	tcase_add_test(tc, tzcnt_is_bsf_without_bmi1);
	tcase_add_test(tc, mmio_is_emulated);
	tcase_add_test(tc, mmio_unsupported_form_stops);
	tcase_add_test(tc, push_fault_leaves_esp);
	tcase_add_test(tc, rep_stos_fault_is_restartable);
	tcase_add_test(tc, selfmod_inside_running_ccf);
	tcase_add_test(tc, dma_over_translated_code);
	tcase_add_test(tc, step_insn_and_ccf);
	tcase_add_test(tc, call_ret_and_indirect);
	tcase_add_test(tc, fs_gs_overrides_add_the_base);
	tcase_add_test(tc, fpu_ip_never_leaks_a_host_address);
	tcase_add_test(tc, tc_full_flushes_and_goes_on);
	tcase_add_test(tc, tu_max_one_is_single_instruction_ccfs);
	tcase_add_test(tc, exceptions_and_int_n_go_through_the_idt);
	tcase_add_test(tc, triple_fault_stops);
	tcase_add_test(tc, cr3_load_keeps_what_maps_alike);
	tcase_add_test(tc, shadow_returns_deep_recursion);
	tcase_add_test(tc, shadow_return_to_another_address);
	tcase_add_test(tc, stop_reaches_a_call_ret_loop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bt_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
