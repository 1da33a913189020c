# The plots of docs/BENCHMARKS.md, from mdevbench's data files.
#   gnuplot -e "dat='DIR'; png='DIR'" bench/plots.gp   (bench/run.sh does)
set terminal pngcairo size 800,560 font ",10" noenhanced
set grid
set key top left

set output png.'/cycle.png'
set title 'create+remove cycle, one writer: latency distribution'
set xlabel 'percentile'
set ylabel 'cycle (µs)'
set logscale y
plot dat.'/cycle.dat' using 1:2 with lines lw 2 title 'mdevfs', \
     '' using 1:3 with lines lw 2 title 'baseline (plainest FUSE fs, libfuse defaults)'
unset logscale

set output png.'/concurrency.png'
set title 'completed creates per second (create+remove cycles)'
set xlabel 'writers'
set ylabel 'creates/s'
set logscale x 2
set logscale y
set key below
plot dat.'/concurrency.dat' index 0 using 1:3 with linespoints title 'baseline, 1 parent', \
     '' index 1 using 1:3 with linespoints title 'baseline, 8 parents', \
     '' index 0 using 1:4 with linespoints title 'mdevfs, 1 parent', \
     '' index 1 using 1:4 with linespoints title 'mdevfs, 8 parents', \
     '' index 0 using 1:5 with linespoints title 'mdevfs, 20 ms vendor, 1 parent', \
     '' index 1 using 1:5 with linespoints title 'mdevfs, 20 ms vendor, 8 parents', \
     '' index 0 using 1:($1*25) with lines dashtype 2 title 'ideal with a 20 ms vendor'

set output png.'/reader.png'
set title 'a reader cats available_instances meanwhile: p99 wait'
set ylabel 'p99 wait (µs)'
plot dat.'/concurrency.dat' index 0 using 1:9 with linespoints title 'baseline, 1 parent', \
     '' index 0 using 1:10 with linespoints title 'mdevfs, 1 parent', \
     '' index 0 using 1:11 with linespoints title 'mdevfs, 20 ms vendor, 1 parent', \
     '' index 1 using 1:9 with linespoints title 'baseline, 8 parents', \
     '' index 1 using 1:10 with linespoints title 'mdevfs, 8 parents', \
     '' index 1 using 1:11 with linespoints title 'mdevfs, 20 ms vendor, 8 parents'
unset logscale

set output png.'/scale.png'
set title 'live devices: one more create, and readdir of bus/mdev/devices'
set xlabel 'live devices'
set logscale x 10
set xrange [500:200000]
set ylabel 'create p50 (µs)'
set y2label 'readdir (ms)'
set logscale y2
set ytics nomirror
set y2tics
set yrange [0:*]
plot dat.'/scale.dat' using 1:2 with linespoints title 'create at 0 devices (µs)', \
     '' using 1:3 with linespoints title 'create at N devices (µs)', \
     '' using 1:4 axes x1y2 with linespoints title 'readdir, mdevfs (ms)', \
     '' using 1:5 axes x1y2 with linespoints title 'readdir, baseline (ms)'
