//! In-process coordination of writes: one async mutex per key (a lower-cased workspace ID).
//!
//! ARM keeps only some of several concurrent writes to one workspace's managed network (users.md
//! rows 2 and 3), so resources take the workspace's lock around a read-modify-write. Locks are
//! created on first use and dropped when nobody holds or waits for them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// A map of async mutexes keyed case-insensitively.
#[derive(Debug, Default)]
pub struct KeyedLocks {
    locks: Mutex<HashMap<String, Weak<AsyncMutex<()>>>>,
}

impl KeyedLocks {
    /// An empty set of locks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for and takes the lock of `key` (compared case-insensitively); released on drop.
    pub async fn lock(&self, key: &str) -> OwnedMutexGuard<()> {
        let mutex = {
            let mut map = self.locks.lock().expect("KeyedLocks map poisoned");
            map.retain(|_, w| w.strong_count() > 0);
            let k = key.to_ascii_lowercase();
            match map.get(&k).and_then(Weak::upgrade) {
                Some(m) => m,
                None => {
                    let m = Arc::new(AsyncMutex::new(()));
                    map.insert(k, Arc::downgrade(&m));
                    m
                }
            }
        };
        mutex.lock_owned().await
    }

    /// Number of keys with a live lock (held or awaited); for tests and diagnostics.
    pub fn live_keys(&self) -> usize {
        let map = self.locks.lock().expect("KeyedLocks map poisoned");
        map.values().filter(|w| w.strong_count() > 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn serialises_one_key_case_insensitively_and_not_others() {
        let locks = Arc::new(KeyedLocks::new());
        let inside = Arc::new(AtomicUsize::new(0));
        let max_inside = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (locks, inside, max_inside) = (locks.clone(), inside.clone(), max_inside.clone());
            let key = if i % 2 == 0 {
                "/Subscriptions/S/WS"
            } else {
                "/subscriptions/s/ws"
            };
            tasks.push(tokio::spawn(async move {
                let _g = locks.lock(key).await;
                let n = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max_inside.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(max_inside.load(Ordering::SeqCst), 1);

        let a = locks.lock("a").await;
        let b = tokio::time::timeout(Duration::from_millis(100), locks.lock("b")).await;
        assert!(b.is_ok(), "a different key must not wait");
        drop((a, b));
        assert_eq!(locks.live_keys(), 0);
    }
}
