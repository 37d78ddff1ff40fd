#!/bin/sh
# usage: unshare -mn --propagation private $WORK/bin/inns.sh CMD...   (builds a private root with /caddy, /root tmpfs)
: "${REPO:?set REPO to the repository checkout}" "${WORK:=/tmp/interposer-cost}"; export REPO WORK
set -e
ip link set lo up
R=$WORK/root
mkdir -p $R
mount -t tmpfs tmpfs $R
for d in /*; do
  n=${d#/}
  case "$n" in proc|sys|dev|root|caddy|lost+found) continue;; esac
  [ -d "$d" ] && [ ! -L "$d" ] && { mkdir -p $R/$n; mount --rbind "$d" $R/$n; }
  [ -L "$d" ] && ln -s "$(readlink $d)" $R/$n
done
mkdir -p $R/proc $R/sys $R/dev $R/root $R/caddy $R/tls
mount --rbind /proc $R/proc; mount --rbind /sys $R/sys; mount --rbind /dev $R/dev
mount -t tmpfs tmpfs $R/root
mount -t tmpfs tmpfs $R/tls
mount --bind -o ro $REPO/dist/apps/caddy/site/caddy $R/caddy
exec chroot $R $WORK/bin/inroot.sh "$@"
