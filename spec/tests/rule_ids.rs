//! Traceability: RULES.md and the rule catalogue name the same IDs, and every rule ID is
//! cited by at least one test here (vectors add their own check in conformance/).

use cxspec_spec::{Deviation, Rule};
use std::collections::BTreeSet;

mod rules_md;
use rules_md::{cites, spec_dir};

/// IDs of the `### ID — title` headings of RULES.md with one of the given prefixes.
fn headings(prefixes: &[&str]) -> Vec<String> {
    rules_md::headings(&rules_md::rules_md_text(), prefixes)
}

#[test]
fn rules_md_has_exactly_the_catalogue_rule_ids_once_each() {
    let listed = headings(&["SLA-", "TASK-", "CONV-"]);
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(
        unique.len(),
        listed.len(),
        "an ID has two headings in RULES.md"
    );
    let catalogue: BTreeSet<String> = Rule::ALL.iter().map(|r| r.id().to_string()).collect();
    let listed: BTreeSet<String> = listed.into_iter().collect();
    assert_eq!(
        catalogue.difference(&listed).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "rules without a RULES.md heading"
    );
    assert_eq!(
        listed.difference(&catalogue).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "RULES.md headings without a rule in rules.rs"
    );
}

#[test]
fn rules_md_documents_every_deviation() {
    let listed: BTreeSet<String> = headings(&["DEV-", "ATM-", "VC-"]).into_iter().collect();
    let catalogue: BTreeSet<String> = Deviation::ALL.iter().map(|d| d.id().to_string()).collect();
    assert_eq!(listed, catalogue);
}

#[test]
fn every_rule_id_is_cited_by_a_test() {
    let mut text = String::new();
    for entry in std::fs::read_dir(spec_dir().join("tests")).unwrap() {
        let path = entry.unwrap().path();
        // Neither this file nor source_coverage.rs (whose rule IDs are fixtures of its own
        // checks) counts as a test of a rule.
        let checks_ids = path.ends_with("rule_ids.rs") || path.ends_with("source_coverage.rs");
        if path.extension().is_some_and(|e| e == "rs") && !checks_ids {
            text.push_str(&std::fs::read_to_string(&path).unwrap());
        }
    }
    let uncited: Vec<&str> = Rule::ALL
        .iter()
        .map(|r| r.id())
        .filter(|id| !cites(&text, id))
        .collect();
    assert!(uncited.is_empty(), "rule IDs no test cites: {uncited:?}");
}
