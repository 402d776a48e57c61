//! Reading `spec/RULES.md` for the traceability tests (`rule_ids.rs`, `source_coverage.rs`):
//! its text, its `### ID — title` headings, and the text under one heading. One reader, so
//! that both tests agree on what a heading of RULES.md is.

#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

/// The directory of the `cxspec-spec` crate (`spec/`).
pub fn spec_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn rules_md_path() -> PathBuf {
    spec_dir().join("RULES.md")
}

pub fn rules_md_text() -> String {
    std::fs::read_to_string(rules_md_path()).expect("spec/RULES.md exists")
}

/// IDs of the `### ID — title` headings of RULES.md with one of the given prefixes, in
/// order of appearance (duplicates kept, so a caller can detect them).
pub fn headings(text: &str, prefixes: &[&str]) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("### "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| prefixes.iter().any(|p| id.starts_with(p)))
        .map(str::to_string)
        .collect()
}

/// The text under the `### ID` heading, up to the next `###` or `##` heading; `None` when
/// RULES.md has no such heading.
pub fn rule_section<'a>(text: &'a str, id: &str) -> Option<&'a str> {
    text_under(
        text,
        |line| {
            line.strip_prefix("### ")
                .and_then(|l| l.split_whitespace().next())
                == Some(id)
        },
        |line| line.starts_with("### ") || line.starts_with("## "),
    )
}

/// The text of the `## title` section (its own heading excluded), up to the next `## `
/// heading; `None` when there is no such section.
pub fn section<'a>(text: &'a str, title: &str) -> Option<&'a str> {
    text_under(
        text,
        |line| line.trim_end().strip_prefix("## ") == Some(title),
        |line| line.starts_with("## "),
    )
}

/// The lines after the first line that `starts` accepts, up to (not including) the next line
/// that `ends` accepts, or to the end of the text.
fn text_under(
    text: &str,
    starts: impl Fn(&str) -> bool,
    ends: impl Fn(&str) -> bool,
) -> Option<&str> {
    let mut begun = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        match begun {
            Some(start) if ends(line) => return Some(&text[start..here]),
            Some(_) => {}
            None if starts(line) => begun = Some(offset),
            None => {}
        }
    }
    begun.map(|start| &text[start..])
}

/// True when `id` occurs as a whole ID (so "SLA-1" does not match inside "SLA-10").
pub fn cites(text: &str, id: &str) -> bool {
    text.match_indices(id)
        .any(|(i, _)| !text[i + id.len()..].starts_with(|c: char| c.is_ascii_digit()))
}
