//! Rendered documents (certificate and plan PDFs, plan .docx files) kept in memory, bounded in
//! bytes. A key holds everything the document shows that could change, so a stale copy is never
//! served: certificates by their row and the holder's context, plans by a hash of the whole
//! `PlanDocument` the renderer is given (see [`document_key`]).
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use actix_web::web::Bytes;
use sha2::{Digest, Sha256};

/// At most this many bytes of documents (a certificate PDF is about 30 KB, a plan PDF 100–200 KB).
const BUDGET_BYTES: usize = 24 * 1024 * 1024;
/// At most this many documents, whatever their size.
const CAPACITY: usize = 1024;

#[derive(Default)]
struct Entries {
    map: HashMap<String, Bytes>,
    /// Keys in insertion order, the oldest first: the first to go when the budget is spent.
    order: VecDeque<String>,
    bytes: usize,
}

#[derive(Default)]
pub struct PdfCache {
    entries: Mutex<Entries>,
}

impl PdfCache {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.entries.lock().ok()?.map.get(key).cloned()
    }

    pub fn put(&self, key: String, bytes: Bytes) {
        if bytes.len() > BUDGET_BYTES / 8 {
            return; // one huge document must not push out everything else
        }
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        if let Some(old) = e.map.remove(&key) {
            e.bytes -= old.len();
            e.order.retain(|k| k != &key);
        }
        while e.bytes + bytes.len() > BUDGET_BYTES || e.map.len() >= CAPACITY {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(gone) = e.map.remove(&oldest) {
                e.bytes -= gone.len();
            }
        }
        e.bytes += bytes.len();
        e.order.push_back(key.clone());
        e.map.insert(key, bytes);
    }
}

/// A cache key for a document rendered from `input` alone: `kind` (which renderer) and the
/// SHA-256 of `input`'s JSON. Any change to anything the renderer sees changes the key.
///
/// # Errors
/// Only if `input` cannot be written as JSON.
pub fn document_key<T: serde::Serialize>(kind: &str, input: &T) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    hasher.update([0]);
    serde_json::to_writer(HashWriter(&mut hasher), input)?;
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("{kind}|{hex}"))
}

struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_returns_what_was_put_and_stays_bounded_in_count() {
        let cache = PdfCache::default();
        cache.put("a".into(), Bytes::from_static(b"%PDF-a"));
        assert_eq!(cache.get("a").as_deref(), Some(&b"%PDF-a"[..]));
        for i in 0..(CAPACITY * 2) {
            cache.put(format!("k{i}"), Bytes::from_static(b"x"));
        }
        let e = cache.entries.lock().unwrap();
        assert!(e.map.len() <= CAPACITY);
        assert_eq!(e.map.len(), e.order.len());
    }

    #[test]
    fn the_cache_stays_within_its_byte_budget_and_drops_the_oldest_first() {
        let cache = PdfCache::default();
        let big = Bytes::from(vec![0u8; BUDGET_BYTES / 10]);
        for i in 0..30 {
            cache.put(format!("k{i}"), big.clone());
        }
        let e = cache.entries.lock().unwrap();
        assert!(e.bytes <= BUDGET_BYTES);
        assert_eq!(e.bytes, e.map.values().map(Bytes::len).sum::<usize>());
        assert!(!e.map.contains_key("k0"));
        assert!(e.map.contains_key("k29"));
    }

    #[test]
    fn putting_a_key_again_replaces_it_without_counting_it_twice() {
        let cache = PdfCache::default();
        cache.put("a".into(), Bytes::from_static(b"one"));
        cache.put("a".into(), Bytes::from_static(b"three"));
        assert_eq!(cache.get("a").as_deref(), Some(&b"three"[..]));
        let e = cache.entries.lock().unwrap();
        assert_eq!((e.bytes, e.order.len()), (5, 1));
    }

    #[test]
    fn a_document_key_changes_with_any_field_of_its_input() {
        let a = document_key("plan.pdf", &("Asha", "answer")).unwrap();
        assert_eq!(a, document_key("plan.pdf", &("Asha", "answer")).unwrap());
        assert_ne!(a, document_key("plan.pdf", &("Asha", "answer!")).unwrap());
        assert_ne!(a, document_key("plan.docx", &("Asha", "answer")).unwrap());
    }
}
