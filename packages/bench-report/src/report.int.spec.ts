// Renders a report and screenshots it with headless Chromium (`apt-get install -y chromium`).
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { renderReport } from './render.js';
import { pngSize, screenshotReport } from './screenshot.js';
import { bench, runResult } from './testdata.js';

const dirs: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'caddy-report-int-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('report in headless Chromium', () => {
  it('renders a report and takes a 1200×900 PNG of it', async () => {
    const dir = await tempDir();
    const html = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    await writeFile(html, renderReport(bench(), runResult()));
    await screenshotReport(html, png);
    const buf = await readFile(png);
    expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height } = pngSize(buf);
    expect(width).toBeGreaterThanOrEqual(1000);
    expect(width).toBeLessThanOrEqual(2400);
    expect(height).toBeGreaterThanOrEqual(700);
    expect(height).toBeLessThanOrEqual(1800);
    // a blank page compresses to a few KB; the plot, tables and text make it larger
    expect(buf.length).toBeGreaterThan(20_000);
  });

  it('cli render writes report.html and report.png from the real sample files', async () => {
    const dir = await tempDir();
    const fixtures = new URL('../fixtures/', import.meta.url).pathname;
    const out = join(dir, 'report.html');
    const png = join(dir, 'report.png');
    const code = await main(['render', join(fixtures, 'bench.sample.json'), join(fixtures, 'result.sample.json'), '-o', out, '--png', png]);
    expect(code).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('<tr data-ratio="native">');
    expect(html).toContain('cannot rank');
    expect(pngSize(await readFile(png)).width).toBeGreaterThan(0);
    expect((await stat(png)).size).toBeGreaterThan(20_000);
  });

  it('fails with the command and exit status when the browser is missing', async () => {
    const dir = await tempDir();
    const html = join(dir, 'r.html');
    await writeFile(html, renderReport(bench()));
    await expect(screenshotReport(html, join(dir, 'r.png'), { chromium: join(dir, 'no-chromium') })).rejects.toThrow(
      /no-chromium --headless .* no screenshot written/,
    );
  });
});
