//! `cxspec diagram` and `cxspec simulate --format`: the drawn machines hold what the
//! sources say (checked against the pages, not against the program's own output), the
//! output is byte-identical run to run, the generated block of a file is written and
//! checked without touching the rest, and bad usage exits 2.

use std::process::{Command, Output};

fn cxspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cxspec"))
        .args(args)
        .output()
        .expect("cxspec runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

/// The Mermaid arrows `from --> to : label` of a diagram, as (from, to, label).
fn arrows(mermaid: &str) -> Vec<(String, String, String)> {
    mermaid
        .lines()
        .filter_map(|line| {
            let (from, rest) = line.trim().split_once(" --> ")?;
            let (to, label) = rest.split_once(" : ").unwrap_or((rest, ""));
            Some((from.to_string(), to.to_string(), label.to_string()))
        })
        .collect()
}

#[test]
fn the_four_machines_hold_what_the_sources_say() {
    // One exploration draws all four (as RULES.md embeds them); each under its heading.
    let all = stdout(&cxspec(&["diagram"]));
    let section = |title: &str| {
        let start = all.find(title).unwrap_or_else(|| panic!("missing {title}"));
        let rest = &all[start..];
        let end = rest[1..].find("\n#### ").map_or(rest.len(), |e| e + 1);
        rest[..end].to_string()
    };
    let conversation = section("#### Conversation");
    // Conversation_93192236.md: the eight states.
    for state in [
        "CREATED",
        "ACTIVE",
        "ON_HOLD",
        "CUSTOMER_LEFT",
        "WRAP_UP",
        "INACTIVE",
        "CLOSING",
        "CLOSED",
    ] {
        assert!(
            conversation.contains(&format!("state \"{state}\" as s_{state}")),
            "state {state} not drawn:\n{conversation}"
        );
    }
    let conv = arrows(&conversation);
    let has = |arrows: &[(String, String, String)], from: &str, to: &str, label: &str| {
        arrows
            .iter()
            .any(|(f, t, l)| f == from && t == to && l.contains(label))
    };
    // 140869657.md: an agent pauses an Active conversation; it resumes by the agent or
    // when the hold time runs out.
    assert!(has(
        &conv,
        "s_ACTIVE",
        "s_ON_HOLD",
        "HOLD_CONVERSATION (CONV-03"
    ));
    assert!(has(&conv, "s_ON_HOLD", "s_ACTIVE", "RESUME_CONVERSATION"));
    assert!(has(&conv, "s_ON_HOLD", "s_ACTIVE", "TIMER_FIRED HOLD"));
    // Closed only after house-keeping, and nothing leaves Closed but the end.
    assert!(has(&conv, "s_CLOSING", "s_CLOSED", "HOUSEKEEPING_DONE"));
    assert!(conv
        .iter()
        .filter(|(f, _, _)| f == "s_CLOSED")
        .all(|(_, t, _)| t == "[*]"));

    let media = arrows(&section("#### Media"));
    // 2550490.md / TASK-22: media states only move forward, QUEUED > RESERVED > ACTIVE > CLOSED.
    let order = ["[*]", "s_QUEUED", "s_RESERVED", "s_ACTIVE", "s_CLOSED"];
    let rank = |s: &str| order.iter().position(|o| *o == s);
    for (from, to, label) in &media {
        let (Some(a), Some(b)) = (rank(from), rank(to)) else {
            panic!("unknown media state in {from} --> {to}");
        };
        assert!(
            a < b || (from == "s_CLOSED" && to == "[*]"),
            "media moves back: {from} --> {to} : {label}"
        );
    }
    let task = arrows(&section("#### Task"));
    // 2550490.md: a PUSH request creates a QUEUED task; a PULL creates it ACTIVE/ACTIVE.
    assert!(has(
        &task,
        "[*]",
        "s_ACTIVE___QUEUED",
        "REQUEST_AGENT (TASK-01)"
    ));
    assert!(has(
        &task,
        "[*]",
        "s_ACTIVE___ACTIVE",
        "PULL_CONVERSATION (TASK-08)"
    ));
    // RONA closes a RESERVED task with reason RONA (Agent-Task-Disposition_2529040.md).
    assert!(has(
        &task,
        "s_ACTIVE___RESERVED",
        "s_CLOSED___CLOSED",
        "TIMER_FIRED RONA, reason RONA"
    ));
    let sla = section("#### SLA timers");
    // Agent-Response-Time_142540854.md: thresholds, then expiry at 100% (SLA-23, SLA-24).
    let sla_arrows = arrows(&sla);
    assert!(has(
        &sla_arrows,
        "s_AgentSLAarmed",
        "s_AgentSLAthreshold_1_reached",
        "AGENT_SLA_THRESHOLD_REACHED (SLA-23)"
    ));
    assert!(has(
        &sla_arrows,
        "s_AgentSLAthreshold_1_reached",
        "s_AgentSLAexpired",
        "AGENT_SLA_EXPIRED"
    ));
    // 140869657.md: a hold stops the agent SLA (SLA-19).
    assert!(has(
        &sla_arrows,
        "s_AgentSLAarmed",
        "s_AgentSLAstopped",
        "HOLD_CONVERSATION / AGENT_SLA_STOPPED"
    ));
}

#[test]
fn documented_marks_what_differs_from_specified() {
    let out = cxspec(&[
        "diagram",
        "--machine",
        "sla",
        "--rules",
        "documented",
        "--routing",
        "push",
    ]);
    let sla = stdout(&out);
    // DEV-02 (RULES.md): documented starts the agent SLA on a customer message during
    // voice, which specified never does.
    assert!(sla.contains("[+] CUSTOMER_MESSAGE"), "{sla}");
    let plain = stdout(&cxspec(&[
        "diagram",
        "--machine",
        "sla",
        "--routing",
        "push",
    ]));
    assert!(!plain.contains("[+]") && !plain.contains("[-]"), "{plain}");
}

#[test]
fn svg_and_dot_are_the_same_on_every_run() {
    let args = [
        "diagram",
        "--machine",
        "media",
        "--routing",
        "push",
        "--format",
        "svg",
    ];
    let first = stdout(&cxspec(&args));
    assert!(first.contains("<svg") && first.trim_end().ends_with("</svg>"));
    assert!(first.contains("RESERVE_AGENT"));
    assert_eq!(stdout(&cxspec(&args)), first);
    // --compact: input names only, no rule IDs.
    let compact = stdout(&cxspec(&[
        "diagram",
        "--machine",
        "media",
        "--routing",
        "push",
        "--compact",
    ]));
    assert!(
        compact.contains("RESERVE_AGENT") && !compact.contains("(TASK-"),
        "{compact}"
    );
    let dot = stdout(&cxspec(&[
        "diagram",
        "--machine",
        "media",
        "--routing",
        "push",
        "--format",
        "dot",
    ]));
    assert!(dot.starts_with("digraph media {"), "{dot}");
}

#[test]
fn bad_usage_exits_2() {
    let out = cxspec(&["diagram", "--format", "svg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--machine"));
    let out = cxspec(&["diagram", "--machine", "queue"]);
    assert_eq!(out.status.code(), Some(2));
    let out = cxspec(&["diagram", "--config", "nightly"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown configuration"));
}

#[test]
fn the_generated_block_is_written_and_checked_and_nothing_else_changes() {
    let dir = std::env::temp_dir().join(format!("cxspec-diagram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("RULES.md");
    let before = "# rules\n\nhand-written\n<!-- state-diagrams:start -->\nold\n<!-- state-diagrams:end -->\nafter\n";
    std::fs::write(&file, before).unwrap();
    let path = file.to_str().unwrap();
    let common = ["diagram", "--routing", "push"];
    let check = |extra: &[&str]| cxspec(&[&common[..], extra].concat());
    assert_eq!(check(&["--check", path]).status.code(), Some(1), "stale");
    assert!(check(&["--write", path]).status.success());
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.starts_with("# rules\n\nhand-written\n<!-- state-diagrams:start -->\n"));
    assert!(after.ends_with("<!-- state-diagrams:end -->\nafter\n"));
    assert!(after.contains("```mermaid\nstateDiagram-v2\n"));
    assert!(check(&["--check", path]).status.success(), "up to date");
    std::fs::write(&file, "no markers\n").unwrap();
    assert_eq!(check(&["--check", path]).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn simulate_draws_any_scenario_as_a_sequence() {
    let m = stdout(&cxspec(&[
        "simulate",
        "case-1-single-agent",
        "--format",
        "mermaid",
    ]));
    assert!(m.starts_with("sequenceDiagram\n"));
    for lane in [
        "Customer",
        "Bot",
        "agent 1",
        "Routing Engine",
        "Conversation Manager",
        "Conversation Monitor",
    ] {
        assert!(m.contains(&format!(" as {lane}\n")), "no lane {lane}:\n{m}");
    }
    // 2550490.md: the routing engine reserves the agent; 949321729.md: the agent's
    // joining starts the agent SLA (AGENT_SUBSCRIBED row).
    assert!(m.contains("RE->>A1: 5. RESERVE_AGENT agent=1"), "{m}");
    assert!(m.contains("Monitor-->>CM: AGENT_SLA_STARTED"), "{m}");
    assert!(m.contains("Note over Monitor: arms agent SLA, due "), "{m}");
    let svg = stdout(&cxspec(&[
        "simulate",
        "case-1-single-agent",
        "--format",
        "svg",
    ]));
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    let out = cxspec(&["simulate", "case-1-single-agent", "--format", "png"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_counterexample_comes_with_a_sequence_diagram() {
    let dir = std::env::temp_dir().join(format!("cxspec-cx-{}", std::process::id()));
    let out = cxspec(&[
        "check",
        "--config",
        "ci",
        "--rules",
        "documented",
        "--counterexample-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "documented breaks properties");
    let mut scenarios = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(stem) = name.strip_suffix(".yaml") else {
            continue;
        };
        scenarios += 1;
        let mermaid = std::fs::read_to_string(dir.join(format!("{stem}.sequence.mmd")))
            .unwrap_or_else(|e| panic!("no sequence diagram for {name}: {e}"));
        assert!(
            mermaid.contains("VIOLATED: "),
            "{stem}: the property is not marked"
        );
        assert!(dir.join(format!("{stem}.sequence.svg")).is_file());
    }
    assert!(scenarios > 0, "no counterexample written");
    std::fs::remove_dir_all(&dir).unwrap();
}
