/* The KVM engine: the host CPU runs the guest in hardware-assisted guest mode
 * and bt86 only sees VM exits. It shares guest RAM (the same memfd pages),
 * the loader's boot state and every device with the binary translator, so the
 * two can be compared instruction for instruction, and it serves as the
 * translator's oracle. The vCPU loop is one switch over exit reasons; every
 * exit is an event.
 *
 * There is no firmware: 32-bit protected mode is set up directly through
 * KVM_SET_SREGS from the multiboot boot state. Guest RAM is two memory slots
 * around the VGA hole, which stays MMIO so it reaches the device model.
 */
#include "engine/engine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/kvm_probe.h"
#include "engine/kvm_regs.h"
#include "engine/vcpu_loop.h"

#define KVM_KICK_SIGNAL SIGUSR2   /* interrupts KVM_RUN so a stop request is seen (bt uses SIGUSR1) */
#define KVM_TSS_ADDR    0xfffbd000u  /* three pages VMX needs for real-mode emulation; unused RAM-less area */
#define KVM_MAX_CPUID   128

struct kvm_engine {
	struct engine base;
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	bool sync_regs;             /* registers arrive with every exit, no ioctl */
	bool sync_sregs;            /* and the segment and control registers */
	bool stepping;
	pthread_t thread;           /* the vCPU thread while run/step is active */
	atomic_bool thread_valid;
	struct vcpu_loop loop;      /* stop requests, HLT (engine/vcpu_loop.h) */
	/* The debugger's breakpoints and watchpoints in the debug registers. */
	uint32_t dr_addr[4];
	int dr_kind[4];             /* -1 exec breakpoint, else enum wp_kind */
	int dr_id[4];
	int ndr;
	uint64_t exits;
	uint64_t injected;
};

static void kvm_kick_handler(int sig)
{
	(void)sig;   /* only here to make KVM_RUN return EINTR */
}

static void kvm_close_fds(struct kvm_engine *k)
{
	if (k->run)
		munmap(k->run, k->run_size);
	if (k->vcpu_fd >= 0)
		close(k->vcpu_fd);
	if (k->vm_fd >= 0)
		close(k->vm_fd);
	if (k->kvm_fd >= 0)
		close(k->kvm_fd);
}

