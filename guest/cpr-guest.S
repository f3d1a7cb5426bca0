/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest of qemu_cpr_test: a 64 KiB BIOS image for QEMU's pc machine
 * with a sw-protected-guest (KVM_X86_SW_PROTECTED_VM).
 *
 * The boot CPU enters 32-bit flat protected mode, reprograms PAM (see
 * bsp32), converts the page at
 * PRIV to private memory with KVM_HC_MAP_GPA_RANGE (which QEMU handles
 * by setting the private attribute and discarding the shared page),
 * stores a magic number in it and starts the other CPUs.  Then every CPU
 * counts in its own slot of the private page and, each time its count
 * reaches a multiple of STEP, writes "c<cpu>=<count in hex>\n" to the
 * isa-debugcon port.  A CPU that finds the magic number gone (the private
 * memory lost, e.g. zeroed by a move gone wrong) writes "E<cpu>\n" and
 * halts; a failed hypercall writes "H<rax>\n".
 *
 * So the counts a test reads from the debugcon logs of successive QEMU
 * processes must go on STEP by STEP without a reset or gap: the state of
 * the CPUs and the private memory both survived.  A line that a
 * cpr-transfer cut in two is completed by the new QEMU's log.
 *
 * Assembled with --defsym BENCH=1 it is the guest of qemu_cpr_bench
 * (cpr-bench.bin): one CPU, with or without a private page (a guest
 * without confidential-guest-support counts in shared memory), writing a
 * byte for every loop and its TSC every 1024 loops (see bench below).
 *
 * Linked at 0xffff0000 (the top 64 KiB of the 4 GiB address space, where
 * QEMU maps the BIOS) as a flat binary; the reset vector is the last 16
 * bytes.
 */

	.set PRIV,	0x10000		/* the private page */
	.set MAGIC,	(PRIV + 0x100)
	.set LOCK,	(PRIV + 0x180)	/* serializes lines on the port */
	.set MAGIC_VAL,	0x4b564d4d
	.set PORT,	0x402		/* isa-debugcon */
	.set STEP,	0x100000	/* count between two lines */
	.set APIC,	0xfee00000
	.set TRAMP,	0x8000		/* the APs' real-mode entry (SIPI 8) */
	.set STACKS,	0x7000		/* 1 KiB of stack a CPU, downwards */
	.set HC_MAP_GPA_RANGE,	12
	.set MAP_GPA_ENCRYPTED,	0x10

/* Flat data segments and a stack (an AP sets its own in count). */
	.macro	FLAT_SEGMENTS
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$STACKS, %esp
	.endm

	.text
	.code16
reset16:			/* at BASE: %cs's base after reset */
	cli
	cld
	lgdtl	%cs:(gdt_desc - reset16)
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmpl	$0x08, $bsp32

	.code32
bsp32:
	FLAT_SEGMENTS
	/*
	 * Map RAM over the option ROM area at 0xc8000, then at 0xd0000, then
	 * unmap it at 0xc8000, with the i440fx's PAM registers.  QEMU reshapes
	 * its memslots at each step, deleting before adding and taking the
	 * lowest free ids, whereas a new QEMU goes from the boot layout to the
	 * final one in one step: the two QEMUs of an upgrade number the
	 * memslots from 0xd0000 on differently, as after any firmware that
	 * programs PAM.
	 */
	movb	$3, %bl			/* read/write RAM */
	movl	$0x80000058, %eax	/* bus 0, dev 0, regs 0x58-0x5b */
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movb	%bl, %al
	movw	$0xcff, %dx		/* 0x5b, PAM2 low: 0xc8000-0xcbfff */
	outb	%al, %dx
	movl	$0x8000005c, %eax	/* regs 0x5c-0x5f */
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movb	%bl, %al
	movw	$0xcfc, %dx		/* 0x5c, PAM3 low: 0xd0000-0xd3fff */
	outb	%al, %dx
	movl	$0x80000058, %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movb	$0, %al			/* back to the option ROM */
	movw	$0xcff, %dx
	outb	%al, %dx

	movl	$HC_MAP_GPA_RANGE, %eax
	movl	$PRIV, %ebx
	movl	$1, %ecx
	movl	$MAP_GPA_ENCRYPTED, %edx
	xorl	%esi, %esi
	vmmcall
	testl	%eax, %eax
.ifdef BENCH
	/* A guest without private memory counts in shared memory. */
	movl	$MAGIC_VAL, MAGIC
	jmp	bench
.else
	jnz	hypercall_failed
.endif
	movl	$MAGIC_VAL, MAGIC
	movl	$0, LOCK

	/* The other CPUs start in real mode at TRAMP. */
	movl	$ap16, %esi
	movl	$TRAMP, %edi
	movl	$(ap16_end - ap16), %ecx
	rep movsb
	movl	$0x000c4500, APIC + 0x300	/* INIT, all but self */
	call	delay
	movl	$0x000c4600 + (TRAMP >> 12), APIC + 0x300	/* SIPI */
	call	delay
	movl	$0x000c4600 + (TRAMP >> 12), APIC + 0x300
	jmp	count

