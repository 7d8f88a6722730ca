// The build's entry module: bundled with the agent module aliased as
// `caracal-agent-main` (see BUILD.md), it exports `wasi:cli/run`.
import * as agent from 'caracal-agent-main';
import { command } from './command.js';

export const run = command(agent);
