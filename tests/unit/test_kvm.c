/* Unit tests for the KVM engine: engine/kvm_probe (the software-backend test
 * on sample /proc/cpuinfo texts, whole-word matching of vmx/svm), engine/
 * kvm_regs (vcpu_state <-> kvm_regs/kvm_sregs/kvm_debugregs round trips), and,
 * where /dev/kvm can be opened read-write, tiny real guests run through
 * engine_kvm_ops: serial output and the debug-exit port, cli;hlt, registers
 * read back after a stop, set_state before a run, a stop requested from
 * another thread while the guest spins in `jmp .`, MMIO to the VGA window, an
 * unclaimed port, and the VM-exit events logged.
 *
 * Without a usable /dev/kvm the guest tests are skipped with a message (the
 * probe and conversion tests still run). If nothing at all is left to run the
 * program exits 77, automake's SKIP. On a software KVM backend every
 * instruction is slow, so the guests are a handful of instructions each. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/kvm_probe.h"
#include "engine/kvm_regs.h"
#include "monitor/machine.h"
#include "tests/unit/elfgen.h"

/* ================= kvm_probe ================= */

START_TEST(probe_vmx)
{
	ck_assert(!kvm_probe_flags_software(
		"processor\t: 0\nvendor_id\t: GenuineIntel\n"
		"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep vmx smx est tm2 ssse3\n"
		"bugs\t\t: spectre_v1\n"));
}
END_TEST

START_TEST(probe_svm)
{
	ck_assert(!kvm_probe_flags_software(
		"processor\t: 0\nvendor_id\t: AuthenticAMD\n"
		"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep syscall svm extapic\n"));
}
END_TEST

START_TEST(probe_neither)
{
	ck_assert(kvm_probe_flags_software(
		"processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae hypervisor lahf_lm\n"));
}
END_TEST

START_TEST(probe_whole_words_only)
{
	/* vmx/svm inside other words do not count */
	ck_assert(kvm_probe_flags_software("flags\t\t: fpu vmx_foo svm_lock xvmx svmx vmxon\n"));
	ck_assert(kvm_probe_flags_software("flags\t\t: fpu vmxx nsvm\n"));
	/* at the start of the list, at the end of the line, at the end of the text */
	ck_assert(!kvm_probe_flags_software("flags\t\t: vmx fpu\n"));
	ck_assert(!kvm_probe_flags_software("flags\t\t: fpu vmx\n"));
	ck_assert(!kvm_probe_flags_software("flags\t\t: fpu svm"));
	ck_assert(!kvm_probe_flags_software("flags\t\t:\tvmx"));
}
END_TEST

START_TEST(probe_only_the_flags_line)
{
	/* vmx elsewhere (model name, the "vmx flags" line) does not count */
	ck_assert(kvm_probe_flags_software(
		"model name\t: vmx svm cpu\n"
		"flags\t\t: fpu pae hypervisor\n"
		"vmx flags\t: vnmi preemption_timer invvpid ept_x_only\n"));
	/* the first CPU's flags line decides */
	ck_assert(!kvm_probe_flags_software(
		"processor\t: 0\nflags\t\t: fpu vmx\n\nprocessor\t: 1\nflags\t\t: fpu\n"));
	/* a flags line without a trailing newline */
	ck_assert(kvm_probe_flags_software("flags\t\t: fpu"));
}
END_TEST

START_TEST(probe_degenerate_input)
{
	ck_assert(kvm_probe_flags_software(""));
	ck_assert(kvm_probe_flags_software(NULL));
	ck_assert(kvm_probe_flags_software("processor\t: 0\n"));   /* no flags line */
	ck_assert(kvm_probe_flags_software("flags"));
	ck_assert(kvm_probe_flags_software("\n\n\n"));
	ck_assert(kvm_probe_flags_software("vmx\nsvm\n"));          /* not on a flags line */
}
END_TEST

