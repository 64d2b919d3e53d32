/** The figures of one epoch, as metrics.json and the plot record them. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean cross-entropy over the epoch's training batches (weighted by batch size). */
  trainLoss: number;
  /** Fraction of training samples classified right during the epoch (before each step). */
  trainAccuracy: number;
  /** Accuracy on the test set after the epoch (NaN when the epoch was interrupted). */
  testAccuracy: number;
  /** Learning rate the epoch started with. */
  lr: number;
  /** Training samples seen in the epoch (fewer than the set when interrupted). */
  samples: number;
  /** Wall time of the epoch's training, in seconds (evaluation excluded). */
  trainSeconds: number;
  /** Wall time of the epoch including the test evaluation, in seconds. */
  seconds: number;
  /** Present (true) on an epoch that Ctrl-C cut short. */
  interrupted?: boolean;
}
