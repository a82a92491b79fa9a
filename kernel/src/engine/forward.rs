//! Forwarding a cell's stdout and stderr to iopub as they arrive.
//!
//! Three line sources feed the running cell: the user code's stdout (which also carries the
//! prelude's display requests, see [`crate::marker`]), its stderr, and the kernel's own stderr,
//! where cargo's "Compiling …" progress lines appear while a cell or `:dep` builds. Each source
//! has a thread that turns lines into `stream`, `display_data`, `update_display_data` and
//! `execute_result` messages for whichever cell is running. Between cells, lines go to the log.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, select};
use jupyter_protocol::{
    DisplayData, ExecuteResult, ExecutionCount, JupyterMessage, JupyterMessageContent, Media,
    StreamContent, Transient, UpdateDisplayData,
};
use tokio::sync::mpsc::UnboundedSender;

use crate::marker::{self, DisplayRequest, Kind, Line};

/// Upper bound on one `stream` message, so a runaway `println!` loop is sent in pieces.
const MAX_STREAM_CHUNK: usize = 64 * 1024;

/// The cell that outputs currently belong to.
#[derive(Debug, Clone)]
pub struct Sink {
    /// The `execute_request` being answered.
    pub parent: JupyterMessage,
    /// Its execution count.
    pub execution_count: usize,
    /// Set when the user code panicked: the first line of the panic report and its message.
    pub panic: Option<String>,
    /// Whether this cell already produced its `execute_result`.
    pub sent_result: bool,
}

/// The running cell, shared by the engine and the forwarders.
#[derive(Debug, Clone, Default)]
pub struct CurrentCell(Arc<Mutex<Option<Sink>>>);

impl CurrentCell {
    /// Locks the slot (a poisoned lock still holds usable data).
    pub fn lock(&self) -> MutexGuard<'_, Option<Sink>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Which stream a source's text lines belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// User stdout: text plus display requests.
    Stdout,
    /// User stderr: text, and panic reports.
    Stderr,
    /// The kernel's own stderr: build progress.
    Build,
}

/// A handle to one forwarder thread.
pub struct Forwarder {
    flush: Sender<Sender<()>>,
}

impl Forwarder {
    /// Starts a forwarder for `lines`.
    pub fn spawn(
        stream: Stream,
        lines: Receiver<String>,
        cell: CurrentCell,
        iopub: UnboundedSender<JupyterMessage>,
    ) -> Forwarder {
        let (flush_tx, flush_rx) = crossbeam_channel::unbounded::<Sender<()>>();
        let worker = Worker {
            stream,
            token: std::env::var(marker::TOKEN_ENV).unwrap_or_default(),
            lines,
            cell,
            iopub,
        };
        std::thread::Builder::new()
            .name(format!("forward-{stream:?}"))
            .spawn(move || worker.run(flush_rx))
            .map(|_| ())
            .unwrap_or_else(|error| tracing::error!("cannot start forwarder: {error}"));
        Forwarder { flush: flush_tx }
    }

    /// Waits until every line received so far has been sent on.
    pub fn flush(&self) {
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self.flush.send(ack_tx).is_ok() {
            let _ = ack_rx.recv_timeout(Duration::from_secs(2));
        }
    }
}

struct Worker {
    stream: Stream,
    token: String,
    lines: Receiver<String>,
    cell: CurrentCell,
    iopub: UnboundedSender<JupyterMessage>,
}

impl Worker {
    fn run(self, flush: Receiver<Sender<()>>) {
        loop {
            select! {
                recv(self.lines) -> line => match line {
                    Ok(line) => self.handle(line),
                    Err(_) => return,
                },
                recv(flush) -> ack => match ack {
                    Ok(ack) => {
                        self.drain();
                        let _ = ack.send(());
                    }
                    Err(_) => return,
                },
            }
        }
    }

    /// Sends on everything already queued, then whatever arrives within a short grace period:
    /// stderr comes through its own pipe and may trail the end of the cell by a little.
    fn drain(&self) {
        let grace = Duration::from_millis(if self.stream == Stream::Stdout { 0 } else { 30 });
        while let Ok(line) = self.lines.recv_timeout(grace) {
            self.handle(line);
        }
        while let Ok(line) = self.lines.try_recv() {
            self.handle(line);
        }
    }