START_TEST(probe_long_flags_line)
{
	/* A flags line longer than any internal buffer: vmx at its end still counts. */
	size_t n = 6000;
	char *txt = malloc(n + 64);
	ck_assert_ptr_nonnull(txt);
	strcpy(txt, "flags\t\t:");
	while (strlen(txt) < n)
		strcat(txt, " fpu_x");
	strcat(txt, " vmx\n");
	ck_assert_msg(!kvm_probe_flags_software(txt), "vmx after %zu bytes of flags was missed", n);
	free(txt);
}
END_TEST

START_TEST(probe_this_host)
{
	/* Whatever this host is, the answer agrees with its /proc/cpuinfo. */
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	static char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	buf[len] = 0;
	fclose(f);
	ck_assert_int_eq(kvm_probe_software_backend(), kvm_probe_flags_software(buf));
}
END_TEST

/* ================= kvm_regs ================= */

static void check_seg_eq(const struct vcpu_seg *a, const struct vcpu_seg *b, const char *what)
{
	ck_assert_msg(a->sel == b->sel, "%s sel 0x%x != 0x%x", what, a->sel, b->sel);
	ck_assert_msg(a->attr == b->attr, "%s attr 0x%x != 0x%x", what, a->attr, b->attr);
	ck_assert_msg(a->base == b->base, "%s base 0x%x != 0x%x", what, a->base, b->base);
	ck_assert_msg(a->limit == b->limit, "%s limit 0x%x != 0x%x", what, a->limit, b->limit);
}

static void sample_state(struct vcpu_state *st)
{
	memset(st, 0, sizeof *st);
	for (int i = 0; i < R_COUNT; i++)
		st->gpr[i] = 0x11111111u * (uint32_t)(i + 1) ^ 0x80000000u;
	st->eip = 0xc0100123u;
	st->eflags = EFLAGS_FIXED | EFLAGS_CF | EFLAGS_ZF | EFLAGS_IF | EFLAGS_OF;
	st->seg[S_CS] = vcpu_flat_seg(0x08, SEG_TYPE_CODE_RX_ACC);
	st->seg[S_DS] = vcpu_flat_seg(0x10, SEG_TYPE_DATA_RW_ACC);
	st->seg[S_ES] = (struct vcpu_seg){ 0x2b, SEG_TYPE_DATA_RW_ACC | SEG_S | (3 << SEG_DPL_SHIFT) | SEG_P | SEG_AVL,
					   0x12345000u, 0xfffff };
	st->seg[S_SS] = (struct vcpu_seg){ 0x18, 0x7 | SEG_S | SEG_P | SEG_DB, 0x7000, 0xffff };   /* expand-down */
	st->seg[S_FS] = (struct vcpu_seg){ 0x33, 0xf | SEG_S | (2 << SEG_DPL_SHIFT) | SEG_P | SEG_L | SEG_G, 0xfffff000u, 0xffffffffu };
	st->seg[S_GS] = (struct vcpu_seg){ 0, 0, 0, 0 };   /* null: not present */
	st->ldtr = (struct vcpu_seg){ 0x28, SEG_TYPE_LDT | SEG_P, 0x9000, 0x7ff };
	st->tr = (struct vcpu_seg){ 0x30, SEG_TYPE_TSS32_BUSY | SEG_P, 0xa000, 0x67 };
	st->gdtr = (struct vcpu_dtr){ 0x8000, 0x17 };
	st->idtr = (struct vcpu_dtr){ 0x123400, 0x7ff };
	st->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
	st->cr2 = 0xdeadb000u;
	st->cr3 = 0x00200000u;
	st->cr4 = 0x10;
	st->efer = 0;
}

