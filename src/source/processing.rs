//! Which file each thread is working on, so that an internal error (a panic) can name it.
//!
//! Stages mark what they process with [`processing`]; the guard it returns unmarks it when
//! dropped. Marks are per thread, so work on rayon's threads is tracked where it runs, and the
//! innermost mark is the most precise. A panic hook reads [`current`] on the panicking thread
//! before unwinding drops the guards.

use std::cell::RefCell;

/// A thread's marks: the first `depth` strings of `marks`, innermost last. The strings past
/// `depth` are kept to be written over: a mark is set for every file read and every build, and
/// copying its path into a buffer that already has room costs no allocation.
struct Marks {
    marks: Vec<String>,
    depth: usize,
}

thread_local! {
    static STACK: RefCell<Marks> = const {
        RefCell::new(Marks {
            marks: Vec::new(),
            depth: 0,
        })
    };
}

/// Marks `what` (a repository-relative path) as being processed on this thread until the
/// returned guard is dropped.
#[must_use = "the mark lasts as long as the guard"]
pub fn processing(what: &str) -> Processing {
    STACK.with(|s| {
        let mut s = s.borrow_mut();
        let depth = s.depth;
        match s.marks.get_mut(depth) {
            Some(mark) => {
                mark.clear();
                mark.push_str(what);
            }
            None => s.marks.push(what.to_string()),
        }
        s.depth += 1;
    });
    Processing { _private: () }
}

/// The innermost mark on this thread.
pub fn current() -> Option<String> {
    STACK.with(|s| {
        let s = s.borrow();
        s.depth.checked_sub(1).map(|top| s.marks[top].clone())
    })
}

pub struct Processing {
    _private: (),
}

impl Drop for Processing {
    fn drop(&mut self) {
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            s.depth = s.depth.saturating_sub(1);
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
        // Marks set again write over the kept ones, longer or shorter.
        let _outer = processing("apps/a-much-longer-path/c.yaml");
        let _inner = processing("d");
        assert_eq!(current().as_deref(), Some("d"));
        drop(_inner);
        assert_eq!(current().as_deref(), Some("apps/a-much-longer-path/c.yaml"));
    }
}