static int kvm_set_slot(struct kvm_engine *k, uint32_t slot, uint64_t gpa, uint64_t len,
			char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = len,
		.userspace_addr = (uint64_t)(uintptr_t)(k->base.m->mem.phys + gpa),
	};
	if (ioctl(k->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		snprintf(err, errlen, "kvm: cannot map guest RAM: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The guest sees the machine's CPU model (monitor/cpumodel.h) under KVM
 * too, so both engines answer CPUID alike. KVM's own leaves (its
 * paravirtual 0x40000000 range, which a backend may insist on) are kept;
 * every basic and extended leaf comes from the model, subleaf 0. */
static int kvm_setup_cpuid(struct kvm_engine *k, char *err, size_t errlen)
{
	size_t sz = sizeof(struct kvm_cpuid2) + KVM_MAX_CPUID * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *sup = calloc(1, sz), *c = calloc(1, sz);
	const struct cpu_model *cpu = &k->base.m->cpu;
	int rc = -1;

	if (!sup || !c) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	sup->nent = KVM_MAX_CPUID;
	if (ioctl(k->kvm_fd, KVM_GET_SUPPORTED_CPUID, sup) < 0) {
		snprintf(err, errlen, "kvm: cannot read the supported CPUID: %s", strerror(errno));
		goto out;
	}
	uint32_t n = 0, host_linear = 0;
	for (uint32_t i = 0; i < sup->nent; i++) {
		if ((sup->entries[i].function & 0xf0000000u) == 0x40000000u)
			c->entries[n++] = sup->entries[i];
		if (sup->entries[i].function == 0x80000008u)
			host_linear = sup->entries[i].eax & 0xff00;
	}
	for (int range = 0; range < 2; range++) {
		uint32_t first = range ? 0x80000000u : 0, last = range ? cpu->max_ext : cpu->max_leaf;
		for (uint32_t leaf = first; (!range || cpu->max_ext) && leaf <= last && n < KVM_MAX_CPUID; leaf++) {
			uint32_t r[4];
			cpu_model_cpuid(cpu, leaf, 0, 0, r);
			/* KVM refuses a linear-address width below the host's (kvm_pvm
			 * wants 48); a 32-bit guest cannot use the difference. */
			if (leaf == 0x80000008u && host_linear > (r[0] & 0xff00))
				r[0] = (r[0] & ~0xff00u) | host_linear;
			c->entries[n++] = (struct kvm_cpuid_entry2){
				.function = leaf,
				.index = 0,
				.flags = (leaf == 4 || leaf == 7) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
				.eax = r[0], .ebx = r[1], .ecx = r[2], .edx = r[3],
			};
		}
	}
	c->nent = n;
	if (ioctl(k->vcpu_fd, KVM_SET_CPUID2, c) < 0)
		snprintf(err, errlen, "kvm: cannot set up the CPU model's CPUID: %s", strerror(errno));
	else
		rc = 0;
out:
	free(sup);
	free(c);
	return rc;
}

static void kvm_destroy(struct engine *e)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	if (e->m->irq_opaque == k)
		e->m->irq_notify = NULL;
	vloop_fini(&k->loop);
	kvm_close_fds(k);
	free(k);
}

static void kvm_set_state(struct engine *e, const struct vcpu_state *st);
static void kvm_irq_notify(void *opaque);

static int kvm_create(struct machine *m, struct engine **out, int *unavailable, char *err, size_t errlen)
{
	struct kvm_engine *k = calloc(1, sizeof *k);
	struct sigaction sa = { .sa_handler = kvm_kick_handler };

	*unavailable = 0;
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->base.ops = &engine_kvm_ops;
	k->base.m = m;
	k->vm_fd = k->vcpu_fd = -1;
	k->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->kvm_fd < 0) {
		*unavailable = 1;
		snprintf(err, errlen, "--engine=kvm: cannot open /dev/kvm: %s%s", strerror(errno),
			 errno == ENOENT ? " (this host has no KVM)" : "");
		goto fail;
	}
	if (ioctl(k->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		*unavailable = 1;
		snprintf(err, errlen, "--engine=kvm: /dev/kvm speaks an unknown API version");
		goto fail;
	}
	k->vm_fd = ioctl(k->kvm_fd, KVM_CREATE_VM, 0);
	if (k->vm_fd < 0) {
		*unavailable = 1;
		snprintf(err, errlen, "--engine=kvm: cannot create a VM: %s", strerror(errno));
		goto fail;
	}
	ioctl(k->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);   /* VMX needs it; others ignore it */
	uint64_t size = m->mem.size;
	if (kvm_set_slot(k, 0, 0, GMEM_VGA_BASE, err, errlen) < 0 ||
	    kvm_set_slot(k, 1, GMEM_VGA_END, size - GMEM_VGA_END, err, errlen) < 0)
		goto fail;
	k->vcpu_fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, 0);
	int mmap_size = ioctl(k->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->vcpu_fd < 0 || mmap_size <= 0) {
		snprintf(err, errlen, "kvm: cannot create the vCPU: %s", strerror(errno));
		goto fail;
	}
	k->run_size = (size_t)mmap_size;
	k->run = mmap(NULL, k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, k->vcpu_fd, 0);
	if (k->run == MAP_FAILED) {
		k->run = NULL;
		snprintf(err, errlen, "kvm: cannot map the vCPU run area: %s", strerror(errno));
		goto fail;
	}
	if (kvm_setup_cpuid(k, err, errlen) < 0)
		goto fail;
	int sync = ioctl(k->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	k->sync_regs = sync > 0 && (sync & KVM_SYNC_X86_REGS);
	k->sync_sregs = k->sync_regs && (sync & KVM_SYNC_X86_SREGS);
	if (k->sync_regs)
		k->run->kvm_valid_regs = KVM_SYNC_X86_REGS | (k->sync_sregs ? KVM_SYNC_X86_SREGS : 0);
	sigaction(KVM_KICK_SIGNAL, &sa, NULL);
	kvm_set_state(&k->base, &m->boot_state);
	m->irq_opaque = k;
	m->irq_notify = kvm_irq_notify;
	vloop_init(&k->loop, &k->base, 0);
	*out = &k->base;
	return 0;
fail:
	kvm_close_fds(k);
	free(k);
	return -1;
}

static void kvm_get_state(struct engine *e, struct vcpu_state *st)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_debugregs dregs;

	memset(st, 0, sizeof *st);
	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &regs) == 0)
		kvmr_from_regs(&regs, st);
	if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &sregs) == 0)
		kvmr_from_sregs(&sregs, st);
	if (ioctl(k->vcpu_fd, KVM_GET_DEBUGREGS, &dregs) == 0)
		kvmr_from_debugregs(&dregs, st);
}

