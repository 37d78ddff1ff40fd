import { describe, expect, it } from 'vitest';
import { decadeLabel, MARGIN, niceCeil, percentileToDecades, percentileToX, renderPlot } from './plot.js';
import { spectrum } from './testdata.js';

describe('log percentile axis', () => {
  it('places 0, 90, 99, 99.9 % one decade apart and 50 % at log10 2', () => {
    expect(percentileToDecades(0)).toBe(0);
    expect(percentileToDecades(90)).toBeCloseTo(1, 12);
    expect(percentileToDecades(99)).toBeCloseTo(2, 12);
    expect(percentileToDecades(99.9)).toBeCloseTo(3, 12);
    expect(percentileToDecades(50)).toBeCloseTo(Math.log10(2), 12);
    expect(percentileToDecades(100)).toBe(Infinity);
  });

  it('maps percentiles to pixels on a 3-decade axis from 100 to 400', () => {
    expect(percentileToX(0, 3, 100, 400)).toBe(100);
    expect(percentileToX(90, 3, 100, 400)).toBeCloseTo(200, 9);
    expect(percentileToX(99, 3, 100, 400)).toBeCloseTo(300, 9);
    expect(percentileToX(99.9, 3, 100, 400)).toBeCloseTo(400, 9);
    expect(percentileToX(50, 3, 100, 400)).toBeCloseTo(100 + 100 * Math.log10(2), 9);
    expect(percentileToX(99.99, 3, 100, 400)).toBe(400); // clamped to the axis
  });

  it('labels decades like HdrHistogram plots', () => {
    expect([0, 1, 2, 3, 4, 5].map(decadeLabel)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']);
  });

  it('rounds the latency axis up to a nice value', () => {
    expect([0.7, 1, 1.3, 2.2, 3, 7, 42].map(niceCeil)).toEqual([1, 1, 2, 2.5, 5, 10, 50]);
  });
});

describe('renderPlot', () => {
  const pathsOf = (svg: string) => [...svg.matchAll(/<path class="series" data-target="([^"]*)" d="([^"]*)"/g)];

  it('draws one path per target, in order, with escaped names', () => {
    const svg = renderPlot([
      { name: 'upstream', spectrum: spectrum(1) },
      { name: 'native', spectrum: spectrum(2) },
      { name: 'sim <confidential>', spectrum: spectrum(3) },
    ]);
    const paths = pathsOf(svg);
    expect(paths.map((m) => m[1])).toEqual(['upstream', 'native', 'sim &lt;confidential&gt;']);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>percentile</text>');
  });

  it('puts each point at its percentile on the log axis and its latency on the y axis', () => {
    const width = 900;
    const height = 480;
    const pts = [
      { percentile: 0, latencyMs: 0, count: 1, inverse: 1 },
      { percentile: 90, latencyMs: 5, count: 90, inverse: 10 },
      { percentile: 99, latencyMs: 8, count: 99, inverse: 100 },
      { percentile: 99.9, latencyMs: 10, count: 999, inverse: 1000 },
      { percentile: 100, latencyMs: 50, count: 1000, inverse: null },
    ];
    const svg = renderPlot([{ name: 't', spectrum: pts }], { width, height });
    const d = pathsOf(svg)[0]?.[2] ?? '';
    const coords = d.split(' ').map((s) => s.slice(1).split(',').map(Number) as [number, number]);
    // 100 % is not drawn (log axis has no place for it); 3 decades; y max = 10 ms
    expect(coords).toHaveLength(4);
    const x0 = MARGIN.left;
    const x1 = width - MARGIN.right;
    const y0 = height - MARGIN.bottom;
    const y1 = MARGIN.top;
    const decade = (x1 - x0) / 3;
    expect(coords.map((c) => c[0])).toEqual([x0, x0 + decade, x0 + 2 * decade, x1].map((v) => Math.round(v * 100) / 100));
    expect(coords.map((c) => c[1])).toEqual([y0, y0 - 0.5 * (y0 - y1), y0 - 0.8 * (y0 - y1), y1].map((v) => Math.round(v * 100) / 100));
    // tick labels for each decade and 50 %
    for (const label of ['0%', '50%', '90%', '99%', '99.9%']) expect(svg).toContain(`>${label}</text>`);
  });

  it('extends the axis to the deepest percentile of any series', () => {
    const deep = [...spectrum(1).slice(0, -1), { percentile: 99.999, latencyMs: 9, count: 1, inverse: 100000 }];
    const svg = renderPlot([{ name: 'a', spectrum: spectrum(1) }, { name: 'b', spectrum: deep }]);
    expect(svg).toContain('>99.999%</text>');
    expect(svg).not.toContain('>99.9999%</text>');
  });
});
