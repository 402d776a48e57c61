// The pass-through: starts `sh -c "$CXSPEC_FORWARD"` (e.g. `cxspec conform --serve-reference`)
// and hands it every request, returning its replies as they are. Requests and replies stay
// plain parsed JSON, so no field or null is lost on the way (JSON numbers are JavaScript
// numbers: exact up to 2^53, which every protocol number is). The child's `seq` is checked and
// removed, so that the one in the reply is adapter.js's. The child's stderr is this process's.
'use strict';

const { spawn } = require('child_process');

class Forward {
  constructor(command) {
    this.command = command;
    this.lines = [];
    this.waiting = [];
    this.ended = null;
    this.child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdin.on('error', () => {}); // a dead child is reported by 'close' below
    this.child.on('error', (e) => this.end(`could not start \`${command}\`: ${e.message}`));
    this.child.on('close', (code, signal) =>
      this.end(`the forwarded command \`${command}\` ended (${signal || `exit code ${code}`})`),
    );
    let buffered = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const waiter = this.waiting.shift();
        if (waiter) {
          waiter.resolve(line);
        } else {
          this.lines.push(line);
        }
      }
    });
  }

  end(why) {
    if (this.ended === null) {
      this.ended = why;
    }
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(new Error(this.ended));
    }
  }

  nextLine() {
    if (this.lines.length > 0) {
      return Promise.resolve(this.lines.shift());
    }
    if (this.ended !== null) {
      return Promise.reject(new Error(this.ended));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async send(request) {
    this.child.stdin.write(JSON.stringify(request) + '\n');
    const line = await this.nextLine();
    const reply = JSON.parse(line);
    if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) {
      throw new Error(`the forwarded command replied with a non-object: ${line}`);
    }
    const { seq, ...rest } = reply;
    if (seq !== undefined && seq !== request.seq) {
      throw new Error(`the forwarded command answered seq ${seq} to seq ${request.seq}`);
    }
    return rest;
  }

  hello(request) {
    return this.send(request);
  }

  reset(request) {
    return this.send(request);
  }

  apply(request) {
    return this.send(request);
  }

  advance(request) {
    return this.send(request);
  }

  close() {
    return new Promise((resolve) => {
      if (this.ended !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.child.kill();
        resolve();
      }, 100);
      this.child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.stdin.end();
    });
  }
}

module.exports = { Forward };
