import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedTexts, initBackend, loadShop, loadTextEmbedder, pca, pcaProject, Rng, type PcaResult, type RowMatrix } from "shoplm";

const PYTHON = "/usr/bin/python3";
const SCRIPT = path.resolve(__dirname, "../../scripts/golden/pca_reference.py");
const hasSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
if (!hasSklearn) console.warn("test/embed/pca.test.ts: the scikit-learn PCA checks are skipped: no python3-sklearn at /usr/bin/python3 (npm run setup installs it).");

interface Reference {
  components: number[][];
  explained_variance: number[];
  explained_variance_ratio: number[];
  coordinates: number[][];
}

const dir = mkdtempSync(path.join(tmpdir(), "shoplm-pca-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** scikit-learn's PCA (exact solver, float64) of the same float32 matrix. */
function sklearnPca(m: { vectors: Float32Array; count: number; dimension: number }, k: number): Reference {
  const file = path.join(dir, `m${m.count}x${m.dimension}.f32`);
  writeFileSync(file, new Uint8Array(m.vectors.buffer, m.vectors.byteOffset, m.vectors.byteLength));
  const r = spawnSync(PYTHON, [SCRIPT, file, String(m.count), String(m.dimension), String(k)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Reference;
}

/** Largest difference after aligning each component's sign with the reference's. */
function compare(fit: PcaResult, ref: Reference): { components: number; coordinates: number; ratio: number; variance: number } {
  const k = fit.components.length;
  let components = 0;
  let coordinates = 0;
  const signs = fit.components.map((c, j) => (c.reduce((s, v, i) => s + v * ref.components[j][i], 0) < 0 ? -1 : 1));
  fit.components.forEach((c, j) => c.forEach((v, i) => (components = Math.max(components, Math.abs(signs[j] * v - ref.components[j][i])))));
  for (let i = 0; i < fit.count; i++) {
    for (let j = 0; j < k; j++) coordinates = Math.max(coordinates, Math.abs(signs[j] * fit.coordinates[i * k + j] - ref.coordinates[i][j]));
  }
  const ratio = Math.max(...fit.explainedVarianceRatio.map((r, j) => Math.abs(r - ref.explained_variance_ratio[j])));
  const variance = Math.max(...fit.explainedVariance.map((v, j) => Math.abs(v - ref.explained_variance[j]) / ref.explained_variance[j]));
  return { components, coordinates, ratio, variance };
}

/** n points in d dimensions: independent normals with decreasing scales, rotated by a random orthogonal-ish mix, plus an offset. */
function synthetic(n: number, d: number, seed: number): { vectors: Float32Array; count: number; dimension: number } {
  const rng = new Rng(seed);
  const mix = Array.from({ length: d }, () => Array.from({ length: d }, () => rng.normal()));
  const scales = Array.from({ length: d }, (_, j) => 6 / (j + 1));
  const vectors = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const z = scales.map((s) => s * rng.normal());
    for (let a = 0; a < d; a++) vectors[i * d + a] = 3 + z.reduce((s, v, b) => s + v * mix[a][b], 0) / Math.sqrt(d);
  }
  return { vectors, count: n, dimension: d };
}

describe("PCA (power iteration with deflation)", () => {
  it.skipIf(!hasSklearn)("matches scikit-learn's PCA on a synthetic matrix: components, coordinates and explained variance", () => {
    const m = synthetic(400, 12, 5);
    const fit = pca(m, { components: 3 });
    expect(fit.converged).toEqual([true, true, true]);
    const diff = compare(fit, sklearnPca(m, 3));
    expect(diff.components).toBeLessThan(1e-6);
    expect(diff.coordinates).toBeLessThan(1e-5);
    expect(diff.ratio).toBeLessThan(1e-8);
    expect(diff.variance).toBeLessThan(1e-8);
  });

  describe("on catalog embeddings (chapter 1's encoder, the fast shop's 3,000 titles)", () => {
    let embeddings: Awaited<ReturnType<typeof embedTexts>>;
    beforeAll(async () => {
      await initBackend({ forced: "wasm", reset: true });
      const model = loadTextEmbedder();
      try {
        embeddings = await embedTexts(model, loadShop("fast").products.map((p) => p.title), { progress: false });
      } finally {
        model.dispose();
      }
    });

    it.skipIf(!hasSklearn)("matches scikit-learn within 1e-4 (components, 2-D coordinates, explained variance ratio)", () => {
      const fit = pca(embeddings);
      expect(fit.converged).toEqual([true, true]);
      const diff = compare(fit, sklearnPca(embeddings, 2));
      expect(diff.components).toBeLessThan(1e-4);
      expect(diff.coordinates).toBeLessThan(1e-4);
      expect(diff.ratio).toBeLessThan(1e-6);
    });

    it("is deterministic: the same result for any seed (the sign convention fixes the orientation)", () => {
      const a = pca(embeddings, { seed: 0 });
      const b = pca(embeddings, { seed: 0 });
      const c = pca(embeddings, { seed: 123 });
      expect(Array.from(a.coordinates)).toEqual(Array.from(b.coordinates));
      const far = Math.max(...Array.from(a.coordinates, (v, i) => Math.abs(v - c.coordinates[i])));
      expect(far).toBeLessThan(1e-6);
      for (const comp of a.components) {
        const big = comp.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
        expect(big).toBeGreaterThan(0);
        expect(Math.hypot(...comp)).toBeCloseTo(1, 10);
      }
      expect(a.explainedVarianceRatio[0]).toBeGreaterThanOrEqual(a.explainedVarianceRatio[1]);
    });
  });

  it("components are orthogonal; projecting the same rows gives the fitted coordinates; a rank-1 matrix leaves nothing for component 2", () => {
    const m = synthetic(200, 6, 9);
    const fit = pca(m, { components: 4 });
    for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) expect(Math.abs(fit.components[a].reduce((s, v, i) => s + v * fit.components[b][i], 0))).toBeLessThan(1e-9);
    expect(Array.from(pcaProject(fit, m))).toEqual(Array.from(fit.coordinates));
    const line: RowMatrix = { vectors: Array.from({ length: 10 }, (_, i) => [i, 2 * i, -i]).flat(), count: 10, dimension: 3 };
    const flat = pca(line);
    expect(flat.explainedVarianceRatio[0]).toBeCloseTo(1, 12);
    expect(flat.explainedVarianceRatio[1]).toBeCloseTo(0, 12);
    // Direction (1, 2, -1) / sqrt(6); the largest-magnitude entry (2) is made positive.
    [1, 2, -1].forEach((v, i) => expect(flat.components[0][i]).toBeCloseTo(v / Math.sqrt(6), 9));
  });

  it("bad input: NaN names its row and column; one row; too many components; a wrong length", () => {
    const m = { vectors: [1, 2, 3, Number.NaN, 5, 6], count: 3, dimension: 2 };
    expect(() => pca(m)).toThrow(/row 1, column 1 is NaN; expected finite numbers/);
    expect(() => pca({ vectors: [1, 2], count: 1, dimension: 2 })).toThrow(/at least 2 rows/);
    expect(() => pca({ vectors: [1, 2, 3, 4], count: 2, dimension: 2 }, { components: 3 })).toThrow(/components must be an integer from 1 to the dimension 2; found 3/);
    expect(() => pca({ vectors: [1, 2, 3], count: 2, dimension: 2 })).toThrow(/2 rows of 2 need 4 values; found 3/);
    expect(() => pcaProject(pca({ vectors: [1, 2, 3, 5], count: 2, dimension: 2 }), { vectors: [1, 2, 3], count: 1, dimension: 3 })).toThrow(/fitted on 2-dimensional rows; found rows of 3/);
  });
});
