//! Source coverage: the section "Source coverage" at the end of `spec/RULES.md` lists every
//! page of `shared/sources/` and `shared/seeds/` and, for each normative statement of a page,
//! a short quote and where the spec accounts for it (encoded by rules, decided in writing,
//! declared out of scope, or still pending). These tests keep that record honest:
//!
//! * every quote is still on its page (after normalising whitespace and markdown escapes);
//! * every rule ID, deviation, reading, heading or scope entry a row cites exists, and a rule
//!   cited as a decision has a **Decision:** (or **Readings:**) under its heading;
//! * every page of the two directories has rows, and every row names a page that exists;
//! * `copy` rows (a seed that repeats a source page) find every quote of that page in the seed,
//!   `see` rows quote a statement that the named page's rows account for;
//! * the counts line of the section matches the rows;
//! * no row is `pending` (`no_statement_is_pending`): a statement the spec does not account for
//!   fails the tests.
//!
//! The record is the RULES.md table itself, not a data file rendered into it: one copy, read by
//! people and checked by this test, so converting a pending row is a one-line edit of RULES.md.
//!
//! What no test can do is find a statement that no row lists: whether the rows are a complete
//! account of a page is for the reviewer reading the page beside its table.
//!
//! The pages live outside the repository (`../shared` next to the workspace, or
//! `CXSPEC_SOURCES_DIR`): the project cites them and does not copy them. Without them the
//! quote and page-list checks cannot run; they are skipped with a notice, and
//! `CXSPEC_REQUIRE_SOURCES=1` makes their absence a failure.

use cxspec_spec::{Deviation, Reading, Rule};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

mod rules_md;

const SECTION: &str = "Source coverage";
const FILE: &str = "spec/RULES.md";
/// The longest quote accepted: the project cites, it does not copy.
const MAX_QUOTE_WORDS: usize = 14;

// ---------------------------------------------------------------------------------------
// The record

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    /// Rules implement it (rule IDs).
    Encoded,
    /// A written choice: a rule's **Decision:**, a deviation, a reading or a section.
    Decided,
    /// Declared out of scope (RULES.md "Scope", or a reason given in the row).
    OutOfScope,
    /// Not accounted for yet: one of issue 10's items, or a gap.
    Pending,
    /// The page bears on none of the three machines (the page's only row).
    None,
    /// The seed repeats the named source page; that page's rows account for it.
    Copy,
    /// One statement that the named page's rows account for.
    See,
}

impl Status {
    fn parse(text: &str) -> Option<Status> {
        Some(match text {
            "encoded" => Status::Encoded,
            "decided" => Status::Decided,
            "out-of-scope" => Status::OutOfScope,
            "pending" => Status::Pending,
            "none" => Status::None,
            "copy" => Status::Copy,
            "see" => Status::See,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Status::Encoded => "encoded",
            Status::Decided => "decided",
            Status::OutOfScope => "out-of-scope",
            Status::Pending => "pending",
            Status::None => "none",
            Status::Copy => "copy",
            Status::See => "see",
        }
    }
}

/// One reference of a row's `where` cell.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ref {
    Rule(String),
    Deviation(String),
    Reading(String),
    /// `§Title`: a heading of RULES.md.
    Heading(String),
    /// `Scope "phrase"`: the phrase is in RULES.md's section "Scope".
    Scope(String),
    /// `issue-10 item N`.
    IssueItem(u8),
    /// `gap`: a pending statement that is none of issue 10's items.
    Gap,
    /// `sources/…` or `seeds/…`.
    Page(String),
    /// `—`: nothing to cite (a reason is in the note).
    Nothing,
}

#[derive(Clone, Debug)]
struct Row {
    line: usize,
    page: String,
    number: u32,
    quote: String,
    status: Status,
    refs: Vec<Ref>,
    note: String,
}

#[derive(Debug, Default)]
struct Record {
    /// Pages in order of appearance, with the line of their heading.
    pages: Vec<(String, usize)>,
    rows: Vec<Row>,
    /// The counts line and its line number, if present.
    counts: Option<(String, usize)>,
}

/// A problem with the record, named by file, line and field.
struct Problem {
    line: usize,
    field: &'static str,
    message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{FILE}:{}: {}: {}", self.line, self.field, self.message)
    }
}

fn problem(line: usize, field: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        line,
        field,
        message: message.into(),
    }
}

