//! Compiles the generated C parser (src/parser.c, written by `tree-sitter
//! generate` and committed) into the crate, so no generator is needed.

fn main() {
    let src_dir = std::path::Path::new("src");
    let mut c_config = cc::Build::new();
    c_config.std("c11").include(src_dir);
    // The generated parser has unused parameters and labels by design.
    c_config.flag_if_supported("-Wno-unused-parameter");
    c_config.flag_if_supported("-Wno-unused-but-set-variable");
    c_config.flag_if_supported("-Wno-trigraphs");
    let parser_path = src_dir.join("parser.c");
    c_config.file(&parser_path);
    println!(
        "cargo:rerun-if-changed={}",
        parser_path.to_str().unwrap_or("src/parser.c")
    );
    c_config.compile("tree-sitter-dun");
}
