#!/bin/sh
# inside inroot: cgpair.sh NAME... — callgrind totals with 500 and 2000 recorded requests; (Ir2000-Ir500)/1500 per request
for n in "$@"; do
  for N in 500 2000; do
    rm -f /tmp/h14i/res/cg-$n-$N.cg.*
    /tmp/h14i/bin/cg.sh $n $N /tmp/h14i/res/cg-$n-$N
  done
done
