//! The migrations are embedded in the binary (`db::MIGRATIONS`), and so are
//! the Fluent catalogues: rebuild when one is added or changed, not only
//! when Rust code changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=src/i18n/locales");
}
