//! The Jupyter side: sockets, and the shell and control loops.
//!
//! All five channels are bound before anything slow happens. The shell loop answers what it can
//! itself (`kernel_info`, `is_complete`, `history`, `comm_info`, `shutdown`) and queues the rest
//! (`execute`, `complete`, `inspect`) for the engine thread, so the session's start-up — evcxr,
//! rust-analyzer and the prelude import take seconds — never delays a reply.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use jupyter_protocol::{
    CodeMirrorMode, CommInfoReply, ConnectionInfo, HelpLink, HistoryReply, InterruptReply,
    IsCompleteReply, IsCompleteReplyStatus, JupyterMessage, JupyterMessageContent, KernelInfoReply,
    LanguageInfo, ReplyStatus, ShutdownReply, Status, StreamContent,
};
use jupyter_zmq_client::{
    RouterSendConnection, create_kernel_control_connection, create_kernel_heartbeat_connection,
    create_kernel_iopub_connection, create_kernel_shell_connection, create_kernel_stdin_connection,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::engine::forward::{CurrentCell, Forwarder, Sink, Stream};
use crate::engine::session::{self, Settings};
use crate::engine::{Engine, Interrupter, Outbox, Request};
use crate::is_complete;

/// Facts the kernel_info reply needs.
#[derive(Debug, Clone)]
pub struct KernelFacts {
    /// Version of the Rust compiler cells are compiled with (`1.95.0`).
    pub rust_version: String,
}

/// Serves one kernel session until shutdown.
pub async fn serve(
    connection: ConnectionInfo,
    settings: Settings,
    facts: KernelFacts,
    build_lines: Option<crossbeam_channel::Receiver<String>>,
) -> anyhow::Result<()> {
    let session_id = uuid_like();
    let mut iopub = create_kernel_iopub_connection(&connection, &session_id)
        .await
        .context("iopub")?;
    let shell = create_kernel_shell_connection(&connection, &session_id)
        .await
        .context("shell")?;
    let mut control = create_kernel_control_connection(&connection, &session_id)
        .await
        .context("control")?;
    let _stdin = create_kernel_stdin_connection(&connection, &session_id)
        .await
        .context("stdin")?;
    let mut heartbeat = create_kernel_heartbeat_connection(&connection)
        .await
        .context("heartbeat")?;
    let (shell_send, mut shell_recv) = shell.split();

    let (iopub_tx, mut iopub_rx) = unbounded_channel::<JupyterMessage>();
    let (shell_tx, shell_rx) = unbounded_channel::<JupyterMessage>();
    tokio::spawn(async move {
        while let Some(message) = iopub_rx.recv().await {
            if let Err(error) = iopub.send(message).await {
                tracing::warn!("iopub send failed: {error}");
            }
        }
    });
    tokio::spawn(send_replies(shell_send, shell_rx));
    tokio::spawn(async move {
        // The protocol's heartbeat echoes each message back unchanged.
        use zeromq::{SocketRecv, SocketSend};
        while let Ok(ping) = heartbeat.socket.recv().await {
            if heartbeat.socket.send(ping).await.is_err() {
                break;
            }
        }
    });

    let outbox = Outbox {
        iopub: iopub_tx.clone(),
        shell: shell_tx.clone(),
    };
    let cell = CurrentCell::default();
    let interrupter = Arc::new(Interrupter::default());
    let ready = Arc::new(AtomicBool::new(false));
    let requests = spawn_engine(settings, &outbox, &cell, &interrupter, &ready, build_lines);

    let facts_for_control = facts.clone();
    let control_outbox = outbox.clone();
    let control_interrupter = interrupter.clone();
    tokio::spawn(async move {
        loop {
            let message = match control.read().await {
                Ok(message) => message,
                Err(error) => {
                    tracing::warn!("control read failed: {error}");
                    continue;
                }
            };
            let reply = control_reply(&message, &facts_for_control, &control_interrupter);
            let shutting_down =
                matches!(message.content, JupyterMessageContent::ShutdownRequest(_));
            if let Some(reply) = reply {
                let _ = control_outbox
                    .iopub
                    .send(Status::busy().as_child_of(&message));
                let _ = control
                    .send(JupyterMessage::new(reply, Some(&message)))
                    .await;
                let _ = control_outbox
                    .iopub
                    .send(Status::idle().as_child_of(&message));
            }
            if shutting_down {
                exit_soon().await;
            }
        }
    });

    let _ = iopub_tx.send(JupyterMessage::new(Status::starting(), None));
    loop {
        let message = match shell_recv.read().await {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!("shell read failed: {error}");
                continue;
            }
        };
        let shutting_down = matches!(message.content, JupyterMessageContent::ShutdownRequest(_));
        handle_shell(message, &facts, &outbox, &cell, &ready, &requests);
        if shutting_down {
            exit_soon().await;
        }
    }
}

