//! Capturing the kernel's own stderr, where evcxr echoes cargo's progress lines.
//!
//! evcxr prints "Compiling polars v0.55.2" lines to the process's stderr while a cell or a
//! `:dep` builds. To show that progress in the cell, file descriptor 2 is pointed at a pipe whose
//! other end a thread reads line by line; the kernel's logs go to a duplicate of the original
//! stderr instead, so they never end up in a notebook.

use std::fs::File;
use std::io::{BufRead, BufReader};

use crossbeam_channel::Receiver;

/// The original stderr (for logs) and the captured lines.
pub struct Captured {
    /// Where the kernel's logs should go.
    pub log: File,
    /// Lines written to fd 2 from now on.
    pub lines: Receiver<String>,
}

/// Redirects fd 2 into a pipe. Call once, early, before other threads write to stderr.
pub fn capture_stderr() -> std::io::Result<Captured> {
    let original = rustix::io::dup(std::io::stderr())?;
    let (read_end, write_end) = rustix::pipe::pipe()?;
    rustix::stdio::dup2_stderr(&write_end)?;
    drop(write_end);

    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("stderr-capture".into())
        .spawn(move || {
            let reader = BufReader::new(File::from(read_end));
            for line in reader.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        })?;
    Ok(Captured {
        log: File::from(original),
        lines: rx,
    })
}
