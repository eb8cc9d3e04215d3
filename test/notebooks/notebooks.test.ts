/**
 * Every notebook of the course, executed headless in the fast profile through a real Jupyter
 * client (`npm run notebooks`), and the values each one records asserted here.
 * Adding a notebook without adding its expectations below fails the suite.
 *
 * The kernel runs on this process's node, or on COURSE_NOTEBOOK_NODE when scripts/test.mjs sets it
 * (the machine's own Node is not a supported line: the notebooks then run under one that is).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURE_NAMES, loadShop, resolveWorkers } from "shoplm";
import { listNotebooks, readRecords, runNotebooksCli, type CliResult } from "../../scripts/lib/notebooks.mjs";

type Records = ReturnType<typeof readRecords>;

const num = (r: Records, key: string): number => {
  const value = r[key];
  if (typeof value !== "number") throw new Error(`record "${key}" is ${JSON.stringify(value)}, expected a number`);
  return value;
};

const expectations: Record<string, (r: Records) => void> = {
  "00_the_shop": (r) => {
    const shop = loadShop("fast");
    expect(num(r, "count.products")).toBe(shop.products.length);
    expect(num(r, "count.queries")).toBe(shop.queries.length);
    expect(num(r, "count.judgments")).toBe(shop.judgments.length);
    expect(num(r, "count.sessions")).toBe(shop.sessions.length);
    expect(num(r, "categories")).toBeGreaterThanOrEqual(60);
    expect(num(r, "departments")).toBeGreaterThanOrEqual(8);
    expect(num(r, "judgments.perQuery")).toBeGreaterThanOrEqual(30);
    // A long tail: the top fifth of products holds most of the demand.
    expect(num(r, "popularity.top20")).toBeGreaterThan(0.5);
    // Position bias, also under the random shuffle.
    expect(num(r, "ctr.ranker.1")).toBeGreaterThan(5 * num(r, "ctr.ranker.10"));
    expect(num(r, "ctr.shuffle.1")).toBeGreaterThan(2 * num(r, "ctr.shuffle.10"));
    // The first failure: keyword search misses synonym and vague queries.
    const exact = num(r, "keyword.recall.exact-product");
    expect(exact).toBeGreaterThan(0.6);
    for (const kind of ["synonym", "vague", "misspelled"]) expect(num(r, `keyword.recall.${kind}`)).toBeLessThan(exact / 2);
    for (const id of ["0.1", "0.2"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  "01_pretraining": (r) => {
    // The tokenizer learns whole words of the shop; typos split into more pieces.
    expect(num(r, "tokenizer.piecesPerWord.train")).toBeLessThan(num(r, "tokenizer.piecesPerWord.characters") / 2);
    expect(num(r, "typos.piecesTyped")).toBeGreaterThan(num(r, "typos.piecesMeant"));
    // Attention ignores padding; the step-by-step version equals the library's.
    expect(num(r, "attention.paddingWeight")).toBe(0);
    expect(num(r, "attention.maxDifference")).toBeLessThan(1e-5);
    // BERT's masking proportions.
    expect(Math.abs(num(r, "masking.chosen") - 0.15)).toBeLessThan(0.02);
    expect(Math.abs(num(r, "masking.mask") - 0.8)).toBeLessThan(0.05);
    // The live run learns: its loss falls.
    expect(num(r, "live.loss.last")).toBeLessThan(num(r, "live.loss.first") - 1);
    // Every core but one (COURSE_WORKERS overrides): on this 2-core machine, the main thread alone.
    expect(num(r, "live.workers")).toBe(resolveWorkers("auto"));
    expect(num(r, "live.heldOut.last")).toBeLessThan(num(r, "live.heldOut.first"));
    // The shipped model: a fifth of the unigram perplexity and more, and it fills blanks in held-out text.
    expect(num(r, "shipped.perplexity")).toBeLessThan(num(r, "shipped.unigramPerplexity") / 5);
    expect(num(r, "fill.heldOut.top5")).toBeGreaterThan(num(r, "fill.heldOut.top1"));
    expect(num(r, "fill.heldOut.top1")).toBeGreaterThan(0.3);
    // Bigger models reach a lower loss in the same steps.
    expect(num(r, "size.base.loss")).toBeLessThan(num(r, "size.tiny.loss"));
    for (const id of ["1.1", "1.2", "1.3", "1.4"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  "02_fine_tuning": (r) => {
    // The head by hand equals the library's head and loss.
    expect(num(r, "head.lossDifference")).toBeLessThan(1e-5);
    // Short live runs: every method beats the majority class; a probe and LoRA leave the encoder bit for bit.
    for (const m of ["probe", "full", "lora"]) expect(num(r, `live.${m}.accuracy`)).toBeGreaterThan(num(r, "live.majority"));
    expect(num(r, "live.probe.lossDrop")).toBeGreaterThan(0.5);
    expect(num(r, "live.probe.encoderUnchanged")).toBe(1);
    expect(num(r, "live.lora.encoderUnchanged")).toBe(1);
    expect(num(r, "live.full.encoderUnchanged")).toBe(0);
    // Merging LoRA changes the encoder's output by float rounding only.
    expect(num(r, "lora.mergeGap")).toBeLessThan(1e-5);
    // Six methods in the shipped comparison; forgetting: a probe none, full fine-tuning some.
    expect(num(r, "compare.methods")).toBe(6);
    expect(num(r, "forgetting.probe")).toBe(1);
    expect(num(r, "forgetting.full")).toBeGreaterThan(1);
    // Relevance: the shipped record's plain cross-encoders (query and product only) stay behind keyword overlap.
    expect(num(r, "live.relevance.ndcg")).toBeGreaterThan(0);
    expect(num(r, "record.relevance.keyword")).toBeGreaterThan(num(r, "record.relevance.best"));
    // The lexical match channel: Exact pairs share words far more often than Irrelevant ones, and with it the cross-encoder passes keyword.
    expect(num(r, "match.markedTokens")).toBeGreaterThan(0);
    expect(num(r, "match.sharedExact")).toBeGreaterThan(num(r, "match.sharedIrrelevant"));
    expect(num(r, "record.relevanceMatch.full")).toBeGreaterThan(num(r, "record.relevance.keyword"));
    // Attribute spans: a live model well above nothing; the lexicon baseline is strong.
    expect(num(r, "live.attributes.f1")).toBeGreaterThan(0.5);
    expect(num(r, "live.attributes.lexicon")).toBeGreaterThan(0.8);
    for (const id of ["2.1", "2.2", "2.3", "2.4", "2.5"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  "03_features": (r) => {
    // Pooling ignores padding: a title in a padded batch gets the vector it gets alone.
    expect(num(r, "pooling.batchVsAlone")).toBeLessThan(1e-5);
    // The live bi-encoder steps learn; the shipped one finds what keyword search cannot.
    expect(num(r, "live.loss.last")).toBeLessThan(num(r, "live.loss.first"));
    for (const kind of ["synonym", "vague", "misspelled"]) expect(num(r, `retrieval.biencoder.${kind}`)).toBeGreaterThan(num(r, `retrieval.keyword.${kind}`) + 0.1);
    // HNSW at efSearch 64 finds (nearly) the exact top ten.
    expect(num(r, "hnsw.recall.ef64")).toBeGreaterThanOrEqual(0.95);
    // Text places cold products near their category, far above chance.
    expect(num(r, "cold.count")).toBeGreaterThan(0);
    expect(num(r, "cold.biencoder")).toBeGreaterThan(num(r, "cold.random") + 0.5);
    // ONNX served through onnxruntime and transformers.js: the library's vectors.
    expect(num(r, "onnx.maxDifference")).toBeLessThan(1e-4);
    expect(num(r, "features.count")).toBe(FEATURE_NAMES.length);
    for (const id of ["3.1", "3.2", "3.3", "3.4"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  "04_ranking": (r) => {
    // BM25 scored by hand equals the index; spelling fixes most misspelled queries and few others.
    expect(num(r, "bm25.handVsIndex")).toBeLessThan(1e-9);
    expect(num(r, "spelling.misspelled.accuracy")).toBeGreaterThan(0.7);
    expect(num(r, "spelling.others.changed")).toBeLessThan(10);
    // Dense wins the vague queries; query understanding and the tuned hybrid beat plain BM25.
    expect(num(r, "search.dense.vague")).toBeGreaterThan(num(r, "search.bm25.vague") + 0.2);
    expect(num(r, "search.understood")).toBeGreaterThan(num(r, "search.bm25"));
    expect(num(r, "search.linear")).toBeGreaterThan(num(r, "search.bm25"));
    // LambdaMART over the features beats BM25 alone on the judged pools.
    expect(num(r, "ltr.lambdamart")).toBeGreaterThan(num(r, "ltr.bm25") + 0.02);
    // Propensities from the shuffled pages are near the generator's curve; IPS takes the bias out of the naive ranker's weights.
    expect(num(r, "clicks.propensity.shuffled.maxError")).toBeLessThan(0.15);
    expect(num(r, "clicks.ips.weight.logInteractions")).toBeLessThan(num(r, "clicks.naive.weight.logInteractions"));
    // MMR: lambda 1 is the relevance order; lambda 0 is more diverse.
    expect(num(r, "mmr.diversity.lambda0")).toBeGreaterThan(num(r, "mmr.diversity.lambda1") + 0.1);
    // Online: the engine beats chapter 0's keyword search in the simulator's truth.
    expect(num(r, "ab.truth.engine")).toBeGreaterThan(num(r, "ab.truth.keyword") + 0.1);
    // Recommenders: history beats popularity; text gives cold products a chance the ID models cannot.
    for (const name of ["item-knn", "markov-1", "bpr", "two-tower", "sasrec"]) expect(num(r, `recommend.${name}.ndcg`)).toBeGreaterThan(num(r, "recommend.popularity.ndcg"));
    // The order of what a shopper did carries signal a bag of items misses.
    expect(num(r, "recommend.sasrec.ndcg")).toBeGreaterThan(num(r, "recommend.markov-1.ndcg"));
    expect(num(r, "recommend.cold.count")).toBeGreaterThan(0);
    expect(num(r, "recommend.cold.twoTower")).toBeGreaterThan(num(r, "recommend.cold.bpr"));
    // Occlusion: the history item that drove SASRec's first recommendation pushed it up, with a share of at most 1.
    expect(num(r, "recommend.explain.topShare")).toBeGreaterThan(0);
    expect(num(r, "recommend.explain.topShare")).toBeLessThanOrEqual(1);
    for (const id of ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  "05_evaluation": (r) => {
    // Offline: keyword overlap clearly beats popularity and random on the judged pools.
    expect(num(r, "offline.keyword.ndcg@10")).toBeGreaterThan(num(r, "offline.popularity.ndcg@10") + 0.1);
    expect(num(r, "offline.keyword.ndcg@10")).toBeGreaterThan(num(r, "offline.random.ndcg@10") + 0.1);
    expect(num(r, "significance.keywordVsPopularity.p")).toBeLessThan(1e-3);
    expect(num(r, "significance.bootstrap.lower")).toBeGreaterThan(0);
    // Keyword overlap separates Exact products better than chance; a position-only click model is close to calibrated.
    expect(num(r, "classification.rocAuc")).toBeGreaterThan(0.6);
    expect(num(r, "calibration.ece")).toBeLessThan(0.05);
    // Popularity starves the long tail.
    expect(num(r, "beyond.popularity.longTail")).toBeLessThan(num(r, "beyond.random.longTail"));
    // Online: the offline winner wins the simulated A/B test, and the estimates are near the model's truth.
    expect(num(r, "ab.truth.ctr.treatment")).toBeGreaterThan(num(r, "ab.truth.ctr.control"));
    expect(num(r, "ab.ctr.treatment")).toBeGreaterThan(num(r, "ab.ctr.control"));
    expect(num(r, "ab.ctr.p")).toBeLessThan(0.05);
    expect(Math.abs(num(r, "ab.ctr.control") - num(r, "ab.truth.ctr.control"))).toBeLessThan(0.1);
    expect(Math.abs(num(r, "ab.ctr.treatment") - num(r, "ab.truth.ctr.treatment"))).toBeLessThan(0.1);
    expect(num(r, "power.perArm.lift10")).toBeGreaterThan(1000);
    // Peeking inflates false positives well beyond the level of a single test.
    expect(num(r, "peeking.fixed")).toBeGreaterThan(0.02);
    expect(num(r, "peeking.fixed")).toBeLessThan(0.08);
    expect(num(r, "peeking.peeking")).toBeGreaterThan(2 * num(r, "peeking.fixed"));
    // Off-policy: IPS lands within three standard errors of the truth.
    expect(Math.abs(num(r, "offpolicy.ips") - num(r, "offpolicy.truth"))).toBeLessThan(3 * num(r, "offpolicy.ips.se"));
    for (const id of ["5.1", "5.2", "5.3", "5.4"]) expect(num(r, `exercise.${id}.passed`)).toBe(num(r, `exercise.${id}.total`));
  },
  setup_check: (r) => {
    expect(["tensorflow", "wasm", "cpu"]).toContain(r.backend);
    expect(r.profile).toBe("fast");
    expect(r.node).toBe(KERNEL_NODE_VERSION);
    expect(r["loss.last"] as number).toBeLessThan((r["loss.first"] as number) * 0.01);
    expect(r["tensors.leaked"]).toBe(0);
    expect(r["table.rows"]).toBe(5);
    expect(r["exercise.0.0.passed"]).toBe(r["exercise.0.0.total"]);
    expect(r["exercise.0.0.total"] as number).toBeGreaterThan(0);
  },
};

const KERNEL_NODE = process.env.COURSE_NOTEBOOK_NODE ?? process.execPath;
const KERNEL_NODE_VERSION = execFileSync(KERNEL_NODE, ["--version"], { encoding: "utf8" }).trim();

describe(`the course notebooks, run headless (kernel on Node ${KERNEL_NODE_VERSION})`, () => {
  let out: string;
  let run: CliResult;
  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), "course-notebooks-"));
    const node = KERNEL_NODE === process.execPath && !process.env.COURSE_TEST_NODE_LINE ? [] : ["--node", KERNEL_NODE];
    run = await runNotebooksCli(["--out", out, "--profile", "fast", ...node], { env: { ...process.env, COURSE_PROFILE: "fast" } });
  }, 3_600_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("all run without a failing cell", () => {
    expect(run.code, run.output).toBe(0);
  });

  it("every notebook has expectations on its recorded values", () => {
    expect(listNotebooks().sort()).toEqual(Object.keys(expectations).sort());
  });

  for (const [name, check] of Object.entries(expectations)) {
    it(`${name} records what it should`, () => check(readRecords(name, out)));
  }
});