async fn send_replies(
    mut shell: RouterSendConnection,
    mut replies: UnboundedReceiver<JupyterMessage>,
) {
    while let Some(reply) = replies.recv().await {
        if let Err(error) = shell.send(reply).await {
            tracing::warn!("shell send failed: {error}");
        }
    }
}

/// Gives the last replies a moment to leave, then exits (the evcxr child exits when our end of
/// its pipes closes).
async fn exit_soon() {
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    std::process::exit(0);
}

/// Starts the engine thread; returns the queue it reads.
fn spawn_engine(
    settings: Settings,
    outbox: &Outbox,
    cell: &CurrentCell,
    interrupter: &Arc<Interrupter>,
    ready: &Arc<AtomicBool>,
    build_lines: Option<crossbeam_channel::Receiver<String>>,
) -> std::sync::mpsc::Sender<Request> {
    let (tx, rx) = std::sync::mpsc::channel();
    let (outbox, cell, interrupter, ready) = (
        outbox.clone(),
        cell.clone(),
        interrupter.clone(),
        ready.clone(),
    );
    let spawned = std::thread::Builder::new()
        .name("engine".into())
        .spawn(move || {
            let mut forwarders = Vec::new();
            if let Some(lines) = build_lines {
                forwarders.push(Forwarder::spawn(
                    Stream::Build,
                    lines,
                    cell.clone(),
                    outbox.iopub.clone(),
                ));
            }
            let started = std::time::Instant::now();
            let session = session::start(&settings, &cell, &outbox.iopub);
            tracing::info!(
                "session ready in {:.2?} ({})",
                started.elapsed(),
                if session.is_ok() { "ok" } else { "failed" }
            );
            let engine = Engine::new(session, cell, forwarders, interrupter, outbox);
            ready.store(true, Ordering::SeqCst);
            engine.run(rx);
        });
    if let Err(error) = spawned {
        tracing::error!("cannot start the engine thread: {error}");
    }
    tx
}

fn handle_shell(
    message: JupyterMessage,
    facts: &KernelFacts,
    outbox: &Outbox,
    cell: &CurrentCell,
    ready: &AtomicBool,
    requests: &std::sync::mpsc::Sender<Request>,
) {
    let request = match &message.content {
        JupyterMessageContent::ExecuteRequest(_) => {
            if !ready.load(Ordering::SeqCst) {
                open_cell_early(&message, outbox, cell);
            }
            Some(Request::Execute(message.clone()))
        }
        JupyterMessageContent::CompleteRequest(_) => Some(Request::Complete(message.clone())),
        JupyterMessageContent::InspectRequest(_) => Some(Request::Inspect(message.clone())),
        _ => None,
    };
    if let Some(request) = request {
        if requests.send(request).is_err() {
            tracing::error!("the engine thread has stopped");
        }
        return;
    }
    let Some(reply) = shell_reply(&message, facts) else {
        tracing::debug!("ignoring shell message {}", message.message_type());
        return;
    };
    let _ = outbox.iopub.send(Status::busy().as_child_of(&message));
    let _ = outbox
        .shell
        .send(JupyterMessage::new(reply, Some(&message)));
    let _ = outbox.iopub.send(Status::idle().as_child_of(&message));
}

