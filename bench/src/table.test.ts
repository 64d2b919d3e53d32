import { describe, expect, it } from 'vitest';
import { formatNumber, formatRatio, formatSpread, renderTable } from './table.js';

describe('renderTable', () => {
  it('pads columns to their widest cell, first column left, the others right', () => {
    const text = renderTable(
      ['name', 'value'],
      [
        ['a', '1'],
        ['longer', '22.5'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'name    value',
      '------  -----',
      'a           1',
      'longer   22.5',
    ]);
  });

  it('counts a superscript as one character', () => {
    const lines = renderTable(['x', 'y'], [['64³', '1']]).split('\n');
    expect(lines[2]).toBe('64³  1');
  });
});

describe('formatting', () => {
  it('keeps about three significant digits and groups thousands', () => {
    expect(formatNumber(0.4567)).toBe('0.46');
    expect(formatNumber(31.94)).toBe('31.9');
    expect(formatNumber(32940.4)).toBe('32,940');
  });

  it('writes a spread as median (min–max)', () => {
    expect(formatSpread({ median: 20, min: 18.25, max: 120 })).toBe('20.0 (18.3–120)');
  });

  it('divides ours by theirs, and says n/a when a side is missing', () => {
    expect(formatRatio(30, 20)).toBe('1.50×');
    expect(formatRatio(330, 20)).toBe('16.5×');
    expect(formatRatio(undefined, 20)).toBe('n/a');
    expect(formatRatio(30, 0)).toBe('n/a');
  });
});
