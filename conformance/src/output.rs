//! Safe file output: every file the `cxspec` command line writes (reports, mutation
//! tables, generated vectors, counterexample scenarios) goes through [`write_atomic`], so
//! that a write error, a full disk or a kill at any moment leaves either the old file or
//! the complete new one, never an empty or truncated file.
//!
//! The bytes go to a temporary file in the target's own directory (a rename is atomic only
//! within one file system), are flushed to disk, and the temporary file is renamed over the
//! target. Its name, `.<name>.cxspec-tmp-<pid>`, is recognisably ours ([`is_temp_name`]),
//! so that `cxspec vectors generate` can clean up what a killed run left behind without
//! touching anything else.
//!
//! Left out: a rename replaces a symbolic link at the target with a regular file instead of
//! writing through it, and the new file keeps the old one's permission bits but not its
//! owner or extended attributes.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What every temporary file name holds between the target's name and the process id.
pub const TEMP_MARK: &str = ".cxspec-tmp-";

/// A failed write, naming the file the user asked for (not only the temporary file).
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub action: String,
    pub source: std::io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot write {}: {}: {}",
            self.path.display(),
            self.action,
            self.source
        )
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The temporary file [`write_atomic`] uses for `target`: `.<name>.cxspec-tmp-<pid>`
/// beside it. The process id keeps two concurrent runs from writing the same file.
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{TEMP_MARK}{}", std::process::id()))
}

/// Whether a file name is one [`temp_path`] makes: a dot, a name, the mark, then digits.
pub fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    match rest.rfind(TEMP_MARK) {
        Some(i) if i > 0 => {
            let pid = &rest[i + TEMP_MARK.len()..];
            !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// Writes `bytes` to `path` so that `path` holds either its old content or all of `bytes`,
/// whatever happens during the write. The directory must exist: creating it is the
/// caller's decision. On error the temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let temp = temp_path(path);
    let fail = |action: String, source| WriteError {
        path: path.to_path_buf(),
        action,
        source,
    };
    let mut file = create_new(&temp).map_err(|e| {
        fail(
            format!("cannot create the temporary file {}", temp.display()),
            e,
        )
    })?;
    let written = (|| {
        // Keep the permission bits of the file being replaced (an executable script, a
        // report readable only by its owner); a new file gets the usual defaults.
        if let Ok(old) = std::fs::metadata(path) {
            if old.is_file() {
                file.set_permissions(old.permissions())?;
            }
        }
        file.write_all(bytes)?;
        // Without this the rename can reach the disk before the data does, and a crash
        // would leave an empty file under the target's name.
        file.sync_all()
    })();
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(format!("writing {}", temp.display()), e));
    }
    if let Err(e) = std::fs::rename(&temp, path) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(format!("renaming {} over it", temp.display()), e));
    }
    sync_dir(path);
    Ok(())
}

/// Checks, before a long run, that its result can be written to `path`: the folder exists
/// and `path` is not a folder. The message names the path; the write itself can still
/// fail later (a full disk), and then [`write_atomic`] leaves the old file in place.
pub fn ready_to_write(path: &Path) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(format!(
            "{}: no such directory {}",
            path.display(),
            dir.display()
        ));
    }
    if path.is_dir() {
        return Err(format!("{}: is a directory", path.display()));
    }
    Ok(())
}

/// Opens a fresh temporary file. One left by an earlier process with our pid (a kill,
/// then pid reuse) is ours by its name and is replaced, never appended to.
fn create_new(temp: &Path) -> std::io::Result<File> {
    let open = || OpenOptions::new().write(true).create_new(true).open(temp);
    match open() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(temp)?;
            open()
        }
        other => other,
    }
}

/// Flushes the directory entry of a renamed file, so that the rename itself survives a
/// crash. Best effort: not every platform or file system can open a directory for this,
/// and the data is already safe either way.
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cxspec-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    #[test]
    fn temp_names_are_recognised() {
        let t = temp_path(Path::new("out/sla/a.yaml"));
        let name = t.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(".a.yaml.cxspec-tmp-"), "{name}");
        assert!(is_temp_name(name));
        assert_eq!(t.parent(), Some(Path::new("out/sla")));
        for other in [
            "a.yaml",
            ".a.yaml",
            ".cxspec-tmp-12",
            ".a.yaml.cxspec-tmp-",
            ".a.yaml.cxspec-tmp-12x",
            "a.yaml.cxspec-tmp-12",
        ] {
            assert!(!is_temp_name(other), "{other}");
        }
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = scratch("replace");
        let target = dir.join("report.txt");
        std::fs::write(&target, "old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_rename_leaves_the_target_and_no_temporary() {
        let dir = scratch("fail");
        // A non-empty directory cannot be replaced by a file.
        let target = dir.join("taken");
        std::fs::create_dir_all(target.join("inside")).unwrap();
        let e = write_atomic(&target, b"x").unwrap_err();
        assert!(e.to_string().contains("taken"), "{e}");
        assert!(target.join("inside").is_dir());
        assert!(!temp_path(&target).exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_target() {
        let dir = scratch("missing");
        let target = dir.join("no/such/report.txt");
        let e = write_atomic(&target, b"x").unwrap_err();
        assert!(e.to_string().contains("no/such/report.txt"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
