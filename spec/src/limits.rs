//! Limits on the YAML files cxspec reads from its users (vectors, scenario files,
//! configurations), checked before any parsing so that a hostile or broken file is refused
//! in milliseconds with its file and line, never parsed for minutes or read forever.
//!
//! * only regular files are read: a FIFO, socket or device named `*.yaml` would block or
//!   never end, so it is refused without being opened;
//! * a file is at most [`MAX_FILE_BYTES`] (4 MiB), a line at most [`MAX_LINE_BYTES`]
//!   (64 KiB), and values nest at most [`MAX_NESTING`] (32) levels deep, block indentation
//!   and flow brackets together. The largest committed vector is about 20 KB, its longest
//!   line under 2 KB, and it nests 7 levels: the limits leave ample headroom.
//!
//! The nesting scan is a cheap over-approximation of YAML's structure (indentation levels,
//! `- ` and `? ` indicators, `[`/`{` outside quotes and comments); it never under-counts a
//! document serde_yaml would nest deeper, which is what bounds the parser's work.
//! Left out: a file that changes between the check and the read (the read is bounded anyway).

use crate::config::ConfigError;
use std::io::Read;
use std::path::Path;

/// The largest file read: 4 MiB.
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// The longest line: 64 KiB.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// The deepest nesting of values, block and flow levels together.
pub const MAX_NESTING: usize = 32;

fn error(origin: &str, line: Option<usize>, message: String) -> ConfigError {
    ConfigError {
        origin: origin.to_string(),
        line,
        field: None,
        message,
    }
}

/// Reads a YAML input file: a regular file (symbolic links followed) within the limits,
/// UTF-8. Errors name the path and, where one is at fault, the line.
pub fn read_file(path: &Path) -> Result<String, ConfigError> {
    let origin = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| error(&origin, None, e.to_string()))?;
    if !meta.is_file() {
        return Err(error(
            &origin,
            None,
            format!(
                "not a regular file ({}): only regular files are read",
                kind(&meta)
            ),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(&origin, meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| error(&origin, None, e.to_string()))?;
    // Bounded even if the file grew after the check.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(&origin, None, e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(&origin, bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        error(
            &origin,
            Some(line),
            format!("not UTF-8 text (invalid byte at offset {at})"),
        )
    })?;
    check_text(&text, &origin)?;
    Ok(text)
}

fn too_big(origin: &str, len: u64) -> ConfigError {
    error(
        origin,
        None,
        format!(
            "the file is {len} bytes; files larger than {} MiB are refused",
            MAX_FILE_BYTES >> 20
        ),
    )
}

fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    "not a file"
}

/// Checks a YAML text against the limits: size, line length, nesting depth.
pub fn check_text(text: &str, origin: &str) -> Result<(), ConfigError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(origin, text.len() as u64));
    }
    let mut scan = Nesting::default();
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(error(
                origin,
                Some(i + 1),
                format!(
                    "the line is {} bytes long; lines longer than {} KiB are refused",
                    line.len(),
                    MAX_LINE_BYTES >> 10
                ),
            ));
        }
        let depth = scan.line(line);
        if depth > MAX_NESTING {
            return Err(error(
                origin,
                Some(i + 1),
                format!(
                    "values nest more than {MAX_NESTING} levels deep (indentation and brackets together)"
                ),
            ));
        }
    }
    Ok(())
}

/// The deepest nesting of a text, as [`check_text`] counts it.
pub fn nesting_depth(text: &str) -> usize {
    let mut scan = Nesting::default();
    text.split('\n').map(|l| scan.line(l)).max().unwrap_or(0)
}

/// The scanner's state between lines.
#[derive(Default)]
struct Nesting {
    /// Indentations of the open block levels, increasing.
    indents: Vec<usize>,
    /// Open flow collections (`[`, `{`).
    flow: usize,
    /// Inside a quoted scalar that spans lines: its quote character.
    quote: Option<char>,
    /// Inside a block scalar (`|`, `>`): lines indented more than this belong to it.
    literal_above: Option<usize>,
}

