//! Embeds what `caracal-host build` writes out for a toolchain: the WIT
//! contract (`wit/`) and the Python and JavaScript guest SDKs, so the
//! binary builds agents without the repository beside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (directory under the workspace root, prefix inside the embedded tree).
const TREES: [(&str, &str); 3] = [
    ("wit", "wit"),
    ("guest/python/caracalai", "python/caracalai"),
    ("guest/js/src", "js/src"),
];

/// File kinds embedded; anything else (caches, build output) is left out.
const KINDS: [&str; 6] = ["wit", "py", "js", "mjs", "ts", "json"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let mut files = Vec::new();
    for (dir, prefix) in TREES {
        let base = root.join(dir);
        println!("cargo::rerun-if-changed={}", base.display());
        collect(&base, &base, prefix, &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// Every embedded file: (path inside the tree, contents).\npub(crate) static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        writeln!(
            out,
            "    ({name:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(base: &Path, dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__pycache__" || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(base, &path, prefix, files);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| KINDS.contains(&e))
        {
            println!("cargo::rerun-if-changed={}", path.display());
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.push((format!("{prefix}/{rel}"), path));
        }
    }
}
