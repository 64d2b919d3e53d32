import { prepareDigit } from '@nabla/data';
import { TrainingCharts } from './charts.js';
import { DrawPad } from './draw-pad.js';
import type { FromWorker, Schedule, ToWorker, TrainSettings } from './protocol.js';
import { byId, percent, renderBars, renderConfusion, renderPixels } from './view.js';
import './style.css';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker, transfer: Transferable[] = []): void =>
  worker.postMessage(message, transfer);

const status = byId('status', HTMLParagraphElement);
const engine = byId('engine', HTMLParagraphElement);
const form = byId('settings', HTMLFormElement);
const trainButton = byId('train', HTMLButtonElement);
const stopButton = byId('stop', HTMLButtonElement);
const resumeButton = byId('resume', HTMLButtonElement);
const progress = byId('progress', HTMLParagraphElement);
const progressBar = byId('progress-bar', HTMLProgressElement);
const epochRows = byId('epochs', HTMLTableElement).tBodies[0] as HTMLTableSectionElement;
const prepared = byId('prepared', HTMLCanvasElement);
const prediction = byId('prediction', HTMLParagraphElement);
const bars = byId('bars', HTMLDivElement);
const testIndex = byId('test-index', HTMLInputElement);
const showTest = byId('show-test', HTMLButtonElement);
const saveButton = byId('save', HTMLButtonElement);
const openInput = byId('open', HTMLInputElement);
const dropZone = byId('drop-zone', HTMLDivElement);
const modelLine = byId('model', HTMLParagraphElement);
const testAccuracy = byId('test-accuracy', HTMLParagraphElement);
const confusion = byId('confusion', HTMLTableElement);
const charts = new TrainingCharts(
  byId('loss-chart', HTMLDivElement),
  byId('accuracy-chart', HTMLDivElement),
);

let dataReady = false;
let hasModel = false;
let training = false;
let lastDrawing: Float32Array | undefined;
/** Replies to older prediction requests than the last one are dropped. */
let requestId = 0;

function showError(message: string): void {
  status.textContent = `Error: ${message}`;
  status.classList.add('error');
}

function readSettings(): TrainSettings {
  const f = new FormData(form);
  const num = (name: string, integer: boolean): number => {
    const input = form.elements.namedItem(name) as HTMLInputElement;
    const v = Number(f.get(name));
    if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || !input.checkValidity()) {
      throw new Error(
        `${name}: ${JSON.stringify(f.get(name))} is not valid (${input.validationMessage || 'a number is needed'})`,
      );
    }
    return v;
  };
  return {
    hidden: num('hidden', true),
    epochs: num('epochs', true),
    batchSize: num('batchSize', true),
    lr: num('lr', false),
    optimizer: String(f.get('optimizer')),
    schedule: String(f.get('schedule')) as Schedule,
    seed: num('seed', true),
    trainLimit: num('trainLimit', true),
  };
}

function updateButtons(state: 'idle' | 'training' | 'stopped'): void {
  trainButton.disabled = !dataReady || state !== 'idle';
  stopButton.disabled = state !== 'training';
  resumeButton.disabled = state !== 'stopped';
  saveButton.disabled = !hasModel;
  showTest.disabled = !hasModel || !dataReady;
  document.body.dataset.state = state;
}

function predictDrawing(): void {
  if (hasModel && lastDrawing !== undefined) {
    prediction.dataset.pending = 'true';
    send({ type: 'predict', id: ++requestId, pixels: lastDrawing.slice() });
  }
}