impl Nesting {
    /// Consumes one line; returns the deepest nesting reached on it.
    fn line(&mut self, line: &str) -> usize {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if let Some(above) = self.literal_above {
            if rest.trim().is_empty() || indent > above {
                return self.indents.len();
            }
            self.literal_above = None;
        }
        let mut block = self.indents.len();
        let mut body = rest;
        if self.flow == 0 && self.quote.is_none() {
            if rest.is_empty() || rest.starts_with('#') {
                return block;
            }
            while self.indents.last().is_some_and(|&top| top >= indent) {
                self.indents.pop();
            }
            self.indents.push(indent);
            block = self.indents.len();
            // Compact nesting on one line: `- - - x`, `? - x`.
            loop {
                let trimmed = body.trim_start_matches(' ');
                match trimmed.as_bytes() {
                    [b'-' | b'?', b' ', ..] => {
                        block += 1;
                        body = &trimmed[2..];
                    }
                    _ => break,
                }
            }
            let t = body.trim_end();
            if t.ends_with(": |")
                || t.ends_with(": >")
                || t == "|"
                || t == ">"
                || t.ends_with(": |-")
                || t.ends_with(": >-")
                || t.ends_with(": |+")
                || t.ends_with(": >+")
            {
                self.literal_above = Some(indent);
            }
        }
        let mut deepest = block + self.flow;
        let mut token_start = true;
        let mut previous = ' ';
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            match self.quote {
                Some('"') => match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => self.quote = None,
                    _ => {}
                },
                Some(_) => {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            self.quote = None;
                        }
                    }
                }
                None => {
                    if c == '#' && previous.is_whitespace() {
                        break; // a comment
                    }
                    match c {
                        '"' | '\'' if token_start => self.quote = Some(c),
                        '[' | '{' if token_start || self.flow > 0 => {
                            self.flow += 1;
                            deepest = deepest.max(block + self.flow);
                        }
                        ']' | '}' if self.flow > 0 => self.flow -= 1,
                        _ => {}
                    }
                    token_start = match c {
                        ' ' | '\t' => token_start || previous == ':' || previous == '-',
                        '[' | '{' | ',' => self.flow > 0 || token_start,
                        _ => false,
                    };
                    if (c == ' ' || c == '\t') && previous == ':' {
                        token_start = true;
                    }
                }
            }
            previous = c;
        }
        deepest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_yaml_nests_shallowly() {
        let text =
            "a:\n  b: [1, {c: [2]}]\n  d:\n  - e: 'x [ y'\n    f: \"[[[\"\n# [[[[\ng: a [b # [[\n";
        // `a` and `b` are two block levels, then three brackets.
        assert_eq!(nesting_depth(text), 5);
    }

    #[test]
    fn deep_flow_and_block_nesting_are_refused_with_the_line() {
        let flow = format!("a: 1\nb: {}{}\n", "[".repeat(40), "]".repeat(40));
        let err = check_text(&flow, "x.yaml").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        assert!(err.message.contains("32 levels"), "{err}");

        let mut block = String::from("a:\n");
        for d in 1..50 {
            block.push_str(&format!("{}k:\n", " ".repeat(d)));
        }
        let err = check_text(&block, "x.yaml").unwrap_err();
        assert_eq!(err.line, Some(33), "{err}");

        let compact = format!("a:\n{}x\n", "- ".repeat(40));
        assert_eq!(check_text(&compact, "x.yaml").unwrap_err().line, Some(2));
    }

    #[test]
    fn brackets_in_quotes_comments_and_plain_scalars_do_not_count() {
        let quoted = format!("a: \"{}\"\nb: '{}'\n", "[".repeat(100), "{".repeat(100));
        assert_eq!(check_text(&quoted, "x.yaml"), Ok(()));
        let comment = format!("a: 1 # {}\n", "[".repeat(100));
        assert_eq!(check_text(&comment, "x.yaml"), Ok(()));
        let plain = format!("a: x{}\n", "[".repeat(100));
        assert_eq!(check_text(&plain, "x.yaml"), Ok(()));
        let literal = format!(
            "a: |\n{}\nb: 1\n",
            (1..60)
                .map(|d| " ".repeat(d) + "x")
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_eq!(check_text(&literal, "x.yaml"), Ok(()));
    }

    #[test]
    fn long_lines_and_big_texts_are_refused() {
        let long = format!("a: 1\nb: {}\n", "x".repeat(MAX_LINE_BYTES));
        let err = check_text(&long, "x.yaml").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("64 KiB"), "{err}");
        let big = "a: 1\n".repeat((MAX_FILE_BYTES as usize) / 5 + 1);
        let err = check_text(&big, "x.yaml").unwrap_err();
        assert!(err.message.contains("4 MiB"), "{err}");
    }
}
