fn main() {
    let t = std::time::Instant::now();
    fleetlint::catalog::providers::charts();
    let a = t.elapsed();
    fleetlint::catalog::providers::platform_groups();
    let b = t.elapsed();
    fleetlint::catalog::flux_fields::schema();
    let c = t.elapsed();
    let _cat = fleetlint::catalog::Catalog::new();
    let d = t.elapsed();
    eprintln!("{a:?} {b:?} {c:?} {d:?}");
}
