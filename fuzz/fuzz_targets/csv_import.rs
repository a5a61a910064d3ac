//! Bulk-import CSV: any bytes give rows or line-numbered problems, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = deepdive::domain::import::parse("fuzz.csv", &text);
});