/// Splits a table line into cells on unescaped `|`, unescaping `\|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// Splits the `where` cell on commas outside double quotes and backquotes (page names such as
/// `Messages,-Events,-and-Activities_2528021.md` have commas).
fn ref_tokens(cell: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in cell.chars() {
        match c {
            '"' | '`' if quote.is_none() => {
                quote = Some(c);
                out.last_mut().unwrap().push(c);
            }
            c if quote == Some(c) => {
                quote = None;
                out.last_mut().unwrap().push(c);
            }
            ',' if quote.is_none() => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn is_id(token: &str, prefix: &str) -> bool {
    token
        .strip_prefix(prefix)
        .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_ref(token: &str) -> Result<Ref, String> {
    let token = token.trim_matches('`');
    if ["SLA-", "TASK-", "CONV-"].iter().any(|p| is_id(token, p)) {
        return Ok(Ref::Rule(token.to_string()));
    }
    if is_id(token, "DEV-") || is_id(token, "ATM-") {
        return Ok(Ref::Deviation(token.to_string()));
    }
    if is_id(token, "R-") {
        return Ok(Ref::Reading(token.to_string()));
    }
    if let Some(title) = token.strip_prefix('§') {
        return Ok(Ref::Heading(title.trim().to_string()));
    }
    if let Some(rest) = token.strip_prefix("Scope ") {
        let phrase = rest.trim();
        return match phrase.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            Some(p) if !p.trim().is_empty() => Ok(Ref::Scope(p.to_string())),
            _ => Err(format!(
                "`{token}`: write the scope entry as Scope \"words of RULES.md's Scope section\""
            )),
        };
    }
    if let Some(n) = token.strip_prefix("issue-10 item ") {
        return match n.parse::<u8>() {
            Ok(n @ 1..=11) => Ok(Ref::IssueItem(n)),
            _ => Err(format!("`{token}`: issue 10 has items 1 to 11")),
        };
    }
    if token == "gap" {
        return Ok(Ref::Gap);
    }
    if token.starts_with("sources/") || token.starts_with("seeds/") {
        return Ok(Ref::Page(token.to_string()));
    }
    if token == "—" || token == "-" {
        return Ok(Ref::Nothing);
    }
    Err(format!(
        "`{token}` is none of: a rule ID (SLA-nn, TASK-nn, CONV-nn), DEV-nn, ATM-nn, R-nn, \
         §Heading, Scope \"…\", issue-10 item N, gap, sources/… or seeds/…, —"
    ))
}

/// The page a `#### ` heading names: its first backquoted word.
fn heading_page(heading: &str) -> Option<String> {
    let start = heading.find('`')? + 1;
    let len = heading[start..].find('`')?;
    Some(heading[start..start + len].to_string())
}

/// Parses the section; returns the record and every problem found on the way.
fn parse(text: &str) -> (Record, Vec<Problem>) {
    let mut record = Record::default();
    let mut problems = Vec::new();
    let mut inside = false;
    let mut page: Option<String> = None;
    // Inside a table: whether it is a coverage table (its header starts `| # |`).
    let mut table: Option<bool> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim_end() == format!("## {SECTION}") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.starts_with("## ") {
            break;
        }
        if let Some(heading) = line.strip_prefix("#### ") {
            match heading_page(heading) {
                Some(p) if p.starts_with("sources/") || p.starts_with("seeds/") => {
                    record.pages.push((p.clone(), number));
                    page = Some(p);
                }
                _ => {
                    problems.push(problem(
                        number,
                        "page heading",
                        "a page heading names its page in backquotes: #### `sources/…` or `seeds/…`",
                    ));
                    page = None;
                }
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("Statements: ") {
            record.counts = Some((rest.trim().to_string(), number));
            continue;
        }
        if !line.starts_with('|') {
            table = None;
            continue;
        }
        let cells = cells(line);
        // A table's first line is its header: coverage tables start `| # | quote | …`; any
        // other table (the legend) is prose, but not under a page heading.
        let Some(coverage) = table else {
            let is_coverage = cells.first().is_some_and(|c| c == "#");
            if !is_coverage && page.is_some() {
                problems.push(problem(
                    number,
                    "table",
                    "a table under a page heading has the header | # | quote | status | where | note |",
                ));
            }
            table = Some(is_coverage);
            continue;
        };
        if !coverage || cells.first().is_some_and(|c| c.starts_with("---")) {
            continue;
        }
        let Some(page) = page.clone() else {
            problems.push(problem(
                number,
                "row",
                "a coverage table before any page heading (#### `sources/…`)",
            ));
            continue;
        };
        match parse_row(number, page, &cells) {
            Ok((row, bad_refs)) => {
                problems.extend(bad_refs);
                record.rows.push(row);
            }
            Err(p) => problems.push(p),
        }
    }
    if !inside {
        problems.push(problem(0, "section", format!("no `## {SECTION}` section")));
    }
    (record, problems)
}

/// One row of a coverage table: the row, and the problems of its `where` cell (the row is kept
/// so that its page still counts it); a row that cannot be read at all is an error.
fn parse_row(line: usize, page: String, cells: &[String]) -> Result<(Row, Vec<Problem>), Problem> {
    if cells.len() != 5 {
        let message = format!(
            "{} cells; a row has five: # | quote | status | where | note (escape a | inside a quote as \\|)",
            cells.len()
        );
        return Err(problem(line, "row", message));
    }
    let number = cells[0]
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            let message = format!("`{}` is not a row number (1, 2, …)", cells[0]);
            problem(line, "#", message)
        })?;
    let quote = cells[1]
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| {
            let message = format!("`{}`: a quote is written between double quotes", cells[1]);
            problem(line, "quote", message)
        })?;
    let status = Status::parse(&cells[2]).ok_or_else(|| {
        let message = format!(
            "`{}` is not a status (encoded, decided, out-of-scope, pending, none, copy, see)",
            cells[2]
        );
        problem(line, "status", message)
    })?;
    let mut refs = Vec::new();
    let mut bad_refs = Vec::new();
    for token in ref_tokens(&cells[3]) {
        match parse_ref(&token) {
            Ok(r) => refs.push(r),
            Err(e) => bad_refs.push(problem(line, "where", e)),
        }
    }
    let row = Row {
        line,
        page,
        number,
        quote: quote.to_string(),
        status,
        refs,
        note: cells[4].clone(),
    };
    Ok((row, bad_refs))
}

// ---------------------------------------------------------------------------------------
// The checks that need only RULES.md and the catalogues

/// Collapses whitespace and drops markdown escapes (`\_`, `\-`, `\|`, …), so a quote matches
/// the page however the page wraps or escapes it.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        let c = if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            chars.next().unwrap()
        } else {
            c
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Whether a rule's section states a choice: a **Decision:** or **Readings:** paragraph.
fn rule_has_decision(text: &str, id: &str) -> bool {
    rules_md::rule_section(text, id)
        .is_some_and(|s| s.contains("**Decision:**") || s.contains("**Readings:**"))
}

/// A reference that can state a choice: a rule (with its **Decision:**), a deviation, a
/// reading or a section of RULES.md.
fn decision(r: &Ref) -> bool {
    matches!(
        r,
        Ref::Rule(_) | Ref::Deviation(_) | Ref::Reading(_) | Ref::Heading(_)
    )
}

fn check_references(record: &Record, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let rule_headings: BTreeSet<String> = rules_md::headings(text, &["SLA-", "TASK-", "CONV-"])
        .into_iter()
        .collect();
    let deviation_headings: BTreeSet<String> = rules_md::headings(text, &["DEV-", "ATM-"])
        .into_iter()
        .collect();
    let all_headings: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .collect();
    let scope = rules_md::section(text, "Scope").map(normalise);
    let readings_table = rules_md::section(text, "Readings").unwrap_or_default();
    let pages: BTreeSet<&str> = record.pages.iter().map(|(p, _)| p.as_str()).collect();

    for row in &record.rows {
        let mut complain = |field: &'static str, message: String| {
            problems.push(problem(row.line, field, message));
        };
        for r in &row.refs {
            match r {
                Ref::Rule(id) => {
                    if Rule::from_id(id).is_none() || !rule_headings.contains(id) {
                        complain(
                            "where",
                            format!("rule {id} is not in the catalogue (rules.rs) and RULES.md"),
                        );
                    } else if row.status == Status::Decided && !rule_has_decision(text, id) {
                        complain(
                            "where",
                            format!("decided by {id}, but RULES.md has no **Decision:** or **Readings:** under it"),
                        );
                    }
                }
                Ref::Deviation(id) => {
                    if !Deviation::ALL.iter().any(|d| d.id() == id)
                        || !deviation_headings.contains(id)
                    {
                        complain(
                            "where",
                            format!("deviation {id} is not in rules.rs and RULES.md"),
                        );
                    }
                }
                Ref::Reading(id) => {
                    if !Reading::ALL.iter().any(|r| r.id() == id)
                        || !readings_table.contains(&format!("| {id} "))
                    {
                        complain(
                            "where",
                            format!("reading {id} is not in readings.rs and RULES.md's table"),
                        );
                    }
                }
                Ref::Heading(title) => {
                    if !all_headings.iter().any(|h| h.starts_with(title.as_str())) {
                        complain("where", format!("RULES.md has no heading `{title}`"));
                    }
                }
                Ref::Scope(phrase) => {
                    if !scope
                        .as_deref()
                        .is_some_and(|s| s.contains(&normalise(phrase)))
                    {
                        complain(
                            "where",
                            format!("RULES.md's section \"Scope\" does not say \"{phrase}\""),
                        );
                    }
                }
                Ref::Page(page) => {
                    if !pages.contains(page.as_str()) {
                        complain(
                            "where",
                            format!("{page} has no page heading in this section"),
                        );
                    }
                }
                Ref::IssueItem(_) | Ref::Gap | Ref::Nothing => {}
            }
        }
        let has = |f: fn(&Ref) -> bool| row.refs.iter().any(f);
        let only = |f: fn(&Ref) -> bool| row.refs.iter().all(f);
        let shape = match row.status {
            Status::Encoded => (has(|r| matches!(r, Ref::Rule(_)))
                && only(|r| decision(r) || matches!(r, Ref::Scope(_))))
            .then_some(())
            .ok_or("encoded needs at least one rule ID (and cites only rules, deviations, readings, §headings, Scope)"),
            Status::Decided => (has(decision) && only(|r| decision(r) || matches!(r, Ref::Scope(_))))
                .then_some(())
                .ok_or("decided needs a rule with a **Decision:**, a DEV-/ATM-nn, an R-nn or a §heading"),
            Status::OutOfScope => {
                let scoped = has(|r| matches!(r, Ref::Scope(_))) && only(|r| matches!(r, Ref::Scope(_)));
                let reasoned = matches!(row.refs.as_slice(), [Ref::Nothing]) && !row.note.is_empty();
                (scoped || reasoned).then_some(()).ok_or(
                    "out-of-scope cites Scope \"…\" of RULES.md, or — with the reason in the note",
                )
            }
            Status::Pending => {
                let item = matches!(row.refs.as_slice(), [Ref::IssueItem(_)]);
                let gap = matches!(row.refs.as_slice(), [Ref::Gap]);
                ((item || gap) && !row.note.is_empty()).then_some(()).ok_or(
                    "pending cites `issue-10 item N` or `gap`, and says what is missing in the note",
                )
            }
            Status::None => (matches!(row.refs.as_slice(), [Ref::Nothing]) && !row.note.is_empty())
                .then_some(())
                .ok_or("none cites — and says in the note why the page bears on nothing"),
            Status::Copy | Status::See => matches!(row.refs.as_slice(), [Ref::Page(_)])
                .then_some(())
                .ok_or("copy and see cite exactly one page (sources/… or seeds/…)"),
        };
        if let Err(message) = shape {
            problems.push(problem(row.line, "status", message.to_string()));
        }
        let words = row.quote.split_whitespace().count();
        if words > MAX_QUOTE_WORDS {
            problems.push(problem(
                row.line,
                "quote",
                format!("{words} words; cite a few words (at most {MAX_QUOTE_WORDS}), do not copy"),
            ));
        }
    }

    let mut seen_pages = BTreeMap::new();
    for (page, line) in &record.pages {
        if let Some(first) = seen_pages.insert(page.as_str(), *line) {
            problems.push(problem(
                *line,
                "page heading",
                format!("{page} has a heading already, at line {first}"),
            ));
        }
        let rows: Vec<&Row> = record.rows.iter().filter(|r| &r.page == page).collect();
        if rows.is_empty() {
            problems.push(problem(
                *line,
                "page heading",
                format!("{page} has no rows; every page gets its statements, or one `none` row saying why"),
            ));
        }
        if rows.iter().any(|r| r.status == Status::None) && rows.len() > 1 {
            problems.push(problem(
                *line,
                "status",
                format!("{page}: a `none` row is the only row of its page"),
            ));
        }
        let mut numbers = BTreeMap::new();
        for row in rows {
            if let Some(first) = numbers.insert(row.number, row.line) {
                problems.push(problem(
                    row.line,
                    "#",
                    format!(
                        "row {} of {page} is numbered already, at line {first}",
                        row.number
                    ),
                ));
            }
        }
    }

    // `see`: the quote is one of the named page's own rows (so that page accounts for it).
    for row in record.rows.iter().filter(|r| r.status == Status::See) {
        let [Ref::Page(target)] = row.refs.as_slice() else {
            continue;
        };
        let accounted = record.rows.iter().any(|r| {
            &r.page == target
                && !matches!(r.status, Status::See | Status::Copy)
                && normalise(&r.quote) == normalise(&row.quote)
        });
        if !accounted {
            problems.push(problem(
                row.line,
                "quote",
                format!("\"{}\" is the quote of no row of {target}", row.quote),
            ));
        }
    }

    // The counts line states the rows per status.
    let counts = counts(record);
    let stated = counts_line(&counts);
    match &record.counts {
        Some((line_text, line)) if *line_text != stated => problems.push(problem(
            *line,
            "counts",
            format!("says `Statements: {line_text}`; the rows say `Statements: {stated}`"),
        )),
        Some(_) => {}
        None => problems.push(problem(
            0,
            "counts",
            format!("no counts line; add `Statements: {stated}`"),
        )),
    }
    problems
}

