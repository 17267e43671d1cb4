//! Whether two paths name one file, so that a command never writes one output over another
//! or over one of its inputs: decided also for outputs that do not exist yet.

use std::fs;
use std::path::{Path, PathBuf};

/// Whether `a` and `b` name one file, so that writing one would replace the other; also for
/// outputs that do not exist yet. Text alone misses `./c.pem` beside `c.pem`, and resolving
/// each whole path (`canonicalize`) fails for a file not yet written, so two new outputs
/// looked different and the second write replaced the first.
///
/// Two existing files are one when they are the same inode (which also catches hard links);
/// otherwise each path is resolved as far as it exists (`..`, `.`, symlinked directories,
/// the current directory for a relative path) and the rest is appended, and the results are
/// compared. A case-insensitive file system may still call two new names one file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => same_inode(&x, &y).unwrap_or_else(|| resolved(a) == resolved(b)),
        _ => resolved(a) == resolved(b),
    }
}

/// Whether two files' metadata are one inode; `None` where the platform does not say.
fn same_inode(a: &fs::Metadata, b: &fs::Metadata) -> Option<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(a.dev() == b.dev() && a.ino() == b.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        None
    }
}

/// `path` made absolute and resolved as far as it exists: the longest existing ancestor
/// canonicalized, the names below it (not yet created) appended as given.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    let absolute = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    // `Path::parent` and `file_name` skip `.`; a path ending in `..` has no file name, and
    // stays as it is (writing to it fails anyway).
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => resolved(parent).join(name),
        _ => absolute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_is_recognised_under_other_spellings_before_and_after_it_exists() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        fs::create_dir(base.join("sub")).unwrap();
        let file = base.join("c.pem");
        let spellings = [base.join("./c.pem"), base.join("sub/../c.pem"), base.join("sub/./../c.pem")];
        for exists in [false, true] {
            for other in &spellings {
                assert!(same_file(&file, other), "{} and {} (exists: {exists})", file.display(), other.display());
            }
            assert!(!same_file(&file, &base.join("k.pem")));
            assert!(!same_file(&file, &base.join("sub/c.pem")));
            fs::write(&file, "x").unwrap();
        }
        // Below a directory that does not exist either.
        assert!(same_file(&base.join("new/a.pem"), &base.join("sub/../new/./a.pem")));
        assert!(!same_file(&base.join("new/a.pem"), &base.join("new/b.pem")));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_directory_and_a_hard_link_name_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        fs::create_dir(base.join("real")).unwrap();
        std::os::unix::fs::symlink(base.join("real"), base.join("link")).unwrap();
        assert!(same_file(&base.join("real/out.pem"), &base.join("link/out.pem")), "not yet written");
        fs::write(base.join("real/out.pem"), "x").unwrap();
        assert!(same_file(&base.join("real/out.pem"), &base.join("link/out.pem")), "written");
        fs::hard_link(base.join("real/out.pem"), base.join("hard.pem")).unwrap();
        assert!(same_file(&base.join("hard.pem"), &base.join("link/out.pem")));
    }
}