static void kvm_set_state(struct engine *e, const struct vcpu_state *st)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	/* Start from KVM's own values so fields we do not model keep sane contents. */
	if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		memset(&sregs, 0, sizeof sregs);
	kvmr_to_regs(st, &regs);
	kvmr_to_sregs(st, &sregs);
	ioctl(k->vcpu_fd, KVM_SET_SREGS, &sregs);
	ioctl(k->vcpu_fd, KVM_SET_REGS, &regs);
	if (k->sync_regs)
		k->run->kvm_dirty_regs = 0;   /* what we just set must not be overwritten */
}

static uint32_t kvm_eip(struct kvm_engine *k)
{
	struct kvm_regs regs;
	if (k->sync_regs)
		return (uint32_t)k->run->s.regs.regs.rip;
	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return 0;
	return (uint32_t)regs.rip;
}

static uint32_t kvm_eflags(struct kvm_engine *k)
{
	struct kvm_regs regs;
	if (k->sync_regs)
		return (uint32_t)k->run->s.regs.regs.rflags;
	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return 0;
	return (uint32_t)regs.rflags;
}

static void kvm_stop(struct kvm_engine *k, struct stop_info *s, enum stop_reason r, uint32_t eip,
		     const char *fmt, const char *detail)
{
	char msg[sizeof s->msg];
	snprintf(msg, sizeof msg, fmt, eip, detail ? detail : "");
	vloop_stop(&k->loop, s, r, eip, "%s", msg);
	s->want_insn = r == STOP_ERROR || r == STOP_UNAVAILABLE;   /* the messages do not name it */
}

static uint64_t kvm_cr0(struct kvm_engine *k)
{
	struct kvm_sregs sregs;
	if (k->sync_sregs)
		return k->run->s.regs.sregs.cr0;
	if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return 1;   /* unknown: take it as protected */
	return sregs.cr0;
}

/* The hardware runs real and virtual-8086 mode, but bt86 models neither
 * (the translator cannot run them): stop at the first exit in either, as
 * the translator stops at the instruction that enters it. */
static bool kvm_mode_unsupported(struct kvm_engine *k, uint32_t eip, struct stop_info *s)
{
	if (!(kvm_cr0(k) & CR0_PE))
		kvm_stop(k, s, STOP_ERROR, eip, "unsupported: real mode (CR0.PE cleared) at EIP 0x%08x%s", NULL);
	else if (kvm_eflags(k) & EFLAGS_VM)
		kvm_stop(k, s, STOP_ERROR, eip, "unsupported: virtual-8086 mode (EFLAGS.VM set) at EIP 0x%08x%s", NULL);
	else
		return false;
	return true;
}

