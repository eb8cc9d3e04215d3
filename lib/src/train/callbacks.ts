/**
 * A progress bar and a live loss curve for a training run, as the two callbacks `pretrain` takes:
 *   const display = trainingDisplay(options.steps);
 *   await pretrain(model, data, { ...options, ...display.callbacks });
 *   display.done();
 */
import { LivePlot, type LivePlotOptions } from "../viz/plot";
import { progress, type ProgressBar, type ProgressOptions } from "../viz/progress";
import type { EvalInfo, StepInfo } from "./pretrain";

export interface TrainingDisplayOptions {
  readonly label?: string;
  /** Draw the loss curve (default true). */
  readonly plot?: boolean;
  /** Put a training-loss point on the curve every this many steps (default 1). */
  readonly plotEvery?: number;
  readonly progress?: ProgressOptions;
  readonly plotOptions?: LivePlotOptions;
}

export interface TrainingDisplay {
  readonly bar: ProgressBar;
  readonly plot: LivePlot | null;
  readonly callbacks: { onStep(info: StepInfo): void; onEval(info: EvalInfo): void };
  /** Final redraw of both. */
  done(): void;
}

/** The line the bar shows after a step. */
export function stepSummary(info: StepInfo): string {
  return `loss ${info.loss.toFixed(3)} | lr ${info.learningRate.toExponential(2)} | ${Math.round(info.tokensPerSecond)} tok/s`;
}

export function trainingDisplay(totalSteps: number, options: TrainingDisplayOptions = {}): TrainingDisplay {
  const bar = progress(totalSteps, { label: options.label ?? "pretraining", unit: "step", ...options.progress });
  const plot =
    options.plot === false
      ? null
      : new LivePlot({ title: "Masked-LM loss", xTitle: "step", yTitle: "cross-entropy (nats)", ...options.plotOptions });
  const every = options.plotEvery ?? 1;
  let last = "";
  return {
    bar,
    plot,
    callbacks: {
      onStep(info) {
        last = stepSummary(info);
        bar.update(info.step, last);
        if (plot && (info.step % every === 0 || info.step === info.totalSteps)) plot.push("train", info.step, info.loss);
      },
      onEval(info) {
        last = `${last} | held-out ppl ${info.perplexity.toFixed(2)} acc ${(100 * info.accuracy).toFixed(1)}%`;
        bar.update(info.step, last);
        plot?.push("held-out", info.step, info.loss);
      },
    },
    done() {
      bar.done(last);
      plot?.done();
    },
  };
}
