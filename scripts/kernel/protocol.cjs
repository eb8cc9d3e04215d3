// The Jupyter protocol as tslab 1.0.22 lacks it, added to its exported classes (ZmqServer,
// JupyterHandlerImpl) and its executor: `error` messages and complete error replies, the last
// value as `execute_result`, `execute_input`, a complete `kernel_info_reply`, `history_request`,
// `comm_info_reply` under its own name, statuses on every reply, and a shutdown that lets the
// queued sends go out before the sockets close. docs/kernel.md explains each change.
"use strict";

const { cellFilename, compileError, thrownError } = require("./cell-errors.cjs");
const { createHistory } = require("./history.cjs");
const { mimeBundleOf } = require("./display-value.cjs");
const { enterCell, leaveCell } = require("./course-hooks.cjs");
const { sendsSettled } = require("./send-queue.cjs");

/** A failed cell: thrown out of the execution queue so that the requests queued behind it are aborted. */
class CellFailure {
  constructor(count, error) {
    this.count = count;
    this.error = error;
  }
}

/**
 * Wraps tslab's createExecutor: the executor reports to a console object, so a capturing one
 * tells the kernel the thrown value and the last expression's value instead of printing them;
 * the converter is wrapped to keep the compile diagnostics.
 * state: { cells: Map filename -> {lookup, prefixLength}, current: execution count or null }
 */
function cellExecutorFactory(createExecutor, state) {
  return function createCellExecutor(rootDir, convs, fallbackConsole) {
    let capture = null;
    const capturing = {
      log: (...args) => (capture ? capture.values.push(args[0]) : fallbackConsole.log(...args)),
      error: (...args) => (capture ? capture.errors.push(args) : fallbackConsole.error(...args)),
    };
    const wrapped = new Map();
    const keepDiagnostics = (converter) => {
      if (!wrapped.has(converter)) {
        wrapped.set(
          converter,
          new Proxy(converter, {
            get(target, key) {
              if (key !== "convert") return target[key];
              return (prevDecl, src) => {
                const converted = target.convert(prevDecl, src);
                if (capture) capture.diagnostics = converted.diagnostics;
                return converted;
              };
            },
          })
        );
      }
      return wrapped.get(converter);
    };
    const convsView = {
      get node() {
        return keepDiagnostics(convs.node);
      },
      get browser() {
        return keepDiagnostics(convs.browser);
      },
      close: () => convs.close(),
    };
    const executor = createExecutor(rootDir, convsView, capturing);

    /** Runs a cell; { ok: true, hasValue, value } or { ok: false, error: {ename, evalue, traceback} }. */
    executor.runCell = async (code, count) => {
      const mine = { values: [], errors: [], diagnostics: null };
      capture = mine;
      state.current = count;
      let ok;
      try {
        ok = await executor.execute(code);
      } finally {
        capture = null;
        state.current = null;
      }
      if (ok) {
        // `//@module` cells: their diagnostics are printed, as tslab does, and the cell succeeds.
        for (const args of mine.errors) console.error(...args);
        return { ok: true, hasValue: mine.values.length > 0, value: mine.values.at(-1) };
      }
      if (mine.diagnostics && mine.diagnostics.length > 0) return { ok: false, error: compileError(mine.diagnostics, count) };
      if (mine.errors.length > 0) return { ok: false, error: thrownError(mine.errors[0][0], state.cells) };
      return { ok: false, error: { ename: "Error", evalue: "the cell failed without reporting why", traceback: [] } };
    };
    return executor;
  };
}

/**
 * Adds the protocol to tslab's classes. tslab: { jupyter (dist/jupyter.js exports, with ZmqMessage),
 * util (dist/util.js exports), ts (tslab's TypeScript) }; versions: { tslab, typescript }; state: as above, plus
 * `publish` (the current cell's iopub publisher, for clearOutput); log(text): the kernel's own log.
 */