fn counts(record: &Record) -> BTreeMap<Status, usize> {
    let mut counts = BTreeMap::new();
    for row in &record.rows {
        *counts.entry(row.status).or_insert(0) += 1;
    }
    counts
}

/// `N in all: a encoded, b decided, …` over the statement statuses (copy / see / none rows
/// are page bookkeeping, counted apart).
fn counts_line(counts: &BTreeMap<Status, usize>) -> String {
    let get = |s: Status| counts.get(&s).copied().unwrap_or(0);
    let statuses = [
        Status::Encoded,
        Status::Decided,
        Status::OutOfScope,
        Status::Pending,
    ];
    let total: usize = statuses.iter().map(|s| get(*s)).sum();
    let parts: Vec<String> = statuses
        .iter()
        .map(|s| format!("{} {}", get(*s), s.name()))
        .collect();
    format!(
        "{total} in all: {}; and {} rows that point to another page (copy, see), {} page(s) bearing on nothing.",
        parts.join(", "),
        get(Status::Copy) + get(Status::See),
        get(Status::None)
    )
}

// ---------------------------------------------------------------------------------------
// The checks against the pages

/// The directory holding `sources/` and `seeds/`, if present.
fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("CXSPEC_SOURCES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => rules_md::spec_dir().join("../../shared"),
    };
    (dir.join("sources").is_dir() && dir.join("seeds").is_dir()).then_some(dir)
}

