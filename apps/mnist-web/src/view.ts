import type { Evaluation } from './protocol.js';

/** The element with this id, of this type; a clear error when the page lacks it. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`the page has no <${type.name}> #${id}`);
  return el;
}

export const percent = (v: number, digits = 2): string => `${(100 * v).toFixed(digits)} %`;

/** The 10 × 10 confusion matrix as a table, rows true digits, columns predictions. */
export function renderConfusion(table: HTMLTableElement, evaluation: Evaluation): void {
  const max = Math.max(
    1,
    ...evaluation.confusion.flatMap((row, t) => row.filter((_, p) => p !== t)),
  );
  const head = `<tr><th>true ↓ / predicted →</th>${evaluation.confusion.map((_, p) => `<th>${p}</th>`).join('')}<th>acc</th></tr>`;
  const rows = evaluation.confusion.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    const cells = row.map((n, p) => {
      const style =
        p === t
          ? 'diag'
          : n > 0
            ? `style="background:rgba(192,57,43,${(0.15 + (0.7 * n) / max).toFixed(2)})"`
            : '';
      return `<td ${p === t ? 'class="diag"' : style}>${n}</td>`;
    });
    return `<tr><th>${t}</th>${cells.join('')}<td>${total === 0 ? '–' : percent((row[t] ?? 0) / total, 1)}</td></tr>`;
  });
  table.innerHTML = head + rows.join('');
}

/** Ten bars of class probabilities, the largest marked. */
export function renderBars(container: HTMLElement, probabilities: number[]): void {
  let best = 0;
  probabilities.forEach((p, c) => {
    if (p > (probabilities[best] ?? 0)) best = c;
  });
  container.innerHTML = probabilities
    .map(
      (p, c) =>
        `<div class="bar${c === best ? ' best' : ''}" data-class="${c}" data-p="${p}"><span>${c}</span><i style="width:${(100 * p).toFixed(1)}%"></i><b>${(100 * p).toFixed(1)}%</b></div>`,
    )
    .join('');
}

/** A 28 × 28 input (0 black … 1 white) drawn on a canvas, scaled up without smoothing. */
export function renderPixels(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const sctx = small.getContext('2d');
  const ctx = canvas.getContext('2d');
  if (sctx === null || ctx === null) return;
  const image = sctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * (pixels[i] ?? 0));
    image.data.set([v, v, v, 255], i * 4);
  }
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}
