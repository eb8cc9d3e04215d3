/**
 * The course's shop-language model, made end to end: the shop's product texts and queries split
 * into training and held-out text, a WordPiece tokenizer trained on the training text, and a
 * BERT-style encoder pretrained with masked language modelling, with the sizes of a profile.
 * `npm run pretrain` runs it with the full profile and ships the result under data/models/;
 * notebook 01 runs it live at a size that fits the lesson.
 */
import * as tf from "@tensorflow/tfjs";
import type { Profile } from "../core/profile";
import type { Product, Query } from "../data/records";
import { encoderConfigFromProfile } from "../model/config";
import { MaskedLanguageModel } from "../model/mlm-head";
import { trainWordPiece } from "../text/wordpiece-trainer";
import type { WordPieceTokenizer } from "../text/wordpiece";
import type { TokenSequence } from "./batches";
import type { SpecialTokens } from "./masking";
import { unigramPerplexity } from "./metrics";
import { evaluateMlmAsync, pretrain, type EvalInfo, type PretrainOptions, type PretrainResult } from "./pretrain";

export interface TextSplit {
  readonly train: readonly string[];
  readonly heldOut: readonly string[];
}

/** One product as the model reads it: title, then description. */
export function productDocument(p: Pick<Product, "title" | "description">): string {
  return `${p.title}. ${p.description}`;
}

/**
 * Shop text for pretraining: every product's title and description and every query. Every
 * `heldOutEvery`-th product (in id order, ids being shuffled at generation) and the test-split
 * queries are held out, so the held-out perplexity is measured on text the model never saw.
 */
export function shopTextSplit(shop: { readonly products: readonly Product[]; readonly queries: readonly Query[] }, heldOutEvery = 20): TextSplit {
  const products = [...shop.products].sort((a, b) => (a.id < b.id ? -1 : 1));
  const train: string[] = [];
  const heldOut: string[] = [];
  products.forEach((p, i) => (i % heldOutEvery === heldOutEvery - 1 ? heldOut : train).push(productDocument(p)));
  for (const q of shop.queries) (q.split === "test" ? heldOut : train).push(q.text);
  return { train, heldOut };
}

export function specialTokenIds(tokenizer: WordPieceTokenizer): SpecialTokens {
  const id = (token: string) => {
    const value = tokenizer.tokenToId(token);
    if (value === undefined) throw new Error(`The tokenizer has no ${token} token.`);
    return value;
  };
  const s = tokenizer.config.specialTokens;
  return { pad: id(s.pad), mask: id(s.mask), cls: id(s.cls), sep: id(s.sep), unk: id(s.unk) };
}

export function encodeTexts(tokenizer: WordPieceTokenizer, texts: readonly string[], maxLength: number): TokenSequence[] {
  return texts.map((t) => tokenizer.encode(t, null, { truncation: true, maxLength }));
}

/**
 * Each text cut into consecutive windows of at most `maxLength` tokens, each framed by [CLS] and
 * [SEP], instead of keeping only the first window: long descriptions then give the model all of
 * their text. A window ends at a word boundary (whole-word masking needs whole words), unless one
 * word alone is longer than a window.
 */
export function encodeWindows(tokenizer: WordPieceTokenizer, texts: readonly string[], maxLength: number): TokenSequence[] {
  if (!Number.isInteger(maxLength) || maxLength < 3) throw new Error(`encodeWindows: maxLength must be an integer of at least 3 ([CLS], one token, [SEP]), got ${maxLength}.`);
  const room = maxLength - 2;
  const { clsId, sepId } = tokenizer;
  const windows: TokenSequence[] = [];
  for (const text of texts) {
    const e = tokenizer.encode(text, null, { truncation: false, padding: false });
    // Drop the template's [CLS] and [SEP]; every window gets its own.
    const ids = e.inputIds.slice(1, -1);
    const words = e.wordIds.slice(1, -1);
    for (let start = 0; start < ids.length; ) {
      let end = Math.min(ids.length, start + room);
      if (end < ids.length) {
        let boundary = end;
        while (boundary > start && words[boundary] !== null && words[boundary] === words[boundary - 1]) boundary--;
        if (boundary > start) end = boundary;
      }
      const first = words[start] ?? 0;
      windows.push({
        inputIds: [clsId, ...ids.slice(start, end), sepId],
        // Word ids restart at 0 in each window, as in an encoding of that window alone.
        wordIds: [null, ...words.slice(start, end).map((w) => (w === null ? null : w - first)), null],
      });
      start = end;
    }
  }
  return windows;
}

