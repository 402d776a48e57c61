// ==========================================================================================
//   YOUR CODE GOES HERE. This is the one file of the Node starter you are meant to edit.
// ==========================================================================================
//
// adapter.js speaks the protocol (lines, JSON, seq, errors); this class connects it to your
// implementation of the rules. Each method gets the runner's request as parsed JSON, e.g.
//   reset:   { op, id, suite, rule_set, config, mutant? }
//   apply:   { op, at_ms, input: { event, ...fields }, events?: [...] }
//   advance: { op, to_ms, events?: [...] }
// and returns the reply's fields (or a Promise of them); `ok` and `seq` are added for you:
//   {}                                  reset accepted (returning nothing works too)
//   { skip: 'task suite only' }         reset declined: the case is skipped
//   { published: [ ... ], state: { ... }, rules: [ ... ] }     apply, advance
//   { published: [], reject: 'NOT_RESERVED' }                  apply: input rejected
// A thrown error becomes {"ok":false,"error":...} for that case. Log with console.log or
// console.error: both go to stderr (stdout carries replies only).
//
// Absent fields: leave them out of an event (or set them to undefined), never null.
// What to publish, and in which order: conformance/FORMAT.md ("Time", "Suites"); the rules
// themselves: spec/RULES.md.
//
// Until reset() says otherwise, every case is skipped with NOT_YET as the reason, so a first
// run is clean: "0 passed ... N skipped by the adapter".
'use strict';

const NOT_YET = 'not implemented yet: write your code in conformance/adapters/node/implementation.js';

class Implementation {
  constructor() {
    // TODO: the state of one case lives here, e.g. this.engine = null;
  }

  hello(request) {
    // TODO: your name, and only the suites you implement (e.g. ['task']); the runner skips
    // the other suites without a reset. Mutants: leave empty unless you offer some.
    return {
      name: 'my implementation (cxspec Node starter)',
      suites: ['sla', 'task', 'conversation', 'system'],
      mutants: [],
    };
  }

  reset(request) {
    // TODO: decline the cases you do not run, then start a fresh case, clock at 0:
    //   if (request.rule_set !== 'specified') return { skip: 'specified rule set only' };
    //   this.engine = new MyRoutingEngine(request.config);   // FORMAT.md "config"
    //   return {};
    return { skip: NOT_YET };
  }

  apply(request) {
    // TODO: act on request.input at request.at_ms if your component owns it or has a rule for
    // it, then consume (request.events ?? []) in order; return what you published, e.g.
    //   if (rejected) return { published: [], reject: 'NO_CUSTOMER' };
    //   return { published: [{ event: 'TASK_ENQUEUED', task: 1 }], state: myState };
    throw new Error(`apply: ${NOT_YET}`);
  }

  advance(request) {
    // TODO: fire your due timers up to request.to_ms, one at a time in (deadline, key) order,
    // publishing their events; then consume (request.events ?? []); return { published }.
    throw new Error(`advance: ${NOT_YET}`);
  }

  close() {
    // TODO (optional): release what your implementation holds.
  }
}

module.exports = { Implementation, NOT_YET };
