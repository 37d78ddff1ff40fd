"""summary.md of workspace:interposer-cost: per request figures from strace -c, cachegrind and bench.json."""
import glob, json, os, re, sys

out, fns_file = sys.argv[1], sys.argv[2]
interposer = {l.strip() for l in open(fns_file) if l.strip()}
targets = ["native", "sign"]
print("# Interposer cost: patched native caddy vs the same binary signed (sim runtime)\n")

def strace(t):
    reqs = json.load(open(f"{out}/strace-{t}.load.json"))["completed"]
    calls = {}
    for line in open(f"{out}/strace-{t}.txt"):
        f = line.split()
        if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
            calls[f[-1]] = int(f[3])
    return reqs, calls

st = {t: strace(t) for t in targets} if os.path.exists(f"{out}/strace-native.txt") else None
names = [] if not st else sorted(set(st["native"][1]) | set(st["sign"][1]), key=lambda n: -(st["native"][1].get(n, 0) + st["sign"][1].get(n, 0)))
if st:
    print(f"## System calls per request (strace -c -f; {st['native'][0]} and {st['sign'][0]} requests)\n")
    print("| call | native | confidential |\n|---|---:|---:|")
    for n in names[:14]:
        print(f"| {n} | " + " | ".join(f"{st[t][1].get(n, 0) / st[t][0]:.2f}" for t in targets) + " |")
    print("| **all** | " + " | ".join(f"{sum(st[t][1].values()) / st[t][0]:.1f}" for t in targets) + " |\n")

def cachegrind(t, n):
    total, per_fn, fn = 0, {}, None
    files = glob.glob(f"{out}/cg-{t}-{n}.cg.*")
    for path in files:
        for line in open(path):
            if line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("summary:"):
                total += int(line.split()[1])
            elif line[:1].isdigit() and fn:
                c = line.split()
                if len(c) >= 2:
                    per_fn[fn] = per_fn.get(fn, 0) + int(c[1])
    return (total, per_fn) if files else None

cg = {(t, n): cachegrind(t, n) for t in targets for n in (500, 2000)}
if all(cg.values()):
    print("## User-space instructions per request (cachegrind, (Ir at 2000 − Ir at 500 requests) ÷ 1500)\n")
    print("| | native | confidential |\n|---|---:|---:|")
    whole = {t: (cg[(t, 2000)][0] - cg[(t, 500)][0]) / 1500 for t in targets}
    print(f"| whole process | {whole['native']:,.0f} | {whole['sign']:,.0f} |")
    ip = sum(cg[("sign", 2000)][1].get(f, 0) - cg[("sign", 500)][1].get(f, 0) for f in interposer) / 1500
    print(f"| the interposer's functions (libbinaryfs.so) | — | {ip:,.0f} ({ip / whole['native'] * 100:.1f} % of native) |\n")

b = json.load(open(f"{out}/bench.json"))
m = b["method"]
print(f"## caddy-test bench, mode {m['mode']} ({m['rounds']} rounds of {m['sliceSeconds']} s slices, {b['load']['rate']:.0f} req/s, {b['load']['connections']} connections)\n")
print("| target | req/s | p99 ms | server CPU µs/req |\n|---|---:|---:|---:|")
for t in b["targets"]:
    r, c, s = t["result"] or {}, t["cpu"], t["saturation"]
    tput = (s.get("rate50") or s["mean"]) if s else r.get("throughput", 0)
    print(f"| {t['name']} | {tput:.1f} | {r.get('latencyMs', {}).get('p99', '—')} | {c['serverUsPerRequest'] if c else '—'} |")
def iv(x):  # the interval's text, as packages/bench writes it
    return x["text"] if x else "—"
r = b["ratios"][1]
print(f"\nconfidential ÷ native, 95 % interval: CPU/req {iv(r['cpu'])}; req/s {iv(r['throughput'])}; p99 {iv(r['p99'])}")
