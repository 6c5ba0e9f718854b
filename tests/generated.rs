//! Code generated from data files is current: `src/catalog/flux_fields_generated.rs` is what
//! `schemas/flux-fields.yaml` gives. `FLEETLINT_REGENERATE=1 cargo test --test generated`
//! writes it anew after a change to the schema.

use std::path::Path;

#[test]
fn the_flux_fields_code_is_generated_from_the_schema_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/catalog/flux_fields_generated.rs");
    let expected = fleetlint::catalog::flux_fields::generated_source();
    if std::env::var_os("FLEETLINT_REGENERATE").is_some() {
        std::fs::write(&path, &expected).expect("the generated file is writable");
    }
    let committed = std::fs::read_to_string(&path).expect("the generated file exists");
    assert!(
        committed == expected,
        "{} is out of date: run `FLEETLINT_REGENERATE=1 cargo test --test generated`",
        path.display()
    );
}
