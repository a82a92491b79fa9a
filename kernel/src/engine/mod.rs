//! The evaluation engine: one evcxr context on its own thread, fed requests from the shell.
//!
//! - [`forward`]: stdout/stderr/progress lines → iopub messages for the running cell;
//! - [`capture`]: the kernel's stderr redirected, so cargo's progress reaches the cell;
//! - [`errors`]: evcxr errors → `error` outputs;
//! - [`session`]: creating the evcxr context with the prelude loaded.
//!
//! The shell and control loops never wait for this thread: `kernel_info`, `is_complete` and
//! interrupts are answered while a cell compiles or runs.

pub mod capture;
pub mod errors;
pub mod forward;
pub mod session;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use evcxr::CommandContext;
use jupyter_protocol::{
    CompleteReply, ErrorOutput, ExecuteInput, ExecuteReply, ExecuteRequest, ExecutionCount,
    InspectReply, JupyterMessage, JupyterMessageContent, Media, MediaType, ReplyError, ReplyStatus,
    Status,
};
use tokio::sync::mpsc::UnboundedSender;

use errors::CellError;
use forward::{CurrentCell, Forwarder, Sink};

/// A request for the engine thread.
pub enum Request {
    /// Run a cell.
    Execute(JupyterMessage),
    /// Complete at a cursor.
    Complete(JupyterMessage),
    /// Describe what is under a cursor.
    Inspect(JupyterMessage),
}

/// State the control channel needs to interrupt a running cell.
#[derive(Default)]
pub struct Interrupter {
    child: Mutex<Option<Arc<Mutex<std::process::Child>>>>,
    running: AtomicBool,
    interrupted: AtomicBool,
}

impl Interrupter {
    /// Stops the running cell by killing the process that runs user code. evcxr starts a new
    /// one, so variables from earlier cells are lost; the cell's output says so.
    pub fn interrupt(&self) -> bool {
        if !self.running.load(Ordering::SeqCst) {
            return false;
        }
        let guard = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let Some(child) = guard.as_ref() else {
            return false;
        };
        self.interrupted.store(true, Ordering::SeqCst);
        let mut child = child.lock().unwrap_or_else(|p| p.into_inner());
        child.kill().is_ok()
    }
}

/// Where the engine sends its messages.
#[derive(Clone)]
pub struct Outbox {
    /// iopub broadcasts.
    pub iopub: UnboundedSender<JupyterMessage>,
    /// Replies on the shell socket.
    pub shell: UnboundedSender<JupyterMessage>,
}

/// The engine thread's state.
pub struct Engine {
    context: Option<CommandContext>,
    startup_error: Option<String>,
    execution_count: usize,
    cell: CurrentCell,
    forwarders: Vec<Forwarder>,
    interrupter: Arc<Interrupter>,
    outbox: Outbox,
}

impl Engine {
    /// Wraps a started session (or the reason it could not start).
    pub fn new(
        session: Result<session::Session, String>,
        cell: CurrentCell,
        mut forwarders: Vec<Forwarder>,
        interrupter: Arc<Interrupter>,
        outbox: Outbox,
    ) -> Engine {
        let (context, startup_error) = match session {
            Ok(session) => {
                forwarders.extend(session.forwarders);
                *interrupter.child.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(session.context.process_handle());
                (Some(session.context), session.warning)
            }
            Err(error) => (None, Some(error)),
        };
        Engine {
            context,
            startup_error,
            execution_count: 0,
            cell,
            forwarders,
            interrupter,
            outbox,
        }
    }

    /// Serves requests until the channel closes.
    pub fn run(mut self, requests: std::sync::mpsc::Receiver<Request>) {
        for request in requests {
            match request {
                Request::Execute(message) => self.execute(message),
                Request::Complete(message) => self.complete(message),
                Request::Inspect(message) => self.inspect(message),
            }
        }
    }

