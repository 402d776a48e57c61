fn main() {
    let t = std::time::Instant::now();
    let g = cxspec_conformance::generate::generate();
    let files = g.files();
    let bytes: usize = files.values().map(|s| s.len()).sum();
    eprintln!("{} vectors, {} bytes, {:?}", g.vectors.len(), bytes, t.elapsed());
    println!("{}", g.coverage);
    if let Some(dir) = std::env::args().nth(1) {
        for (p, t) in files { let p = std::path::Path::new(&dir).join(p); std::fs::create_dir_all(p.parent().unwrap()).unwrap(); std::fs::write(p, t).unwrap(); }
    }
}
#[allow(dead_code)]
fn unused() {}
