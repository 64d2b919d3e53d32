import type { GemmJob } from '../kernels.js';
import { jsEpilogue } from './epilogue.js';

/**
 * Reference-quality plain-JS matmul, written so the innermost loop walks memory contiguously
 * for the three layouts a training step uses (AB, AᵀB, ABᵀ).
 */
export function jsMatmul(job: GemmJob): void {
  const { m, n, epilogue, operand } = job;
  if (m === 0 || n === 0) return;
  product(job);
  if (epilogue && operand !== undefined) jsEpilogue(job.c, m, n, epilogue, operand);
}

function product(job: GemmJob): void {
  const { a, b, c, m, n, k, transA, transB, accumulate } = job;
  if (!accumulate) c.fill(0, 0, m * n);
  if (!transA && !transB) {
    // C[i,:] += A[i,p] * B[p,:]
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      const ai = i * k;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p] as number;
        if (av === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] = (c[ci + j] as number) + av * (b[bp + j] as number);
      }
    }
  } else if (transA && !transB) {
    // A stored k×m: C[i,:] += A[p,i] * B[p,:]
    for (let p = 0; p < k; p++) {
      const ap = p * m;
      const bp = p * n;
      for (let i = 0; i < m; i++) {
        const av = a[ap + i] as number;
        if (av === 0) continue;
        const ci = i * n;
        for (let j = 0; j < n; j++) c[ci + j] = (c[ci + j] as number) + av * (b[bp + j] as number);
      }
    }
  } else if (!transA && transB) {
    // B stored n×k: C[i,j] += dot(A[i,:], B[j,:])
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      const ci = i * n;
      for (let j = 0; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += (a[ai + p] as number) * (b[bj + p] as number);
        c[ci + j] = (c[ci + j] as number) + s;
      }
    }
  } else {
    // A stored k×m, B stored n×k
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let j = 0; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += (a[p * m + i] as number) * (b[bj + p] as number);
        c[ci + j] = (c[ci + j] as number) + s;
      }
    }
  }
}
