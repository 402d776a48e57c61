//! A scratch folder for one test: created empty under the system temp folder, named after
//! the test process and a tag, and removed with everything in it when the guard is dropped,
//! so a test that fails (or panics) leaves nothing behind in the temp folder either.

use std::ops::Deref;
use std::path::{Path, PathBuf};

pub struct Scratch(PathBuf);

impl Scratch {
    /// `<temp>/cxspec-<prefix>-<pid>-<tag>`, emptied first (a previous run with the same
    /// process id may have been killed before its guard ran).
    pub fn new(prefix: &str, tag: &str) -> Scratch {
        let path =
            std::env::temp_dir().join(format!("cxspec-{prefix}-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create scratch folder {}: {e}", path.display()));
        Scratch(path)
    }

    // Not every test crate that includes this file uses each helper below.
    #[allow(dead_code)]
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` at `relative`, creating folders; returns its path.
    #[allow(dead_code)]
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().expect("a file inside the scratch folder"))
            .unwrap_or_else(|e| panic!("cannot create the folder of {}: {e}", path.display()));
        std::fs::write(&path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // The test may have removed it already (some check that removal works).
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
