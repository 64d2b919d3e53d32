import { decodeMnistSplit, MNIST_FILES, type MnistSplit } from '@nabla/data';
import { engineReport } from './engine-info.js';
import { decodeModel, encodeModel, INPUTS, type Mlp } from './model.js';
import type { FromWorker, ToWorker, TrainSettings } from './protocol.js';
import { evaluate, probabilities, train } from './trainer.js';

/**
 * The training worker: holds MNIST and the model, trains without ever blocking the page, and
 * answers predictions, saves and loads between batches.
 */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

let data: { train: MnistSplit; test: MnistSplit } | undefined;
let model: Mlp | undefined;
let training = false;
let paused = false;
let resume: (() => void) | undefined;

/** Yields to the worker's message queue without the 4 ms clamp of nested timers. */
const channel = new MessageChannel();
const pending: Array<() => void> = [];
channel.port1.onmessage = () => pending.shift()?.();
const yieldToQueue = (): Promise<void> =>
  new Promise((r) => {
    pending.push(r);
    channel.port2.postMessage(null);
  });

/** The body of a response, reporting bytes as they arrive. */
async function readBody(response: Response, onBytes: (n: number) => void): Promise<Uint8Array> {
  if (!response.ok || response.body === null) {
    throw new Error(`cannot load ${response.url}: HTTP ${response.status} ${response.statusText}`);
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
    onBytes(value.length);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

async function loadData(baseUrl: string): Promise<void> {
  const started = performance.now();
  const names = [
    MNIST_FILES.train.images,
    MNIST_FILES.train.labels,
    MNIST_FILES.test.images,
    MNIST_FILES.test.labels,
  ];
  const urls = names.map((n) => new URL(`mnist/${n}.gz`, baseUrl).href);
  // The four requests at once; their Content-Length headers give the total for the progress line.
  const responses = await Promise.all(urls.map((u) => fetch(u)));
  const total = responses.reduce((sum, r) => sum + Number(r.headers.get('content-length') ?? 0), 0);
  let loaded = 0;
  let lastReport = 0;
  const bytes = await Promise.all(
    responses.map((r) =>
      readBody(r, (n) => {
        loaded += n;
        const t = performance.now();
        if (t - lastReport > 100) {
          lastReport = t;
          post({ type: 'data-progress', loaded, total });
        }
      }),
    ),
  );
  post({ type: 'data-progress', loaded, total });
  const [trainImages, trainLabels, testImages, testLabels] = bytes as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const trainSplit = await decodeMnistSplit(trainImages, trainLabels, {
    images: names[0],
    labels: names[1],
  });
  const testSplit = await decodeMnistSplit(testImages, testLabels, {
    images: names[2],
    labels: names[3],
  });
  data = { train: trainSplit, test: testSplit };
  post({
    type: 'data-ready',
    train: trainSplit.length,
    test: testSplit.length,
    seconds: (performance.now() - started) / 1000,
  });
}

async function runTraining(settings: TrainSettings): Promise<void> {
  if (data === undefined) throw new Error('MNIST is not loaded yet');
  if (training) throw new Error('already training');
  training = true;
  paused = false;
  post({ type: 'state', state: 'training' });
  try {
    const result = await train(
      settings,
      data,
      {
        progress: (p) => post({ type: 'progress', epochs: settings.epochs, ...p }),
        epoch: (report) => post({ type: 'epoch', report }),
        between: async () => {
          await yieldToQueue();
          if (paused) {
            post({ type: 'state', state: 'stopped' });
            await new Promise<void>((r) => {
              resume = r;
            });
            post({ type: 'state', state: 'training' });
          }
        },
        now: () => performance.now(),
      },
      (m) => {
        model = m;
        post({ type: 'model', hidden: m.hidden, source: 'training' });
      },
    );
    post({ type: 'evaluation', evaluation: result.evaluation });
  } finally {
    training = false;
    post({ type: 'state', state: 'finished' });
  }
}

function handle(message: ToWorker): Promise<void> | void {
  switch (message.type) {
    case 'load':
      post({ type: 'engine', engine: engineReport() });
      return loadData(message.baseUrl);
    case 'train':
      return runTraining(message.settings);
    case 'stop':
      paused = true;
      return;
    case 'resume':
      paused = false;
      resume?.();
      resume = undefined;
      return;
    case 'predict': {
      if (model === undefined) return;
      const p = probabilities(model, message.pixels);
      post({ type: 'prediction', id: message.id, probabilities: p, pixels: message.pixels });
      return;
    }
    case 'predict-test': {
      if (model === undefined || data === undefined) return;
      const { index } = message;
      if (!Number.isInteger(index) || index < 0 || index >= data.test.length) {
        throw new RangeError(
          `test image ${index} does not exist: there are ${data.test.length} (0–${data.test.length - 1})`,
        );
      }
      const pixels = Float32Array.from(
        data.test.images.subarray(index * INPUTS, (index + 1) * INPUTS),
        (v) => v / 255,
      );
      post({
        type: 'prediction',
        id: message.id,
        probabilities: probabilities(model, pixels),
        pixels,
        label: data.test.labels[index] as number,
      });
      return;
    }
    case 'save': {
      if (model === undefined)
        throw new Error('there is no model to save yet: train or open one first');
      const bytes = encodeModel(model, { savedBy: 'apps/mnist-web' });
      post({ type: 'saved', bytes }, [bytes.buffer]);
      return;
    }
    case 'open': {
      if (training)
        throw new Error(
          'a training run is in progress (also when stopped): let it finish before opening a model',
        );
      model = decodeModel(message.bytes, message.name);
      post({ type: 'model', hidden: model.hidden, source: message.name });
      if (data !== undefined) post({ type: 'evaluation', evaluation: evaluate(model, data.test) });
      return;
    }
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  try {
    const done = handle(event.data);
    done?.catch((e: unknown) =>
      post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
};