    fn execute(&mut self, message: JupyterMessage) {
        let JupyterMessageContent::ExecuteRequest(request) = &message.content else {
            return;
        };
        let request = request.clone();
        if !request.silent && request.store_history {
            self.execution_count += 1;
        }
        let count = self.execution_count;

        self.begin_cell(&message, &request, count);
        let result = self.evaluate(&request.code);
        for forwarder in &self.forwarders {
            forwarder.flush();
        }
        let sink = self.cell.lock().take();

        let outcome = match (result, sink.and_then(|s| s.panic)) {
            (Ok(outputs), None) => {
                self.send_evcxr_outputs(&message, outputs, count);
                Ok(())
            }
            (Ok(_), Some(panic)) => Err(CellError::new("panic", panic)),
            (Err(error), _) => Err(error),
        };
        self.finish_cell(&message, outcome, count);
    }

    fn begin_cell(&self, message: &JupyterMessage, request: &ExecuteRequest, count: usize) {
        let mut cell = self.cell.lock();
        // The shell loop may already have opened this cell (and said "busy") while the session
        // was starting, so progress could stream into it.
        let already_open = cell
            .as_ref()
            .is_some_and(|s| s.parent.header.msg_id == message.header.msg_id);
        if !already_open {
            let _ = self.outbox.iopub.send(Status::busy().as_child_of(message));
        }
        *cell = Some(Sink {
            parent: message.clone(),
            execution_count: count,
            panic: None,
            sent_result: false,
        });
        drop(cell);
        let input = ExecuteInput {
            code: request.code.clone(),
            execution_count: ExecutionCount::new(count),
        };
        let _ = self.outbox.iopub.send(input.as_child_of(message));
    }

    fn evaluate(&mut self, code: &str) -> Result<evcxr::EvalOutputs, CellError> {
        if let Some(problem) = self.startup_error.take() {
            let _ = problem_stream(&self.outbox, &self.cell, &problem);
            if self.context.is_none() {
                return Err(CellError::new("SessionFailed", problem));
            }
        }
        let Some(context) = self.context.as_mut() else {
            return Err(CellError::new(
                "SessionFailed",
                "the evaluation session is not running",
            ));
        };
        let before: Vec<String> = context
            .variables_and_types()
            .map(|(n, _)| n.to_owned())
            .collect();

        self.interrupter.interrupted.store(false, Ordering::SeqCst);
        self.interrupter.running.store(true, Ordering::SeqCst);
        let result = context.execute(code);
        self.interrupter.running.store(false, Ordering::SeqCst);

        result.map_err(|error| {
            if self.interrupter.interrupted.swap(false, Ordering::SeqCst) {
                return interrupted_error(&before);
            }
            let mut cell_error = errors::from_evcxr(&error, code);
            if matches!(error, evcxr::Error::SubprocessTerminated(_)) && !before.is_empty() {
                cell_error.evalue.push_str(&lost_variables_note(&before));
                cell_error.traceback.push(lost_variables_note(&before));
            }
            cell_error
        })
    }

    /// evcxr's own outputs: results of `:commands` and anything sent with evcxr's markers.
    fn send_evcxr_outputs(
        &self,
        message: &JupyterMessage,
        outputs: evcxr::EvalOutputs,
        count: usize,
    ) {
        if outputs.content_by_mime_type.is_empty() {
            return;
        }
        let mut bundle = serde_json::Map::new();
        for (mime, content) in outputs.content_by_mime_type {
            bundle.insert(mime, serde_json::Value::String(content));
        }
        let Ok(data) = serde_json::from_value::<Media>(serde_json::Value::Object(bundle)) else {
            return;
        };
        let result = jupyter_protocol::ExecuteResult::new(ExecutionCount::new(count), data);
        let _ = self.outbox.iopub.send(result.as_child_of(message));
    }

    fn finish_cell(&self, message: &JupyterMessage, outcome: Result<(), CellError>, count: usize) {
        let mut reply = ExecuteReply {
            execution_count: ExecutionCount::new(count),
            ..Default::default()
        };
        if let Err(error) = outcome {
            let output = ErrorOutput {
                ename: error.ename.clone(),
                evalue: error.evalue.clone(),
                traceback: error.traceback.clone(),
            };
            let _ = self.outbox.iopub.send(output.as_child_of(message));
            reply.status = ReplyStatus::Error;
            reply.error = Some(Box::new(ReplyError {
                ename: error.ename,
                evalue: error.evalue,
                traceback: error.traceback,
            }));
        }
        let _ = self.outbox.shell.send(reply.as_child_of(message));
        let _ = self.outbox.iopub.send(Status::idle().as_child_of(message));
    }

