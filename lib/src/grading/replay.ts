/**
 * Property checks ("does not change its input") judged on the trusted side, although the answer
 * runs in another process. The property is run here with a stand-in for the answer; the first
 * time it calls the stand-in with new arguments, that call goes to the sandbox and the property is
 * run again from the start, this time with the recorded answer, and so on until it finishes
 * without asking for anything new. Each call of the answer thus happens once in the sandbox; the
 * property must call the answer the same way each time (it is deterministic, as checks are), and
 * may interact with it only by calling it with data and reading what it returns or throws and how
 * it changed its arguments.
 */
import type { AnswerFunction, PropertyCheck } from "./exercise";
import type { CallResult } from "./sandbox";
import { decodeValue, encodeText, syncInto } from "./transfer";

/** What the stand-in gets for one call: the sandbox's result, or why the call was not made. */
export type RemoteResult = CallResult | { readonly kind: "not-run" | "budget"; readonly message: string };

export interface RemoteAnswer {
  call(args: string, wantArgs: boolean): Promise<RemoteResult>;
}

export type PropertyVerdict =
  | { readonly status: "passed" }
  | { readonly status: "failed"; readonly message: string }
  /** The property threw: the answer's own error, another error, or the property's authoring mistake. */
  | { readonly status: "error"; readonly message: string; readonly cause: "answer" | "property" | "authoring" }
  /** A call of the answer could not be completed (timeout, crash, ...). */
  | { readonly status: "stopped"; readonly result: Exclude<RemoteResult, { kind: "returned" | "threw" }> };

/** Raised by the stand-in when the property asks for a call not yet made. */
class NeedsCall extends Error {
  constructor() {
    super("the answer has not been called with these arguments yet");
  }
}

/** The property cannot be replayed (it is not deterministic, or sends what cannot be sent). */
export class PropertyAuthoringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PropertyAuthoringError";
  }
}

/** The answer's exception, as the property sees it (name and message survive the trip). */
export class AnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnswerError";
  }
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `a non-Error value was thrown: ${String(error)}`;
}

/** Upper bound on calls one property may make: a property is a handful of calls, not a loop. */
export const MAX_PROPERTY_CALLS = 64;

export async function runPropertyRemote<F extends AnswerFunction>(check: PropertyCheck<F>, remote: RemoteAnswer): Promise<PropertyVerdict> {
  const recorded: { args: string; result: Extract<RemoteResult, { kind: "returned" | "threw" }> }[] = [];
  for (;;) {
    let next = 0;
    let wanted: string | null = null;
    const answerErrors = new Set<unknown>();
    const standIn = (...args: unknown[]): unknown => {
      const i = next++;
      let text: string;
      try {
        text = encodeText(args);
      } catch (error) {
        throw new PropertyAuthoringError(`property check "${check.name}" passes the answer something the grader cannot send: ${describeThrown(error)}`);
      }
      if (i >= recorded.length) {
        wanted ??= text;
        throw new NeedsCall();
      }
      const { args: before, result } = recorded[i];
      if (before !== text) throw new PropertyAuthoringError(`property check "${check.name}" is not deterministic: call ${i + 1} of the answer changed between runs`);
      if (result.argsAfter !== undefined) syncInto(args, decodeValue(result.argsAfter));
      if (result.kind === "threw") {
        const error = new AnswerError(result.message);
        answerErrors.add(error);
        if (result.async) {
          // Marked handled: a property that never awaits it must not crash the grader.
          const rejected = Promise.reject(error);
          rejected.catch(() => undefined);
          return rejected;
        }
        throw error;
      }
      const value = decodeValue(result.value);
      return result.async ? Promise.resolve(value) : value;
    };
    let verdict: PropertyVerdict;
    try {
      const said = await check.property(standIn as unknown as F);
      verdict = said ? { status: "failed", message: String(said) } : { status: "passed" };
    } catch (error) {
      const message = error instanceof AnswerError ? `threw ${error.message}` : `threw ${describeThrown(error)}`;
      const cause = answerErrors.has(error) ? "answer" : error instanceof PropertyAuthoringError ? "authoring" : "property";
      verdict = { status: "error", message, cause };
    }
    if (wanted === null) return verdict;
    if (recorded.length >= MAX_PROPERTY_CALLS) {
      throw new PropertyAuthoringError(`property check "${check.name}" calls the answer more than ${MAX_PROPERTY_CALLS} times`);
    }
    const result = await remote.call(wanted, true);
    if (result.kind !== "returned" && result.kind !== "threw") return { status: "stopped", result };
    recorded.push({ args: wanted, result });
  }
}
