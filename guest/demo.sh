#!/bin/sh
# "make run" demo inside the guest: what the host kernel offers for
# intra-host migration, and one move attempt per interesting case.
p() { cat "/sys/module/$1/parameters/$2" 2>/dev/null || echo '?'; }

echo "guest kernel: $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs, CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
if [ -d /sys/module/kvm_amd ]; then
	echo "kvm_amd: loaded (npt=$(p kvm_amd npt) nrips=$(p kvm_amd nrips) sev=$(p kvm_amd sev) sev_es=$(p kvm_amd sev_es) sev_snp=$(p kvm_amd sev_snp))"
else
	echo "kvm_amd: NOT loaded"
	dmesg | grep -i -E 'kvm|svm' | tail -5
	exit 1
fi
dmesg | grep -E 'kvm_amd|SEV' | sed 's/^\[[^]]*\] /  dmesg: /' | head -8
/kvm/kvm-mig-probe || exit

echo ""
echo "VMM upgrade (vmm_upgrade_test): a running software-protected guest moves"
echo "to a new VMM process, fds passed over a unix socket:"
(cd /kvm/x86_64 && ./vmm_upgrade_test) >/tmp/upgrade.log 2>&1
rc=$?
sed -n -e 's/^ok [0-9]* /  /p' -e 's/^# \[/  [/p' -e 's/^not ok [0-9]* /  FAILED: /p' /tmp/upgrade.log
[ "$rc" = 0 ] || tail -20 /tmp/upgrade.log

echo ""
echo "VMM upgrade with QEMU (qemu_cpr_test): our QEMU hands a counting"
echo "software-protected guest to a new QEMU process with cpr-transfer:"
if [ -x /kvm/x86_64/qemu_cpr_test ]; then
	(cd /kvm/x86_64 && ./qemu_cpr_test) >/tmp/qemu-cpr.log 2>&1
	qrc=$?
	sed -n -e 's/^ok [0-9]* /  ok: /p' -e 's/^# \([a-z]* -> \)/    \1/p' \
		-e 's/^# \(cpu \)/    \1/p' -e 's/^not ok [0-9]* /  FAILED: /p' /tmp/qemu-cpr.log
	[ "$qrc" = 0 ] || tail -20 /tmp/qemu-cpr.log
	[ "$rc" != 0 ] || rc=$qrc
else
	echo "  (our QEMU is not in the initramfs)"
fi
exit "$rc"
