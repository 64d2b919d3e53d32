/**
 * A canvas to draw a digit on with a mouse, pen or finger (pointer events): black ink on white,
 * like a pen on paper. `onChange` runs once per animation frame while the drawing changes.
 */
export class DrawPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private scheduled = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: (image: ImageData) => void,
    private readonly lineWidth = 20,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) throw new Error('DrawPad: this browser gives no 2D canvas context');
    this.ctx = ctx;
    canvas.style.touchAction = 'none'; // a finger draws instead of scrolling the page
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = this.point(e);
      this.stroke(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.last === undefined) return;
      for (const ev of e.getCoalescedEvents?.() ?? [e]) {
        const p = this.point(ev);
        this.stroke(this.last, p);
        this.last = p;
      }
    });
    const end = (): void => {
      this.last = undefined;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    this.clear();
  }

  /** White paper again. */
  clear(): void {
    this.ctx.fillStyle = '#fff';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.changed();
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.canvas.width) / r.width,
      y: ((e.clientY - r.top) * this.canvas.height) / r.height,
    };
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const { ctx } = this;
    ctx.strokeStyle = '#111';
    ctx.lineWidth = this.lineWidth;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x + 0.01, b.y);
    ctx.stroke();
    this.changed();
  }

  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.onChange(this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height));
    });
  }
}
