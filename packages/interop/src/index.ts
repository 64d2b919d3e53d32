export type {
  EncodeCheckpointOptions,
  LoadCheckpointOptions,
  WeightLayout,
} from './checkpoint.js';
export {
  CheckpointLayoutError,
  checkpointLayout,
  encodeCheckpoint,
  LAYOUT_METADATA_KEY,
  loadCheckpoint,
} from './checkpoint.js';
export type { OnnxExportOptions } from './onnx-export.js';
export { exportOnnx, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-export.js';
export { fromTorchStateDict, loadTorchStateDict, toTorchStateDict } from './torch-layout.js';
