//! `cxspec simulate`: runs a built-in seed scenario or a scenario file through the
//! reference rules and prints every step with the events it published and the rules it
//! applied. Rejections print as such; a malformed file (or one past the limits of
//! `spec/src/limits.rs`, or not a regular file) is an error naming file and line.
//! `--format mermaid|svg` draws the run as a sequence diagram instead
//! (`cxspec_model::sequence`), the state invariants the last step breaks marked on it.

use cxspec_model::sequence::Sequence;
use cxspec_spec::scenarios::{describe, seed_scenario, seed_scenarios, Scenario};
use cxspec_spec::{RuleSet, Rules};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// A built-in scenario name (see --list) or a scenario YAML file.
    #[arg(default_value = "case-1-single-agent")]
    scenario: String,
    /// Rule set to run: specified, documented or as-implemented (default: the scenario's own).
    #[arg(long)]
    rules: Option<RuleSet>,
    /// List the built-in scenarios and exit.
    #[arg(long)]
    list: bool,
    /// text (every step, its events and rules), or a sequence diagram: mermaid or svg.
    #[arg(long, default_value = "text", value_parser = ["text", "mermaid", "svg"])]
    format: String,
}

pub fn run(args: SimulateArgs) -> ExitCode {
    if args.list {
        for s in seed_scenarios() {
            println!("{:<34} {}", s.name, s.title);
        }
        return ExitCode::SUCCESS;
    }
    let mut scenario = match load(&args.scenario) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(rules) = args.rules {
        scenario.rule_set = rules;
    }
    let (system, results) = match scenario.run() {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {}: {e}", args.scenario);
            return ExitCode::from(2);
        }
    };
    if args.format != "text" {
        let broken: Vec<String> = cxspec_spec::invariants::violations(&system, &scenario.config)
            .iter()
            .map(|i| i.name().to_string())
            .collect();
        let title = format!(
            "{} ({}), rules {}",
            scenario.name,
            scenario.title,
            Rules::new(scenario.rule_set, scenario.readings)
        );
        let drawn = Sequence::of_results(&title, &results, broken);
        if args.format == "svg" {
            print!("{}", drawn.svg());
        } else {
            print!("{}", drawn.mermaid());
        }
        return ExitCode::SUCCESS;
    }
    println!(
        "# {} ({}), rules: {}",
        scenario.name,
        scenario.title,
        cxspec_spec::Rules::new(scenario.rule_set, scenario.readings)
    );
    for (i, r) in results.iter().enumerate() {
        println!(
            "{:>3}. t={}ms {}",
            i + 1,
            r.at_ms,
            cxspec_spec::scenarios::describe_input(&r.input)
        );
        match &r.outcome {
            Ok(outcome) => {
                for event in &outcome.published {
                    println!("       -> {}", describe(event));
                }
                let ids: Vec<&str> = outcome.rules.iter().map(|r| r.id()).collect();
                if !ids.is_empty() {
                    println!("       rules: {}", ids.join(" "));
                }
            }
            Err(reject) => println!("       rejected: {reject}"),
        }
    }
    ExitCode::SUCCESS
}

fn load(name: &str) -> Result<Scenario, String> {
    if let Some(s) = seed_scenario(name) {
        return Ok(s);
    }
    let path = std::path::Path::new(name);
    if !path.exists() {
        return Err(format!(
            "`{name}` is neither a built-in scenario (see `cxspec simulate --list`) nor a file"
        ));
    }
    // Only a regular file within the limits is read (spec/src/limits.rs).
    let text = cxspec_spec::limits::read_file(path).map_err(|e| e.to_string())?;
    Scenario::from_yaml(&text, name).map_err(|e| e.to_string())
}