ap32:
	FLAT_SEGMENTS
count:
	movl	APIC + 0x20, %ebp
	shrl	$24, %ebp			/* APIC ID: the CPU's index */
	movl	%ebp, %eax
	shll	$10, %eax
	movl	$STACKS, %esp
	subl	%eax, %esp
	leal	PRIV(, %ebp, 8), %edi		/* this CPU's count */
1:	cmpl	$MAGIC_VAL, MAGIC
	jne	memory_lost
	incl	(%edi)
	testl	$(STEP - 1), (%edi)
	jnz	1b
	call	print_count
	jmp	1b

delay:
	movl	$0x100000, %ecx
2:	pause
	loop	2b
	ret

lock_port:
	lock btsl $0, LOCK
	jnc	3f
	pause
	jmp	lock_port
3:	movw	$PORT, %dx
	ret

unlock_port:
	movl	$0, LOCK
	ret

/* "c<cpu>=<count>\n" */
print_count:
	call	lock_port
	movb	$'c', %al
	outb	%al, %dx
	movl	%ebp, %eax
	addb	$'0', %al
	outb	%al, %dx
	movb	$'=', %al
	outb	%al, %dx
	movl	(%edi), %ebx
	call	print_hex
	movb	$'\n', %al
	outb	%al, %dx
	jmp	unlock_port

/* %ebx in 8 hex digits to %dx */
print_hex:
	movl	$8, %ecx
4:	roll	$4, %ebx
	movl	%ebx, %eax
	andl	$0xf, %eax
	movb	hex(%eax), %al
	outb	%al, %dx
	loop	4b
	ret

.ifdef BENCH
/*
 * The guest of qemu_cpr_bench (one CPU): every loop writes one byte, the
 * high bit and the low 7 bits of the loop count, so that the host can
 * timestamp each loop; every 1024 loops "t<TSC> m<largest TSC gap between
 * two loops since the last such line>\n" (see guest/cpr-stamp.c).
 */
	.set	COUNT,		PRIV
	.set	LAST_TSC,	(PRIV + 0x10)
	.set	MAX_GAP,	(PRIV + 0x18)
bench:
	xorl	%ebp, %ebp			/* CPU 0, for memory_lost */
	movl	$STACKS, %esp
	movl	$0, COUNT
	call	bench_reset
6:	cmpl	$MAGIC_VAL, MAGIC
	jne	memory_lost
	rdtsc
	movl	%eax, %ecx
	movl	%edx, %ebx
	subl	LAST_TSC, %eax
	sbbl	LAST_TSC + 4, %edx		/* %edx:%eax: the gap */
	movl	%ecx, LAST_TSC
	movl	%ebx, LAST_TSC + 4
	cmpl	MAX_GAP + 4, %edx
	jb	8f
	ja	7f
	cmpl	MAX_GAP, %eax
	jbe	8f
7:	movl	%eax, MAX_GAP
	movl	%edx, MAX_GAP + 4
8:	incl	COUNT
	movl	COUNT, %eax
	orb	$0x80, %al
	movw	$PORT, %dx
	outb	%al, %dx
	testl	$1023, COUNT
	jnz	6b
	movb	$'t', %al
	outb	%al, %dx
	movl	LAST_TSC + 4, %ebx
	call	print_hex
	movl	LAST_TSC, %ebx
	call	print_hex
	movb	$' ', %al
	outb	%al, %dx
	movb	$'m', %al
	outb	%al, %dx
	movl	MAX_GAP + 4, %ebx
	call	print_hex
	movl	MAX_GAP, %ebx
	call	print_hex
	movb	$'\n', %al
	outb	%al, %dx
	call	bench_reset			/* printing is not a gap */
	jmp	6b
bench_reset:
	movl	$0, MAX_GAP
	movl	$0, MAX_GAP + 4
	rdtsc
	movl	%eax, LAST_TSC
	movl	%edx, LAST_TSC + 4
	ret
.endif
memory_lost:
	call	lock_port
	movb	$'E', %al
	outb	%al, %dx
	movl	%ebp, %eax
	addb	$'0', %al
	outb	%al, %dx
	movb	$'\n', %al
	outb	%al, %dx
	call	unlock_port
	jmp	halt

hypercall_failed:
	movl	%eax, %ebx
	movw	$PORT, %dx
	movb	$'H', %al
	outb	%al, %dx
	call	print_hex
	movb	$'\n', %al
	outb	%al, %dx
halt:
	cli
5:	hlt
	jmp	5b

hex:	.ascii	"0123456789abcdef"

	.p2align 3
gdt:
	.quad	0
	.quad	0x00cf9b000000ffff	/* 0x08: flat code, accessed */
	.quad	0x00cf93000000ffff	/* 0x10: flat data, accessed */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

/* Copied to TRAMP: the APs' way from real mode to ap32. */
	.code16
ap16:
	cli
	cld
	lgdtl	%cs:(ap16_gdt_desc - ap16)
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmpl	$0x08, $ap32
	.p2align 3
ap16_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
ap16_end:

	.org	0xfff0
	jmp	reset16
	.org	0x10000
