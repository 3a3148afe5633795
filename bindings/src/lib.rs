//! Jatigi FFI (issue 8).