fn require_sources() -> bool {
    std::env::var_os("CXSPEC_REQUIRE_SOURCES").is_some_and(|v| v == "1")
}

fn check_pages(record: &Record, shared: &std::path::Path) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut on_disk = BTreeSet::new();
    for dir in ["sources", "seeds"] {
        let entries = std::fs::read_dir(shared.join(dir))
            .unwrap_or_else(|e| panic!("{}: {e}", shared.join(dir).display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_file() {
                let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                texts.insert(name.clone(), normalise(&text));
                on_disk.insert(name);
            }
        }
    }
    let listed: BTreeSet<&str> = record.pages.iter().map(|(p, _)| p.as_str()).collect();
    for page in &on_disk {
        if !listed.contains(page.as_str()) {
            problems.push(problem(
                0,
                "page heading",
                format!(
                    "{page} (in {}) has no heading and no rows in the section",
                    shared.display()
                ),
            ));
        }
    }
    for (page, line) in &record.pages {
        if !on_disk.contains(page) {
            problems.push(problem(
                *line,
                "page heading",
                format!("{page} is not in {}", shared.display()),
            ));
        }
    }
    for row in &record.rows {
        let Some(text) = texts.get(&row.page) else {
            continue;
        };
        if !text.contains(&normalise(&row.quote)) {
            problems.push(problem(
                row.line,
                "quote",
                format!("\"{}\" is no longer on {}", row.quote, row.page),
            ));
        }
        if row.status == Status::Copy {
            let [Ref::Page(target)] = row.refs.as_slice() else {
                continue;
            };
            for source_row in record.rows.iter().filter(|r| {
                &r.page == target && !matches!(r.status, Status::See | Status::Copy | Status::None)
            }) {
                if !text.contains(&normalise(&source_row.quote)) {
                    problems.push(problem(
                        row.line,
                        "where",
                        format!(
                            "{} is not a copy of {target}: its row {} (line {}), \"{}\", is not in it",
                            row.page, source_row.number, source_row.line, source_row.quote
                        ),
                    ));
                }
            }
        }
    }
    problems
}

