//! `cxspec check` and `cxspec explore`: exhaustive model checking of the rules with the
//! stateright model of `cxspec-model`, and its web Explorer.
//!
//! `check` runs every sub-configuration of a preset (`ci`, `default`), with size flags
//! replacing a field in each, prints a verdict per property and the totals, and for each
//! violated property prints the shortest counterexample as numbered steps with the state
//! after each, and writes it as a scenario file that `cxspec simulate FILE` replays.
//! Exit codes: 0 every `always` holds and every `sometimes` is found, 1 otherwise,
//! 2 a usage error. Progress goes to stderr; results to stdout, in a fixed order.
//!
//! Besides: `--shard K/N` runs a deterministic share of the sub-configurations (with
//! `--junit FILE` for combining shards in CI); `--edges` reports the abstract transitions
//! each sub-configuration reaches and `--saturation` whether growing a dimension by one
//! reaches new ones; `--random` replaces the exhaustive search by seeded random walks
//! (`cxspec_model::simulate`), whose violations are reduced and written like the
//! exhaustive counterexamples.
//! Left out: resuming an interrupted run, and choosing which properties to check.

use cxspec_conformance::output::write_atomic;
use cxspec_model::bounds::{parse_sessions, Bounds, Preset};
use cxspec_model::properties;
use cxspec_model::run::{self, Progress, Report, RunOptions, Verdict};
use cxspec_model::sequence::Sequence;
use cxspec_model::stateright::Expectation;
use cxspec_model::trace;
use cxspec_model::CxModel;
use cxspec_model::{bfs, simulate};
use cxspec_spec::{ChannelKind, Readings, RoutingMode, RuleSet, Rules};
use std::collections::{BTreeSet, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// More checker threads than any machine we run on has cores; beyond it a typo (`3000`)
/// would only exhaust the process's thread limit.
const MAX_THREADS: usize = 256;

/// `--threads`, checked while parsing so that a bad count is a usage error (exit 2).
fn thread_count(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "--threads must be at least 1 and at most {MAX_THREADS}"
        )),
    }
}

/// `--shard K/N` with `1 <= K <= N <= 1000`.
pub fn parse_shard(value: &str) -> Result<(usize, usize), String> {
    let usage = || format!("--shard must be K/N with 1 <= K <= N <= 1000, got `{value}`");
    let (k, n) = value.split_once('/').ok_or_else(usage)?;
    let (k, n) = (
        k.trim().parse::<usize>().map_err(|_| usage())?,
        n.trim().parse::<usize>().map_err(|_| usage())?,
    );
    if k == 0 || n == 0 || k > n || n > 1000 {
        return Err(usage());
    }
    Ok((k, n))
}

/// The items of shard `k` of `n` (from 1): every `n`-th item, starting at item `k`. The
/// shards of one `n` are disjoint and together hold every item, in their order.
pub fn shard_of<T>(items: Vec<T>, shard: Option<(usize, usize)>) -> Vec<T> {
    match shard {
        None => items,
        Some((k, n)) => items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, t)| t)
            .collect(),
    }
}

/// Which sub-configurations a run covers: a preset, then size flags on each of them.
/// The rules a run takes: a rule set and readings on top (also `cxspec diagram`'s).
#[derive(clap::Args, Clone, Debug)]
pub struct RuleChoice {
    /// Rule set: specified, documented, as-implemented or vendor-code.
    #[arg(long, default_value = "specified")]
    pub rules: RuleSet,
    /// A reading chosen on top of the rule set, e.g. `R-03=agent-sla-started` (repeatable;
    /// the catalogue is spec/RULES.md, "Readings").
    #[arg(long = "reading", value_name = "R-nn=ALTERNATIVE")]
    pub readings: Vec<String>,
    /// A YAML file of readings (`R-03: agent-sla-started`, one per line), applied before
    /// any --reading.
    #[arg(long, value_name = "FILE")]
    pub readings_file: Option<PathBuf>,
}