const pad = new DrawPad(byId('pad', HTMLCanvasElement), (image) => {
  const digit = prepareDigit(image);
  renderPixels(prepared, digit.pixels);
  if (digit.box === null) {
    lastDrawing = undefined;
    requestId++;
    bars.innerHTML = '';
    prediction.textContent = 'Draw with the mouse or a finger.';
    delete prediction.dataset.digit;
    return;
  }
  lastDrawing = digit.pixels;
  if (!hasModel) prediction.textContent = 'Train or open a model to classify your drawing.';
  predictDrawing();
});

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'engine':
      engine.textContent = `Engine: ${m.engine.backend}, ${m.engine.threads} thread${m.engine.threads === 1 ? '' : 's'} — ${m.engine.reason}.`;
      engine.dataset.backend = m.engine.backend;
      engine.dataset.threads = String(m.engine.threads);
      break;
    case 'data-progress':
      status.textContent = `Loading MNIST… ${(m.loaded / 1e6).toFixed(1)} of ${(m.total / 1e6).toFixed(1)} MB`;
      break;
    case 'data-ready':
      dataReady = true;
      status.textContent = `MNIST loaded: ${m.train.toLocaleString('en')} training and ${m.test.toLocaleString('en')} test images in ${m.seconds.toFixed(1)} s.`;
      status.dataset.ready = 'true';
      updateButtons(training ? 'training' : 'idle');
      break;
    case 'state':
      training = m.state !== 'finished';
      updateButtons(m.state === 'finished' ? 'idle' : m.state);
      if (m.state === 'stopped') progress.textContent += ' — stopped';
      break;
    case 'progress': {
      const at = m.epoch - 1 + m.seen / m.total;
      progress.textContent = `epoch ${m.epoch}/${m.epochs} · ${m.seen.toLocaleString('en')}/${m.total.toLocaleString('en')} · ${Math.round(m.samplesPerSecond).toLocaleString('en')} samples/s · loss ${m.loss.toFixed(4)} · train ${percent(m.accuracy)}`;
      progress.dataset.samplesPerSecond = String(m.samplesPerSecond);
      progressBar.value = at / m.epochs;
      charts.add(at, m.loss, m.accuracy);
      break;
    }
    case 'epoch': {
      const r = m.report;
      charts.addTest(r.epoch, r.testAccuracy);
      const row = epochRows.insertRow();
      row.dataset.testAccuracy = String(r.testAccuracy);
      row.dataset.samplesPerSecond = String(r.samplesPerSecond);
      for (const v of [
        String(r.epoch),
        r.trainLoss.toFixed(4),
        percent(r.trainAccuracy),
        percent(r.testAccuracy),
        r.lr.toPrecision(3),
        Math.round(r.samplesPerSecond).toLocaleString('en'),
      ]) {
        row.insertCell().textContent = v;
      }
      predictDrawing();
      break;
    }
    case 'evaluation':
      renderConfusion(confusion, m.evaluation);
      testAccuracy.textContent = `Test accuracy ${percent(m.evaluation.accuracy)} on ${m.evaluation.samples.toLocaleString('en')} images.`;
      testAccuracy.dataset.accuracy = String(m.evaluation.accuracy);
      confusion.dataset.matrix = JSON.stringify(m.evaluation.confusion);
      break;
    case 'model':
      hasModel = true;
      modelLine.textContent = `Model: Linear(784→${m.hidden}) → ReLU → Linear(${m.hidden}→10), from ${m.source}.`;
      modelLine.dataset.source = m.source;
      updateButtons(training ? 'training' : 'idle');
      predictDrawing();
      break;
    case 'prediction': {
      if (m.id !== requestId) break;
      delete prediction.dataset.pending;
      renderPixels(prepared, m.pixels);
      renderBars(bars, m.probabilities);
      const digit = m.probabilities.indexOf(Math.max(...m.probabilities));
      prediction.textContent = `${m.label === undefined ? 'Your digit' : `Test image (label ${m.label})`}: ${digit} (${percent(m.probabilities[digit] ?? 0)})`;
      prediction.dataset.digit = String(digit);
      prediction.dataset.probabilities = JSON.stringify(m.probabilities);
      break;
    }
    case 'saved': {
      const url = URL.createObjectURL(
        new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = 'mnist-mlp.safetensors';
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      break;
    }
    case 'error':
      showError(m.message);
      break;
  }
}

worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
worker.onerror = (e) => showError(`the training worker failed: ${e.message}`);

form.addEventListener('submit', (e) => {
  e.preventDefault();
  let settings: TrainSettings;
  try {
    settings = readSettings();
  } catch (err) {
    showError(err instanceof Error ? err.message : String(err));
    return;
  }
  status.classList.remove('error');
  charts.reset();
  epochRows.replaceChildren();
  trainButton.disabled = true;
  send({ type: 'train', settings });
});
stopButton.addEventListener('click', () => send({ type: 'stop' }));
resumeButton.addEventListener('click', () => send({ type: 'resume' }));
byId('clear', HTMLButtonElement).addEventListener('click', () => pad.clear());
showTest.addEventListener('click', () =>
  send({ type: 'predict-test', id: ++requestId, index: Number(testIndex.value) }),
);
saveButton.addEventListener('click', () => send({ type: 'save' }));

async function openFile(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  send({ type: 'open', name: file.name, bytes }, [bytes.buffer]);
}
openInput.addEventListener('change', () => {
  const file = openInput.files?.[0];
  if (file !== undefined) void openFile(file);
  openInput.value = '';
});
for (const target of [dropZone, document.body]) {
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropZone.classList.add('over');
  });
}
document.body.addEventListener('dragleave', () => dropZone.classList.remove('over'));
document.body.addEventListener('drop', (e) => {
  e.preventDefault();
  dropZone.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file !== undefined) void openFile(file);
});

updateButtons('idle');
send({ type: 'load', baseUrl: new URL('./', document.baseURI).href });
