// The entry-point convention: an agent module exports `main(args)` (sync or
// async); `command(agent)` makes the `wasi:cli/run` export (jco's shape:
// `export const run = { run() {...} }`) that calls it. An exception (or a
// rejected promise) is printed on stderr and exits with status 1.

import { environment, exit } from './wit.js';

/** The program arguments, without the program name. */
export function args() {
  return environment.getArguments().slice(1);
}

function describe(error) {
  if (error instanceof Error) {
    const head = `${error.name}: ${error.message}`;
    const stack = typeof error.stack === 'string' && error.stack.trim() ? `\n${error.stack.trimEnd()}` : '';
    return head + stack;
  }
  return String(error);
}

/**
 * The `wasi:cli/run` export for an agent module (or its `main` function).
 *
 * @param {{main: (args: string[]) => unknown} | ((args: string[]) => unknown)} agent
 */
export function command(agent) {
  const main = typeof agent === 'function' ? agent : agent?.main;
  return {
    async run() {
      if (typeof main !== 'function') {
        console.error('error: the agent module does not export a `main` function');
        exit.exit({ tag: 'err', val: undefined });
      }
      try {
        await main(args());
      } catch (error) {
        console.error(`error: ${describe(error)}`);
        exit.exit({ tag: 'err', val: undefined });
      }
    },
  };
}
