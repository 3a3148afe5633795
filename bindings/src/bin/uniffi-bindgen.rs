//! `cargo uniffi-bindgen ...` (alias in .cargo/config.toml): uniffi's generator, built from
//! the same uniffi version as the library it reads, so nobody installs it by hand.

fn main() {
    uniffi::uniffi_bindgen_main()
}
