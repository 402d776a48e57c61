//! `cxspec vectors ...` (generate, check, coverage, mutate) and `cxspec conform` (run
//! vectors against the reference or an adapter, or serve the reference as an adapter).
//! The work is done by the `cxspec-conformance` crate; this module parses arguments,
//! prints, and maps outcomes to exit codes: 0 all good, 1 failures or differences,
//! 2 a kit, input or adapter error.

use cxspec_conformance::adapter::serve;
use cxspec_conformance::coverage::{load_exemptions, stale, uncovered};
use cxspec_conformance::framing::DEFAULT_MAX_REPLY_BYTES;
use cxspec_conformance::generate::generate;
use cxspec_conformance::mutation;
use cxspec_conformance::report::{self, Run};
use cxspec_conformance::runner::{self, Filter, Options, Target};
use cxspec_conformance::suite::Suite;
use cxspec_conformance::vector::load_dir;
use cxspec_spec::RuleSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const VECTORS: &str = "conformance/vectors";
const EXEMPTIONS: &str = "conformance/exemptions.yaml";

#[derive(clap::Args)]
pub struct VectorsArgs {
    #[command(subcommand)]
    command: VectorsCommand,
}

#[derive(clap::Subcommand)]
enum VectorsCommand {
    /// Derive the vectors from the spec and write them (stale files are removed).
    Generate {
        #[arg(long, default_value = VECTORS)]
        out: PathBuf,
    },
    /// Regenerate in memory and compare with the committed vectors; exit 1 on any difference.
    Check {
        #[arg(long, default_value = VECTORS)]
        dir: PathBuf,
    },
    /// Check that every rule ID has a vector or a written exemption.
    Coverage {
        #[arg(long, default_value = VECTORS)]
        dir: PathBuf,
        #[arg(long, default_value = EXEMPTIONS)]
        exemptions: PathBuf,
    },
    /// Run the single-rule mutants of the reference against the vectors; print the kill table.
    Mutate {
        #[arg(long, default_value = VECTORS)]
        dir: PathBuf,
        /// Run the mutants this adapter offers (`hello.mutants`) instead of the reference's.
        #[arg(long)]
        adapter: Option<String>,
        /// Parallel workers for an adapter run.
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Also write the table to this file.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    Human,
    Json,
    Junit,
}

#[derive(clap::Args)]
pub struct ConformArgs {
    /// The vectors directory.
    #[arg(long, default_value = VECTORS)]
    vectors: PathBuf,
    /// Rule set to ask for instead of each vector's own (specified, documented, as-implemented).
    #[arg(long)]
    rules: Option<RuleSet>,
    /// A command speaking the adapter protocol (conformance/PROTOCOL.md); default: the built-in reference.
    #[arg(long)]
    adapter: Option<String>,
    /// Only this suite: sla, task, conversation or system.
    #[arg(long)]
    suite: Option<Suite>,
    /// Only this case (`id` or `suite/id`).
    #[arg(long)]
    id: Option<String>,
    /// Only cases covering this rule ID.
    #[arg(long)]
    rule: Option<String>,
    /// Parallel workers (one adapter process each).
    #[arg(long)]
    jobs: Option<usize>,
    /// Time an adapter has to answer one request.
    #[arg(long, default_value_t = 10_000)]
    step_timeout_ms: u64,
    /// Fail a step whose vector states the state when the adapter reports none (see the
    /// summary's "checks exercised" for what a run compared).
    #[arg(long)]
    require_state: bool,
    /// The longest reply line an adapter may write, in bytes; a longer one is an adapter error.
    #[arg(long, default_value_t = DEFAULT_MAX_REPLY_BYTES)]
    max_reply_bytes: usize,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    report: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Ask the implementation to behave as this mutant (mutation runs).
    #[arg(long)]
    mutant: Option<String>,
    /// Serve the reference over the adapter protocol on stdin/stdout and exit at end of input.
    #[arg(long)]
    serve_reference: bool,
}

fn kit_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

pub fn vectors(args: VectorsArgs) -> ExitCode {
    match args.command {
        VectorsCommand::Generate { out } => generate_into(&out),
        VectorsCommand::Check { dir } => check(&dir),
        VectorsCommand::Coverage { dir, exemptions } => coverage(&dir, &exemptions),
        VectorsCommand::Mutate {
            dir,
            adapter,
            jobs,
            output,
        } => mutate(&dir, adapter.as_deref(), jobs, output.as_deref()),
    }
}

fn generate_into(out: &Path) -> ExitCode {
    let generated = generate();
    let files = generated.files();
    let mut written = 0;
    for (path, text) in &files {
        let path = out.join(path);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == *text) {
            continue;
        }
        if let Some(dir) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(dir) {
                return kit_error(format!("{}: {e}", dir.display()));
            }
        }
        if let Err(e) = std::fs::write(&path, text) {
            return kit_error(format!("{}: {e}", path.display()));
        }
        written += 1;
    }
    // Vectors are generated only: a file the generator no longer makes is removed.
    let mut removed = 0;
    if let Ok(existing) = cxspec_conformance::vector::find_files(out) {
        for path in existing {
            let relative = path.strip_prefix(out).unwrap_or(&path).to_path_buf();
            if !files.contains_key(&relative) && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
    }
    println!(
        "{} vectors in {} ({written} files written, {removed} removed); coverage in {}",
        generated.vectors.len(),
        out.display(),
        out.join("COVERAGE.md").display()
    );
    ExitCode::SUCCESS
}

