//! The bound-context stack: which session [`Caracal::spawn`] and
//! [`Caracal::headers`] act on when no session is named.
//!
//! One stack per thread (a `wasm32-wasip2` component has one). Each live
//! [`Session`] and each [`BindGuard`] owns one entry, keyed so that dropping
//! it removes exactly its own entry, even when guards are dropped out of
//! order. The innermost (most recently pushed, still present) entry is the
//! bound context.
//!
//! [`Caracal::spawn`]: crate::Caracal::spawn
//! [`Caracal::headers`]: crate::Caracal::headers
//! [`Session`]: crate::Session

use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::session::Context;

thread_local! {
    static STACK: RefCell<Stack<Context>> = const { RefCell::new(Stack::new()) };
}

/// Identifies one entry of the stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(u64);

/// A stack whose entries are removed by key, from anywhere in it.
#[derive(Debug)]
struct Stack<T> {
    entries: Vec<(Key, T)>,
    next: u64,
}

impl<T: Clone> Stack<T> {
    const fn new() -> Stack<T> {
        Stack {
            entries: Vec::new(),
            next: 0,
        }
    }

    fn push(&mut self, value: T) -> Key {
        let key = Key(self.next);
        self.next += 1;
        self.entries.push((key, value));
        key
    }

    fn remove(&mut self, key: Key) -> Option<T> {
        let at = self.entries.iter().rposition(|(k, _)| *k == key)?;
        Some(self.entries.remove(at).1)
    }

    fn innermost(&self) -> Option<T> {
        self.entries.last().map(|(_, value)| value.clone())
    }
}

/// Pushes `context` as the innermost binding.
pub(crate) fn push(context: Context) -> Key {
    STACK.with(|stack| stack.borrow_mut().push(context))
}

/// Removes the entry `key`, wherever it is; a no-op when it is gone already.
pub(crate) fn remove(key: Key) {
    let removed = STACK.with(|stack| stack.borrow_mut().remove(key));
    // Dropped outside the borrow: dropping the last handle calls the host.
    drop(removed);
}

/// The innermost bound context.
pub(crate) fn innermost() -> Option<Context> {
    STACK.with(|stack| stack.borrow().innermost())
}

/// Keeps a captured [`Context`] bound until dropped; returned by
/// [`Caracal::bind`](crate::Caracal::bind).
///
/// While the guard lives, the context is the innermost binding (until a session
/// spawned later takes over). Dropping the guard removes exactly its own
/// binding, even out of order. It does not close the session.
///
/// # Example
///
/// ```no_run
/// use caracal::Caracal;
///
/// let caracal = Caracal::new();
/// let session = caracal.spawn().label("request").start()?;
/// let captured = caracal.current().expect("the session is bound");
/// drop(session.spawn().start()?); // some other work binds and unbinds
///
/// // Later, e.g. in a background task that lost the binding:
/// let guard = caracal.bind(&captured);
/// let headers = caracal.headers()?; // the captured session's envelope
/// drop(guard);
/// # Ok::<(), caracal::Error>(())
/// ```
#[must_use = "the context is unbound again as soon as the guard is dropped"]
pub struct BindGuard {
    key: Key,
    // The stack is per thread: the guard must be dropped where it was made.
    _not_send: PhantomData<Rc<()>>,
}

impl BindGuard {
    pub(crate) fn new(context: Context) -> BindGuard {
        BindGuard {
            key: push(context),
            _not_send: PhantomData,
        }
    }
}

impl Drop for BindGuard {
    fn drop(&mut self) {
        remove(self.key);
    }
}

impl fmt::Debug for BindGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BindGuard")
            .field("key", &self.key.0)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Stack;

    #[test]
    fn innermost_is_the_last_live_entry() {
        let mut stack = Stack::new();
        assert_eq!(stack.innermost(), None);
        let outer = stack.push("outer");
        let inner = stack.push("inner");
        assert_eq!(stack.innermost(), Some("inner"));
        assert_eq!(stack.remove(inner), Some("inner"));
        assert_eq!(stack.innermost(), Some("outer"));
        assert_eq!(stack.remove(outer), Some("outer"));
        assert_eq!(stack.innermost(), None);
    }

    #[test]
    fn out_of_order_removal_removes_only_its_own_entry() {
        let mut stack = Stack::new();
        let outer = stack.push("outer");
        let middle = stack.push("middle");
        let inner = stack.push("inner");
        assert_eq!(stack.remove(middle), Some("middle"));
        assert_eq!(stack.innermost(), Some("inner"));
        assert_eq!(stack.remove(outer), Some("outer"));
        assert_eq!(stack.innermost(), Some("inner"));
        assert_eq!(stack.remove(outer), None, "removing twice is a no-op");
        assert_eq!(stack.remove(inner), Some("inner"));
        assert_eq!(stack.innermost(), None);
    }

    #[test]
    fn the_same_value_can_be_bound_twice() {
        let mut stack = Stack::new();
        let first = stack.push("ctx");
        let second = stack.push("ctx");
        assert_ne!(first, second);
        stack.remove(second);
        assert_eq!(stack.innermost(), Some("ctx"));
        stack.remove(first);
        assert_eq!(stack.innermost(), None);
    }
}