START_TEST(regs_round_trip)
{
	struct vcpu_state a, b;
	struct kvm_regs r;
	sample_state(&a);
	memset(&r, 0xcc, sizeof r);
	kvmr_to_regs(&a, &r);
	ck_assert_uint_eq(r.rax, a.gpr[R_EAX]);   /* zero-extended: upper halves clear */
	ck_assert_uint_eq(r.rcx, a.gpr[R_ECX]);
	ck_assert_uint_eq(r.rdx, a.gpr[R_EDX]);
	ck_assert_uint_eq(r.rbx, a.gpr[R_EBX]);
	ck_assert_uint_eq(r.rsp, a.gpr[R_ESP]);
	ck_assert_uint_eq(r.rbp, a.gpr[R_EBP]);
	ck_assert_uint_eq(r.rsi, a.gpr[R_ESI]);
	ck_assert_uint_eq(r.rdi, a.gpr[R_EDI]);
	ck_assert_uint_eq(r.rip, 0xc0100123u);
	ck_assert_uint_eq(r.rflags, a.eflags);
	ck_assert_uint_eq(r.r8, 0);
	ck_assert_uint_eq(r.r15, 0);
	memset(&b, 0, sizeof b);
	kvmr_from_regs(&r, &b);
	for (int i = 0; i < R_COUNT; i++)
		ck_assert_uint_eq(b.gpr[i], a.gpr[i]);
	ck_assert_uint_eq(b.eip, a.eip);
	ck_assert_uint_eq(b.eflags, a.eflags);

	/* upper halves from KVM are dropped; EFLAGS bit 1 is forced on the way in */
	r.rax = 0xffffffff00000001ull;
	r.rip = 0x100000000ull + 0x1234;
	kvmr_from_regs(&r, &b);
	ck_assert_uint_eq(b.gpr[R_EAX], 1);
	ck_assert_uint_eq(b.eip, 0x1234);
	a.eflags = 0;
	kvmr_to_regs(&a, &r);
	ck_assert_uint_eq(r.rflags, EFLAGS_FIXED);
}
END_TEST

START_TEST(sregs_round_trip)
{
	struct vcpu_state a, b;
	struct kvm_sregs r;
	sample_state(&a);
	memset(&r, 0, sizeof r);
	r.apic_base = 0xfee00900u;                 /* fields vcpu_state does not model */
	r.interrupt_bitmap[0] = 0x5;
	kvmr_to_sregs(&a, &r);
	ck_assert_uint_eq(r.apic_base, 0xfee00900u);
	ck_assert_uint_eq(r.interrupt_bitmap[0], 0x5);
	ck_assert_uint_eq(r.cs.selector, 0x08);
	ck_assert_uint_eq(r.cs.type, SEG_TYPE_CODE_RX_ACC);
	ck_assert_uint_eq(r.cs.present, 1);
	ck_assert_uint_eq(r.cs.s, 1);
	ck_assert_uint_eq(r.cs.db, 1);
	ck_assert_uint_eq(r.cs.g, 1);
	ck_assert_uint_eq(r.cs.l, 0);
	ck_assert_uint_eq(r.cs.limit, 0xffffffffu);
	ck_assert_uint_eq(r.cs.unusable, 0);
	ck_assert_uint_eq(r.es.dpl, 3);
	ck_assert_uint_eq(r.es.avl, 1);
	ck_assert_uint_eq(r.es.base, 0x12345000u);
	ck_assert_uint_eq(r.fs.l, 1);
	ck_assert_uint_eq(r.fs.dpl, 2);
	ck_assert_uint_eq(r.gs.present, 0);
	ck_assert_uint_eq(r.gs.unusable, 1);       /* a null selector is unusable */
	ck_assert_uint_eq(r.ldt.selector, 0x28);
	ck_assert_uint_eq(r.ldt.type, SEG_TYPE_LDT);
	ck_assert_uint_eq(r.tr.type, SEG_TYPE_TSS32_BUSY);
	ck_assert_uint_eq(r.gdt.base, 0x8000);
	ck_assert_uint_eq(r.gdt.limit, 0x17);
	ck_assert_uint_eq(r.idt.base, 0x123400);
	ck_assert_uint_eq(r.cr0, a.cr0);
	ck_assert_uint_eq(r.cr3, 0x200000);

	memset(&b, 0, sizeof b);
	kvmr_from_sregs(&r, &b);
	static const char *const names[S_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };
	for (int i = 0; i < S_COUNT; i++)
		check_seg_eq(&b.seg[i], &a.seg[i], names[i]);
	check_seg_eq(&b.ldtr, &a.ldtr, "ldtr");
	check_seg_eq(&b.tr, &a.tr, "tr");
	ck_assert_uint_eq(b.gdtr.base, a.gdtr.base);
	ck_assert_uint_eq(b.gdtr.limit, a.gdtr.limit);
	ck_assert_uint_eq(b.idtr.base, a.idtr.base);
	ck_assert_uint_eq(b.idtr.limit, a.idtr.limit);
	ck_assert_uint_eq(b.cr0, a.cr0);
	ck_assert_uint_eq(b.cr2, a.cr2);
	ck_assert_uint_eq(b.cr3, a.cr3);
	ck_assert_uint_eq(b.cr4, a.cr4);
	ck_assert_uint_eq(b.efer, a.efer);
}
END_TEST

