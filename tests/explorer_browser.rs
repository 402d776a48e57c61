//! The Explorer in a real headless browser: `cxspec explore` serves stateright's Explorer,
//! and `tests/explorer_browser.py` drives Chromium over the DevTools Protocol to follow a
//! path of three actions and check that the state panel reads as a contact-center
//! engineer reads it (conversation state, sessions, tasks, armed timers with deadlines)
//! and that the path is drawn as a sequence diagram. The screenshot is kept as a CI
//! artifact: `<target>/tmp/explorer-browser.png`.
//!
//! Needs Chromium (`chromium` on the PATH, or `CXSPEC_CHROMIUM`) and python3. Without
//! Chromium the test says SKIPPED, unless `CXSPEC_REQUIRE_BROWSER=1` (CI installs
//! Debian's `chromium` and sets it), where a missing browser fails it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Ends the Explorer server this test started, also when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CXSPEC_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").port()
}

fn wait_until_listening(port: u16, server: &mut Server) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("cxspec explore exited before serving: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("cxspec explore did not listen on port {port} within 30 s");
}

#[test]
fn the_explorer_shows_an_engineers_view_in_a_real_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("CXSPEC_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("CXSPEC_REQUIRE_BROWSER=1 but no Chromium found (install Debian's `chromium`, or set CXSPEC_CHROMIUM)");
        }
        eprintln!("SKIPPED: no Chromium on the PATH (install Debian's `chromium` or set CXSPEC_CHROMIUM); CI installs it and sets CXSPEC_REQUIRE_BROWSER=1");
        return;
    };
    let port = free_port();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_cxspec"))
            .args(["explore", "--config", "ci", "--sub", "1", "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cxspec explore starts"),
    );
    wait_until_listening(port, &mut server);
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("explorer-browser.png");
    let _ = std::fs::remove_file(&screenshot);
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/explorer_browser.py");
    let output = Command::new("python3")
        .arg(&driver)
        .arg(&browser)
        .arg(format!("http://127.0.0.1:{port}/"))
        .arg(&screenshot)
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    drop(server);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser test failed ({}):\n{stderr}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    let png = std::fs::read(&screenshot).expect("the screenshot is written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 10_000,
        "a {}-byte screenshot is blank",
        png.len()
    );
    println!("screenshot: {}", screenshot.display());
}