#[derive(clap::Args, Clone, Debug)]
pub struct Selection {
    #[command(flatten)]
    choice: RuleChoice,
    /// Preset: `ci` (seconds, for every CI run) or `default` (the shapes of every seed
    /// scenario, within two minutes).
    #[arg(long, default_value = "default")]
    config: String,
    /// Channel sessions by kind, in ID order, e.g. `chat,chat,voice` (replaces the preset's).
    #[arg(long)]
    sessions: Option<String>,
    /// Number of agents.
    #[arg(long)]
    agents: Option<u32>,
    /// Budget of customer, bot and agent messages (default: no budget).
    #[arg(long)]
    messages: Option<u8>,
    /// At most this many tasks are created (each RONA and transfer creates one).
    #[arg(long)]
    tasks: Option<u32>,
    /// Intermediate SLA threshold levels, 0 to 3.
    #[arg(long)]
    thresholds: Option<usize>,
    /// Wrap-up: on, off, or both (default: the preset's).
    #[arg(long, value_parser = ["on", "off", "both"])]
    wrap_up: Option<String>,
    /// Routing mode: push, pull, or both (default: the preset's); `mixed`: PUSH, with every
    /// second chat's channel routing PULL (routing mode per channel).
    #[arg(long, value_parser = ["push", "pull", "both", "mixed"])]
    routing: Option<String>,
    /// Also offer REQUEST_AGENT with direction OUTBOUND: on or off (default: the preset's).
    #[arg(long, value_parser = ["on", "off"])]
    outbound: Option<String>,
    /// The agent SLA: on, or off (`agent_sla_ms: null`, SLA-29) (default: the preset's).
    #[arg(long, value_parser = ["on", "off"])]
    agent_sla: Option<String>,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    selection: Selection,
    /// Checker threads, 1 to 256 (default: the number of cores).
    #[arg(long, value_parser = thread_count)]
    threads: Option<usize>,
    /// Explore without symmetry reduction (slower; for comparing counts).
    #[arg(long)]
    no_symmetry: bool,
    /// Where counterexample scenario files are written.
    #[arg(long, default_value = "target/cxspec-counterexamples")]
    counterexample_dir: PathBuf,
    /// Print the sub-configurations and properties, and exit.
    #[arg(long)]
    list: bool,
    /// Run only share K of N of the sub-configurations (`K/N`): sub-configurations K,
    /// K + N, K + 2N, ... of the selection. The N shares together are the whole run.
    #[arg(long, value_parser = parse_shard, value_name = "K/N")]
    shard: Option<(usize, usize)>,
    /// Also write the verdicts as JUnit XML: a test suite per sub-configuration, a test
    /// case per property (a violated `always` fails; a `sometimes` not found is skipped).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also report the abstract transitions (the conformance cover's `system` edges)
    /// each sub-configuration reaches; explores each sub-configuration a second time.
    #[arg(long)]
    edges: bool,
    /// With --edges or --saturation: write every abstract transition to FILE.
    #[arg(long, value_name = "FILE")]
    edges_file: Option<PathBuf>,
    /// Instead of checking: for each sub-configuration, grow each dimension by one (a
    /// chat, a voice session, an agent, a task, a threshold level) and report whether new
    /// abstract transitions appear. Exit 0 either way.
    #[arg(long)]
    saturation: bool,
    /// --saturation: stop a grown search that has reached no new transition after this
    /// many unique states, and report the path length up to which that is so (a search
    /// breadth-first, so every path up to that length was taken). Default: no budget.
    #[arg(long, value_name = "STATES", requires = "saturation")]
    saturation_budget: Option<usize>,
    /// Instead of the exhaustive search: seeded random walks with the same properties.
    #[arg(long)]
    random: bool,
    /// --random: the seed (walk n uses its own generator seeded from it and n).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// --random: at most this many walks per sub-configuration.
    #[arg(long, default_value_t = 10_000)]
    walks: u64,
    /// --random: steps per walk.
    #[arg(long, default_value_t = 200)]
    depth: usize,
    /// --random: stop each sub-configuration after this many seconds (after the walk
    /// running then); the walk count is then not reproducible, the walks are.
    #[arg(long, value_name = "SECONDS")]
    time_budget: Option<u64>,
}

