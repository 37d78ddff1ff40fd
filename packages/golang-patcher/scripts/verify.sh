#!/usr/bin/env bash
# One JSON line per variant (glibc; static: CGO_ENABLED=0, the patched
# toolchain's static libc mode; musl): raw SYSCALL sites in Go text of the
# probe built by the upstream and the patched toolchain, census coverage
# (interposer vs strace -f -c, same run) and probe tests passed.
# usage: verify.sh PATCHED_GOROOT [UPSTREAM_GOROOT]  (default: the same release, scripts/upstream-goroot.sh)
# env: VARIANTS="glibc static musl" (default: glibc static, plus musl when musl-gcc exists),
#      EXTRA_BINARIES_glibc="..." more binaries to scan (e.g. caddy), WORK dir.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
patched=$(cd "${1:?usage: verify.sh PATCHED_GOROOT [UPSTREAM_GOROOT]}" && pwd)
upstream=${2:-$("$here/scripts/upstream-goroot.sh" "$patched")}
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
variants=${VARIANTS:-glibc static$(command -v musl-gcc >/dev/null && echo " musl")}
scan() { GO="$upstream/bin/go" "$here/scripts/scan-syscalls.sh" "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["raw_sites"])'; }
export SCAN=$here/scripts/scan-syscalls.sh
for v in $variants; do
  # cgo: CGO_ENABLED for both toolchains (0 = the patched toolchain's static libc mode)
  case $v in
    glibc)  cc=gcc; cgo=1; ldflags="" ;;
    static) cc=gcc; cgo=0; ldflags="" ;;
    musl)   cc=musl-gcc; cgo=1; ldflags="-extldflags=-static" ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  out=$work/$v; mkdir -p "$out"
  build() { # toolchain output [ldflags]
    (cd "$here/probe" && GOFLAGS=-buildvcs=false CC=$cc CGO_ENABLED=$cgo "$1/bin/go" build -ldflags="${3:-$ldflags}" -o "$2" ./allinone) >&2
  }
  build "$upstream" "$out/probe.upstream"; build "$patched" "$out/probe.patched"
  up=$(scan "$out/probe.upstream"); pa=$(scan "$out/probe.patched")
  # census: glibc with census-ld as the interpreter; static binaries: census.o linked in (CENSUS_LINKED)
  if [ "$v" = glibc ]; then
    census=$("$here/probe/census/compare.sh" "$out/probe.patched")
    attrib=$("$here/probe/census/attribute.sh" "$out/probe.patched")
    gate_rc=0; "$here/probe/seccomp/gate.sh" "$out/probe.patched" >/dev/null 2>&1 || gate_rc=$?
  else
    attrib='{}'; gate_rc=null
    if readelf -l "$out/probe.patched" | grep -q 'program interpreter'; then
      echo "verify: $v: the patched probe is not statically linked" >&2; exit 1
    fi
    $cc -Wall -Werror -O2 -c -o "$out/census.o" "$here/probe/census/census.c"
    # named by content: go's link cache keys on -extldflags, not on the object
    obj=$out/census-$(sha256sum "$out/census.o" | cut -c1-12).o; mv "$out/census.o" "$obj"
    build "$patched" "$out/probe.census" "-extldflags '-static $obj'"
    census=$(CENSUS_LINKED=1 "$here/probe/census/compare.sh" "$out/probe.census")
  fi
  set +e; probe_json=$("$out/probe.patched" | tail -n1); set -e
  extra_var=EXTRA_BINARIES_$v
  python3 - "$v" "$up" "$pa" "$census" "$probe_json" "${!extra_var:-}" "$upstream" "$attrib" "$gate_rc" <<'PY'
import json, sys, subprocess, os
v, up, pa, census, probe, extra, upstream, attrib, gate_rc = sys.argv[1:10]
census = json.loads(census)
attrib = json.loads(attrib)
try: probe = json.loads(probe)
except Exception: probe = {"passed": 0, "failed": None}
line = {"variant": v, "probe_raw_sites_upstream": int(up), "probe_raw_sites_patched": int(pa),
        "census_coverage_pct": census.get("coverage_pct"),
        "census_coverage_after_startup_pct": census.get("coverage_after_startup_pct"),
        "census_missed": census.get("missed_by_census"), "census_startup_calls": census.get("startup_before_census"),
        "kernel_restarts": census.get("kernel_restarts"), "syscalls_from_go_code": attrib.get("issued_from_go_code"),
        "seccomp_gate_exit": json.loads(gate_rc),
        "tests_passed": probe.get("passed"), "tests_failed": probe.get("failed")}
for b in extra.split():
    r = subprocess.run([os.environ["SCAN"], b], capture_output=True, text=True, env=dict(os.environ, GO=upstream + "/bin/go"))
    try: line.setdefault("extra", {})[os.path.basename(b)] = json.loads(r.stdout)["raw_sites"]
    except Exception: line.setdefault("extra", {})[os.path.basename(b)] = "scan failed"
print(json.dumps(line))
PY
done
