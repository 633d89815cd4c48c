//! The migrations are embedded in the binary (`db::MIGRATIONS`): rebuild
//! when one is added or changed, not only when Rust code changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