fn check(dir: &Path) -> ExitCode {
    let files = generate().files();
    let mut problems = Vec::new();
    for (path, text) in &files {
        match std::fs::read_to_string(dir.join(path)) {
            Ok(old) if old == *text => {}
            Ok(_) => problems.push(format!("differs: {}", dir.join(path).display())),
            Err(_) => problems.push(format!("missing: {}", dir.join(path).display())),
        }
    }
    match cxspec_conformance::vector::find_files(dir) {
        Ok(existing) => {
            for path in existing {
                let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                if !files.contains_key(&relative) {
                    problems.push(format!("not generated: {}", path.display()));
                }
            }
        }
        Err(e) => problems.push(format!("cannot read {}: {e}", dir.display())),
    }
    if problems.is_empty() {
        println!(
            "{} vectors in {} are up to date",
            files.len() - 1,
            dir.display()
        );
        return ExitCode::SUCCESS;
    }
    for p in problems.iter().take(20) {
        eprintln!("{p}");
    }
    if problems.len() > 20 {
        eprintln!("... and {} more", problems.len() - 20);
    }
    eprintln!(
        "\nThe committed vectors are not what the spec generates. Regenerate them with:\n\n    cargo run --release -- vectors generate --out {}\n",
        dir.display()
    );
    ExitCode::from(1)
}

fn coverage(dir: &Path, exemptions: &Path) -> ExitCode {
    let (vectors, malformed) = match load_dir(dir) {
        Ok(x) => x,
        Err(e) => return kit_error(e),
    };
    for e in &malformed {
        eprintln!("malformed: {e}");
    }
    let exemptions = match load_exemptions(exemptions) {
        Ok(x) => x,
        Err(e) => return kit_error(e),
    };
    for e in stale(&vectors, &exemptions) {
        println!("note: {} is exempt but has vectors", e.rule);
    }
    let missing = uncovered(&vectors, &exemptions);
    if !malformed.is_empty() {
        return ExitCode::from(2);
    }
    if missing.is_empty() {
        println!(
            "every rule ID is covered: {} rules, {} vectors, {} exemptions",
            cxspec_spec::Rule::ALL.len(),
            vectors.len(),
            exemptions.len()
        );
        ExitCode::SUCCESS
    } else {
        for r in missing {
            eprintln!("{}: no vector and no exemption ({})", r.id(), r.title());
        }
        ExitCode::from(1)
    }
}