function installProtocol({ jupyter, util, ts }, versions, state, log) {
  const { ZmqServer, JupyterHandlerImpl, ZmqMessage } = jupyter;
  const { TaskCanceledError } = util;
  const handler = JupyterHandlerImpl.prototype;
  const server = ZmqServer.prototype;
  const original = { handleKernel: handler.handleKernel, handleIsComplete: handler.handleIsComplete, close: server.close };

  // tslab answers only "complete" or "incomplete"; code with a syntax error that more lines
  // cannot fix (the parser's error is not at the end) is "invalid", as the protocol has it.
  handler.handleIsComplete = function handleIsComplete(req) {
    const answer = original.handleIsComplete.call(this, req);
    if (answer.status !== "complete" || /(^|\n)\s*\n\s*$/.test(req.code)) return answer;
    const source = ts.createSourceFile("cell.ts", req.code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    return source.parseDiagnostics && source.parseDiagnostics.length > 0 ? { status: "invalid" } : answer;
  };

  handler.handleKernel = function handleKernel() {
    const info = original.handleKernel.call(this);
    return {
      status: "ok",
      ...info,
      implementation_version: versions.tslab,
      language_info: { ...info.language_info, version: versions.typescript, pygments_lexer: "typescript" },
      banner: `TypeScript ${versions.typescript} (tslab ${versions.tslab}, Node.js ${process.version}), the course kernel`,
    };
  };

  Object.defineProperty(handler, "history", {
    configurable: true,
    get() {
      const history = createHistory();
      Object.defineProperty(this, "history", { value: history });
      return history;
    },
  });

  /** One cell, inside the execution queue. io: { writeStream, writeDisplayData, publish }. */
  handler.runCell = async function runCell(req, io) {
    process.stdout.write = this.createWriteToIopub("stdout", io.writeStream);
    process.stderr.write = this.createWriteToIopub("stderr", io.writeStream);
    jupyter.lastWriteDisplayData = io.writeDisplayData;
    state.publish = io.publish;
    const silent = Boolean(req.silent);
    const storeHistory = !silent && req.store_history !== false;
    // As ipykernel: only an execution stored in the history takes a new number.
    const count = storeHistory ? ++this.execCount : this.execCount;
    if (!silent) io.publish("execute_input", { code: req.code, execution_count: count });
    if (storeHistory) this.history.record(count, req.code);
    enterCell(io.session);
    const outcome = await this.executor.runCell(req.code, count);
    leaveCell(ts, req.code, outcome.ok || outcome.error.ename !== "CompileError");
    if (!outcome.ok) {
      io.publish("error", outcome.error);
      const failure = new CellFailure(count, outcome.error);
      if (req.stop_on_error === false) return failure;
      throw failure;
    }
    if (outcome.hasValue && !silent) {
      const bundle = mimeBundleOf(outcome.value);
      if (bundle) {
        io.publish("execute_result", { execution_count: count, ...bundle });
        if (storeHistory) this.history.recordOutput(count, bundle.data["text/plain"]);
      }
    }
    return { count };
  };

  /** The content of the execute_reply. */
  handler.executeRequest = async function executeRequest(req, io) {
    const failed = (count, error) => ({ status: "error", execution_count: count, ...error });
    try {
      const done = await this.execQueue.add(() => this.runCell(req, io));
      if (done instanceof CellFailure) return failed(done.count, done.error);
      return { status: "ok", execution_count: done.count, user_expressions: {}, payload: [] };
    } catch (error) {
      if (error instanceof TaskCanceledError) {
        return { status: "abort", ename: "Aborted", evalue: "not run: a cell before it failed (stop_on_error)", traceback: [] };
      }
      // Requests queued behind the failed cell (this turn of the event loop) are aborted, as tslab
      // does; later ones run. tslab waited 200 ms instead, which aborted requests sent after the error.
      setImmediate(() => this.execQueue.reset());
      if (error instanceof CellFailure) return failed(error.count, error.error);
      log(`unexpected failure in execute_request: ${error && error.stack ? error.stack : error}`);
      return failed(this.execCount, thrownError(error, state.cells));
    }
  };

  function send(sock, parent, msgType, content, key) {
    const message = parent.createReply();
    message.header.msg_type = msgType;
    message.content = content;
    message.signAndSend(key, sock);
  }

  server.handleExecute = async function handleExecute(sock, msg) {
    const key = this.connInfo.key;
    const publish = (msgType, content) => send(this.iopub, msg, msgType, content, key);
    const io = {
      session: msg.header && msg.header.session,
      publish,
      writeStream: (name, text) => publish("stream", { name, text }),
      writeDisplayData: (data, update) => publish(update ? "update_display_data" : "display_data", data),
    };
    const content = await this.handler.executeRequest(msg.content, io);
    send(sock, msg, "execute_reply", content, key);
  };

  const requests = {
    kernel_info_request: (self) => ["kernel_info_reply", self.handler.handleKernel()],
    is_complete_request: (self, msg) => ["is_complete_reply", self.handler.handleIsComplete(msg.content)],
    inspect_request: (self, msg) => ["inspect_reply", self.handler.handleInspect(msg.content)],
    complete_request: (self, msg) => ["complete_reply", self.handler.handleComplete(msg.content)],
    history_request: (self, msg) => ["history_reply", self.handler.history.reply(msg.content)],
    // tslab answered with msg_type "complete_reply"; ipywidgets asks this on every page load.
    comm_info_request: () => ["comm_info_reply", { status: "ok", comms: {} }],
    shutdown_request: (self, msg) => ["shutdown_reply", { status: "ok", restart: Boolean(msg.content.restart) }],
  };

  server.handleShellMessage = async function handleShellMessage(sock, ...frames) {
    let msg;
    try {
      msg = ZmqMessage.fromRaw(this.connInfo.key, frames);
    } catch (error) {
      log(`dropped a message that could not be read: ${error.message}`);
      return;
    }
    const msgType = msg.header.msg_type;
    this.publishStatus("busy", msg);
    try {
      if (msgType === "execute_request") {
        await this.handleExecute(sock, msg);
      } else if (requests[msgType]) {
        const replyType = msgType.replace(/_request$/, "_reply");
        let answer;
        try {
          answer = requests[msgType](this, msg)[1];
        } catch (error) {
          // tslab let such an error escape, and the client waited for a reply forever.
          answer = { status: "error", ...thrownError(error, state.cells) };
          log(`${msgType} failed: ${error && error.stack ? error.stack : error}`);
        }
        send(sock, msg, replyType, { status: "ok", ...answer }, this.connInfo.key);
      } else {
        log(`unknown msg_type: ${msgType}`);
      }
    } finally {
      this.publishStatus("idle", msg);
    }
    if (msgType === "shutdown_request") this.close();
  };

  server.close = function close() {
    const sockets = [this.iopub, this.shell, this.control, this.stdin, this.hb];
    Promise.all(sockets.map((socket) => sendsSettled(socket))).then(() => original.close.call(this));
  };
}

/** tslab.clearOutput(wait): a `clear_output` message on the current cell's output. */
function clearOutputFunction(state) {
  return function clearOutput(wait = false) {
    if (!state.publish) throw new Error("clearOutput: no cell is running (it works only inside the course kernel)");
    state.publish("clear_output", { wait: Boolean(wait) });
  };
}

module.exports = { cellExecutorFactory, installProtocol, clearOutputFunction, cellFilename };
