// Preload for `jco guest-types` (jco 1.35): its WIT reader runs as a
// component on preview2-shim 0.26, which starts with no preopened
// directories, so it cannot read any WIT path ("failed to read path for
// WIT ... os error 44"). Give it the host's root. Run from the directory
// whose node_modules holds jco:
//
//   node --import ./scripts/jco-preopens.mjs node_modules/@bytecodealliance/jco/dist/jco.js guest-types ../../wit -n caracal:agent/agent -o types -q
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = join(process.cwd(), 'node_modules', '@bytecodealliance');
const candidates = [
  join(modules, 'jco-transpile', 'node_modules', '@bytecodealliance', 'preview2-shim'),
  join(modules, 'preview2-shim'),
];
const shimDir = candidates.find((dir) => existsSync(join(dir, 'dist', 'nodejs', 'filesystem.js')));
if (!shimDir) throw new Error(`jco-preopens: no preview2-shim under ${modules}`);
const shim = await import(pathToFileURL(join(shimDir, 'dist', 'nodejs', 'filesystem.js')).href);
shim._setPreopens({ '/': '/' });
