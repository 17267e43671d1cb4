//! The one way every command writes its result to stdout and its messages to stderr: a closed
//! pipe or a full disk ends the command with a one-line message and exit 2, never a panic
//! (`println!` panics on EPIPE, and Rust ignores SIGPIPE) and never a silent exit.

use std::io::Write;
use std::process::ExitCode;

/// Writes `text` to stdout (colour stripped where it does not belong) and flushes it; on
/// failure says so on stderr and returns the exit code 2 as the error.
pub fn write_stdout(text: &str) -> Result<(), ExitCode> {
    write_stdout_with(|out| out.write_all(text.as_bytes()))
}

/// [`write_stdout`] for output written piece by piece (a template serialized straight to
/// stdout, never held whole): `content` writes through a buffer, which is flushed at the end.
pub fn write_stdout_with(content: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<(), ExitCode> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, anstream::stdout().lock());
    content(&mut out).and_then(|()| out.flush()).map_err(|e| {
        let reason = match e.kind() {
            std::io::ErrorKind::BrokenPipe => "the reader closed the pipe".to_string(),
            _ => e.to_string(),
        };
        super::report::usage_error(&format!("cannot write to standard output: {reason}"))
    })
}

/// [`write_stdout`] as the command's exit code: success, or 2.
pub fn stdout(text: &str) -> ExitCode {
    write_stdout(text).err().unwrap_or(ExitCode::SUCCESS)
}

/// Writes `text` to stderr. A failure is ignored: stderr is where it would be reported, and
/// the exit code still tells the caller what happened.
pub fn stderr(text: &str) {
    let mut err = anstream::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}
