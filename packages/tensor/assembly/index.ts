// The module's exports: the matmul kernel, the fused optimizer updates and the byte conversion.

export { adam } from './adam';
export { bytesToFloat } from './convert';
export { gemm, heapBase, workBytes } from './matmul';
export { sgd } from './sgd';
