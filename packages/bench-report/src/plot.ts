// The latency-percentile plot, as HdrHistogram plots draw it: the x axis is log10(1 / (1 - p)), so 0 %, 90 %,
// 99 %, 99.9 %, … are equally spaced (50 % sits at log10 2 ≈ 0.30); the y axis is latency in ms, linear.
import type { SpectrumPoint } from './schema.js';

export interface Series {
  name: string;
  spectrum: readonly SpectrumPoint[];
}

export interface PlotOptions {
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export const MARGIN = { left: 70, right: 20, top: 20, bottom: 60 };

/** log10(1/(1-p/100)): 0 for p = 0, 1 for 90, 2 for 99, 3 for 99.9; Infinity for 100. */
export function percentileToDecades(p: number): number {
  if (p >= 100) return Infinity;
  return Math.log10(100 / (100 - p));
}

/** x pixel of percentile p on an axis of `decades` decades spanning [x0, x1]. */
export function percentileToX(p: number, decades: number, x0: number, x1: number): number {
  return x0 + (Math.min(percentileToDecades(p), decades) / decades) * (x1 - x0);
}

/** Tick label of the percentile at `d` decades: 0%, 90%, 99%, 99.9%, … */
export function decadeLabel(d: number): string {
  if (d === 0) return '0%';
  return `${(100 - 100 / 10 ** d).toFixed(Math.max(0, d - 2))}%`;
}

/** A "nice" upper bound for the y axis (1, 2, 2.5, 5 × 10^k). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const e = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * e) return m * e;
  return 10 * e;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

export function seriesColor(i: number): string {
  return COLORS[i % COLORS.length] ?? '#000';
}

/** Inline SVG with one <path class="series"> per series (points with percentile < 100; the max is in the table). */
export function renderPlot(series: readonly Series[], opts: PlotOptions = {}): string {
  const width = opts.width ?? 900;
  const height = opts.height ?? 480;
  const x0 = MARGIN.left;
  const x1 = width - MARGIN.right;
  const y0 = height - MARGIN.bottom;
  const y1 = MARGIN.top;
  const finite = series.flatMap((s) => s.spectrum.filter((p) => p.percentile < 100));
  const maxDecades = finite.reduce((m, p) => Math.max(m, percentileToDecades(p.percentile)), 0);
  const decades = Math.max(3, Math.ceil(maxDecades - 1e-9));
  const maxMs = niceCeil(finite.reduce((m, p) => Math.max(m, p.latencyMs), 0));
  const yOf = (ms: number) => y0 - (ms / maxMs) * (y0 - y1);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="latency-plot" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  // grid + x ticks (every decade, plus 50 %)
  const xTicks: Array<{ d: number; label: string }> = [{ d: 0, label: '0%' }, { d: Math.log10(2), label: '50%' }];
  for (let d = 1; d <= decades; d++) xTicks.push({ d, label: decadeLabel(d) });
  for (const t of xTicks) {
    const x = x0 + (t.d / decades) * (x1 - x0);
    parts.push(`<line class="xtick" x1="${fmt(x)}" y1="${y1}" x2="${fmt(x)}" y2="${y0}" stroke="#ddd"/>`);
    parts.push(`<text x="${fmt(x)}" y="${y0 + 16}" text-anchor="middle">${t.label}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const ms = (maxMs * i) / 5;
    const y = yOf(ms);
    parts.push(`<line x1="${x0}" y1="${fmt(y)}" x2="${x1}" y2="${fmt(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${x0 - 6}" y="${fmt(y + 4)}" text-anchor="end">${fmt(ms)}</text>`);
  }
  parts.push(`<rect x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(x0 + x1) / 2}" y="${height - 18}" text-anchor="middle">percentile</text>`);
  parts.push(
    `<text x="16" y="${(y0 + y1) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(y0 + y1) / 2})">latency (ms)</text>`,
  );
  series.forEach((s, i) => {
    const pts = s.spectrum.filter((p) => p.percentile < 100);
    if (pts.length === 0) return;
    const d = pts
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${fmt(percentileToX(p.percentile, decades, x0, x1))},${fmt(yOf(p.latencyMs))}`)
      .join(' ');
    parts.push(
      `<path class="series" data-target="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${seriesColor(i)}" stroke-width="2"/>`,
    );
  });
  // legend
  series.forEach((s, i) => {
    const y = y1 + 14 + i * 18;
    parts.push(`<line x1="${x0 + 12}" y1="${y - 4}" x2="${x0 + 36}" y2="${y - 4}" stroke="${seriesColor(i)}" stroke-width="3"/>`);
    parts.push(`<text x="${x0 + 42}" y="${y}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
