#!/usr/bin/env node
// The cxspec adapter protocol (conformance/PROTOCOL.md), version 1, for Node 20 (no npm
// packages): one JSON request per line on stdin, one JSON reply per line on stdout, with the
// request's `seq`. Nothing else goes to stdout: console.log/info/debug are sent to stderr.
//
// Serves implementation.js, or, when the environment variable CXSPEC_FORWARD holds a command,
// forward.js: the pass-through that tests this starter against the reference. You should not
// need to edit this file.
'use strict';

const PROTOCOL = 1;

for (const name of ['log', 'info', 'debug']) {
  console[name] = console.error;
}

function createImplementation() {
  const command = process.env.CXSPEC_FORWARD;
  if (command && command.trim() !== '') {
    const { Forward } = require('./forward');
    return new Forward(command);
  }
  const { Implementation } = require('./implementation');
  return new Implementation();
}

// A method's return value as a reply: nothing means `{}`; `ok` is true unless it says `skip`
// or `error`. A copy, so that an object kept by the implementation is never changed here.
function normalise(value) {
  if (value === undefined || value === null) {
    value = {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`the implementation returned ${JSON.stringify(value)}, not a reply object`);
  }
  const reply = { ...value };
  if (!('ok' in reply)) {
    reply.ok = !('skip' in reply || 'error' in reply);
  }
  return reply;
}

function describe(error) {
  if (!(error instanceof Error)) {
    return `thrown: ${String(error)}`;
  }
  const at = (error.stack || '').split('\n').find((l) => l.trim().startsWith('at '));
  return `${error.name}: ${error.message}${at ? ` (${at.trim()})` : ''}`;
}

class Adapter {
  constructor() {
    this.implementation = null;
    this.inCase = false; // whether the last reset succeeded: apply and advance need a case
  }

  // Created at the first request, so that a failing constructor is reported, not fatal.
  impl() {
    if (this.implementation === null) {
      this.implementation = createImplementation();
    }
    return this.implementation;
  }

  // One request line to one reply object; never throws.
  async handle(line) {
    let seq;
    let reply;
    try {
      let request;
      try {
        request = JSON.parse(line);
      } catch (e) {
        request = e;
      }
      if (request instanceof Error) {
        reply = { ok: false, error: `malformed request, not JSON: ${request.message}` };
      } else if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        reply = { ok: false, error: 'malformed request: not a JSON object' };
      } else {
        seq = request.seq;
        reply = await this.dispatch(request);
      }
    } catch (e) {
      console.error(e);
      reply = { ok: false, error: describe(e) };
    }
    const { ok, seq: _ignored, ...rest } = reply;
    return seq === undefined ? { ok, ...rest } : { ok, seq, ...rest };
  }

  async dispatch(request) {
    const op = request.op;
    switch (op) {
      case 'hello': {
        this.inCase = false;
        const reply = normalise(await this.impl().hello(request));
        if (reply.ok === true && !('protocol' in reply)) {
          reply.protocol = PROTOCOL;
        }
        return reply;
      }
      case 'reset': {
        this.inCase = false;
        const reply = normalise(await this.impl().reset(request));
        this.inCase = reply.ok === true;
        return reply;
      }
      case 'apply':
      case 'advance': {
        if (!this.inCase) {
          return { ok: false, error: `${op} before a successful reset` };
        }
        const reply = normalise(await this.impl()[op](request));
        if (reply.ok === true && !('published' in reply)) {
          reply.published = [];
        }
        return reply;
      }
      default:
        return { ok: false, error: `unknown op ${JSON.stringify(op)}` };
    }
  }

  async close() {
    if (this.implementation !== null && typeof this.implementation.close === 'function') {
      await this.implementation.close();
    }
  }
}

function main() {
  const adapter = new Adapter();
  const write = (reply) => {
    process.stdout.write(JSON.stringify(reply) + '\n');
  };
  // Requests are handled one after the other, in arrival order, even when a method is async.
  let chain = Promise.resolve();
  const enqueue = (line) => {
    if (line.trim() !== '') {
      chain = chain.then(() => adapter.handle(line)).then(write);
    }
  };
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      enqueue(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  });
  process.stdin.on('end', () => {
    enqueue(buffered);
    chain
      .then(() => adapter.close())
      .catch((e) => console.error(e))
      .then(() => process.exit(0));
  });
}

main();
