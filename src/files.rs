//! Reading and writing files safely: reads (compose files, `.env`, PEM files, `git:` blobs) stop at a
//! size cap, and writes (`-o`, certificates, man pages) go to an exclusively created temporary
//! file that is renamed over a regular file or nothing.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub mod json;
mod same;

pub use same::same_file;

/// Why a capped read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system refused.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// More than `cap` bytes were there (or announced by the file's size).
    #[error("it is larger than the {cap} bytes allowed")]
    TooLarge {
        /// The size seen: the file's length, or `cap + 1` for a stream that did not end.
        len: u64,
        /// The cap that was passed.
        cap: u64,
    },
}

/// Reads `reader` to its end, or fails as soon as it yields more than `cap` bytes, so a
/// stream that never ends (`/dev/zero`, a pipe) costs at most `cap + 1` bytes of memory.
pub fn read_capped(reader: impl Read, cap: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge { len: bytes.len() as u64, cap });
    }
    Ok(bytes)
}

/// Reads the file at `path`, refusing it before reading when its size is over `cap`, and
/// after `cap + 1` bytes when it has no size (devices, pipes) or grew meanwhile.
pub fn read_file_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > cap {
        return Err(ReadError::TooLarge { len, cap });
    }
    read_capped(file, cap)
}

/// The path that means standard input, as in Compose's `-f -`.
pub const STDIN: &str = "-";

/// [`read_file_capped`] of `path`, or [`read_capped`] of standard input when `path` is
/// [`STDIN`].
pub fn read_path_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    if path.as_os_str() == STDIN { read_capped(io::stdin().lock(), cap) } else { read_file_capped(path, cap) }
}

/// Why a write failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target exists and is not a regular file: replacing it would turn a device, a
    /// symlink or a directory into a regular file.
    #[error("it is {what}, not a regular file; refusing to replace it")]
    NotRegular {
        /// `a symlink`, `a directory`, `a device or other special file`.
        what: &'static str,
    },
    /// The target exists and replacing it was not asked for.
    #[error("it already exists")]
    Exists,
    /// The file system refused.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// One file to write: where, what, and its permission bits (on unix).
#[derive(Clone, Copy, Debug)]
pub struct Output<'a> {
    /// The target path.
    pub path: &'a Path,
    /// The whole content.
    pub bytes: &'a [u8],
    /// Permission bits, e.g. 0o600 for a private key, 0o644 otherwise.
    pub mode: u32,
}

/// Writes `output` through a temporary file, replacing a regular file at its path (or
/// creating it): a reader never sees half a file, and a failure leaves the old one intact.
pub fn write_file(output: Output<'_>) -> Result<(), WriteError> {
    write_file_with(output.path, output.mode, |out| out.write_all(output.bytes))
}

