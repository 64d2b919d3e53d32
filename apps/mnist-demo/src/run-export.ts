import { basename, dirname, join, resolve } from 'node:path';
import { exportOnnx, ONNX_OPSET, toTorchStateDict } from '@nabla/interop';
import type { Command } from './args.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeCheckpoint, loadCheckpoint } from './checkpoint.js';
import {
  CLASSES,
  CNN_KERNEL,
  type DemoModel,
  describeModel,
  INPUTS,
  sampleShape,
} from './model.js';
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
 * ONNX model (opset 17, input `input` float32 [batch, 784] for the MLP, [batch, 1, 28, 28] for
 * the CNN → output `logits` [batch, 10]) or as a safetensors state dict in PyTorch's names and
 * layout for the same `nn.Sequential` (see `torchModule`). Written atomically. Returns the
 * output path.
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
  const architecture = describeModel(model);
  const sample = sampleShape(model);
  if (options.format === 'onnx') {
    await writeFileAtomic(
      out,
      exportOnnx(model.net, {
        inputShape: sample,
        inputName: ONNX_INPUT,
        outputName: ONNX_OUTPUT,
        graphName: `nabla-mnist-${model.kind}`,
        docString: `${architecture}; input: pixels in [0, 1], row-major 28×28; output: logits`,
        metadata: kept,
      }),
    );
    io.stdout.write(
      `Wrote ${out}: ONNX opset ${ONNX_OPSET}, ${architecture}, input "${ONNX_INPUT}" float32 [batch,${sample.join(',')}] → output "${ONNX_OUTPUT}" [batch,${CLASSES}]\n`,
    );
  } else {
    await writeFileAtomic(out, encodeCheckpoint(model, kept, 'torch'));
    const entries = Object.entries(toTorchStateDict(model.net))
      .map(([name, t]) => `${name} [${t.shape.join(',')}]`)
      .join(', ');
    io.stdout.write(
      `Wrote ${out}: PyTorch state dict (layout torch: ${entries}) for ${torchModule(model)}\n`,
    );
  }
  return out;
}

/** The PyTorch module whose `load_state_dict` takes the torch export of `model`. */
export function torchModule(model: DemoModel): string {
  if (model.kind === 'mlp') {
    return `nn.Sequential(nn.Linear(${INPUTS}, ${model.hidden}), nn.ReLU(), nn.Linear(${model.hidden}, ${CLASSES}))`;
  }
  const [c1, c2] = model.channels;
  const k = CNN_KERNEL;
  return `nn.Sequential(nn.Conv2d(1, ${c1}, ${k}, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(${c1}), nn.ReLU(), nn.Conv2d(${c1}, ${c2}, ${k}, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(${c2}), nn.ReLU(), nn.Flatten(), nn.Linear(${16 * (c2 ?? 0)}, ${CLASSES}))`;
}
