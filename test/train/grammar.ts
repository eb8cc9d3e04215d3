/**
 * A tiny corpus with learnable structure for training tests: "[CLS] a_i b_i c_i d_i [SEP]", some
 * with the clause "c_i d_i" twice: four word families of ten words each, and one index i per
 * sentence. A masked word is predictable from any other word of its sentence and its position,
 * while the unigram perplexity of the words is about 40.
 */
import { Rng, type SpecialTokens, type TokenSequence } from "shoplm";

export const SPECIAL: SpecialTokens = { pad: 0, unk: 1, cls: 2, sep: 3, mask: 4 };
export const GRAMMAR_VOCAB = 45;

export function grammarCorpus(n: number, seed: number): TokenSequence[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const i = rng.int(10);
    const inputIds = [SPECIAL.cls, 5 + i, 15 + i];
    const clauses = rng.bernoulli(0.5) ? 2 : 1;
    for (let c = 0; c < clauses; c++) inputIds.push(25 + i, 35 + i);
    inputIds.push(SPECIAL.sep);
    return { inputIds, wordIds: inputIds.map((_, k) => (k === 0 || k === inputIds.length - 1 ? null : k - 1)) };
  });
}
