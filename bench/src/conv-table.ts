import { CONV_CASES } from './conv-cases.js';
import type { BenchRecord } from './record.js';
import { formatRatio, formatSpread, renderTable } from './table.js';
import { type Unsupported, unsupportedCell } from './unsupported.js';

/**
 * The conv table: one row per case, GFLOP/s per system as `median (min–max)`, then Nabla's
 * ratios to TFJS-wasm (or, where TFJS-wasm cannot run the case, to the composed TFJS-wasm
 * backward), to PyTorch, and the issue's target.
 */
export function convTable(
  records: readonly BenchRecord[],
  unsupported: readonly Unsupported[],
): string {
  const systems = [...new Set([...records, ...unsupported].map((r) => r.system))];
  const ours = systems.find((s) => s.startsWith('nabla-') && !s.endsWith('-1t')) ?? 'nabla';
  const single = systems.find((s) => s === `${ours}-1t`);
  const torch = systems.includes('pytorch');
  const benches = [...new Set([...records, ...unsupported].map((r) => r.bench))];
  const cases = CONV_CASES.filter((c) => benches.includes(c.bench));
  const find = (bench: string, system: string) =>
    records.find((r) => r.bench === bench && r.system === system);
  const rows = cases.map((c) => {
    const mine = find(c.bench, ours)?.median;
    const own = find(c.bench, 'tfjs-wasm')?.median;
    const wasm = own ?? find(c.bench, 'tfjs-wasm-composed')?.median;
    const against = own === undefined ? ' (vs composed)' : '';
    const verdict =
      c.target === undefined || mine === undefined || wasm === undefined
        ? '—'
        : `≥${c.target}×${against} ${mine / wasm >= c.target ? 'met' : 'MISSED'}`;
    return [
      c.label,
      ...systems.map((s) => {
        const r = find(c.bench, s);
        if (r) return formatSpread(r);
        const u = unsupported.find((x) => x.bench === c.bench && x.system === s);
        return u ? unsupportedCell(u.reason) : 'n/a';
      }),
      formatRatio(mine, wasm),
      ...(single ? [formatRatio(find(c.bench, single)?.median, wasm)] : []),
      ...(torch ? [formatRatio(mine, find(c.bench, 'pytorch')?.median)] : []),
      verdict,
    ];
  });
  const caption = `Conv2d of the demo CNN, float32, batch 128, stride 1, no padding: GFLOP/s (forward 2·n·f·oh·ow·c·k², forward+backward 3× that) as median (min–max) of the runs; "vs tfjs-wasm" = ${ours} ÷ tfjs-wasm, or ÷ tfjs-wasm-composed where tfjs-wasm cannot run the backward (medians)${single ? `; ${single} = ${ours} on one thread, like tfjs-wasm in Node` : ''}.`;
  return `${caption}\n${renderTable(
    [
      'conv (GFLOP/s)',
      ...systems,
      'vs tfjs-wasm',
      ...(single ? ['1t vs tfjs-wasm'] : []),
      ...(torch ? ['vs pytorch'] : []),
      'target (vs tfjs-wasm)',
    ],
    rows,
  )}`;
}
