// The module's exports: the matmul kernel and the fused optimizer updates.

export { adam } from './adam';
export { gemm, heapBase, workBytes } from './matmul';
export { sgd } from './sgd';
