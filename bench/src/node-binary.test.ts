import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMajor, nodeBinary, nodeDir, parseNodeMajor } from './node-binary.js';

describe('--node', () => {
  it('takes a Node major version of 20 or more', () => {
    expect(parseNodeMajor('24')).toBe(24);
    expect(() => parseNodeMajor('v24')).toThrow(/--node: expected a Node major version/);
    expect(() => parseNodeMajor('24.1')).toThrow(/--node/);
    expect(() => parseNodeMajor('18')).toThrow(/Node ≥ 20, got 18/);
  });

  it("installs into the bench's own folder, where the node package keeps its binary", () => {
    expect(nodeDir(24, '/repo/bench')).toBe(join('/repo/bench', '.node24'));
    expect(nodeBinary('/repo/bench/.node24')).toBe(
      join('/repo/bench/.node24', 'node_modules', 'node', 'bin', 'node'),
    );
  });

  it('recognises the major of a node --version string', () => {
    expect(isMajor('v24.21.0\n', 24)).toBe(true);
    expect(isMajor('v240.1.0', 24)).toBe(false);
    expect(isMajor('v20.20.2', 24)).toBe(false);
    expect(isMajor('', 24)).toBe(false);
  });
});
