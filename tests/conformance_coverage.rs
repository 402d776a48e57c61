//! Every rule ID of `Rule::ALL` is named by at least one committed vector, or exempt with a
//! written reason in conformance/exemptions.yaml (STYLE.md, 10).

use cxspec_conformance::coverage::{load_exemptions, stale, uncovered};
use cxspec_conformance::vector::load_dir;
use std::path::Path;

#[test]
fn every_rule_has_a_vector_or_an_exemption() {
    let (vectors, malformed) = load_dir(Path::new("conformance/vectors")).expect("vectors dir");
    assert!(malformed.is_empty(), "{malformed:?}");
    let exemptions = load_exemptions(Path::new("conformance/exemptions.yaml")).expect("exemptions");
    let missing: Vec<&str> = uncovered(&vectors, &exemptions)
        .iter()
        .map(|r| r.id())
        .collect();
    assert!(
        missing.is_empty(),
        "rules with neither a vector nor an exemption: {missing:?}"
    );
    let stale: Vec<&str> = stale(&vectors, &exemptions)
        .iter()
        .map(|e| e.rule.as_str())
        .collect();
    assert!(
        stale.is_empty(),
        "exempt rules that have vectors now: {stale:?}"
    );
}

#[test]
fn an_uncovered_rule_is_reported() {
    // The check itself must be able to fail: with no vectors, every rule is missing.
    assert_eq!(uncovered(&[], &[]).len(), cxspec_spec::Rule::ALL.len());
}
