import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Live loss and accuracy charts (uPlot), x in epochs (fractional while an epoch runs). */
export class TrainingCharts {
  private readonly x: number[] = [];
  private readonly loss: number[] = [];
  private readonly trainAcc: number[] = [];
  private readonly testAcc: Array<number | null> = [];
  private readonly lossPlot: uPlot;
  private readonly accPlot: uPlot;
  private scheduled = false;

  constructor(lossEl: HTMLElement, accEl: HTMLElement) {
    const common = {
      width: 265,
      height: 200,
      scales: { x: { time: false } },
      legend: { live: false },
    };
    this.lossPlot = new uPlot(
      {
        ...common,
        title: 'training loss',
        series: [{ label: 'epoch' }, { label: 'loss (running mean)', stroke: '#c0392b', width: 2 }],
        axes: [{ label: 'epoch' }, {}],
      },
      [[], []],
      lossEl,
    );
    this.accPlot = new uPlot(
      {
        ...common,
        title: 'accuracy (%)',
        series: [
          { label: 'epoch' },
          { label: 'train (running)', stroke: '#2471a3', width: 2 },
          {
            label: 'test',
            stroke: '#1e8449',
            width: 2,
            spanGaps: true,
            points: { show: true, size: 7 },
          },
        ],
        axes: [{ label: 'epoch' }, {}],
      },
      [[], [], []],
      accEl,
    );
  }

  reset(): void {
    for (const a of [this.x, this.loss, this.trainAcc, this.testAcc]) a.length = 0;
    this.redraw();
  }

  /** A running point: `at` in epochs. */
  add(at: number, loss: number, trainAccuracy: number): void {
    this.x.push(at);
    this.loss.push(loss);
    this.trainAcc.push(100 * trainAccuracy);
    this.testAcc.push(null);
    this.redraw();
  }

  /** The test accuracy at the end of epoch `epoch`. */
  addTest(epoch: number, accuracy: number): void {
    const last = this.x.length - 1;
    if (last >= 0 && this.x[last] === epoch) this.testAcc[last] = 100 * accuracy;
    else {
      this.x.push(epoch);
      this.loss.push(this.loss[last] ?? Number.NaN);
      this.trainAcc.push(this.trainAcc[last] ?? Number.NaN);
      this.testAcc.push(100 * accuracy);
    }
    this.redraw();
  }

  private redraw(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.lossPlot.setData([this.x, this.loss]);
      this.accPlot.setData([this.x, this.trainAcc, this.testAcc] as uPlot.AlignedData);
    });
  }
}