export interface CourseModelOptions {
  readonly profile: Profile;
  readonly text: TextSplit;
  /** Defaults: the profile's steps, batch size and seed. */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly learningRate?: number;
  readonly evalEvery?: number;
  readonly onStep?: PretrainOptions["onStep"];
  readonly onEval?: PretrainOptions["onEval"];
  /**
   * Texts longer than the profile's maxLength: "truncate" (default, the shipped shop model) keeps
   * the first window only; "windows" keeps every window (see `encodeWindows`), for corpora of long
   * descriptions where truncation would drop most of the text.
   */
  readonly longTexts?: "truncate" | "windows";
  /** Tokenizer and encoder sizes that replace the profile's (size studies, other corpora). */
  readonly model?: Partial<Profile["model"]>;
  /** Gradient workers (see `PretrainOptions.workers`; default 1, the main thread, unless COURSE_WORKERS is set). */
  readonly workers?: PretrainOptions["workers"];
  /** Called once the tokenizer is trained (vocabulary growth, examples). */
  readonly onTokenizer?: (tokenizer: WordPieceTokenizer) => void;
}

export interface CourseModelRun {
  readonly tokenizer: WordPieceTokenizer;
  readonly model: MaskedLanguageModel;
  readonly training: PretrainResult;
  /** Masked-LM metrics on the whole held-out text after training. */
  readonly heldOut: EvalInfo;
  /** Perplexity of a unigram model fitted on the training tokens, on the held-out tokens. */
  readonly unigramPerplexity: number;
  readonly trainTokens: number;
  readonly seconds: number;
  readonly backend: string;
}

export async function trainCourseModel(options: CourseModelOptions): Promise<CourseModelRun> {
  const started = Date.now();
  const profile: Profile = options.model ? { ...options.profile, model: { ...options.profile.model, ...options.model } } : options.profile;
  const { tokenizer } = trainWordPiece(options.text.train, { vocabSize: profile.model.vocabSize });
  options.onTokenizer?.(tokenizer);
  const maxLength = profile.model.maxLength;
  const encode = options.longTexts === "windows" ? encodeWindows : encodeTexts;
  const train = encode(tokenizer, options.text.train, maxLength);
  const heldOut = encode(tokenizer, options.text.heldOut, maxLength);
  const special = specialTokenIds(tokenizer);
  const config = encoderConfigFromProfile(profile, { vocabSize: tokenizer.vocabSize });
  const seed = options.seed ?? profile.train.seed;
  const model = MaskedLanguageModel.create(config, seed);
  const steps = options.steps ?? profile.train.pretrainSteps;
  const batchSize = options.batchSize ?? profile.train.batchSize;
  const training = await pretrain(model, { train, heldOut }, {
    steps,
    batchSize,
    maxLength,
    special,
    seed,
    learningRate: options.learningRate ?? 1e-3,
    decay: "linear",
    evalEvery: options.evalEvery ?? Math.max(1, Math.floor(steps / 10)),
    evalBatches: profile.train.evalBatches,
    evalSeed: seed + 1,
    onStep: options.onStep,
    onEval: options.onEval,
    workers: options.workers,
  });
  const masking = { vocabSize: tokenizer.vocabSize, special };
  const final = await evaluateMlmAsync(model, heldOut, { batchSize, maxLength, masking, seed: seed + 2, step: steps });
  const isSpecial = new Set(Object.values(special));
  const ids = (seqs: readonly TokenSequence[]) => seqs.flatMap((s) => Array.from(s.inputIds).filter((id) => !isSpecial.has(id)));
  const trainIds = ids(train);
  return {
    tokenizer,
    model,
    training,
    heldOut: final,
    unigramPerplexity: unigramPerplexity(trainIds, ids(heldOut), tokenizer.vocabSize),
    trainTokens: trainIds.length,
    seconds: (Date.now() - started) / 1000,
    backend: tf.getBackend(),
  };
}
