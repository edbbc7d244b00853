//! The source layout rule: no Rust file of the workspace's crates over 400 lines.
use std::path::{Path, PathBuf};

/// The most lines a Rust file may have.
const MAX_LINES: usize = 400;

/// The crates whose sources the rule covers, relative to the workspace root.
const CRATES: &[&str] = &["app", "server", "frontend"];

/// Every `*.rs` file under `dir`, build output and installed packages left out.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => panic!("reading {}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "node_modules" {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_rust_file_is_over_400_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in CRATES {
        rust_files(&root.join(krate), &mut files);
    }
    assert!(
        files.len() > 50,
        "found only {} Rust files under {}",
        files.len(),
        root.display()
    );
    files.sort();
    let too_long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => panic!("reading {}: {e}", path.display()),
            };
            let lines = text.lines().count();
            let shown = path.strip_prefix(&root).unwrap_or(path).display();
            (lines > MAX_LINES).then(|| format!("{shown}: {lines} lines"))
        })
        .collect();
    assert!(
        too_long.is_empty(),
        "Rust files over {MAX_LINES} lines (split them into modules):\n{}",
        too_long.join("\n")
    );
}