/* One exit: dispatch it; return true when the loop must stop (s filled). */
static bool kvm_handle_exit(struct kvm_engine *k, struct stop_info *s)
{
	struct kvm_run *run = k->run;
	struct machine *m = k->base.m;
	uint32_t eip = kvm_eip(k);
	char why[96];

	k->exits++;
	if (run->exit_reason != KVM_EXIT_FAIL_ENTRY && run->exit_reason != KVM_EXIT_INTERNAL_ERROR &&
	    kvm_mode_unsupported(k, eip, s))
		return true;   /* the access that exited is not made */
	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		bool out = run->io.direction == KVM_EXIT_IO_OUT;
		uint32_t first = 0;
		for (uint32_t i = 0; i < run->io.count; i++)
			machine_pio(m, eip, run->io.port, data + i * run->io.size, run->io.size, out);
		memcpy(&first, data, run->io.size > 4 ? 4 : run->io.size);
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "io %s port 0x%x size %u%s value 0x%x",
			  out ? "out" : "in", run->io.port, run->io.size,
			  run->io.count > 1 ? " (string)" : "", first);
		return vloop_take_exit(&k->loop, eip, s);
	}
	case KVM_EXIT_MMIO: {
		unsigned len = run->mmio.len > 8 ? 8 : run->mmio.len;
		machine_mmio(m, eip, run->mmio.phys_addr, run->mmio.data, len, run->mmio.is_write);
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "mmio %s 0x%llx size %u",
			  run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr, len);
		return vloop_take_exit(&k->loop, eip, s);
	}
	case KVM_EXIT_HLT:
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "hlt");
		/* RIP is already past the one-byte HLT. */
		if (!(kvm_eflags(k) & EFLAGS_IF)) {
			kvm_stop(k, s, STOP_HALT, eip - 1,
				 "guest halted with interrupts disabled at EIP 0x%08x%s", NULL);
			return true;
		}
		k->loop.halted = true;   /* the loop sleeps until an interrupt is pending */
		return false;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "interrupt window open");
		return false;
	case KVM_EXIT_DEBUG: {
		uint64_t dr6 = run->debug.arch.dr6;
		for (int i = 0; i < k->ndr; i++) {
			if (!(dr6 & (1u << i)))
				continue;
			evlog_add(&m->events, EV_VMEXIT, eip, -1, "debug (DR%d)", i);
			if (k->dr_kind[i] < 0) {
				dbg_break_hit(&m->debug, eip);
				vloop_break_stop(&k->loop, eip, k->dr_id[i], s);
			} else {
				s->reason = STOP_BREAK;
				s->eip = eip;
				s->bp_id = k->dr_id[i];
				s->watch_kind = k->dr_kind[i];
				s->watch_addr = k->dr_addr[i];
				uint32_t v = 0;
				gmem_read(&m->mem, k->dr_addr[i], &v, 4);
				s->watch_new = v;
				snprintf(s->msg, sizeof s->msg, "%s %d: [0x%08x] = 0x%x", wp_kind_name((enum wp_kind)k->dr_kind[i]),
					 k->dr_id[i], k->dr_addr[i], v);
			}
			return true;
		}
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "debug (single step)");
		s->reason = STOP_STEP;
		s->eip = eip;
		s->msg[0] = 0;
		return true;
	}
	case KVM_EXIT_SHUTDOWN:
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "shutdown");
		kvm_stop(k, s, STOP_ERROR, eip, "guest triple fault (shutdown) at EIP 0x%08x%s", NULL);
		return true;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof why, " (hardware entry failure reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "fail entry%s", why);
		kvm_stop(k, s, STOP_ERROR, eip, "kvm: VM entry failed at EIP 0x%08x%s", why);
		return true;
	case KVM_EXIT_INTERNAL_ERROR:
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "internal error, suberror %u", run->internal.suberror);
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
			kvm_stop(k, s, STOP_UNAVAILABLE, eip,
				 "kvm: this KVM backend cannot emulate the guest instruction at EIP 0x%08x%s",
				 kvm_probe_software_backend() ? " (a software backend: it cannot run x87/SSE and some system instructions)" : "");
		else {
			snprintf(why, sizeof why, " (suberror %u)", run->internal.suberror);
			kvm_stop(k, s, STOP_ERROR, eip, "kvm: internal error at EIP 0x%08x%s", why);
		}
		return true;
	case KVM_EXIT_INTR:
		return false;   /* handled by the caller's stop check */
	default:
		snprintf(why, sizeof why, " (exit reason %u)", run->exit_reason);
		evlog_add(&m->events, EV_VMEXIT, eip, -1, "unexpected%s", why);
		kvm_stop(k, s, STOP_ERROR, eip, "kvm: unexpected VM exit at EIP 0x%08x%s", why);
		return true;
	}
}