    fn handle(&self, first: String) {
        let mut text = String::new();
        let mut pending = Some(first);
        while let Some(line) = pending.take() {
            let parsed = match self.stream {
                Stream::Stdout => marker::parse(line, &self.token),
                Stream::Stderr | Stream::Build => Line::Text(line),
            };
            match parsed {
                Line::Text(line) => {
                    text.push_str(&line);
                    text.push('\n');
                }
                Line::Display(request) => {
                    self.send_text(&mut text);
                    self.send_display(request);
                }
                Line::Malformed(message) => {
                    text.push_str(&message);
                    text.push('\n');
                }
            }
            // Batch consecutive lines into one message instead of one message per line.
            if text.len() < MAX_STREAM_CHUNK {
                pending = self.lines.try_recv().ok();
            }
        }
        self.send_text(&mut text);
    }

    fn send_text(&self, text: &mut String) {
        if text.is_empty() {
            return;
        }
        let mut cell = self.cell.lock();
        if self.stream == Stream::Stderr
            && let Some(sink) = cell.as_mut()
        {
            note_panic(sink, text);
        }
        match cell.as_ref() {
            Some(sink) => {
                let content = match self.stream {
                    Stream::Stdout => StreamContent::stdout(text),
                    Stream::Stderr | Stream::Build => StreamContent::stderr(text),
                };
                let _ = self.iopub.send(content.as_child_of(&sink.parent));
            }
            None => tracing::info!(stream = ?self.stream, "{}", text.trim_end()),
        }
        text.clear();
    }

    fn send_display(&self, request: DisplayRequest) {
        let mut cell = self.cell.lock();
        let Some(sink) = cell.as_mut() else {
            tracing::warn!("display request outside a cell dropped");
            return;
        };
        let Some(content) = display_content(request, sink) else {
            return;
        };
        let _ = self
            .iopub
            .send(JupyterMessage::new(content, Some(&sink.parent)));
    }
}

/// Builds the iopub content for one display request.
fn display_content(request: DisplayRequest, sink: &mut Sink) -> Option<JupyterMessageContent> {
    let data: Media = match serde_json::from_value(serde_json::Value::Object(request.data)) {
        Ok(media) => media,
        Err(error) => {
            tracing::warn!("display request with an unusable MIME bundle: {error}");
            return None;
        }
    };
    let transient = request.display_id.clone().map(|id| Transient {
        display_id: Some(id),
    });
    let content = match (request.kind, request.display_id) {
        (Kind::Update, Some(id)) => {
            let mut update = UpdateDisplayData::new(data, &id);
            update.metadata = request.metadata;
            JupyterMessageContent::UpdateDisplayData(update)
        }
        (Kind::Result, _) if !sink.sent_result => {
            sink.sent_result = true;
            let mut result = ExecuteResult::new(ExecutionCount::new(sink.execution_count), data);
            result.metadata = request.metadata;
            JupyterMessageContent::ExecuteResult(result)
        }
        _ => JupyterMessageContent::DisplayData(DisplayData {
            data,
            metadata: request.metadata,
            transient,
        }),
    };
    Some(content)
}

/// Remembers the first panic report seen in a cell's stderr.
fn note_panic(sink: &mut Sink, text: &str) {
    if sink.panic.is_some() {
        return;
    }
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("thread '") && line.contains("panicked at") {
            let message = lines.next().unwrap_or_default();
            sink.panic = Some(format!("{line}\n{message}").trim_end().to_owned());
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink() -> Sink {
        Sink {
            parent: JupyterMessage::new(jupyter_protocol::ExecuteRequest::new("1".into()), None),
            execution_count: 3,
            panic: None,
            sent_result: false,
        }
    }

    #[test]
    fn panics_are_recognised_with_their_message() {
        let mut sink = sink();
        note_panic(
            &mut sink,
            "noise\nthread '<unnamed>' panicked at src/lib.rs:3:1:\nboom\n",
        );
        assert_eq!(
            sink.panic.as_deref(),
            Some("thread '<unnamed>' panicked at src/lib.rs:3:1:\nboom")
        );
    }

    #[test]
    fn only_the_first_result_is_an_execute_result() {
        let mut sink = sink();
        let request = |kind| DisplayRequest {
            kind,
            data: serde_json::from_str(r#"{"text/plain":"42"}"#).unwrap_or_default(),
            metadata: Default::default(),
            display_id: None,
            token: String::new(),
        };
        let first = display_content(request(Kind::Result), &mut sink);
        let second = display_content(request(Kind::Result), &mut sink);
        assert!(
            matches!(first, Some(JupyterMessageContent::ExecuteResult(r)) if r.execution_count.value() == 3)
        );
        assert!(matches!(
            second,
            Some(JupyterMessageContent::DisplayData(_))
        ));
    }
}