START_TEST(seg_every_attr_bit)
{
	/* each attribute bit alone survives the round trip */
	static const uint16_t bits[] = { 0x1, 0x2, 0x4, 0x8, SEG_S, 1 << SEG_DPL_SHIFT, 2 << SEG_DPL_SHIFT,
					 SEG_P, SEG_AVL, SEG_L, SEG_DB, SEG_G };
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		struct vcpu_seg s = { 0x1234, (uint16_t)(bits[i] | SEG_P), 0xabcdef00u, 0x1fffff };
		struct kvm_segment k = kvmr_seg_to(&s);
		struct vcpu_seg t = kvmr_seg_from(&k);
		check_seg_eq(&t, &s, "seg");
	}
}
END_TEST

START_TEST(debugregs_from)
{
	struct kvm_debugregs d;
	struct vcpu_state st;
	memset(&d, 0, sizeof d);
	memset(&st, 0, sizeof st);
	for (int i = 0; i < 4; i++)
		d.db[i] = 0x1000u * (unsigned)(i + 1);
	d.dr6 = 0xffff0ff0u;
	d.dr7 = 0x00000401u;
	kvmr_from_debugregs(&d, &st);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(st.dr[i], 0x1000u * (unsigned)(i + 1));
	ck_assert_uint_eq(st.dr[6], 0xffff0ff0u);
	ck_assert_uint_eq(st.dr[7], 0x401);
}
END_TEST

/* ================= real guests on /dev/kvm ================= */

static struct machine m;
static uint8_t console[256];
static size_t console_len;
static char err[512];
static char image_path[256];

static void console_out(void *opaque, uint8_t b)
{
	(void)opaque;
	if (console_len < sizeof console)
		console[console_len++] = b;
}

static void kvm_setup(void)
{
	struct machine_config cfg = { .ram_size = 16u << 20, .console_out = console_out };
	console_len = 0;
	image_path[0] = 0;
	ck_assert_msg(machine_init(&m, &cfg, err, sizeof err) == 0, "%s", err);
}

static void kvm_teardown(void)
{
	if (image_path[0])
		unlink(image_path);
	machine_destroy(&m);
}

/* Load code at 1 MiB through a temp file and make a KVM engine for it. */
static struct engine *boot(const uint8_t *code, uint32_t n)
{
	struct eg_spec s;
	size_t len;
	struct engine *e = NULL;
	int unavailable = 0;

