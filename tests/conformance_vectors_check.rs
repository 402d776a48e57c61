//! The committed vectors are exactly what the spec generates (`cxspec vectors check`); on a
//! difference this fails with the command that regenerates them.

use cxspec_conformance::generate::generate;
use cxspec_conformance::vector::find_files;
use std::path::Path;

#[test]
fn committed_vectors_are_up_to_date() {
    let dir = Path::new("conformance/vectors");
    let files = generate().files();
    let mut problems = Vec::new();
    for (path, text) in &files {
        match std::fs::read_to_string(dir.join(path)) {
            Ok(old) if old == *text => {}
            Ok(_) => problems.push(format!("differs: {}", path.display())),
            Err(_) => problems.push(format!("missing: {}", path.display())),
        }
    }
    for path in find_files(dir).expect("vectors dir") {
        let relative = path.strip_prefix(dir).unwrap().to_path_buf();
        if !files.contains_key(&relative) {
            problems.push(format!("not generated: {}", relative.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "{} files differ from what the spec generates, e.g. {:?}\nregenerate with: cargo run --release -- vectors generate",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
}

#[test]
fn generation_is_deterministic() {
    let a = generate().files();
    let b = generate().files();
    assert!(a == b, "two runs of the generator differ");
}
