#!/bin/sh
# inside the private root: policy service, session upload (mrenclaves from $WORK/measurements), TLS files for native
: "${REPO:?set REPO to the repository checkout}" "${WORK:=/tmp/interposer-cost}"; export REPO WORK
set -e
cd /
export HOME=/root
CLI=$REPO/packages/cas-policy/dist/cli.js
rm -rf /tls/store
node $CLI serve --port 8081 --host 127.0.0.1 --store /tls/store >/tls/cas.log 2>&1 &
for i in $(seq 50); do node $CLI health --url http://127.0.0.1:8081 >/dev/null 2>&1 && break; sleep 0.2; done
# the session with every measurement we use
python3 - <<'PY'
import os, re
s=open(os.environ['REPO'] + '/dist/apps/caddy/policy/session.yml').read()
ms=[l.strip() for l in open(os.environ['WORK'] + '/measurements') if l.strip()]
s=re.sub(r'(    mrenclaves:\n)(      - [0-9a-f]{64}\n)+', lambda m: m.group(1)+''.join('      - %s\n'%x for x in ms), s)
i=s.index('  - name: binaryfs\n'); j=s.index('\nimages:')
svc=s[i:j]
vg=svc.replace('name: binaryfs', 'name: vg').replace('      HOME: /root\n', '      HOME: /root\n      PATH: ' + os.environ['WORK'] + '/cur\n      GODEBUG: asyncpreemptoff=1\n      VALGRIND_LAUNCHER: /usr/bin/valgrind.bin\n')
s=s[:j]+'\n'+vg.rstrip('\n')+s[j:]
open('/tls/session.yml','w').write(s)
PY
node $CLI upload /tls/session.yml --backend sim --url http://127.0.0.1:8081 >/tls/upload.log 2>&1
M=$(head -1 $WORK/measurements)
curl -s "http://127.0.0.1:8081/v1/launch/caddy/binaryfs?measurement=$M" > /tls/launch.txt
python3 - <<'PY'
import base64
for l in open('/tls/launch.txt'):
    p=l.rstrip('\n').split(' ')
    if p[0]=='file':
        name=p[1].split('/')[-1]
        data=base64.b64decode(p[3])
        if name=='Caddyfile':
            data=data.replace(b'/etc/caddy/tls/', b'/tls/')
        open('/tls/'+name,'wb').write(data)
PY
curl -s http://127.0.0.1:8081/v1/public/caddy/caddy_ca > /tls/ca.pem
"$@"
