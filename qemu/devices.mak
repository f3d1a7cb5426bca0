# The devices our qemu-system-x86_64 is built with (configure
# --without-default-devices --with-devices-x86_64=kvmmig): the i440fx PC
# board, isa-debugcon for the test guest's output, and SEV support.  No
# PCI device models: the tests' guests need none, and each one is build
# time CI pays for.
CONFIG_I440FX=y
CONFIG_ISA_DEBUG=y
CONFIG_SEV=y
CONFIG_PCI_DEVICES=n
