//! Issued certificates do not change, so their PDFs are rendered once and kept in a small, bounded
//! cache in memory. The key holds everything the PDF shows that could change (the holder's name is
//! replaced when an account is erased), so a stale copy is never served.
use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;

/// Room for this many documents (a certificate PDF is about 30 KB, so a few megabytes at most).
const CAPACITY: usize = 256;

#[derive(Default)]
pub struct PdfCache {
    entries: Mutex<HashMap<String, Bytes>>,
}

impl PdfCache {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    pub fn put(&self, key: String, bytes: Bytes) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY && !entries.contains_key(&key) {
                // Simple and bounded: start afresh rather than track recency.
                entries.clear();
            }
            entries.insert(key, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_returns_what_was_put_and_stays_bounded() {
        let cache = PdfCache::default();
        cache.put("a".into(), Bytes::from_static(b"%PDF-a"));
        assert_eq!(cache.get("a").as_deref(), Some(&b"%PDF-a"[..]));
        for i in 0..(CAPACITY * 2) {
            cache.put(format!("k{i}"), Bytes::from_static(b"x"));
        }
        assert!(cache.entries.lock().unwrap().len() <= CAPACITY);
    }
}