    fn complete(&mut self, message: JupyterMessage) {
        let JupyterMessageContent::CompleteRequest(request) = &message.content else {
            return;
        };
        let mut reply = CompleteReply {
            cursor_start: request.cursor_pos,
            cursor_end: request.cursor_pos,
            ..Default::default()
        };
        let byte_pos = char_to_byte(&request.code, request.cursor_pos);
        if let Some(context) = self.context.as_mut()
            && let Ok(completions) = context.completions(&request.code, byte_pos)
        {
            reply.cursor_start = byte_to_char(&request.code, completions.start_offset);
            reply.cursor_end = byte_to_char(&request.code, completions.end_offset);
            reply.matches = completions
                .completions
                .into_iter()
                .map(|c| c.code)
                .collect();
        }
        self.reply_with_status(&message, reply.into());
    }

    fn inspect(&mut self, message: JupyterMessage) {
        let JupyterMessageContent::InspectRequest(request) = &message.content else {
            return;
        };
        let mut reply = InspectReply::default();
        let byte_pos = char_to_byte(&request.code, request.cursor_pos);
        if let Some(context) = self.context.as_mut()
            && let Ok((text, markdown)) = context.hover_at(&request.code, byte_pos)
            && !text.trim().is_empty()
        {
            reply.found = true;
            reply.data = Media::new(vec![MediaType::Plain(text), MediaType::Markdown(markdown)]);
        }
        self.reply_with_status(&message, reply.into());
    }

    /// Sends a shell reply framed by busy/idle, as every request must be.
    fn reply_with_status(&self, parent: &JupyterMessage, content: JupyterMessageContent) {
        let _ = self.outbox.iopub.send(Status::busy().as_child_of(parent));
        let _ = self
            .outbox
            .shell
            .send(JupyterMessage::new(content, Some(parent)));
        let _ = self.outbox.iopub.send(Status::idle().as_child_of(parent));
    }
}

/// Shows a start-up problem as stderr text in the running cell.
fn problem_stream(outbox: &Outbox, cell: &CurrentCell, problem: &str) -> Option<()> {
    let guard = cell.lock();
    let sink = guard.as_ref()?;
    let text = format!("huntbook: {problem}\n");
    outbox
        .iopub
        .send(jupyter_protocol::StreamContent::stderr(&text).as_child_of(&sink.parent))
        .ok()
}

fn interrupted_error(before: &[String]) -> CellError {
    let mut message = String::from("Interrupted: the cell was stopped.");
    if !before.is_empty() {
        message.push_str(&lost_variables_note(before));
    }
    CellError::new("KeyboardInterrupt", message)
}

fn lost_variables_note(names: &[String]) -> String {
    format!(
        " The process running user code was restarted, so variables from earlier cells are \
         lost: {}. Re-run the cells that define them.",
        names.join(", ")
    )
}

/// Jupyter counts cursor positions in Unicode code points; evcxr in bytes.
fn char_to_byte(code: &str, chars: usize) -> usize {
    code.char_indices()
        .nth(chars)
        .map_or(code.len(), |(i, _)| i)
}

fn byte_to_char(code: &str, bytes: usize) -> usize {
    code.char_indices().take_while(|(i, _)| *i < bytes).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_positions_convert_between_chars_and_bytes() {
        let code = "let é = 1; é";
        assert_eq!(char_to_byte(code, 4), 4);
        assert_eq!(char_to_byte(code, 5), 6);
        assert_eq!(byte_to_char(code, 6), 5);
        assert_eq!(char_to_byte(code, 100), code.len());
    }

    #[test]
    fn interrupts_name_the_lost_variables() {
        let error = interrupted_error(&["df".to_owned(), "hosts".to_owned()]);
        assert_eq!(error.ename, "KeyboardInterrupt");
        assert!(error.evalue.contains("df, hosts"));
    }
}
