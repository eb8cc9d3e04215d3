/**
 * Losses that compare a batch's rows with each other (in-batch negatives, ranking inside a pool)
 * on gradient workers. Each worker computes its own rows; `gather` (the worker's side lives in
 * worker.ts, a barrier in shared memory) places them in a shared matrix and returns the whole
 * matrix once every worker has placed its own. The worker then computes the whole batch's loss
 * with its own rows live and the others' as constants: the gradient of its own rows is complete,
 * and the workers' parameter gradients add up to the whole batch's. Every worker must call
 * `gather` the same number of times, in the same order (it waits for the others).
 */
import * as tf from "@tensorflow/tfjs";
import { custom } from "../model/fused";

export interface RowExchange {
  /** This worker's index and the number of workers. */
  readonly index: number;
  readonly count: number;
  /** `values` ([rows, width], row-major) as rows [start, start + rows) of a [total, width] matrix; returns the whole matrix. */
  gather(values: Float32Array, start: number, total: number, width: number): Float32Array;
}

/**
 * The whole [total, width] matrix: the other workers' rows (gathered) as constants around `mine`
 * (this worker's rows [start, start + rows), live; null when it has none). Inside the caller's tidy.
 */
export function gatheredRows(exchange: RowExchange, mine: tf.Tensor2D | null, start: number, total: number, width: number): tf.Tensor2D {
  const rows = mine ? mine.shape[0] : 0;
  // The one synchronous read: the exchange happens in the middle of the gradient tape, which
  // cannot await. Gradient workers run on the CPU backends (wasm, cpu), where it is allowed.
  const all = exchange.gather(mine ? (mine.dataSync() as Float32Array) : new Float32Array(0), start, total, width);
  const parts: tf.Tensor2D[] = [];
  if (start > 0) parts.push(tf.tensor2d(all.subarray(0, start * width), [start, width]));
  if (mine) parts.push(mine);
  if (start + rows < total) parts.push(tf.tensor2d(all.subarray((start + rows) * width, total * width), [total - start - rows, width]));
  return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor2D);
}

/**
 * The whole batch's loss as one worker's share: its gradient unchanged, its value 1/count of the
 * whole (so that the workers' values add up to the batch's loss). Inside the caller's tidy.
 */
export function workerShareOfLoss(loss: tf.Scalar, exchange: RowExchange): tf.Scalar {
  if (exchange.count === 1) return loss;
  const share = 1 / exchange.count;
  // The value scaled, the gradient passed through as it is (no read of the value).
  return custom(([x]) => ({ value: x.mul(share), gradFunc: (dy) => dy }))(loss) as tf.Scalar;
}

/** `x` with no gradient flowing back through it (a constant for the tape), without reading it. Inside the caller's tidy. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return custom(([t]) => ({ value: t.clone(), gradFunc: (dy) => tf.zerosLike(dy) }))(x) as T;
}