/// While the session is still starting, the first cell is marked busy at once and receives the
/// start-up progress, instead of sitting silent.
fn open_cell_early(message: &JupyterMessage, outbox: &Outbox, cell: &CurrentCell) {
    let mut current = cell.lock();
    if current.is_some() {
        return;
    }
    let _ = outbox.iopub.send(Status::busy().as_child_of(message));
    let note = "huntbook: starting the session (evcxr, rust-analyzer and the prelude)…\n";
    let _ = outbox
        .iopub
        .send(StreamContent::stderr(note).as_child_of(message));
    *current = Some(Sink {
        parent: message.clone(),
        execution_count: 0,
        panic: None,
        sent_result: false,
    });
}

/// Replies the shell loop gives itself.
fn shell_reply(message: &JupyterMessage, facts: &KernelFacts) -> Option<JupyterMessageContent> {
    let reply = match &message.content {
        JupyterMessageContent::KernelInfoRequest(_) => kernel_info(facts).into(),
        JupyterMessageContent::IsCompleteRequest(request) => {
            is_complete_reply(&request.code).into()
        }
        JupyterMessageContent::HistoryRequest(_) => HistoryReply::new(Vec::new()).into(),
        JupyterMessageContent::CommInfoRequest(_) => CommInfoReply::default().into(),
        JupyterMessageContent::ShutdownRequest(request) => ShutdownReply {
            restart: request.restart,
            status: ReplyStatus::Ok,
            error: None,
        }
        .into(),
        _ => return None,
    };
    Some(reply)
}

/// Replies on the control channel.
fn control_reply(
    message: &JupyterMessage,
    facts: &KernelFacts,
    interrupter: &Interrupter,
) -> Option<JupyterMessageContent> {
    match &message.content {
        JupyterMessageContent::InterruptRequest(_) => {
            let stopped = interrupter.interrupt();
            tracing::info!("interrupt requested; a running cell was stopped: {stopped}");
            Some(InterruptReply::new().into())
        }
        _ => shell_reply(message, facts),
    }
}

fn is_complete_reply(code: &str) -> IsCompleteReply {
    match is_complete::check(code) {
        is_complete::Completeness::Complete => IsCompleteReply::complete(),
        is_complete::Completeness::Incomplete => IsCompleteReply::incomplete("    ".to_owned()),
        is_complete::Completeness::Invalid => {
            IsCompleteReply::new(IsCompleteReplyStatus::Invalid, String::new())
        }
    }
}

/// The `kernel_info_reply`, available before the session has started.
pub fn kernel_info(facts: &KernelFacts) -> KernelInfoReply {
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: "5.3".to_owned(),
        implementation: "huntbook".to_owned(),
        implementation_version: env!("CARGO_PKG_VERSION").to_owned(),
        language_info: LanguageInfo {
            name: "rust".to_owned(),
            version: facts.rust_version.clone(),
            mimetype: Some("text/rust".to_owned()),
            file_extension: Some(".rs".to_owned()),
            pygments_lexer: Some("rust".to_owned()),
            codemirror_mode: Some(CodeMirrorMode::Simple("rust".to_owned())),
            nbconvert_exporter: Some("script".to_owned()),
        },
        banner: format!(
            "huntbook {} — Rust notebooks for threat hunting (rustc {})",
            env!("CARGO_PKG_VERSION"),
            facts.rust_version
        ),
        help_links: vec![HelpLink {
            text: "The Rust standard library".to_owned(),
            url: "https://doc.rust-lang.org/std/".to_owned(),
        }],
        debugger: false,
        error: None,
    }
}

/// A random-enough session id without another dependency: time and process id.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("huntbook-{}-{nanos:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_info_describes_rust() {
        let info = kernel_info(&KernelFacts {
            rust_version: "1.95.0".into(),
        });
        assert_eq!(info.language_info.name, "rust");
        assert_eq!(info.language_info.file_extension.as_deref(), Some(".rs"));
        assert_eq!(info.language_info.mimetype.as_deref(), Some("text/rust"));
        assert_eq!(info.language_info.version, "1.95.0");
    }

    #[test]
    fn is_complete_maps_to_protocol_statuses() {
        assert!(matches!(
            is_complete_reply("fn f() {").status,
            IsCompleteReplyStatus::Incomplete
        ));
        assert!(matches!(
            is_complete_reply("1 + 1").status,
            IsCompleteReplyStatus::Complete
        ));
        assert!(matches!(
            is_complete_reply(")").status,
            IsCompleteReplyStatus::Invalid
        ));
    }
}
