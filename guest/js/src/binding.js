// The bound-context stack: which session `caracal.spawn()`,
// `caracal.headers()` and `caracal.fetch()` act on when none is named.
//
// One stack per component instance. Each live Session and each `bind` owns
// one entry, removed by key, so that unbinding out of order removes exactly
// its own entry. The innermost (most recently pushed, still present) entry is
// the bound context.
//
// JavaScript has no async-local storage in StarlingMonkey: concurrent async
// tasks share this stack. Code that interleaves sessions across `await`s
// should name the session (`session.fetch`, `session.headers()`,
// `session.spawn()`) instead of relying on the binding.

const entries = [];
let next = 0;

/** Pushes `session` as the innermost binding; returns its key. */
export function push(session) {
  const key = next++;
  entries.push({ key, session });
  return key;
}

/** Removes entry `key` wherever it is; a no-op when it is gone already. */
export function remove(key) {
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i].key === key) {
      entries.splice(i, 1);
      return;
    }
  }
}

/** The innermost bound session, or undefined. */
export function innermost() {
  return entries.length ? entries[entries.length - 1].session : undefined;
}
