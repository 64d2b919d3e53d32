import { basename, dirname, join, resolve } from 'node:path';
import { exportOnnx, ONNX_OPSET } from '@nabla/interop';
import type { Command } from './args.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeCheckpoint, loadCheckpoint } from './checkpoint.js';
import { CLASSES, INPUTS } from './model.js';
import type { RunIo } from './run-train.js';

/** The ONNX graph's input and output names. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

/** The default output next to the checkpoint: `model.onnx` or `model.torch.safetensors`. */
export function defaultExportPath(checkpoint: string, format: 'onnx' | 'torch'): string {
  const stem = basename(checkpoint).replace(/\.safetensors$/, '');
  return join(
    dirname(checkpoint),
    format === 'onnx' ? `${stem}.onnx` : `${stem}.torch.safetensors`,
  );
}

/**
 * `pnpm demo export --checkpoint FILE --format onnx|torch [--out FILE]`: the saved model as an
 * ONNX model (opset 17, input `input` [batch, 784] float32 → output `logits` [batch, 10]) or as
 * a safetensors state dict in PyTorch's layout for `nn.Sequential(nn.Linear(784, H), nn.ReLU(),
 * nn.Linear(H, 10))`. Written atomically. Returns the output path.
 */
export async function runExport(
  options: Extract<Command, { kind: 'export' }>,
  io: Pick<RunIo, 'stdout' | 'cwd'>,
): Promise<string> {
  const path = resolve(io.cwd, options.checkpoint);
  const { model, metadata } = await loadCheckpoint(path, { layout: options.layout });
  const out = resolve(io.cwd, options.out ?? defaultExportPath(path, options.format));
  if (out === path) {
    throw new Error(`export: --out ${out} is the checkpoint itself; choose another file`);
  }
  const { layout: _layout, ...kept } = metadata;
  const architecture = `Linear(${INPUTS}→${model.hidden}) → ReLU → Linear(${model.hidden}→${CLASSES})`;
  if (options.format === 'onnx') {
    await writeFileAtomic(
      out,
      exportOnnx(model.net, {
        inputShape: [INPUTS],
        inputName: ONNX_INPUT,
        outputName: ONNX_OUTPUT,
        graphName: 'nabla-mnist-mlp',
        docString: `${architecture}; input: pixels in [0, 1], row-major 28×28; output: logits`,
        metadata: kept,
      }),
    );
    io.stdout.write(
      `Wrote ${out}: ONNX opset ${ONNX_OPSET}, ${architecture}, input "${ONNX_INPUT}" float32 [batch,${INPUTS}] → output "${ONNX_OUTPUT}" [batch,${CLASSES}]\n`,
    );
  } else {
    await writeFileAtomic(out, encodeCheckpoint(model, kept, 'torch'));
    io.stdout.write(
      `Wrote ${out}: PyTorch state dict (0.weight [${model.hidden},${INPUTS}], 0.bias, 2.weight [${CLASSES},${model.hidden}], 2.bias; layout torch) for nn.Sequential(nn.Linear(${INPUTS}, ${model.hidden}), nn.ReLU(), nn.Linear(${model.hidden}, ${CLASSES}))\n`,
    );
  }
  return out;
}
