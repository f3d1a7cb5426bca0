# gnuplot script of make bench (scripts/bench.sh runs it with
# -e "dir='build/bench'"): reads the data files bench.py writes into dir
# and draws dir/move-latency.png: the kernel move against guest_memfd size and vCPU
# count (vm_move_perf_test), and the blackout of a VMM upgrade against
# guest memory (qemu_cpr_bench: a, b, c).
set terminal pngcairo size 1500,480 font ",10" noenhanced
set output dir."/move-latency.png"
set multiplot layout 1,3
set grid
set key top left
set logscale x 2

set title "KVM move: guest_memfd size (1 GiB populated)"
set xlabel "guest_memfd (GiB)"
set ylabel "move latency (us)"
set yrange [0:*]
plot dir."/memory.dat" using 1:2 with linespoints pt 7 title "move"

set title "KVM move: vCPUs (1 GiB populated)"
set xlabel "vCPUs"
plot dir."/vcpus.dat" using 1:2 with linespoints pt 7 title "move"

set title "VMM upgrade with QEMU: blackout seen in the guest's output"
set xlabel "guest memory, populated (GiB)"
set ylabel "blackout (ms)"
set logscale y 10
set yrange [*:*]
plot dir."/upgrade-a.dat" using 1:2 with linespoints pt 7 title "a: cpr-transfer, plain guest", \
     dir."/upgrade-b.dat" using 1:2 with linespoints pt 7 title "b: cpr-transfer + KVM move (sw-protected)", \
     dir."/upgrade-c.dat" using 1:2 with linespoints pt 7 title "c: precopy migration, plain guest"
unset multiplot