/* Let KVM finish an instruction whose I/O we just answered, without running
 * further, so the state a front end reads is architectural. */
static void kvm_complete_pending(struct kvm_engine *k)
{
	k->run->immediate_exit = 1;
	ioctl(k->vcpu_fd, KVM_RUN, 0);
	k->run->immediate_exit = 0;
}

/* Inject a pending PIC interrupt when the guest can take it, or ask KVM to
 * exit as soon as it can (an interrupt window). */
static void kvm_inject(struct kvm_engine *k)
{
	struct machine *m = k->base.m;
	struct kvm_run *run = k->run;
	if (!machine_intr_pending(m, 0)) {
		run->request_interrupt_window = 0;
		return;
	}
	if (run->ready_for_interrupt_injection && run->if_flag) {
		struct kvm_interrupt irq = { .irq = (uint32_t)machine_intr_ack(m, 0) };
		if (ioctl(k->vcpu_fd, KVM_INTERRUPT, &irq) == 0) {
			k->injected++;
			k->loop.halted = false;
			evlog_add_data(&m->events, EV_INTERRUPT, kvm_eip(k), -1,
				       &(union ev_data){ .interrupt = { .vector = (uint8_t)irq.irq } },
				       "external interrupt, vector 0x%02x (injected)", irq.irq);
		}
		run->request_interrupt_window = machine_intr_pending(m, 0);
		return;
	}
	run->request_interrupt_window = 1;
}

static void kvm_irq_notify(void *opaque)
{
	struct kvm_engine *k = opaque;
	/* Make KVM_RUN return so the loop can inject; not a stop. */
	k->run->immediate_exit = 1;
	if (atomic_load(&k->thread_valid) && !pthread_equal(pthread_self(), k->thread))
		pthread_kill(k->thread, KVM_KICK_SIGNAL);
}

static void kvm_loop(struct kvm_engine *k, struct stop_info *s)
{
	k->thread = pthread_self();
	atomic_store(&k->thread_valid, true);
	vloop_begin(&k->loop, kvm_eip(k), s);
	for (;;) {
		/* kvm_eip costs an ioctl without sync_regs: only when needed. */
		enum vloop_halt h = k->loop.halted ? vloop_halt(&k->loop, kvm_eip(k), s) : VLOOP_RUN;
		if (h == VLOOP_STOP)
			break;
		if (h == VLOOP_AGAIN)
			continue;   /* an interrupt, or a stop request */
		/* Breakpoints are in the debug registers (kvm_debug_sync), not here. */
		if (atomic_load(&k->loop.stop_requested) && vloop_take_request(&k->loop, kvm_eip(k), s))
			break;
		kvm_inject(k);
		if (k->loop.halted && !machine_intr_pending(k->base.m, 0))
			k->loop.halted = false;   /* injected: the guest runs its handler */
		if (ioctl(k->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				k->run->immediate_exit = 0;
				continue;
			}
			kvm_stop(k, s, STOP_ERROR, kvm_eip(k), "kvm: KVM_RUN failed at EIP 0x%08x: %s", strerror(errno));
			break;
		}
		if (kvm_handle_exit(k, s))
			break;
	}
	vloop_end(&k->loop);
	atomic_store(&k->thread_valid, false);
	if (s->reason != STOP_EXIT)
		kvm_complete_pending(k);
	if (s->reason == STOP_REQUEST || s->reason == STOP_STEP)
		s->eip = kvm_eip(k);
}

/* Program the debug registers for the debugger's (at most four) breakpoints
 * and watchpoints, with single-stepping on or off. */
