// @caracal/agent: the Caracal guest SDK for JavaScript and TypeScript agents
// compiled to WebAssembly components with ComponentizeJS (world
// `caracal:agent/agent`). See ../README.md.

export { Caracal, caracal } from './caracal.js';
export { Session } from './session.js';
export { Grant } from './grant.js';
export {
  CaracalError,
  DeniedError,
  InvalidError,
  NotFoundError,
  GoneError,
  LimitError,
  UnavailableError,
  RequestDeniedError,
  HttpError,
} from './errors.js';
export { args, command } from './command.js';
export * as wit from './wit.js';
