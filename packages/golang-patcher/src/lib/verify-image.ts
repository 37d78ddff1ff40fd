// Verifying a patched golang image from the inside: a throwaway build FROM it compiles the probe with a plain
// `go build` (the image's defaults), counts raw SYSCALL instructions in the binary and runs the probe; then the same
// with `CGO_ENABLED=0` (the static libc mode: a self-contained binary, libc linked in). Any failure fails the build,
// so a broken image never gets tagged further; the figures are read from the build log.
import { type BuildImageOptions, buildImage, parseImageRef, removeImage } from '@confidential/image-builder';
import { z } from 'zod';

export const ProbeResult = z.object({ passed: z.number().int(), failed: z.number().int(), results: z.record(z.string(), z.string()) });
export type ProbeResult = z.infer<typeof ProbeResult>;

export interface ImageVerification {
  image: string;
  /** syscall instructions in the probe binary (dynamically linked: libc's own are not in it) */
  rawSites: number;
  goExperiment: string;
  probe: ProbeResult;
  /** the CGO_ENABLED=0 build has no ELF interpreter (its libc is linked in) */
  staticLinked: boolean;
  staticProbe: ProbeResult;
}

const MARK = 'golang-patcher-verify';

/** A build FROM `image` with the probe sources as the working directory /probe, running `commands` there. */
export function probeBuild(image: string, probeDir: string, commands: string[]): Pick<BuildImageOptions, 'dockerfile' | 'context'> {
  return {
    dockerfile: {
      stages: [
        {
          name: 'probe',
          from: parseImageRef(image),
          instructions: [
            { kind: 'COPY', src: ['probe'], dest: '/probe' },
            { kind: 'WORKDIR', path: '/probe' },
            { kind: 'RUN', commands },
          ],
        },
      ],
    },
    context: [{ src: probeDir, dest: 'probe' }],
  };
}

export async function verifyPatchedImage(image: string, probeDir: string, log: (line: string) => void = () => {}): Promise<ImageVerification> {
  const tag = `${MARK}:${Date.now().toString(36)}`;
  const lines: string[] = [];
  try {
    await buildImage({
      ...probeBuild(image, probeDir, [
        'GOFLAGS=-buildvcs=false go build -o /tmp/probe ./allinone',
        `echo "${MARK} GOEXPERIMENT=$(go env GOEXPERIMENT)"`,
        `echo "${MARK} RAW_SITES=$(objdump -d --no-show-raw-insn /tmp/probe | grep -cE '\\ssyscall\\s*$' || true)"`,
        `echo "${MARK} PROBE=$(/tmp/probe | tail -n1)"`,
        'CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o /tmp/probe-static ./allinone',
        `echo "${MARK} STATIC_INTERP=$(readelf -l /tmp/probe-static | grep -c 'program interpreter' || true)"`,
        `echo "${MARK} STATIC_PROBE=$(/tmp/probe-static | tail -n1)"`,
      ]),
      tags: [tag],
      noCache: true,
      onProgress: (line) => {
        lines.push(line);
        log(line);
      },
    });
  } finally {
    await removeImage(tag, { force: true }).catch(() => false);
  }
  const value = (key: string) => {
    const line = lines.find((l) => l.startsWith(`${MARK} ${key}=`));
    if (line === undefined) throw new Error(`verify of ${image}: the build log has no ${key} line`);
    return line.slice(`${MARK} ${key}=`.length);
  };
  const probeResult = (key: string) => {
    const probe = ProbeResult.safeParse(JSON.parse(value(key)));
    if (!probe.success) throw new Error(`verify of ${image}: the probe printed no result line (${key})`);
    return probe.data;
  };
  return {
    image,
    rawSites: Number(value('RAW_SITES')),
    goExperiment: value('GOEXPERIMENT'),
    probe: probeResult('PROBE'),
    staticLinked: value('STATIC_INTERP') === '0',
    staticProbe: probeResult('STATIC_PROBE'),
  };
}
