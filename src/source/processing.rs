//! Which file each thread is working on, so that an internal error (a panic) can name it.
//!
//! Stages mark what they process with [`processing`]; the guard it returns unmarks it when
//! dropped. Marks are per thread, so work on rayon's threads is tracked where it runs, and the
//! innermost mark is the most precise. A panic hook reads [`current`] on the panicking thread
//! before unwinding drops the guards.

use std::cell::RefCell;

thread_local! {
    static STACK: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Marks `what` (a repository-relative path) as being processed on this thread until the
/// returned guard is dropped.
#[must_use = "the mark lasts as long as the guard"]
pub fn processing(what: &str) -> Processing {
    STACK.with(|s| s.borrow_mut().push(what.to_string()));
    Processing { _private: () }
}

/// The innermost mark on this thread.
pub fn current() -> Option<String> {
    STACK.with(|s| s.borrow().last().cloned())
}

pub struct Processing {
    _private: (),
}

impl Drop for Processing {
    fn drop(&mut self) {
        STACK.with(|s| {
            s.borrow_mut().pop();
        });
    }
}

/// Debug builds only: `FLEETLINT_DEBUG_PANIC_ON=<repository-relative path>` makes reading that
/// file panic, so that tests can check how an internal error is reported. Release builds
/// compile this to nothing.
#[cfg(debug_assertions)]
pub(crate) fn debug_panic_on(path: &str) {
    static TARGET: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let target = TARGET.get_or_init(|| std::env::var("FLEETLINT_DEBUG_PANIC_ON").ok());
    if target.as_deref() == Some(path) {
        panic!("FLEETLINT_DEBUG_PANIC_ON: deliberate panic while reading {path}");
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn debug_panic_on(_path: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_nest_and_unwind() {
        assert_eq!(current(), None);
        {
            let _outer = processing("a.yaml");
            {
                let _inner = processing("b.yaml");
                assert_eq!(current().as_deref(), Some("b.yaml"));
            }
            assert_eq!(current().as_deref(), Some("a.yaml"));
        }
        assert_eq!(current(), None);
    }
}
