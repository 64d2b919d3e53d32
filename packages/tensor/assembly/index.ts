// The module's exports: the matmul kernel and the fused optimizer update.

export { adam } from './adam';
export { gemm, heapBase, workBytes } from './matmul';
