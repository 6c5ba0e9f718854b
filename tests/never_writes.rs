//! fleetlint never writes to the repository and never executes anything (DESIGN §9).
//!
//! The run test works on a read-only copy of fixtures and compares a hash of the whole tree
//! (names, types, permissions, sizes, modification times, contents) before and after. On CI
//! runners that run as root the permission bits do not stop a write, which is why the tree is
//! compared rather than trusting the permissions to fail it. The source test is grep-level:
//! no API that writes files or starts processes appears in `src/`.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let path = out[i].clone();
        if path.is_dir() && !path.is_symlink() {
            let mut children: Vec<PathBuf> = std::fs::read_dir(&path)
                .expect("readable dir")
                .map(|e| e.expect("entry").path())
                .collect();
            children.sort();
            out.extend(children);
        }
        i += 1;
    }
    out
}

/// A hash of everything a write could change.
fn tree_hash(root: &Path) -> u64 {
    let mut hasher = DefaultHasher::new();
    for path in all_paths(root) {
        let meta = std::fs::symlink_metadata(&path).expect("metadata");
        path.strip_prefix(root)
            .expect("under root")
            .hash(&mut hasher);
        meta.is_dir().hash(&mut hasher);
        meta.len().hash(&mut hasher);
        meta.permissions().readonly().hash(&mut hasher);
        meta.modified().ok().hash(&mut hasher);
        if meta.is_file() {
            std::fs::read(&path).expect("readable").hash(&mut hasher);
        }
    }
    hasher.finish()
}

fn set_readonly(root: &Path, readonly: bool) {
    // Files first, then directories bottom-up, so that each can still be reached.
    let mut paths = all_paths(root);
    paths.reverse();
    for path in paths {
        let mut perms = std::fs::metadata(&path).expect("metadata").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(readonly);
        std::fs::set_permissions(&path, perms).expect("chmod");
    }
}

#[test]
fn a_run_over_a_read_only_repository_changes_nothing() {
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let tmp = tempfile::tempdir().expect("temp dir");
    // A clean fleet and one with findings of every kind of problem the fixtures hold.
    let clean = tmp.path().join("clean");
    copy_tree(&testdata.join("fleet"), &clean);
    std::fs::create_dir(clean.join(".git")).expect("mkdir .git");
    let broken = tmp.path().join("broken");
    copy_tree(&testdata.join("FL004-missing-resource/fail"), &broken);
    copy_tree(
        &testdata.join("FL012-invalid-yaml/fail"),
        &broken.join("more"),
    );
    std::fs::create_dir(broken.join(".git")).expect("mkdir .git");

    set_readonly(tmp.path(), true);
    let before = tree_hash(tmp.path());
    for (dir, expected) in [(&clean, 0), (&broken, 1)] {
        for format in ["human", "json"] {
            let status = Command::cargo_bin("fleetlint")
                .expect("the binary is built")
                .current_dir(dir)
                .args(["--format", format])
                .output()
                .expect("fleetlint runs")
                .status;
            assert_eq!(status.code(), Some(expected), "{} {format}", dir.display());
        }
    }
    let after = tree_hash(tmp.path());
    set_readonly(tmp.path(), false);
    assert_eq!(before, after, "the repository changed during a run");
}

/// Source text of every file under `src/`.
fn sources() -> Vec<(PathBuf, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    all_paths(&src)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable source");
            (p, text)
        })
        .collect()
}

/// Whether every `libc::` item on a line is one of those that tune glibc's allocator
/// (`src/main.rs`): they neither start processes nor write files.
fn only_allocator_tuning(line: &str) -> bool {
    const ALLOWED: &[&str] = &["mallopt", "M_TOP_PAD", "M_MMAP_THRESHOLD", "c_int"];
    line.split("libc::").skip(1).all(|rest| {
        let item: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        ALLOWED.contains(&item.as_str())
    })
}

#[test]
fn the_guard_allows_only_the_allocator_tuning_from_libc() {
    assert!(only_allocator_tuning(
        "        libc::mallopt(libc::M_TOP_PAD, TOP_PAD);"
    ));
    assert!(only_allocator_tuning(
        "    const TOP_PAD: libc::c_int = 4 << 20;"
    ));
    assert!(!only_allocator_tuning("        libc::fork();"));
    assert!(!only_allocator_tuning(
        "        libc::mallopt(libc::M_TOP_PAD, 1); libc::write(1, p, n);"
    ));
    assert!(!only_allocator_tuning("use libc::*;"));
}

#[test]
fn the_source_never_starts_a_process_or_writes_a_file() {
    const FORBIDDEN: &[&str] = &[
        // Processes.
        "process::Command",
        "process::{",
        "Command::new(",
        ".spawn(",
        "execvp",
        "libc::",
        // Writes.
        "fs::write",
        "File::create",
        "OpenOptions",
        "create_dir",
        "remove_file",
        "remove_dir",
        "fs::rename",
        "fs::copy",
        "set_permissions",
        "hard_link",
        "fs::symlink(",
    ];
    let files = sources();
    assert!(files.len() > 10, "src/ was not found");
    let mut hits = Vec::new();
    for (path, text) in &files {
        for (n, line) in text.lines().enumerate() {
            for word in FORBIDDEN {
                if line.contains(word) && !(*word == "libc::" && only_allocator_tuning(line)) {
                    hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "{hits:#?}");
}
