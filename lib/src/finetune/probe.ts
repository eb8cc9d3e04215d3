/**
 * The linear probe: the pretrained encoder is frozen (and run without dropout, as a fixed feature
 * extractor); only the task head learns. It measures how much the pretrained features already know.
 */
import type { FineTuneMethod } from "./method";

export function linearProbe(): FineTuneMethod {
  return { name: "probe", trainsEncoder: false, params: null, encoderDropout: false, dispose() {} };
}