#[derive(clap::Args)]
pub struct ExploreArgs {
    #[command(flatten)]
    selection: Selection,
    /// Which sub-configuration of the selection to explore, from 1 (see `check --list`).
    #[arg(long, default_value_t = 1)]
    sub: usize,
    /// Address to serve the Explorer on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: String,
}

impl Selection {
    /// A selection of a preset with the given rules, readings and routing modes, every
    /// size the preset's (`cxspec diagram` uses it with its own defaults).
    pub fn of_preset(choice: RuleChoice, config: String, routing: Option<String>) -> Selection {
        Selection {
            choice,
            config,
            sessions: None,
            agents: None,
            messages: None,
            tasks: None,
            thresholds: None,
            wrap_up: None,
            routing,
            outbound: None,
            agent_sla: None,
        }
    }

    /// The sub-configurations, in preset order, without duplicates.
    pub fn sub_configs(&self) -> Result<Vec<Bounds>, String> {
        let preset = Preset::named(&self.config).ok_or_else(|| {
            format!(
                "unknown configuration `{}` (expected one of: {})",
                self.config,
                Preset::NAMES.join(", ")
            )
        })?;
        let sessions = self.sessions.as_deref().map(parse_sessions).transpose()?;
        let wrap_up: Option<Vec<bool>> = self.wrap_up.as_deref().map(|w| match w {
            "on" => vec![true],
            "off" => vec![false],
            _ => vec![false, true],
        });
        let routing: Option<Vec<RoutingMode>> = self.routing.as_deref().map(|r| match r {
            "push" | "mixed" => vec![RoutingMode::Push],
            "pull" => vec![RoutingMode::Pull],
            _ => vec![RoutingMode::Push, RoutingMode::Pull],
        });
        let mut subs: Vec<Bounds> = Vec::new();
        for base in preset.subs {
            let routings = routing.clone().unwrap_or_else(|| vec![base.routing]);
            let wrap_ups = wrap_up.clone().unwrap_or_else(|| vec![base.wrap_up]);
            for &r in &routings {
                for &w in &wrap_ups {
                    let mut b = base.clone();
                    if let Some(s) = &sessions {
                        b.sessions = s.clone();
                    }
                    if let Some(a) = self.agents {
                        b.agents = a;
                    }
                    if self.messages.is_some() {
                        b.messages = self.messages;
                    }
                    if let Some(t) = self.tasks {
                        b.tasks = t;
                    }
                    if let Some(t) = self.thresholds {
                        b.thresholds = t;
                    }
                    b.routing = r;
                    b.wrap_up = w;
                    if let Some(routing) = self.routing.as_deref() {
                        b.alphabet.mixed_routing = routing == "mixed";
                    }
                    if let Some(outbound) = self.outbound.as_deref() {
                        b.alphabet.outbound = outbound == "on";
                    }
                    if let Some(agent_sla) = self.agent_sla.as_deref() {
                        b.alphabet.no_agent_sla = agent_sla == "off";
                    }
                    b.validate()?;
                    if !subs.contains(&b) {
                        subs.push(b);
                    }
                }
            }
        }
        Ok(subs)
    }
}

impl Selection {
    /// The readings of `--readings-file` and `--reading`, in that order.
    pub fn readings(&self) -> Result<Readings, String> {
        let mut readings = Readings::NONE;
        if let Some(path) = &self.choice.readings_file {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| format!("{origin}: {e}"))?;
            readings = Readings::from_yaml(&text, &origin).map_err(|e| e.to_string())?;
        }
        for text in &self.choice.readings {
            readings = readings
                .parse_one(text)
                .map_err(|e| format!("--reading {e}"))?;
        }
        Ok(readings)
    }
}

