#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dun_fuzz::lsp(data));
