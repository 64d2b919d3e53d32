import { describe, expect, it } from 'vitest';
import { buildReport } from './report.js';

describe('buildReport', () => {
  it('writes the conditions of the run, PyTorch skip note and records with ratios', () => {
    const report = buildReport({
      started: new Date('2026-11-29T19:00:00Z'),
      finished: new Date('2026-11-29T19:20:00Z'),
      quick: false,
      cpu: 'AMD EPYC',
      cores: 2,
      loadStart: [3.456, 2, 1],
      loadEnd: [1.111, 1, 1],
      node: { machine: 'v20.20.2', node24: 'v24.21.0' },
      pytorch: { ran: false, note: 'PyTorch skipped: …' },
      efficiency: [],
      records: [
        {
          bench: 'train-a',
          system: 'nabla-wasm-simd',
          unit: 'samples/s',
          median: 50,
          min: 40,
          max: 60,
          runs: 3,
        },
        {
          bench: 'train-a',
          system: 'pytorch',
          unit: 'samples/s',
          median: 100,
          min: 90,
          max: 110,
          runs: 3,
        },
      ],
      unsupported: [
        {
          bench: 'conv-conv1-forward-backward',
          system: 'tfjs-wasm',
          reason: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'",
        },
      ],
    });
    // A JSON round trip keeps every field (no Dates, no undefined left behind).
    expect(JSON.parse(JSON.stringify(report))).toEqual({
      started: '2026-11-29T19:00:00.000Z',
      finished: '2026-11-29T19:20:00.000Z',
      quick: false,
      machine: {
        cpu: 'AMD EPYC',
        cores: 2,
        loadAverage: { start: [3.46, 2, 1], end: [1.11, 1, 1] },
      },
      node: { machine: 'v20.20.2', node24: 'v24.21.0' },
      pytorch: { ran: false, note: 'PyTorch skipped: …' },
      efficiency: [],
      records: [
        {
          bench: 'train-a',
          system: 'nabla-wasm-simd',
          unit: 'samples/s',
          median: 50,
          min: 40,
          max: 60,
          runs: 3,
          vsPytorch: 0.5,
        },
        {
          bench: 'train-a',
          system: 'pytorch',
          unit: 'samples/s',
          median: 100,
          min: 90,
          max: 110,
          runs: 3,
        },
      ],
      unsupported: [
        {
          bench: 'conv-conv1-forward-backward',
          system: 'tfjs-wasm',
          reason: "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'",
        },
      ],
    });
  });

  it('writes an empty unsupported list when every system ran every case', () => {
    const report = buildReport({
      started: new Date(0),
      finished: new Date(0),
      quick: true,
      cpu: 'x',
      cores: 1,
      loadStart: [0, 0, 0],
      loadEnd: [0, 0, 0],
      node: {},
      pytorch: null,
      efficiency: [],
      records: [],
    });
    expect(report.unsupported).toEqual([]);
  });
});
