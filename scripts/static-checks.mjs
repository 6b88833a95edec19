#!/usr/bin/env node
// The static checks `npm test` runs before the suite: the type check, eslint and prettier, at once
// (each is mostly one core's work, and the suite's time budget is shared with them). Prints each
// check's output under its name and exits non-zero when any fails.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const bin = (name) => resolve(import.meta.dirname, '..', 'node_modules', '.bin', name);
const checks = [
  ['types (tsc)', bin('tsc'), ['--noEmit']],
  ['lint (eslint)', bin('eslint'), ['.']],
  ['format (prettier)', bin('prettier'), ['--check', '.', '--log-level', 'warn']],
];

const results = await Promise.all(
  checks.map(
    ([name, command, args]) =>
      new Promise((done) => {
        const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        child.on('close', (code) => done({ name, code, output }));
      }),
  ),
);
for (const { name, code, output } of results) {
  console.log(`${code === 0 ? 'ok  ' : 'FAIL'} ${name}`);
  if (code !== 0) console.log(output.trimEnd());
}
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