static int kvm_apply_debug(struct kvm_engine *k, bool step, bool skip_here)
{
	struct kvm_guest_debug dbg = { 0 };
	uint32_t eip = kvm_eip(k);
	uint64_t dr7 = 0;
	for (int i = 0; i < k->ndr; i++) {
		if (skip_here && k->dr_kind[i] < 0 && k->dr_addr[i] == eip)
			continue;   /* stepping off a breakpoint we are stopped at */
		dbg.arch.debugreg[i] = k->dr_addr[i];
		dr7 |= 2ull << (i * 2);   /* Gn: enable */
		if (k->dr_kind[i] >= 0) {
			uint64_t rw = k->dr_kind[i] == WP_WRITE ? 1 : 3;   /* 01 write, 11 read/write */
			dr7 |= (rw | (3ull << 2)) << (16 + i * 4);         /* LEN 11: 4 bytes */
		}
	}
	dbg.arch.debugreg[7] = dr7;
	dbg.control = (dr7 || step) ? KVM_GUESTDBG_ENABLE : 0;
	if (dr7)
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
	if (step)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP;
	k->stepping = step;
	return ioctl(k->vcpu_fd, KVM_SET_GUEST_DEBUG, &dbg);
}

static bool kvm_at_breakpoint(struct kvm_engine *k)
{
	uint32_t eip = kvm_eip(k);
	for (int i = 0; i < k->ndr; i++)
		if (k->dr_kind[i] < 0 && k->dr_addr[i] == eip)
			return true;
	return false;
}

static void kvm_step_insn(struct engine *e, struct stop_info *s)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	if (kvm_apply_debug(k, true, true) < 0) {
		kvm_stop(k, s, STOP_ERROR, kvm_eip(k), "kvm: single-step is not supported here (EIP 0x%08x)%s", NULL);
		return;
	}
	kvm_loop(k, s);
	kvm_apply_debug(k, false, false);
}

static void kvm_run_engine(struct engine *e, struct stop_info *s)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	if (k->ndr && kvm_at_breakpoint(k)) {
		/* Continuing from a breakpoint: step over it with it disabled first. */
		kvm_step_insn(e, s);
		if (s->reason != STOP_STEP)
			return;
	}
	if (k->ndr && kvm_apply_debug(k, false, false) < 0) {
		kvm_stop(k, s, STOP_ERROR, kvm_eip(k), "kvm: this KVM cannot use the debug registers (EIP 0x%08x)%s", NULL);
		return;
	}
	kvm_loop(k, s);
}

static void kvm_debug_sync(struct engine *e)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct debugstate *d = &e->m->debug;
	k->ndr = 0;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < d->nbp && k->ndr < 4; i++)
		if (d->bp[i].enabled) {
			k->dr_addr[k->ndr] = d->bp[i].addr;
			k->dr_kind[k->ndr] = -1;
			k->dr_id[k->ndr++] = d->bp[i].internal ? 0 : d->bp[i].id;
		}
	for (int i = 0; i < d->nwp && k->ndr < 4; i++)
		if (d->wp[i].enabled) {
			k->dr_addr[k->ndr] = d->wp[i].addr & ~3u;
			k->dr_kind[k->ndr] = d->wp[i].kind == WP_READ ? WP_ACCESS : (int)d->wp[i].kind;   /* x86 has no read-only watch */
			k->dr_id[k->ndr++] = d->wp[i].id;
		}
	pthread_mutex_unlock(&d->lock);
	kvm_apply_debug(k, false, false);
	machine_sync_catches(e->m);
}

static void kvm_invalidate(struct engine *e, uint64_t pa, uint64_t len)
{
	(void)e; (void)pa; (void)len;   /* the hardware runs guest code: nothing is cached */
}

static void kvm_request_stop(struct engine *e)
{
	struct kvm_engine *k = (struct kvm_engine *)e;

	vloop_request_stop(&k->loop);
	k->run->immediate_exit = 1;
	if (atomic_load(&k->thread_valid))
		pthread_kill(k->thread, KVM_KICK_SIGNAL);
	machine_wake(e->m);   /* a vCPU asleep in HLT */
}

