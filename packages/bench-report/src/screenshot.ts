// screenshotReport: a PNG of an HTML file with headless Chromium (Debian package `chromium`; CI must install it).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';

export interface ScreenshotOptions {
  chromium?: string;
  width?: number;
  height?: number;
  timeoutMs?: number;
}

export async function screenshotReport(htmlPath: string, pngPath: string, opts: ScreenshotOptions = {}): Promise<void> {
  const chromium = opts.chromium ?? '/usr/bin/chromium';
  const png = resolve(pngPath);
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
    `--screenshot=${png}`,
    `--window-size=${opts.width ?? 1200},${opts.height ?? 900}`,
    pathToFileURL(resolve(htmlPath)).href,
  ];
  try {
    const r = await execa(chromium, args, { reject: false, timeout: opts.timeoutMs ?? 120_000, stdin: 'ignore' });
    const written = await stat(png).then((s) => s.size > 0, () => false);
    if (r.exitCode !== 0 || !written) {
      const tail = `${r.stderr}`.split('\n').slice(-15).join('\n');
      throw new Error(
        `${chromium} ${args.join(' ')} ${r.timedOut ? 'timed out' : `exited with ${r.exitCode ?? r.signal}`}${written ? '' : ', no screenshot written'}${r.failed && r.exitCode === undefined ? ` (${r.shortMessage})` : ''}\n${tail}`,
      );
    }
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(buf: Uint8Array): { width: number; height: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 24 || sig.some((b, i) => buf[i] !== b)) throw new Error('not a PNG (bad signature)');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (String.fromCharCode(...buf.subarray(12, 16)) !== 'IHDR') throw new Error('not a PNG (no IHDR chunk)');
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}