/// [`write_file`] for content that is written out piece by piece rather than held whole:
/// `content` writes to the (buffered) temporary file, which is renamed over `path` only when
/// `content` and the sync succeeded; otherwise it is removed and the old file stays.
pub fn write_file_with(
    path: &Path,
    mode: u32,
    content: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    check_target(path, true)?;
    let temp = write_temp(path, mode, content)?;
    // Checked again just before the rename: the target may have been swapped meanwhile.
    let result = check_target(path, true).and_then(|()| fs::rename(&temp, path).map_err(WriteError::from));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Writes all `outputs` or none: each goes to its own temporary file first, and only when all
/// are written and synced are they renamed into place. With `replace` false, an existing
/// target is refused. On failure every temporary file is removed and the index of the
/// output that failed is returned with the error.
pub fn write_files(outputs: &[Output<'_>], replace: bool) -> Result<(), (usize, WriteError)> {
    for (i, output) in outputs.iter().enumerate() {
        check_target(output.path, replace).map_err(|e| (i, e))?;
    }
    let mut temps: Vec<PathBuf> = Vec::with_capacity(outputs.len());
    let result = outputs.iter().enumerate().try_for_each(|(i, output)| {
        let temp =
            write_temp(output.path, output.mode, |out| out.write_all(output.bytes)).map_err(|e| (i, e.into()))?;
        temps.push(temp);
        Ok(())
    });
    // Checked again just before the renames: the target may have been swapped meanwhile.
    let result = result.and_then(|()| {
        outputs.iter().enumerate().try_for_each(|(i, output)| check_target(output.path, replace).map_err(|e| (i, e)))
    });
    let result = result.and_then(|()| {
        temps
            .iter()
            .zip(outputs)
            .enumerate()
            .try_for_each(|(i, (temp, output))| fs::rename(temp, output.path).map_err(|e| (i, WriteError::from(e))))
    });
    if result.is_err() {
        for temp in &temps {
            let _ = fs::remove_file(temp);
        }
    }
    result
}

/// Creates a temporary file beside `target`, writes `content` to it through a buffer and
/// syncs it; returns its path. On failure the temporary file is removed.
fn write_temp(target: &Path, mode: u32, content: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<PathBuf> {
    let (temp, file) = create_temp(target, mode)?;
    let mut out = io::BufWriter::with_capacity(64 * 1024, file);
    let written = content(&mut out)
        .and_then(|()| out.into_inner().map_err(io::IntoInnerError::into_error))
        .and_then(|file| file.sync_all());
    match written {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Refuses a target that is a symlink, a directory or a special file, or that exists at all
/// when `replace` is false. `symlink_metadata` looks at the link itself, never its target.
fn check_target(path: &Path, replace: bool) -> Result<(), WriteError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
        Ok(meta) => {
            let kind = meta.file_type();
            if kind.is_symlink() {
                Err(WriteError::NotRegular { what: "a symlink" })
            } else if kind.is_dir() {
                Err(WriteError::NotRegular { what: "a directory" })
            } else if !kind.is_file() {
                Err(WriteError::NotRegular { what: "a device or other special file" })
            } else if !replace {
                Err(WriteError::Exists)
            } else {
                Ok(())
            }
        }
    }
}

/// Creates a new file beside `target` with an unguessable name, exclusively (`O_EXCL`: it
/// never opens an existing file or follows a planted symlink), with `mode` from the start.
fn create_temp(target: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().ok_or_else(|| io::Error::other("the path names no file"))?.to_string_lossy();
    let mut attempts = 0;
    loop {
        let path = dir.join(format!(".{name}.{:016x}.tmp", temp_suffix()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        #[cfg(not(unix))]
        let _ = mode;
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            // A name taken by chance (or by someone guessing): draw another.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 16 => attempts += 1,
            Err(e) => return Err(e),
        }
    }
}

/// A fresh 64-bit suffix for a temporary file's name: the process id, the time and a counter,
/// hashed with the standard library's randomly keyed SipHash. The keys come from the OS once
/// per thread, so this costs a hash rather than the setup of a cryptographic generator (which
/// was most of a small `compile -o`). `O_EXCL` makes a collision harmless; the keys make a
/// name hard to guess in advance.
fn temp_suffix() -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    std::process::id().hash(&mut hasher);
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos().hash(&mut hasher);
    COUNTER.fetch_add(1, Ordering::Relaxed).hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_stops_one_byte_past_the_cap() {
        assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), b"abc");
        assert!(matches!(read_capped(&b"abcd"[..], 3), Err(ReadError::TooLarge { len: 4, cap: 3 })));
        // A stream that never ends.
        assert!(
            matches!(read_capped(io::repeat(0), 1 << 20), Err(ReadError::TooLarge { len, .. }) if len == (1 << 20) + 1)
        );
    }

    #[cfg(unix)]
    #[test]
    fn dev_zero_is_refused_at_the_cap() {
        assert!(matches!(read_file_capped(Path::new("/dev/zero"), 1024), Err(ReadError::TooLarge { len: 1025, .. })));
    }

    #[test]
    fn files_are_created_replaced_and_never_left_half_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_file(Output { path: &path, bytes: b"one", mode: 0o644 }).unwrap();
        write_file(Output { path: &path, bytes: b"two", mode: 0o644 }).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(matches!(
            write_files(&[Output { path: &path, bytes: b"x", mode: 0o644 }], false),
            Err((0, WriteError::Exists))
        ));
        // Only the target remains: no temporary file is left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn content_written_in_pieces_replaces_the_file_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        fs::write(&path, "old").unwrap();
        let failed = write_file_with(&path, 0o644, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("the writer gave up"))
        });
        assert!(matches!(failed, Err(WriteError::Io(ref e)) if e.to_string() == "the writer gave up"), "{failed:?}");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "a temporary file was left behind");
        write_file_with(&path, 0o644, |out| (0..3).try_for_each(|i| write!(out, "{i}"))).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"012");
    }

    #[test]
    fn temporary_names_differ_from_call_to_call() {
        let suffixes: std::collections::HashSet<u64> = (0..1000).map(|_| temp_suffix()).collect();
        assert_eq!(suffixes.len(), 1000);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_directories_and_devices_are_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for (path, what) in
            [(link.as_path(), "a symlink"), (dir.path(), "a directory"), (Path::new("/dev/null"), "a device")]
        {
            match write_file(Output { path, bytes: b"x", mode: 0o644 }) {
                Err(WriteError::NotRegular { what: w }) => assert!(w.starts_with(what), "{w}"),
                other => panic!("{}: {other:?}", path.display()),
            }
        }
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn two_files_are_written_both_or_neither_with_their_modes() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let missing = dir.path().join("no-such-dir").join("key.pem");
        let failed = write_files(
            &[Output { path: &cert, bytes: b"c", mode: 0o644 }, Output { path: &missing, bytes: b"k", mode: 0o600 }],
            false,
        );
        assert!(matches!(failed, Err((1, WriteError::Io(_)))), "{failed:?}");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "the certificate (or a temp) was left behind");
        write_files(
            &[Output { path: &cert, bytes: b"c", mode: 0o644 }, Output { path: &key, bytes: b"k", mode: 0o600 }],
            false,
        )
        .unwrap();
        assert_eq!(fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&cert).unwrap(), b"c");
    }
}
