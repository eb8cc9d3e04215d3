// What the course library needs to know about the cell it runs in, set by the kernel as globals
// (the library reads them; outside this kernel they are absent):
// - Symbol.for("shoplm.kernel.frontEndSession"): the `session` of the execute request's header.
//   Each page, tab and reload of a front end has its own, so a bundle sent once per page
//   (plotly.js, mermaid.js) is sent again to a page that has not had it.
// - Symbol.for("shoplm.kernel.staleDefinitions"): the top-level names declared by a cell whose
//   last run did not compile. tslab keeps their previous definitions, so `check()` would
//   otherwise pass code the student no longer sees.
"use strict";

const FRONT_END_SESSION = Symbol.for("shoplm.kernel.frontEndSession");
const STALE_DEFINITIONS = Symbol.for("shoplm.kernel.staleDefinitions");

/** The names a cell declares at its top level (functions, classes, variables, enums, imports). */
function declaredNames(ts, code) {
  const source = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set();
  const bind = (name) => {
    if (!name) return;
    if (ts.isIdentifier(name)) names.add(name.text);
    else if (ts.isObjectBindingPattern(name) || ts.isArrayBindingPattern(name)) {
      for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
    }
  };
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) bind(statement.name);
    else if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) bind(d.name);
    else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      bind(clause.name);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) bind(bindings.name);
      else if (bindings) for (const element of bindings.elements) bind(element.name);
    }
  }
  return names;
}

function staleSet() {
  let set = globalThis[STALE_DEFINITIONS];
  if (!(set instanceof Set)) {
    set = new Set();
    globalThis[STALE_DEFINITIONS] = set;
  }
  return set;
}

/** Before a cell runs: which page asked for it. */
function enterCell(session) {
  if (typeof session === "string" && session !== "") globalThis[FRONT_END_SESSION] = session;
}

/** After a cell ran: a compile failure marks its names stale, a compiled cell makes them current. */
function leaveCell(ts, code, compiled) {
  let names;
  try {
    names = declaredNames(ts, code);
  } catch {
    return; // a parse the kernel cannot do here changes nothing it knows
  }
  const stale = staleSet();
  for (const name of names) {
    if (compiled) stale.delete(name);
    else stale.add(name);
  }
}

module.exports = { declaredNames, enterCell, leaveCell, FRONT_END_SESSION, STALE_DEFINITIONS };