fn fail_on(problems: Vec<Problem>) {
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        panic!(
            "{} problem(s) in the source coverage:\n{}",
            list.len(),
            list.join("\n")
        );
    }
}

fn record() -> (Record, String) {
    let text = rules_md::rules_md_text();
    let (record, problems) = parse(&text);
    fail_on(problems);
    (record, text)
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn every_row_is_well_formed_and_cites_what_exists() {
    let (record, text) = record();
    fail_on(check_references(&record, &text));
}

#[test]
fn every_page_has_rows_and_every_quote_is_on_its_page() {
    let (record, _) = record();
    match shared_dir() {
        Some(shared) => fail_on(check_pages(&record, &shared)),
        None if require_sources() => panic!(
            "CXSPEC_REQUIRE_SOURCES=1, but no sources/ and seeds/ under CXSPEC_SOURCES_DIR or ../shared"
        ),
        None => eprintln!(
            "NOTICE: the pages (../shared/sources, ../shared/seeds) are not here; quotes and the \
             page list were not checked. Set CXSPEC_SOURCES_DIR, or CXSPEC_REQUIRE_SOURCES=1 to fail."
        ),
    }
}

/// No statement is pending: each is encoded, decided or out of scope (issue 10).
#[test]
fn no_statement_is_pending() {
    let (record, _) = record();
    let pending: Vec<String> = record
        .rows
        .iter()
        .filter(|r| r.status == Status::Pending)
        .map(|r| {
            let why = r
                .refs
                .iter()
                .map(|x| match x {
                    Ref::IssueItem(n) => format!("issue-10 item {n}"),
                    _ => "gap".to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "{FILE}:{}: {} row {}: \"{}\" ({why}): {}",
                r.line, r.page, r.number, r.quote, r.note
            )
        })
        .collect();
    assert!(
        pending.is_empty(),
        "{} statement(s) still pending:\n{}",
        pending.len(),
        pending.join("\n")
    );
}

// The checker checked: each kind of bad record is caught, with file, line and field.

fn problems_of(section: &str) -> Vec<String> {
    let text = format!(
        "# x\n\n### SLA-02 — t\n\n**Decision:** d\n\n### SLA-01 — t\n\nplain\n\n## Scope\n\n**Left out**: voice routing and call legs\n\n## {SECTION}\n\n{section}"
    );
    let (record, mut problems) = parse(&text);
    problems.extend(check_references(&record, &text));
    problems.iter().map(|p| p.to_string()).collect()
}

const HEAD: &str =
    "#### `sources/a.md`\n\n| # | quote | status | where | note |\n|---|---|---|---|---|\n";

fn one_row(row: &str) -> Vec<String> {
    let counts = "Statements: 1 in all: 1 encoded, 0 decided, 0 out-of-scope, 0 pending; and 0 rows that point to another page (copy, see), 0 page(s) bearing on nothing.\n";
    problems_of(&format!("{counts}{HEAD}{row}\n"))
        .into_iter()
        .filter(|p| !p.contains("counts"))
        .collect()
}

#[test]
fn a_good_row_passes() {
    assert_eq!(
        one_row("| 1 | \"some words\" | encoded | SLA-01 | |"),
        Vec::<String>::new()
    );
}

#[test]
fn bad_rows_are_named_by_line_and_field() {
    // The row is line 22: the preamble of `problems_of`, the counts line and HEAD come first.
    let cases = [
        ("| 1 | \"w\" | encoded | SLA-99 | |", "where: rule SLA-99"),
        ("| 1 | \"w\" | encodid | SLA-01 | |", "status: `encodid`"),
        ("| 1 | w | encoded | SLA-01 | |", "quote: `w`"),
        ("| 1 | \"w\" | decided | SLA-01 | |", "no **Decision:**"),
        ("| 1 | \"w\" | decided | SLA-02 | |", ""),
        ("| 1 | \"w\" | decided | R-99 | |", "reading R-99"),
        ("| 1 | \"w\" | decided | DEV-99 | |", "deviation DEV-99"),
        (
            "| 1 | \"w\" | out-of-scope | Scope \"call hold\" | |",
            "does not say \"call hold\"",
        ),
        (
            "| 1 | \"w\" | out-of-scope | Scope \"voice routing\" | |",
            "",
        ),
        ("| 1 | \"w\" | out-of-scope | — | |", "status: out-of-scope"),
        (
            "| 1 | \"w\" | pending | issue-10 item 12 | x |",
            "items 1 to 11",
        ),
        ("| 1 | \"w\" | pending | gap | |", "status: pending"),
        ("| 1 | \"w\" | encoded | SLA-01 |", "row: 4 cells"),
        ("| x | \"w\" | encoded | SLA-01 | |", "#: `x`"),
        (
            "| 1 | \"a b c d e f g h i j k l m n o\" | encoded | SLA-01 | |",
            "15 words",
        ),
        (
            "| 1 | \"w\" | see | sources/b.md | |",
            "sources/b.md has no page heading",
        ),
    ];
    for (row, expected) in cases {
        let found = one_row(row);
        if expected.is_empty() {
            assert_eq!(found, Vec::<String>::new(), "{row}");
        } else {
            assert!(
                found
                    .iter()
                    .any(|p| p.starts_with(&format!("{FILE}:22: ")) && p.contains(expected)),
                "{row}: expected a problem at line 22 saying `{expected}`, got {found:?}"
            );
        }
    }
}

/// Asserts that checking `section` finds a problem containing each of `expected`.
fn assert_finds(section: &str, expected: &[&str]) {
    let found = problems_of(section);
    for e in expected {
        assert!(
            found.iter().any(|p| p.contains(e)),
            "`{e}` not in {found:?}"
        );
    }
}

#[test]
fn a_page_without_rows_and_a_wrong_count_are_caught() {
    assert_finds(
        "Statements: 9 in all\n#### `sources/a.md`\n",
        &["sources/a.md has no rows", "counts: says"],
    );
}

#[test]
fn a_table_under_a_page_without_the_coverage_header_is_caught() {
    assert_finds(
        "#### `sources/a.md`\n\n| quote | status |\n|---|---|\n| \"w\" | encoded |\n",
        &[
            "table: a table under a page heading has the header",
            "sources/a.md has no rows",
        ],
    );
}

#[test]
fn quotes_match_across_wrapping_and_markdown_escapes() {
    assert_eq!(normalise("a\\_b  c\n d \\| e"), "a_b c d | e");
    assert_eq!(
        normalise("the  agent\n\nsends"),
        normalise("the agent sends")
    );
    assert!(!normalise("stop the SLA").contains(&normalise("start the SLA")));
}

#[test]
fn a_quote_missing_from_its_page_is_named() {
    let dir = std::env::temp_dir().join(format!("cxspec-coverage-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    std::fs::create_dir_all(dir.join("seeds")).unwrap();
    std::fs::write(
        dir.join("sources/a.md"),
        "The agent\nSLA will be \\_stopped\\_.",
    )
    .unwrap();
    std::fs::write(dir.join("seeds/s.txt"), "nothing of it").unwrap();
    let section = format!(
        "{HEAD}| 1 | \"agent SLA will be _stopped_\" | encoded | SLA-01 | |\n| 2 | \"will be started\" | encoded | SLA-01 | |\n#### `seeds/s.txt`\n\n| # | quote | status | where | note |\n|---|---|---|---|---|\n| 1 | \"nothing\" | copy | `sources/a.md` | |\n"
    );
    let (record, problems) = parse(&format!("## {SECTION}\n{section}"));
    assert!(problems.is_empty());
    let found: Vec<String> = check_pages(&record, &dir)
        .iter()
        .map(|p| p.to_string())
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].contains(":7: quote: \"will be started\" is no longer on sources/a.md"),
        "{found:?}"
    );
    assert!(
        found[1].contains("seeds/s.txt is not a copy of sources/a.md: its row 1"),
        "{found:?}"
    );
    assert!(found[2].contains("row 2"), "{found:?}");
}
