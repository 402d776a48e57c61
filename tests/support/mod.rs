//! Helpers shared by the tests that run adapters written in other languages
//! (`adapter_starters.rs`, `vendor_profile.rs`).

use std::process::{Command, Stdio};

/// Whether `program arg` runs and succeeds (a tool's `-version` or `--version`).
pub fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Shell single quotes around `s`.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