fn mutate(dir: &Path, adapter: Option<&str>, jobs: usize, output: Option<&Path>) -> ExitCode {
    let (vectors, malformed) = match load_dir(dir) {
        Ok(x) => x,
        Err(e) => return kit_error(e),
    };
    if let Some(e) = malformed.first() {
        return kit_error(e);
    }
    let (table, all_killed) = match adapter {
        None => {
            let results = mutation::run(&vectors);
            let all = results.iter().all(|r| r.killed_by.is_some());
            (mutation::table(&results), all)
        }
        Some(command) => {
            let options = Options {
                rules: None,
                jobs,
                step_timeout_ms: 10_000,
                max_reply_bytes: DEFAULT_MAX_REPLY_BYTES,
                mutant: None,
                require_state: false,
            };
            let refs: Vec<&cxspec_conformance::vector::Vector> = vectors.iter().collect();
            match mutation::run_adapter(&refs, command, &options) {
                Ok(results) => {
                    let all = results.iter().all(|r| r.killed_by.is_some());
                    (mutation::adapter_table(&results), all)
                }
                Err(e) => return kit_error(e),
            }
        }
    };
    print!("{table}");
    if let Some(path) = output {
        if let Err(e) = std::fs::write(path, &table) {
            return kit_error(format!("{}: {e}", path.display()));
        }
    }
    if all_killed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn run(args: ConformArgs) -> ExitCode {
    if args.serve_reference {
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        return match serve(args.rules, stdin.lock(), stdout.lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => kit_error(e),
        };
    }
    if let Some(rule) = &args.rule {
        if !runner::known_rule(rule) {
            return kit_error(format!("--rule {rule}: not a rule ID (see spec/RULES.md)"));
        }
    }
    let (vectors, malformed) = match load_dir(&args.vectors) {
        Ok(x) => x,
        Err(e) => return kit_error(e),
    };
    if vectors.is_empty() && malformed.is_empty() {
        return kit_error(format!("no vectors under {}", args.vectors.display()));
    }
    let filter = Filter {
        suite: args.suite,
        id: args.id.clone(),
        rule: args.rule.clone(),
    };
    let mut selected = Vec::new();
    let mut filtered = Vec::new();
    for v in &vectors {
        match filter.excludes(v) {
            None => selected.push(v),
            Some(why) => filtered.push((format!("{}/{}", v.suite, v.id), why)),
        }
    }
    if let Some(id) = &args.id {
        if selected.is_empty() {
            return kit_error(format!("no vector has the id `{id}`"));
        }
    }
    let target = match &args.adapter {
        Some(command) => Target::Adapter(command.clone()),
        None => Target::Reference,
    };
    let options = Options {
        rules: args.rules,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        step_timeout_ms: args.step_timeout_ms,
        max_reply_bytes: args.max_reply_bytes,
        mutant: args.mutant.clone(),
        require_state: args.require_state,
    };
    let results = runner::run(&selected, &target, &options);
    let run = Run {
        target: match &target {
            Target::Reference => "the built-in reference".to_string(),
            Target::Adapter(c) => format!("adapter `{c}`"),
        },
        rules: args
            .rules
            .map_or("each vector's own".into(), |r| r.to_string()),
        results: &results,
        filtered: &filtered,
        malformed: &malformed,
    };
    let text = match args.report {
        ReportFormat::Human => report::human(&run),
        ReportFormat::Json => report::json(&run),
        ReportFormat::Junit => report::junit(&run),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return kit_error(format!("{}: {e}", path.display()));
            }
            // Keep the console useful when the report goes to a file.
            print!(
                "{}",
                report::human(&run)
                    .lines()
                    .last()
                    .map(|l| format!("{l}\n"))
                    .unwrap_or_default()
            );
        }
        None => print!("{text}"),
    }
    for e in &malformed {
        eprintln!("malformed vector: {e}");
    }
    let code = runner::exit_code(&results).max(if malformed.is_empty() { 0 } else { 2 });
    ExitCode::from(code)
}