pub fn run(args: CheckArgs) -> ExitCode {
    let readings = match args.selection.readings() {
        Ok(r) => r,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let subs = match args.selection.sub_configs() {
        Ok(subs) => subs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let subs = shard_of(subs, args.shard);
    let rules = args.selection.choice.rules;
    if args.list {
        list(&subs);
        return ExitCode::SUCCESS;
    }
    // A given count is within 1..=MAX_THREADS (`thread_count`).
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if args.saturation {
        return saturation(&args, &subs, rules, readings, threads);
    }
    if args.random {
        return random(&args, &subs, rules, readings);
    }
    println!(
        "cxspec check: rules {}, config {} ({} sub-configuration{}), {threads} thread{}, symmetry {}",
        Rules::new(rules, readings),
        args.selection.config,
        subs.len(),
        if subs.len() == 1 { "" } else { "s" },
        if threads == 1 { "" } else { "s" },
        if args.no_symmetry { "off" } else { "on" },
    );
    let options = RunOptions {
        threads,
        symmetry: !args.no_symmetry,
        shortest: true,
        readings,
    };
    let mut meter = Meter::new();
    let every = meter.every();
    let check_all = || run::check_all(&subs, rules, &options, every, |p| meter.show(p));
    let report = match checked(check_all) {
        Ok(report) => report,
        Err(message) => {
            meter.clear();
            eprintln!(
                "error: the model check stopped: {message}\n(if the checker could not start its threads, try fewer --threads)"
            );
            return ExitCode::from(2);
        }
    };
    meter.clear();
    print_report(&report);
    let mut written = true;
    if let Some(path) = &args.junit {
        written &= write_file(path, junit(&report, &args.selection.config).as_bytes());
    }
    if args.edges {
        let mut all = Vec::new();
        println!("abstract transitions (the conformance cover's system edges):");
        for (i, b) in subs.iter().enumerate() {
            let model = CxModel::new(b.clone(), rules).with_readings(readings);
            let (edges, _) = bfs::abstract_edges(&model, threads, !args.no_symmetry);
            println!(
                "  [{}/{}] {b}: {}",
                i + 1,
                subs.len(),
                describe_edges(&edges)
            );
            all.extend(edges.iter().map(|e| format!("{b} | {e}")));
        }
        if let Some(path) = &args.edges_file {
            written &= write_file(path, (all.join("\n") + "\n").as_bytes());
        }
    }
    for name in report.violated() {
        written &= print_counterexample(&report, readings, name, &args.counterexample_dir);
    }
    let not_found: Vec<&str> = report
        .verdicts
        .iter()
        .filter(|(_, _, v)| *v == Verdict::NotFound)
        .map(|(n, _, _)| *n)
        .collect();
    let violated = report.violated().count();
    if violated == 0 && not_found.is_empty() {
        println!("result: every property holds and every situation is reachable");
    } else {
        println!(
            "result: {violated} propert{} violated, {} situation{} not found",
            if violated == 1 { "y" } else { "ies" },
            not_found.len(),
            if not_found.len() == 1 { "" } else { "s" }
        );
    }
    if !written {
        return ExitCode::from(2);
    }
    if report.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn explore(args: ExploreArgs) -> ExitCode {
    let subs = match args.selection.sub_configs() {
        Ok(subs) => subs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let Some(bounds) = args.sub.checked_sub(1).and_then(|i| subs.get(i)) else {
        eprintln!(
            "error: --sub {} is not a sub-configuration (1..={}; see `cxspec check --list`)",
            args.sub,
            subs.len()
        );
        return ExitCode::from(2);
    };
    let readings = match args.selection.readings() {
        Ok(r) => r,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let model = CxModel::new(bounds.clone(), args.selection.choice.rules).with_readings(readings);
    eprintln!(
        "cxspec explore: rules {}, {bounds}; serving on http://{} (Ctrl-C stops)",
        args.selection.choice.rules, args.addr
    );
    match run::explore(model, &args.addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Writes `bytes` to `path` atomically, creating its folder; false (and a message) on error.
fn write_file(path: &Path, bytes: &[u8]) -> bool {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let written = dir
        .map_or(Ok(()), std::fs::create_dir_all)
        .map_err(|e| e.to_string())
        .and_then(|()| write_atomic(path, bytes).map_err(|e| e.to_string()));
    match written {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            false
        }
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The report as JUnit XML: a suite per sub-configuration, a case per property.
fn junit(report: &Report, config: &str) -> String {
    let properties = properties::all();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for sub in &report.subs {
        let failures = properties
            .iter()
            .filter(|p| p.expectation == Expectation::Always)
            .filter(|p| sub.discoveries.contains_key(p.name))
            .count();
        out.push_str(&format!(
            "  <testsuite name=\"cxspec check {config} {}: {}\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">\n",
            report.rules,
            xml(&sub.bounds.label()),
            properties.len(),
            sub.elapsed.as_secs_f64()
        ));
        for p in &properties {
            let kind = format!("{:?}", p.expectation).to_lowercase();
            out.push_str(&format!(
                "    <testcase classname=\"cxspec.{kind}\" name=\"{}\"",
                xml(p.name)
            ));
            let found = sub.discoveries.get(p.name);
            match (&p.expectation, found) {
                (Expectation::Sometimes, None) => {
                    out.push_str(
                        "><skipped message=\"not found in this sub-configuration\"/></testcase>\n",
                    );
                }
                (Expectation::Sometimes, Some(_)) | (_, None) => out.push_str("/>\n"),
                (_, Some(path)) => {
                    let steps: Vec<String> = path
                        .iter()
                        .map(cxspec_spec::scenarios::describe_input)
                        .collect();
                    out.push_str(&format!(
                        "><failure message=\"violated in {} steps\">{}</failure></testcase>\n",
                        path.len(),
                        xml(&steps.join("\n"))
                    ));
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn describe_edges(edges: &BTreeSet<bfs::AbstractEdge>) -> String {
    let states: BTreeSet<_> = edges.iter().flat_map(|e| [&e.from, &e.to]).collect();
    format!(
        "{} abstract transitions between {} abstract states",
        edges.len(),
        states.len()
    )
}

/// The sub-configuration grown by one along each dimension that has room, with its name.
fn grown(b: &Bounds) -> Vec<(&'static str, Bounds)> {
    let mut out = Vec::new();
    for (name, kind) in [
        ("+1 chat", ChannelKind::NonVoice),
        ("+1 voice", ChannelKind::Voice),
    ] {
        let mut g = b.clone();
        g.sessions.push(kind);
        out.push((name, g));
    }
    let mut g = b.clone();
    g.agents += 1;
    out.push(("+1 agent", g));
    let mut g = b.clone();
    g.tasks += 1;
    out.push(("+1 task", g));
    let mut g = b.clone();
    g.thresholds += 1;
    out.push(("+1 threshold level", g));
    out.into_iter()
        .filter(|(_, g)| g.validate().is_ok())
        .collect()
}

/// `--saturation`: per sub-configuration, the abstract transitions it reaches and those
/// each grown sub-configuration reaches beyond them.
fn saturation(
    args: &CheckArgs,
    subs: &[Bounds],
    rules: RuleSet,
    readings: Readings,
    threads: usize,
) -> ExitCode {
    println!(
        "cxspec check --saturation: rules {}, config {} ({} sub-configurations)",
        Rules::new(rules, readings),
        args.selection.config,
        subs.len()
    );
    let symmetry = !args.no_symmetry;
    let model_of = |b: &Bounds| CxModel::new(b.clone(), rules).with_readings(readings);
    // Work is shared: a grown bound that is itself a sub-configuration of the preset (a
    // chat added to chat+voice is chat+chat+voice) is searched once, to the end. Other
    // grown bounds stop at the first batch that reaches a new transition: that settles
    // "not saturated", and only a saturated dimension costs a search to the end.
    let mut full: HashMap<Bounds, (BTreeSet<bfs::AbstractEdge>, bfs::Stats)> = HashMap::new();
    let mut all = Vec::new();
    let mut saturated = 0;
    let mut within_budget = 0;
    for (i, b) in subs.iter().enumerate() {
        let start = std::time::Instant::now();
        let (base, stats) = full
            .entry(b.clone())
            .or_insert_with(|| bfs::abstract_edges(&model_of(b), threads, symmetry))
            .clone();
        println!(
            "  [{}/{}] {b}: {} ({} unique states, {:.1} s)",
            i + 1,
            subs.len(),
            describe_edges(&base),
            stats.unique,
            start.elapsed().as_secs_f64()
        );
        all.extend(base.iter().map(|e| format!("{b} | {e}")));
        let mut none_new = true;
        for (name, g) in grown(b) {
            let start = std::time::Instant::now();
            let (more, stats, outcome) = if subs.contains(&g) || full.contains_key(&g) {
                let (more, stats) = full
                    .entry(g.clone())
                    .or_insert_with(|| bfs::abstract_edges(&model_of(&g), threads, symmetry))
                    .clone();
                (more, stats, None)
            } else {
                let (more, stats, outcome) = bfs::abstract_edges_until_new(
                    &model_of(&g),
                    threads,
                    symmetry,
                    &base,
                    args.saturation_budget,
                );
                (more, stats, Some(outcome))
            };
            let new: Vec<&bfs::AbstractEdge> = more.difference(&base).collect();
            none_new &= new.is_empty();
            let seconds = start.elapsed().as_secs_f64();
            match outcome {
                None | Some(bfs::GrownOutcome::NoneNew) => {
                    let lost = base.difference(&more).count();
                    println!(
                        "      {name:<19} {} new, {lost} not reached ({} unique states, {seconds:.1} s)",
                        new.len(),
                        stats.unique,
                    );
                }
                Some(bfs::GrownOutcome::New) => println!(
                    "      {name:<19} {} new or more (stopped at the first new; {} unique states, {} layers, {seconds:.1} s)",
                    new.len(),
                    stats.unique,
                    stats.depth,
                ),
                Some(bfs::GrownOutcome::NoneNewWithinBudget) => {
                    within_budget += 1;
                    println!(
                        "      {name:<19} 0 new on every path of up to {} steps (budget reached: {} unique states, {seconds:.1} s)",
                        stats.complete_layers,
                        stats.unique,
                    );
                }
            }
            for e in new.iter().take(3) {
                println!("        new: {e}");
            }
            all.extend(new.iter().map(|e| format!("{g} (new) | {e}")));
        }
        if none_new {
            saturated += 1;
        }
    }
    println!(
        "result: {saturated} of {} sub-configurations saturated (no dimension grown by one reaches a new abstract transition){}",
        subs.len(),
        if within_budget > 0 {
            format!("; {within_budget} grown searches stopped by --saturation-budget, so their \"0 new\" holds up to the path length given")
        } else {
            String::new()
        }
    );
    if let Some(path) = &args.edges_file {
        if !write_file(path, (all.join("\n") + "\n").as_bytes()) {
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

/// `--random`: seeded random walks per sub-configuration; violations reduced, printed
/// and written as the exhaustive counterexamples are.
fn random(args: &CheckArgs, subs: &[Bounds], rules: RuleSet, readings: Readings) -> ExitCode {
    println!(
        "cxspec check --random: rules {}, config {} ({} sub-configurations), seed {}, {} walks of {} steps{}",
        Rules::new(rules, readings),
        args.selection.config,
        subs.len(),
        args.seed,
        args.walks,
        args.depth,
        args.time_budget
            .map_or(String::new(), |t| format!(", at most {t} s each"))
    );
    let budget = simulate::Budget {
        seed: args.seed,
        walks: args.walks,
        depth: args.depth,
        time: args.time_budget.map(Duration::from_secs),
    };
    let start = std::time::Instant::now();
    let mut reports = Vec::new();
    for (i, b) in subs.iter().enumerate() {
        let model = CxModel::new(b.clone(), rules).with_readings(readings);
        let out = simulate::simulate(&model, &budget);
        println!(
            "  [{}/{}] {b}: {} walks, {} steps, {:.2} s",
            i + 1,
            subs.len(),
            out.walks,
            out.steps,
            out.elapsed.as_secs_f64()
        );
        let mut discoveries: std::collections::BTreeMap<&'static str, Vec<cxspec_spec::Input>> =
            out.violations
                .iter()
                .map(|(name, (_, path))| (*name, path.clone()))
                .collect();
        for name in out.found.keys() {
            discoveries.entry(name).or_default();
        }
        reports.push(run::SubReport {
            bounds: b.clone(),
            states: out.steps as usize,
            unique: 0,
            max_depth: args.depth,
            elapsed: out.elapsed,
            discoveries,
            search: None,
        });
    }
    let verdicts = properties::all()
        .iter()
        .map(|p| {
            let found = reports.iter().any(|r| r.discoveries.contains_key(p.name));
            let verdict = match (&p.expectation, found) {
                (Expectation::Sometimes, true) => Verdict::Found,
                (Expectation::Sometimes, false) => Verdict::NotFound,
                (_, true) => Verdict::Violated,
                (_, false) => Verdict::Holds,
            };
            (p.name, p.expectation.clone(), verdict)
        })
        .collect();
    let report = Report {
        rules,
        subs: reports,
        verdicts,
        elapsed: start.elapsed(),
    };
    println!("properties (random walks prove nothing holds; they find what breaks):");
    for (name, _, verdict) in &report.verdicts {
        let word = match verdict {
            Verdict::Holds => "not seen",
            Verdict::Violated => "VIOLATED",
            Verdict::Found => "found",
            Verdict::NotFound => "not found",
        };
        println!("  {word:<9} {name}");
    }
    let mut written = true;
    for name in report.violated() {
        written &= print_counterexample(&report, readings, name, &args.counterexample_dir);
    }
    if let Some(path) = &args.junit {
        written &= write_file(path, junit(&report, &args.selection.config).as_bytes());
    }
    let violated = report.violated().count();
    println!(
        "result: {violated} propert{} violated",
        if violated == 1 { "y" } else { "ies" }
    );
    if !written {
        ExitCode::from(2)
    } else if violated > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn list(subs: &[Bounds]) {
    println!("sub-configurations:");
    for (i, b) in subs.iter().enumerate() {
        println!("  {}. {b}", i + 1);
    }
    println!("properties:");
    for p in properties::all() {
        println!(
            "  {:<9} {}",
            format!("{:?}", p.expectation).to_lowercase(),
            p.name
        );
    }
}

fn print_report(report: &Report) {
    for (i, sub) in report.subs.iter().enumerate() {
        println!(
            "  [{}/{}] {}: {} states, {} unique, depth {}, {:.2} s",
            i + 1,
            report.subs.len(),
            sub.bounds,
            sub.states,
            sub.unique,
            sub.max_depth,
            sub.elapsed.as_secs_f64()
        );
    }
    println!("properties:");
    for (name, _, verdict) in &report.verdicts {
        let word = match verdict {
            Verdict::Holds => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::Found => "found",
            Verdict::NotFound => "NOT FOUND",
        };
        println!("  {word:<9} {name}");
    }
    println!(
        "total: {} states, {} unique, max depth {}, {:.2} s",
        report.states(),
        report.unique(),
        report.max_depth(),
        report.elapsed.as_secs_f64()
    );
}

/// Prints the counterexample of `name` and writes it as a scenario; false if the file
/// could not be written.
fn print_counterexample(
    report: &Report,
    readings: Readings,
    name: &'static str,
    dir: &Path,
) -> bool {
    let Some((sub, path)) = report.discovery(name) else {
        return true;
    };
    let model = CxModel::new(sub.bounds.clone(), report.rules).with_readings(readings);
    println!();
    println!(
        "counterexample for `{name}` (rules {}, {}), {} steps:",
        report.rules,
        sub.bounds,
        path.len()
    );
    print!("{}", trace::describe_path(&model, path));
    if report.rules != RuleSet::Specified {
        match trace::first_divergence(path, &model.config, report.rules) {
            Some(d) => {
                println!(
                    "     differs from `specified` first at step {}:",
                    d.step + 1
                );
                println!(
                    "       {}: {}",
                    report.rules,
                    trace::describe_published(&d.under_rules)
                );
                println!(
                    "       specified: {}",
                    trace::describe_published(&d.under_specified)
                );
                let ids: Vec<String> = d
                    .deviations
                    .iter()
                    .map(|d| format!("{} ({})", d.id(), d.title()))
                    .collect();
                if !ids.is_empty() {
                    println!(
                        "       candidate deviations (on the rules that step applied): {}",
                        ids.join("; ")
                    );
                }
            }
            None => println!("     `specified` runs the same steps the same way"),
        }
    }
    let slug = slug(name);
    let scenario_name = format!("{}-{slug}", report.rules);
    let title = format!(
        "Counterexample to `{name}` ({}, {})",
        report.rules, sub.bounds
    );
    let scenario = match trace::to_scenario(&model, path, &scenario_name, &title) {
        Ok(s) => s,
        Err((step, reject)) => {
            println!(
                "     (not written: step {} is rejected on replay: {reject})",
                step + 1
            );
            return true;
        }
    };
    let file = dir.join(format!("{scenario_name}.yaml"));
    let text = match serde_yaml::to_string(&scenario) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot serialize the counterexample: {e}");
            return false;
        }
    };
    let written = std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))
        .and_then(|()| write_atomic(&file, text.as_bytes()).map_err(|e| e.to_string()));
    let written = written.and_then(|()| write_sequence(&scenario, name, dir, &scenario_name));
    match written {
        Ok(drawn) => {
            println!(
                "     written to {} (replay: cxspec simulate {})",
                file.display(),
                file.display()
            );
            println!("     sequence diagram: {drawn}");
            true
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

/// Writes the counterexample's sequence diagram next to its scenario, as Mermaid and SVG,
/// the violated property marked on the last step; returns the files written.
fn write_sequence(
    scenario: &cxspec_spec::scenarios::Scenario,
    property: &str,
    dir: &Path,
    stem: &str,
) -> Result<String, String> {
    let (_, results) = scenario
        .run()
        .map_err(|e| format!("the counterexample does not replay: {e}"))?;
    let drawn = Sequence::of_results(&scenario.title, &results, vec![property.to_string()]);
    let mermaid = dir.join(format!("{stem}.sequence.mmd"));
    let svg = dir.join(format!("{stem}.sequence.svg"));
    write_atomic(&mermaid, drawn.mermaid().as_bytes()).map_err(|e| e.to_string())?;
    write_atomic(&svg, drawn.svg().as_bytes()).map_err(|e| e.to_string())?;
    Ok(format!("{}, {}", mermaid.display(), svg.display()))
}

/// Runs the checker, turning a panic into an error message: stateright panics when it
/// cannot spawn its worker threads (a thread limit, memory), and that is an environment
/// error with exit 2, not a crash with exit 101. Meanwhile the panic hook records the
/// first panic of any thread (a worker's own message and place) instead of printing it,
/// so the caller prints it once.
fn checked<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let first = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let record = first.clone();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut first) = record.lock() {
            first.get_or_insert_with(|| info.to_string());
        }
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.map_err(|_| {
        first
            .lock()
            .ok()
            .and_then(|mut m| m.take())
            .unwrap_or_else(|| "the checker panicked".to_string())
    })
}

/// A file-name-safe form of a property name.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The progress line on stderr: rewritten in place on a terminal, else a line every 10 s
/// (also `cxspec replay`'s).
pub(crate) struct Meter {
    tty: bool,
    shown: bool,
}

impl Meter {
    pub(crate) fn new() -> Meter {
        Meter {
            tty: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    pub(crate) fn every(&self) -> Duration {
        if self.tty {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(10)
        }
    }

    fn show(&mut self, p: Progress) {
        let secs = p.elapsed.as_secs_f64().max(1e-3);
        let line = format!(
            "[{}/{}] {} states, {} unique, depth {}, {:.0} states/s, {:.0} s",
            p.sub_config,
            p.sub_configs,
            p.states,
            p.unique,
            p.depth,
            p.states as f64 / secs,
            secs
        );
        self.show_line(&line);
    }

    pub(crate) fn show_line(&mut self, line: &str) {
        let mut err = std::io::stderr();
        if self.tty {
            let _ = write!(err, "\r\x1b[2K{line}");
        } else {
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
        self.shown = true;
    }

    pub(crate) fn clear(&mut self) {
        if self.tty && self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
