/**
 * The pieces of the course kernel's layer (scripts/kernel) on their own, without a kernel: the
 * per-socket send queue on real zeromq sockets, source-map lookups, error contents, the MIME
 * bundle of a value, the history. The kernel-level behaviour is in kernel*.test.ts.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const require = createRequire(__filename);
const kernelDir = path.resolve(__dirname, "../../scripts/kernel");
const load = <T>(name: string) => require(path.join(kernelDir, name)) as T;

type Lookup = (line: number, column: number) => { line: number; column: number } | null;
const { decodeMappings, sourceMapLookup, composeLookups, takeInlineMap } = load<{
  decodeMappings(m: string): number[][][];
  sourceMapLookup(map: { mappings: string }): Lookup;
  composeLookups(outer: Lookup, inner: Lookup): Lookup;
  takeInlineMap(code: string): { code: string; map: { mappings: string } | null };
}>("source-map.cjs");
const { mapFrame, thrownError, compileError } = load<{
  mapFrame(frame: string, cells: Map<string, { lookup: Lookup; prefixLength: number }>): string | null;
  thrownError(value: unknown, cells: Map<string, unknown>): { ename: string; evalue: string; traceback: string[] };
  compileError(diagnostics: unknown[], count: number): { ename: string; evalue: string; traceback: string[] };
}>("cell-errors.cjs");
const { mimeBundleOf } = load<{ mimeBundleOf(value: unknown): { data: Record<string, unknown>; metadata: object } | null }>("display-value.cjs");
const { createHistory, globToRegExp } = load<{
  createHistory(): { record(line: number, input: string): void; recordOutput(line: number, text: string): void; reply(request: object): { status: string; history?: unknown[] } };
  globToRegExp(pattern: string): RegExp;
}>("history.cjs");
const { queuedSocketClass, sendsSettled } = load<{
  queuedSocketClass(base: unknown, defaults: object, onFailure: (error: unknown) => void): new (options?: object) => Publisher;
  sendsSettled(socket: unknown): Promise<void>;
}>("send-queue.cjs");

interface Publisher {
  bind(address: string): Promise<void>;
  send(message: string[]): Promise<void>;
  close(): void;
  readonly lastEndpoint: string;
  sendHighWaterMark: number;
}
const zmq = require("zeromq") as {
  Publisher: new (options?: object) => Publisher;
  Subscriber: new (options?: object) => { connect(a: string): void; subscribe(): void; receive(): Promise<Buffer[]>; close(): void; receiveHighWaterMark: number };
};

describe("the per-socket send queue", () => {
  it("a synchronous burst of 5,000 sends on a real publisher: none throws, all arrive in order", async () => {
    const failures: unknown[] = [];
    const Queued = queuedSocketClass(zmq.Publisher, { sendHighWaterMark: 0 }, (error) => failures.push(error));
    const publisher = new Queued();
    expect(publisher.sendHighWaterMark).toBe(0);
    await publisher.bind("tcp://127.0.0.1:*");
    const subscriber = new zmq.Subscriber({ receiveHighWaterMark: 0 });
    subscriber.connect(publisher.lastEndpoint);
    subscriber.subscribe();
    // A subscription takes effect asynchronously: publish a marker until the subscriber sees one.
    let ready = false;
    const first = subscriber.receive().then(() => (ready = true));
    while (!ready) {
      await publisher.send(["ready"]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await first;
    for (let i = 0; i < 5000; i++) void publisher.send(["n", String(i)]);
    await sendsSettled(publisher);
    const received: number[] = [];
    while (received.length < 5000) {
      const [tag, value] = await subscriber.receive();
      if (tag.toString() === "n") received.push(Number(value.toString()));
    }
    expect(received).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(failures).toEqual([]);
    subscriber.close();
    publisher.close();
  });

  it("control: the same burst on zeromq's own publisher throws EBUSY", async () => {
    const publisher = new zmq.Publisher();
    await publisher.bind("tcp://127.0.0.1:*");
    const pending: Promise<void>[] = [];
    expect(() => {
      for (let i = 0; i < 5000; i++) pending.push(publisher.send(["n", String(i)]).catch(() => undefined));
    }).toThrow(/Socket is busy writing/);
    await Promise.all(pending);
    publisher.close();
  });
});

describe("source maps", () => {
  it("decodes VLQ mappings (the spec's example segments) and looks positions up", () => {
    // "AAAA" = [0,0,0,0]; "SAAS" = +[9,0,0,9]; ";" starts line 2, where the generated column
    // restarts at 0 and the source fields go on relative: "AACA" = +[0,0,1,0] -> [0,0,1,9].
    expect(decodeMappings("AAAA,SAAS;AACA")).toEqual([
      [[0, 0, 0, 0], [9, 0, 0, 9]],
      [[0, 0, 1, 9]],
    ]);
    const lookup = sourceMapLookup({ mappings: "AAAA,SAAS;AACA" });
    expect(lookup(0, 12)).toEqual({ line: 0, column: 9 });
    expect(lookup(0, 3)).toEqual({ line: 0, column: 0 });
    expect(lookup(1, 5)).toEqual({ line: 1, column: 9 });
    expect(lookup(7, 0)).toBeNull();
  });

  it("composes two maps and takes an inline map off the code", () => {
    const outer: Lookup = (line, column) => ({ line: line + 3, column });
    const inner: Lookup = (line, column) => (line === 5 ? { line: 1, column: column + 1 } : null);
    expect(composeLookups(outer, inner)(2, 4)).toEqual({ line: 1, column: 5 });
    expect(composeLookups(outer, inner)(0, 4)).toBeNull();
    const map = { version: 3, mappings: "AAAA" };
    const code = `x();\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
    expect(takeInlineMap(code)).toEqual({ code: "x();", map });
    expect(takeInlineMap("x();").map).toBeNull();
  });
});

describe("errors of a cell", () => {
  const cells = new Map([["In[3]", { lookup: ((line: number, column: number) => (line < 4 ? { line, column: column + 1 } : null)) as Lookup, prefixLength: 30 }]]);

  it("maps frames in a cell to the cell's line and column, and drops the kernel's wrapper frames", () => {
    expect(mapFrame("    at explode (In[3]:2:9)", cells)).toBe("    at explode (In[3]:2:10)");
    // Line 1 carries the kernel's function prefix, which the column loses first.
    expect(mapFrame("    at In[3]:1:35", cells)).toBe("    at In[3]:1:6");
    expect(mapFrame("    at In[3]:9:3", cells)).toBeNull();
    expect(mapFrame("    at f (/lib/x.js:1:2)", cells)).toBe("    at f (/lib/x.js:1:2)");
  });

  it("names the error, its message and the cell frames, without tslab's or node:vm's", () => {
    const error = new TypeError("bad input");
    error.stack = ["TypeError: bad input", "    at explode (In[3]:2:9)", "    at Script.runInThisContext (node:vm:122:12)", "    at execute (/x/node_modules/tslab/dist/executor.js:150:38)"].join("\n");
    expect(thrownError(error, cells)).toEqual({ ename: "TypeError", evalue: "bad input", traceback: ["TypeError: bad input", "    at explode (In[3]:2:10)"] });
    expect(thrownError("plain string", cells)).toEqual({ ename: "Uncaught", evalue: "'plain string'", traceback: ["Uncaught 'plain string'"] });
  });

  it("reports compile errors with the cell, line and column of each diagnostic", () => {
    const diagnostics = [
      { start: { line: 1, character: 6 }, messageText: "Type 'string' is not assignable to type 'number'.", code: 2322, category: 1 },
      { start: { line: 3, character: 0 }, messageText: "Cannot find name 'y'.", code: 2304, category: 1 },
    ];
    expect(compileError(diagnostics, 4)).toEqual({
      ename: "CompileError",
      evalue: "Type 'string' is not assignable to type 'number'. (1 more below)",
      traceback: [
        "CompileError: In[4]:2:7 - Type 'string' is not assignable to type 'number'.",
        "    In[4]:2:7 - error TS2322: Type 'string' is not assignable to type 'number'.",
        "    In[4]:4:1 - error TS2304: Cannot find name 'y'.",
      ],
    });
  });
});

describe("the value of a cell's last expression", () => {
  it("is text/plain as Node's REPL shows it", () => {
    expect(mimeBundleOf(3)).toEqual({ data: { "text/plain": "3" }, metadata: {} });
    expect(mimeBundleOf("ab")!.data).toEqual({ "text/plain": "'ab'" });
    expect(mimeBundleOf([1, 2])!.data).toEqual({ "text/plain": "[ 1, 2 ]" });
  });

  it("is the object's own MIME bundle when it offers one under Symbol.for(\"Jupyter.display\")", () => {
    const table = { [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<table></table>", "text/plain": "a table", "not a mime": 1 }) };
    expect(mimeBundleOf(table)!.data).toEqual({ "text/html": "<table></table>", "text/plain": "a table" });
    const broken = {
      [Symbol.for("Jupyter.display")]: () => {
        throw new Error("no");
      },
    };
    expect(String(mimeBundleOf(broken)!.data["text/plain"])).toContain('Symbol.for("Jupyter.display") method threw: no');
  });

  it("is nothing when the object's bundle is empty (it has shown itself, as check() does)", () => {
    expect(mimeBundleOf({ [Symbol.for("Jupyter.display")]: () => ({}) })).toBeNull();
  });
});

describe("the history", () => {
  it("answers tail, range and search (glob, unique, n) requests", () => {
    const history = createHistory();
    ["1 + 2", "x = 1", "1 + 2", "1 + 3"].forEach((input, i) => history.record(i + 1, input));
    history.recordOutput(4, "4");
    expect(history.reply({ hist_access_type: "tail", n: 2, output: true })).toEqual({
      status: "ok",
      history: [
        [1, 3, ["1 + 2", null]],
        [1, 4, ["1 + 3", "4"]],
      ],
    });
    expect(history.reply({ hist_access_type: "range", session: 1, start: 2, stop: 3 }).history).toEqual([[1, 2, "x = 1"]]);
    expect(history.reply({ hist_access_type: "range", session: 7, start: 1, stop: 3 }).history).toEqual([]);
    expect(history.reply({ hist_access_type: "search", pattern: "1 + *" }).history).toHaveLength(3);
    expect(history.reply({ hist_access_type: "search", pattern: "1 + *", unique: true }).history).toEqual([
      [1, 3, "1 + 2"],
      [1, 4, "1 + 3"],
    ]);
    expect(history.reply({ hist_access_type: "search", pattern: "1 + *", n: 1 }).history).toEqual([[1, 4, "1 + 3"]]);
    expect(history.reply({ hist_access_type: "nope" })).toMatchObject({ status: "error", ename: "ValueError" });
    expect(globToRegExp("a?c*").test("abcdef")).toBe(true);
    expect(globToRegExp("a.c").test("abc")).toBe(false);
  });
});
