import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { EpochRecord } from './metrics.js';

interface Series {
  label: string;
  color: string;
  values: (readonly [number, number])[];
}

const WIDTH = 1000;
const HEIGHT = 420;
const PANEL = { width: 380, height: 260, top: 70, left: [80, 590] as const };

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function panel(
  left: number,
  title: string,
  yLabel: string,
  series: Series[],
  epochs: number,
  yDomain: [number, number],
  yFormat: (v: number) => string,
): string {
  const x = scaleLinear()
    .domain([epochs > 1 ? 1 : 0, Math.max(epochs, 1)])
    .range([left, left + PANEL.width]);
  const y = scaleLinear()
    .domain(yDomain)
    .nice()
    .range([PANEL.top + PANEL.height, PANEL.top]);
  const out: string[] = [];
  const bottom = PANEL.top + PANEL.height;
  out.push(
    `<text x="${left + PANEL.width / 2}" y="${PANEL.top - 14}" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  );
  for (const t of y.ticks(6)) {
    const yy = y(t).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${left + PANEL.width}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`,
    );
    out.push(
      `<text x="${left - 8}" y="${yy}" dy="0.32em" text-anchor="end" font-size="11">${escapeXml(yFormat(t))}</text>`,
    );
  }
  const xTicks = x.ticks(Math.min(epochs, 10)).filter((t) => Number.isInteger(t));
  for (const t of xTicks) {
    const xx = x(t).toFixed(1);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`);
    out.push(`<text x="${xx}" y="${bottom + 18}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  out.push(
    `<rect x="${left}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#333"/>`,
  );
  out.push(
    `<text x="${left + PANEL.width / 2}" y="${bottom + 38}" text-anchor="middle" font-size="12">epoch</text>`,
  );
  out.push(
    `<text transform="translate(${left - 52},${PANEL.top + PANEL.height / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(yLabel)}</text>`,
  );
  const path = line<readonly [number, number]>()
    .x((d) => x(d[0]))
    .y((d) => y(d[1]));
  series.forEach((s, i) => {
    const points = s.values.filter((d) => Number.isFinite(d[1]));
    if (points.length > 0) {
      out.push(
        `<path d="${path(points) ?? ''}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      );
      for (const [ex, ev] of points) {
        out.push(
          `<circle cx="${x(ex).toFixed(1)}" cy="${y(ev).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeXml(`${s.label}, epoch ${ex}: ${yFormat(ev)}`)}</title></circle>`,
        );
      }
    }
    const ly = PANEL.top + PANEL.height + 62;
    const lx = left + PANEL.width / 2 - 70 * series.length + 140 * i;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
    );
    out.push(
      `<text x="${lx + 28}" y="${ly}" dy="0.32em" font-size="12">${escapeXml(s.label)}</text>`,
    );
  });
  return out.join('\n');
}

function extent(values: number[], fallback: [number, number]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return fallback;
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return lo === hi ? [lo - 0.5 * Math.abs(lo || 1), hi + 0.5 * Math.abs(hi || 1)] : [lo, hi];
}

/**
 * An SVG with two panels: the training loss per epoch, and train and test accuracy per epoch.
 * Self-contained (no scripts, no external fonts), so any browser or image viewer opens it.
 */
export function renderPlot(records: readonly EpochRecord[], subtitle: string): string {
  const n = records.length;
  const loss: Series = {
    label: 'train loss',
    color: '#d62728',
    values: records.map((r) => [r.epoch, r.trainLoss] as const),
  };
  const train: Series = {
    label: 'train accuracy',
    color: '#1f77b4',
    values: records.map((r) => [r.epoch, 100 * r.trainAccuracy] as const),
  };
  const test: Series = {
    label: 'test accuracy',
    color: '#2ca02c',
    values: records.map((r) => [r.epoch, 100 * r.testAccuracy] as const),
  };
  const lossDomain = extent(
    records.map((r) => r.trainLoss),
    [0, 1],
  );
  const accDomain = extent(
    [...train.values, ...test.values].map((d) => d[1]),
    [0, 100],
  );
  const body = [
    panel(
      PANEL.left[0],
      'Training loss',
      'cross-entropy',
      [loss],
      n,
      [Math.min(0, lossDomain[0]), lossDomain[1]],
      (v) => String(Number(v.toPrecision(3))),
    ),
    panel(
      PANEL.left[1],
      'Accuracy',
      'accuracy (%)',
      [train, test],
      n,
      [Math.max(0, accDomain[0] - 0.5), Math.min(100, accDomain[1] + 0.5)],
      (v) => `${Number(v.toPrecision(4))}%`,
    ),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="13" fill="#555">${escapeXml(subtitle)}</text>`,
    ...body,
    n === 0
      ? `<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" font-size="14">no completed epoch</text>`
      : '',
    '</svg>',
    '',
  ].join('\n');
}
