#!/bin/sh
# inside inroot: cgpair.sh NAME... — callgrind totals with 500 and 2000 recorded requests; (Ir2000-Ir500)/1500 per request
: "${REPO:?set REPO to the repository checkout}" "${WORK:=/tmp/interposer-cost}"; export REPO WORK
for n in "$@"; do
  for N in 500 2000; do
    rm -f $WORK/res/cg-$n-$N.cg.*
    $WORK/bin/cg.sh $n $N $WORK/res/cg-$n-$N
  done
done
