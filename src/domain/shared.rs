//! Text many records repeat (every task of a service names the same cluster, task
//! definition, image and status), held once: a `SharedStr` is a reference-counted string,
//! and `SharedStr::intern` hands out the copy already held when there is one. 10,000
//! tasks then cost their own ids and addresses, not 10,000 copies of each ARN.

use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SharedStr(Arc<str>);

/// What is interned, and the size at which entries no record holds any more are dropped.
struct Interned {
    set: HashSet<Arc<str>>,
    prune_at: usize,
}

static INTERNED: Mutex<Option<Interned>> = Mutex::new(None);

/// Entries held before the first sweep for ones nothing else holds.
const FIRST_PRUNE: usize = 4_096;

impl SharedStr {
    /// The held copy of `text`, or a new one held from now on.
    pub fn intern(text: &str) -> SharedStr {
        // A poisoned lock only means another thread panicked while interning: the set is
        // still a set.
        let mut guard = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
        let interned = guard.get_or_insert_with(|| Interned {
            set: HashSet::new(),
            prune_at: FIRST_PRUNE,
        });
        if let Some(held) = interned.set.get(text) {
            return SharedStr(held.clone());
        }
        if interned.set.len() >= interned.prune_at {
            interned.set.retain(|s| Arc::strong_count(s) > 1);
            interned.prune_at = (interned.set.len() * 2).max(FIRST_PRUNE);
        }
        let new: Arc<str> = Arc::from(text);
        interned.set.insert(new.clone());
        SharedStr(new)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr::intern(s)
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr::intern(&s)
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> SharedStr {
        SharedStr::intern(s)
    }
}

impl From<&SharedStr> for String {
    fn from(s: &SharedStr) -> String {
        s.0.to_string()
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> String {
        s.0.to_string()
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_is_held_once_and_compares_as_text() {
        let a = SharedStr::intern("arn:aws:ecs:eu-west-1:1:cluster/shared-test");
        let b = SharedStr::from("arn:aws:ecs:eu-west-1:1:cluster/shared-test".to_string());
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "arn:aws:ecs:eu-west-1:1:cluster/shared-test");
        assert_eq!(a.to_string(), "arn:aws:ecs:eu-west-1:1:cluster/shared-test");
        assert_eq!(
            format!("{a:?}"),
            "\"arn:aws:ecs:eu-west-1:1:cluster/shared-test\""
        );
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            "\"arn:aws:ecs:eu-west-1:1:cluster/shared-test\""
        );
    }

    #[test]
    fn what_nothing_holds_any_more_is_let_go() {
        // More distinct texts than the first sweep: the set sweeps and stays bounded.
        for i in 0..(FIRST_PRUNE * 3) {
            drop(SharedStr::intern(&format!("shared-test-transient-{i}")));
        }
        let guard = INTERNED.lock().unwrap();
        let interned = guard.as_ref().unwrap();
        assert!(
            interned.set.len() <= FIRST_PRUNE * 2,
            "{}",
            interned.set.len()
        );
    }
}