	eg_simple(&s, code, n);
	uint8_t *img = eg_build(&s, &len);
	ck_assert_int_eq(eg_write_temp(img, len, image_path, sizeof image_path), 0);
	free(img);
	ck_assert_msg(machine_load(&m, image_path, "", err, sizeof err) == 0, "%s", err);
	ck_assert_msg(engine_kvm_ops.create(&m, &e, &unavailable, err, sizeof err) == 0,
		      "create failed (unavailable=%d): %s", unavailable, err);
	ck_assert_ptr_eq(e->ops, &engine_kvm_ops);
	ck_assert_ptr_eq(e->m, &m);
	return e;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(guest_serial_and_exit)
{
	static const uint8_t code[] = {
		0xb0, 0x68,               /* mov $'h',%al */
		0x66, 0xba, 0xf8, 0x03,   /* mov $0x3f8,%dx */
		0xee,                     /* out %al,(%dx) */
		0xb0, 0x69,               /* mov $'i',%al */
		0xee,                     /* out %al,(%dx) */
		0xb0, 0x2a,               /* mov $0x2a,%al */
		0xe6, 0xf4,               /* out %al,$0xf4   (debug exit, value 0x2a) */
		0xfa, 0xf4,               /* cli; hlt        (not reached) */
	};
	struct engine *e = boot(code, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_EXIT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_int_eq(s.status, (0x2a << 1) | 1);
	ck_assert_int_eq(stop_exit_status(&s), 0x55);
	ck_assert_uint_eq(console_len, 2);
	ck_assert_mem_eq(console, "hi", 2);
	/* (e) every exit was logged: two serial outs and the exit port at least */
	ck_assert_uint_ge(evlog_count(&m.events, EV_VMEXIT), 3);
	ck_assert_uint_eq(evlog_count(&m.events, EV_STOP), 1);
	struct ev ev[16];
	size_t n = evlog_tail(&m.events, ev, 16);
	int saw_com1 = 0;
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == EV_VMEXIT && strstr(ev[i].desc, "0x3f8"))
			saw_com1++;
	ck_assert_int_eq(saw_com1, 2);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_cli_hlt)
{
	static const uint8_t code[] = {
		0xfa,                     /* cli */
		0xf4,                     /* hlt */
	};
	struct engine *e = boot(code, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_HALT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_uint_eq(s.eip, 0x100001);          /* at the hlt */
	ck_assert_int_eq(stop_exit_status(&s), STATUS_HALTED);
	ck_assert_msg(strstr(s.msg, "halt"), "%s", s.msg);
	ck_assert_uint_ge(evlog_count(&m.events, EV_VMEXIT), 1);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_state_after_stop)
{
	static const uint8_t code[] = {
		0xbb, 0x78, 0x56, 0x34, 0x12,   /* mov $0x12345678,%ebx */
		0xb9, 0xef, 0xbe, 0xad, 0xde,   /* mov $0xdeadbeef,%ecx */
		0x89, 0xde,                     /* mov %ebx,%esi */
		0xb0, 0x00,                     /* mov $0,%al   (EAX = 0x2BADB000) */
		0xfa,                           /* cli */
		0xf4,                           /* hlt */
	};
	struct engine *e = boot(code, sizeof code);
	struct vcpu_state st;

	/* before running: the loader's boot state */
	e->ops->get_state(e, &st);
	ck_assert_uint_eq(st.eip, 0x100000);
	ck_assert_uint_eq(st.gpr[R_EAX], MB_BOOT_MAGIC);
	ck_assert_uint_eq(st.gpr[R_EBX], MB_INFO_ADDR);
	ck_assert_uint_eq(st.seg[S_CS].sel, MB_CODE_SEL);
	ck_assert_uint_eq(st.seg[S_DS].sel, MB_DATA_SEL);
	ck_assert_uint_eq(st.cr0 & CR0_PE, CR0_PE);
	ck_assert_uint_eq(st.cr0 & CR0_PG, 0);
	ck_assert_uint_eq(st.eflags & EFLAGS_IF, 0);

	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_HALT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	e->ops->get_state(e, &st);
	ck_assert_uint_eq(st.gpr[R_EBX], 0x12345678u);
	ck_assert_uint_eq(st.gpr[R_ECX], 0xdeadbeefu);
	ck_assert_uint_eq(st.gpr[R_ESI], 0x12345678u);
	ck_assert_uint_eq(st.gpr[R_EAX], 0x2BADB000u);
	ck_assert_uint_eq(st.gpr[R_ESP], MB_BOOT_STACK);
	ck_assert_uint_eq(st.eip, 0x100010);         /* past the hlt */
	ck_assert_uint_eq(st.seg[S_CS].sel, MB_CODE_SEL);
	ck_assert_uint_eq(st.gdtr.base, MB_GDT_ADDR);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_set_state)
{
	static const uint8_t code[] = {
		0xb0, 0x01,               /* 100000: mov $1,%al */
		0xe6, 0xf4,               /* 100002: out %al,$0xf4   (status 3) */
		0xb0, 0x02,               /* 100004: mov $2,%al */
		0xe6, 0xf4,               /* 100006: out %al,$0xf4   (status 5) */
	};
	struct engine *e = boot(code, sizeof code);
	struct vcpu_state st;
	struct stop_info s;
	e->ops->get_state(e, &st);
	st.eip = 0x100004;                /* skip the first exit */
	st.gpr[R_EDI] = 0x0badf00d;
	e->ops->set_state(e, &st);
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_EXIT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_int_eq(s.status, 5);
	e->ops->get_state(e, &st);
	ck_assert_uint_eq(st.gpr[R_EDI], 0x0badf00d);
	e->ops->destroy(e);
}
END_TEST

struct stopper {
	struct engine *e;
	double requested_at;
};

static void *stopper_main(void *arg)
{
	struct stopper *st = arg;
	struct timespec d = { 0, 300 * 1000 * 1000 };
	nanosleep(&d, NULL);
	st->requested_at = now_s();
	st->e->ops->request_stop(st->e);
	return NULL;
}

START_TEST(guest_request_stop)
{
	static const uint8_t code[] = {
		0xeb, 0xfe,               /* jmp . */
	};
	struct engine *e = boot(code, sizeof code);
	struct stopper st = { e, 0 };
	pthread_t t;
	struct stop_info s;
	ck_assert_int_eq(pthread_create(&t, NULL, stopper_main, &st), 0);
	e->ops->run(e, &s);
	double stopped_at = now_s();
	pthread_join(t, NULL);
	ck_assert_msg(s.reason == STOP_REQUEST, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_uint_eq(s.eip, 0x100000);
	ck_assert_msg(stopped_at - st.requested_at < 2.0, "took %.2f s to stop", stopped_at - st.requested_at);
	struct vcpu_state vs;
	e->ops->get_state(e, &vs);
	ck_assert_uint_eq(vs.eip, 0x100000);

	/* a request made while not running stops the next run at once */
	e->ops->request_stop(e);
	double t0 = now_s();
	e->ops->run(e, &s);
	ck_assert_int_eq(s.reason, STOP_REQUEST);
	ck_assert_msg(now_s() - t0 < 2.0, "took %.2f s", now_s() - t0);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_clearing_pe_stops)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xc0,   /* mov %cr0,%eax */
		0x83, 0xe0, 0xfe,   /* and $~1,%eax */
		0x0f, 0x22, 0xc0,   /* mov %eax,%cr0: real mode, which the hardware runs */
		0xe6, 0xf4,         /* out %al,$0xf4: an exit; not made */
	};
	struct engine *e = boot(code, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_int_eq(s.reason, STOP_ERROR);
	ck_assert_msg(strncmp(s.msg, "unsupported: real mode (CR0.PE cleared) at EIP 0x", 49) == 0, "%s", s.msg);
	ck_assert_int_eq(stop_exit_status(&s), STATUS_GUEST_ERROR);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_vga_mmio_and_unclaimed_port)
{
	static const uint8_t code[] = {
		0x66, 0xc7, 0x05, 0x00, 0x80, 0x0b, 0x00, 0x41, 0x07,   /* movw $0x0741,0xb8000 */
		0xe4, 0xe0,                                             /* in $0xe0,%al  (unclaimed: 0xff) */
		0xe6, 0xf4,                                             /* out %al,$0xf4 */
	};
	struct engine *e = boot(code, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_EXIT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_int_eq(s.status, 0xff);              /* (0xff << 1 | 1) & 0xff */
	ck_assert_uint_eq(m.vga->bytes[0x18000], 'A');
	ck_assert_uint_eq(m.vga->bytes[0x18001], 0x07);
	ck_assert_uint_eq(m.mem.phys[0xb8000], 0);      /* RAM behind the window untouched */
	ck_assert_uint_eq(evlog_count(&m.events, EV_IO), 1);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_string_io)
{
	static const uint8_t code[] = {
		0xbe, 0x17, 0x00, 0x10, 0x00,   /* 100000: mov $0x100017,%esi  (the text below) */
		0xb9, 0x03, 0x00, 0x00, 0x00,   /* 100005: mov $3,%ecx */
		0x66, 0xba, 0xf8, 0x03,         /* 10000a: mov $0x3f8,%dx */
		0xfc,                           /* 10000e: cld */
		0xf3, 0x6e,                     /* 10000f: rep outsb (%esi),(%dx) */
		0xb0, 0x00,                     /* 100011: mov $0,%al */
		0xe6, 0xf4,                     /* 100013: out %al,$0xf4   (status 1) */
		0xfa, 0xf4,                     /* 100015: cli; hlt        (not reached) */
		'o', 'k', '!',                  /* 100017: the text */
	};
	struct engine *e = boot(code, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_EXIT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_int_eq(s.status, 1);
	ck_assert_uint_eq(console_len, 3);
	ck_assert_mem_eq(console, "ok!", 3);
	struct vcpu_state st;
	e->ops->get_state(e, &st);
	ck_assert_uint_eq(st.gpr[R_ECX], 0);
	ck_assert_uint_eq(st.gpr[R_ESI], 0x10001a);
	e->ops->destroy(e);
}
END_TEST

START_TEST(guest_mmio_read)
{
	static const uint8_t code[] = {
		0xc6, 0x05, 0x00, 0x80, 0x0b, 0x00, 0x41,   /* movb $0x41,0xb8000 */
		0xa0, 0x00, 0x80, 0x0b, 0x00,               /* mov 0xb8000,%al   (read back through MMIO) */
		0xe6, 0xf4,                                 /* out %al,$0xf4     (status 0x83) */
	};
	struct engine *e = boot(code, sizeof code);
	struct stop_info s;
	e->ops->run(e, &s);
	ck_assert_msg(s.reason == STOP_EXIT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
	ck_assert_int_eq(s.status, 0x83);   /* (0x41 << 1) | 1 */
	ck_assert_uint_eq(m.vga->bytes[0x18000], 0x41);
	ck_assert_uint_eq(m.vga->writes, 1);
	ck_assert_uint_eq(evlog_count(&m.events, EV_IO), 0);
	e->ops->destroy(e);
}
END_TEST

/* x87 and SSE: a software backend cannot run them and must say so (status 6);
 * hardware KVM runs them. */
static void run_fpu_guest(const uint8_t *code, uint32_t n, uint32_t fpu_eip)
{
	struct engine *e = boot(code, n);
	struct stop_info s;
	e->ops->run(e, &s);
	if (kvm_probe_software_backend()) {
		ck_assert_msg(s.reason == STOP_UNAVAILABLE, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
		ck_assert_msg(strstr(s.msg, "cannot emulate"), "%s", s.msg);
		ck_assert_msg(strstr(s.msg, "software backend"), "%s", s.msg);
		ck_assert_uint_eq(s.eip, fpu_eip);
		ck_assert_int_eq(stop_exit_status(&s), STATUS_UNAVAILABLE);
	} else {
		ck_assert_msg(s.reason == STOP_EXIT, "stopped with %s: %s", stop_reason_name(s.reason), s.msg);
		ck_assert_int_eq(s.status, 15);
	}
	e->ops->destroy(e);
}

START_TEST(guest_x87_on_this_backend)
{
	static const uint8_t code[] = {
		0xd9, 0xe8,               /* fld1 */
		0xb0, 0x07,               /* mov $7,%al */
		0xe6, 0xf4,               /* out %al,$0xf4   (status 15) */
	};
	run_fpu_guest(code, sizeof code, 0x100000);
}
END_TEST

START_TEST(guest_sse_on_this_backend)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xe0,               /* 100000: mov %cr4,%eax */
		0x0d, 0x00, 0x02, 0x00, 0x00,   /* 100003: or $0x200,%eax  (CR4.OSFXSR) */
		0x0f, 0x22, 0xe0,               /* 100008: mov %eax,%cr4 */
		0x0f, 0x57, 0xc0,               /* 10000b: xorps %xmm0,%xmm0 */
		0xb0, 0x07,               /* mov $7,%al */
		0xe6, 0xf4,               /* out %al,$0xf4   (status 15) */
	};
	run_fpu_guest(code, sizeof code, 0x10000b);
}
END_TEST

/* /dev/kvm usable: open read-write and make a VM. */
static bool kvm_usable(char *why, size_t whylen)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open /dev/kvm: %s", strerror(errno));
		return false;
	}
	int vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		snprintf(why, whylen, "cannot create a VM: %s", strerror(errno));
		close(fd);
		return false;
	}
	close(vm);
	close(fd);
	return true;
}

int main(void)
{
	Suite *s = suite_create("kvm");
	int ntests = 0;
	char why[256];

	TCase *tc = tcase_create("probe");
	tcase_add_test(tc, probe_vmx);
	tcase_add_test(tc, probe_svm);
	tcase_add_test(tc, probe_neither);
	tcase_add_test(tc, probe_whole_words_only);
	tcase_add_test(tc, probe_only_the_flags_line);
	tcase_add_test(tc, probe_degenerate_input);
	tcase_add_test(tc, probe_long_flags_line);
	tcase_add_test(tc, probe_this_host);
	suite_add_tcase(s, tc);
	ntests += 8;

	tc = tcase_create("regs");
	tcase_add_test(tc, regs_round_trip);
	tcase_add_test(tc, sregs_round_trip);
	tcase_add_test(tc, seg_every_attr_bit);
	tcase_add_test(tc, debugregs_from);
	suite_add_tcase(s, tc);
	ntests += 4;

	if (kvm_usable(why, sizeof why)) {
		tc = tcase_create("guests");
		tcase_add_checked_fixture(tc, kvm_setup, kvm_teardown);
		tcase_set_timeout(tc, 60);   /* a software backend is slow to start */
		tcase_add_test(tc, guest_serial_and_exit);
		tcase_add_test(tc, guest_cli_hlt);
		tcase_add_test(tc, guest_state_after_stop);
		tcase_add_test(tc, guest_set_state);
		tcase_add_test(tc, guest_request_stop);
		tcase_add_test(tc, guest_vga_mmio_and_unclaimed_port);
		tcase_add_test(tc, guest_clearing_pe_stops);
		tcase_add_test(tc, guest_string_io);
		tcase_add_test(tc, guest_mmio_read);
		tcase_add_test(tc, guest_x87_on_this_backend);
		tcase_add_test(tc, guest_sse_on_this_backend);
		suite_add_tcase(s, tc);
		ntests += 10;
	} else {
		printf("SKIP: KVM guest tests (%s)\n", why);
	}

	SRunner *sr = srunner_create(s);
	if (ntests == 0) {   /* nothing left to run: automake's SKIP */
		srunner_free(sr);
		return 77;
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
