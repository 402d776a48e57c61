//! Generated blocks of a hand-written file (spec/RULES.md): text between a start and an
//! end marker that a command regenerates (`--write`) and CI checks (`--check`, exit 1
//! when stale). The readings matrix and the state diagrams both live in such blocks.
//! Left out: creating the markers; a file without them is an error (exit 2).

use cxspec_conformance::output::write_atomic;
use std::path::Path;
use std::process::ExitCode;

/// One kind of generated block: its markers, what it is, and the command that writes it.
pub struct Block {
    pub start: &'static str,
    pub end: &'static str,
    /// What the block holds, for messages ("the readings matrix").
    pub what: &'static str,
    /// The command that regenerates it, `FILE` standing for the file.
    pub regenerate: &'static str,
}

/// `text` with the block's content replaced by `content`; `None` without both markers.
pub fn replace_between_markers(block: &Block, text: &str, content: &str) -> Option<String> {
    let start = text.find(block.start)? + block.start.len();
    let end = text[start..].find(block.end)? + start;
    Some(format!("{}\n{}{}", &text[..start], content, &text[end..]))
}

/// Writes `content` into the block of `path` (`write`), or checks that it is there.
/// Exit codes: 0 written or up to date, 1 stale, 2 the file or its markers are missing.
pub fn write_or_check(block: &Block, path: &Path, write: bool, content: &str) -> ExitCode {
    write_or_check_blocks(&[(block, content.to_string())], path, write)
}

/// As [`write_or_check`] for several kinds of block: each one present in the file is
/// replaced or checked; at least one must be there.
pub fn write_or_check_blocks(blocks: &[(&Block, String)], path: &Path, write: bool) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let mut updated = text.clone();
    let mut found = Vec::new();
    for (block, content) in blocks {
        if let Some(next) = replace_between_markers(block, &updated, content) {
            updated = next;
            found.push((*block, content.as_str()));
        }
    }
    if found.is_empty() {
        let markers: Vec<String> = blocks
            .iter()
            .map(|(b, _)| format!("`{}` and `{}`", b.start, b.end))
            .collect();
        eprintln!(
            "error: {}: the markers {} are missing",
            path.display(),
            markers.join(", or ")
        );
        return ExitCode::from(2);
    }
    let what: Vec<&str> = found.iter().map(|(b, _)| b.what).collect();
    let what = what.join(" and ");
    if updated == text {
        println!("{what} in {}: up to date", path.display());
        return ExitCode::SUCCESS;
    }
    if write {
        if let Err(e) = write_atomic(path, updated.as_bytes()) {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        println!("{what} written to {}", path.display());
        return ExitCode::SUCCESS;
    }
    for (block, content) in &found {
        if replace_between_markers(block, &text, content).as_deref() != Some(text.as_str()) {
            print!("{content}");
            let command = block
                .regenerate
                .replace("FILE", &path.display().to_string());
            eprintln!(
                "\n{} in {}: stale, not what the model says now. Regenerate with:\n\n    {command}\n",
                block.what,
                path.display()
            );
        }
    }
    ExitCode::from(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: Block = Block {
        start: "<!-- x:start -->",
        end: "<!-- x:end -->",
        what: "x",
        regenerate: "regenerate FILE",
    };

    #[test]
    fn the_content_goes_between_the_markers_and_nowhere_else() {
        let text = "before\n<!-- x:start -->\nold\n<!-- x:end -->\nafter\n";
        let out = replace_between_markers(&BLOCK, text, "new\n").unwrap();
        assert_eq!(
            out,
            "before\n<!-- x:start -->\nnew\n<!-- x:end -->\nafter\n"
        );
        assert!(replace_between_markers(&BLOCK, "no markers", "x").is_none());
    }
}