/* KVM's kvm_fpu and the FXSAVE image hold the same fields. */
static void kvm_get_fpu(struct engine *e, uint8_t fx[512])
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_fpu f;
	memset(fx, 0, 512);
	if (ioctl(k->vcpu_fd, KVM_GET_FPU, &f) < 0)
		return;
	memcpy(fx + 0, &f.fcw, 2);
	memcpy(fx + 2, &f.fsw, 2);
	fx[4] = f.ftwx;
	memcpy(fx + 6, &f.last_opcode, 2);
	memcpy(fx + 8, &f.last_ip, 8);
	memcpy(fx + 16, &f.last_dp, 8);
	memcpy(fx + 24, &f.mxcsr, 4);
	for (int i = 0; i < 8; i++)
		memcpy(fx + 32 + 16 * i, f.fpr[i], 16);
	memcpy(fx + 160, f.xmm, 16 * 16);
}

static void kvm_set_fpu(struct engine *e, const uint8_t fx[512])
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_fpu f;
	memset(&f, 0, sizeof f);
	memcpy(&f.fcw, fx + 0, 2);
	memcpy(&f.fsw, fx + 2, 2);
	f.ftwx = fx[4];
	memcpy(&f.last_opcode, fx + 6, 2);
	memcpy(&f.last_ip, fx + 8, 8);
	memcpy(&f.last_dp, fx + 16, 8);
	memcpy(&f.mxcsr, fx + 24, 4);
	for (int i = 0; i < 8; i++)
		memcpy(f.fpr[i], fx + 32 + 16 * i, 16);
	memcpy(f.xmm, fx + 160, 16 * 16);
	ioctl(k->vcpu_fd, KVM_SET_FPU, &f);
}

static void kvm_reset(struct engine *e)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	uint8_t fx[512] = { 0 };
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;
	memcpy(fx + 0, &fcw, 2);
	memcpy(fx + 24, &mxcsr, 4);
	/* RAM is the host's mapping: KVM sees the reloaded image as it is. */
	struct kvm_vcpu_events ev;
	memset(&ev, 0, sizeof ev);   /* no exception or interrupt left half-injected */
	ioctl(k->vcpu_fd, KVM_SET_VCPU_EVENTS, &ev);
	kvm_set_state(e, &e->m->boot_state);
	kvm_set_fpu(e, fx);
	k->loop.halted = false;
	k->run->request_interrupt_window = 0;
}

static int kvm_stats(struct engine *e, struct engine_stat *out, int max)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	if (max < 1)
		return 0;
	out[0] = (struct engine_stat){ "vmexits", k->exits };
	if (max < 2)
		return 1;
	out[1] = (struct engine_stat){ "injected", k->injected };
	return 2;
}

static int kvm_configure(struct engine *e, const char *key, const char *value, char *err, size_t errlen)
{
	(void)e;
	(void)value;
	snprintf(err, errlen, "the kvm engine has no parameter '%s'", key);
	return -1;
}

static const char *kvm_host_note(void)
{
	if (!kvm_probe_software_backend())
		return NULL;
	return "/dev/kvm here is a software backend (no VMX/SVM in /proc/cpuinfo); it emulates the guest "
	       "instruction by instruction, far slower than hardware, and cannot run x87/SSE";
}

const struct engine_ops engine_kvm_ops = {
	.name = "kvm",
	.summary = "hardware-assisted virtualization through /dev/kvm (no translation)",
	.caps = ENGINE_CAP_FPU_POINTERS,
	.debug_slots = 4,   /* DR0-DR3 */
	.host_note = kvm_host_note,
	.create = kvm_create,
	.destroy = kvm_destroy,
	.run = kvm_run_engine,
	.step_insn = kvm_step_insn,
	.step_ccf = kvm_step_insn,   /* no CCFs: a hardware step is one instruction */
	.debug_sync = kvm_debug_sync,
	.invalidate = kvm_invalidate,
	.get_state = kvm_get_state,
	.set_state = kvm_set_state,
	.request_stop = kvm_request_stop,
	.get_fpu = kvm_get_fpu,
	.set_fpu = kvm_set_fpu,
	.configure = kvm_configure,
	.stats = kvm_stats,
	.reset = kvm_reset,
};
