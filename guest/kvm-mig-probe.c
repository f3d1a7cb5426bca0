// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-mig-probe: report what /dev/kvm offers for intra-host migration and
 * try KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM / KVM_CAP_VM_COPY_ENC_CONTEXT_FROM
 * on the cases that need no SEV hardware.  Used by "make run".
 *
 * Exit status: 0 if every attempt returned the errno the kernel documents,
 * 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

static int failures;

static int check_cap(int kvm, int cap, const char *name)
{
	int r = ioctl(kvm, KVM_CHECK_EXTENSION, cap);

	printf("  %-36s %s\n", name, r > 0 ? "supported" : "not supported");
	return r;
}

static int create_vm(int kvm, unsigned long type)
{
	int fd = ioctl(kvm, KVM_CREATE_VM, type);

	if (fd < 0)
		printf("  KVM_CREATE_VM(type %lu): %s\n", type, strerror(errno));
	return fd;
}

/* Enable @cap on @dst with @src as argument; expect @want (0 or errno). */
static void attempt(const char *what, int dst, int cap, int src, int want)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { src } };
	int r = ioctl(dst, KVM_ENABLE_CAP, &ec);
	int got = r ? errno : 0;

	printf("  %-52s -> %-7s %s\n", what, got ? strerrorname_np(got) : "0",
	       got == want ? "(as documented)" : "(UNEXPECTED)");
	if (got != want)
		failures++;
}

int main(void)
{
	const char *names[] = { "DEFAULT", "SW_PROTECTED", "SEV", "SEV_ES",
				"SNP" };
	int kvm, types, src, dst, devnull, i;

	kvm = open("/dev/kvm", O_RDWR);
	if (kvm < 0) {
		perror("/dev/kvm");
		return 1;
	}
	printf("\n/dev/kvm: API version %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	check_cap(kvm, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM,
		  "KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM");
	check_cap(kvm, KVM_CAP_VM_COPY_ENC_CONTEXT_FROM,
		  "KVM_CAP_VM_COPY_ENC_CONTEXT_FROM");
	types = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	printf("  %-36s", "KVM_CAP_VM_TYPES");
	for (i = 0; i < 5; i++)
		if (types > 0 && (types & (1 << i)))
			printf(" %s", names[i]);
	printf("\n\nmove/mirror attempts without SEV hardware:\n");

	src = create_vm(kvm, KVM_X86_DEFAULT_VM);
	dst = create_vm(kvm, KVM_X86_DEFAULT_VM);
	devnull = open("/dev/null", O_RDONLY);
	if (src < 0 || dst < 0 || devnull < 0)
		return 1;

	attempt("MOVE from a non-SEV VM", dst, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM,
		src, EINVAL);
	attempt("MOVE from /dev/null (not a VM fd)", dst,
		KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM, devnull, EBADF);
	attempt("MOVE from a closed fd", dst, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM,
		1000, EBADF);
	attempt("MOVE from itself", dst, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM,
		dst, EINVAL);
	attempt("COPY (mirror) of a non-SEV VM", dst,
		KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, src, EINVAL);
	attempt("COPY (mirror) from /dev/null", dst,
		KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, devnull, EBADF);

	printf("\n%s\n", failures ? "probe: UNEXPECTED errno(s)" :
	       "probe: every attempt returned the documented errno");
	return failures ? 1 : 0;
}
