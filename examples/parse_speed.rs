//! Measures YAML parsing on a directory: saphyr-parser events alone (the parse floor's work)
//! against fleetlint's span tree built from the same events.
//!
//! `cargo run --release --example parse_speed -- DIR`

use std::path::{Path, PathBuf};
use std::time::Instant;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let mut files = Vec::new();
    yaml_files(Path::new(&dir), &mut files);
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mb = bytes as f64 / 1e6;
    for round in 0..3 {
        let start = Instant::now();
        let mut events = 0usize;
        for text in &texts {
            events += saphyr_parser::Parser::new_from_str(text).count();
        }
        let floor = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let mut docs = 0usize;
        for (i, text) in texts.iter().enumerate() {
            docs += fleetlint::source::yaml::parse(fleetlint::source::FileId(i as u32), text)
                .0
                .len();
        }
        let tree = start.elapsed().as_secs_f64();
        println!(
            "round {round}: {} files, {mb:.1} MB, {events} events, {docs} documents: events {:.0} MB/s, span tree {:.0} MB/s",
            texts.len(),
            mb / floor,
            mb / tree
        );
    }
}
