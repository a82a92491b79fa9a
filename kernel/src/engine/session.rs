//! Starting an evcxr session with the huntbook prelude loaded.

use std::path::{Path, PathBuf};

use evcxr::{CommandContext, EvalContext};
use jupyter_protocol::JupyterMessage;
use tokio::sync::mpsc::UnboundedSender;

use super::forward::{CurrentCell, Forwarder, Stream};
use crate::prelude_lib::{self, PreludeIndex, wrapper};

/// The code every session starts with.
pub const PRELUDE_IMPORT: &str = "use huntbook::prelude::*;";

/// Run once at start-up so that the first user cell does not pay for rust-analyzer's first
/// pass over the prelude's crate graph (name resolution and trait impls of polars and its
/// dependencies, tens of seconds on two cores): a top-level `let` whose type needs a method
/// lookup on a DataFrame is what triggers it.
pub const WARM_UP: &str = "let huntbook_session_ready = \
    df!(\"warm\" => [1i64]).map(|frame| frame.height() == 1).unwrap_or(false);";

/// Optimisation level for cell code. Cells are glue around prelude calls, which are already
/// optimised; opt-level 0 keeps each cell's compile short.
pub const CELL_OPT_LEVEL: &str = "0";

/// A started session.
pub struct Session {
    /// The evcxr context, with the prelude imported.
    pub context: CommandContext,
    /// Forwarders of the user code's stdout and stderr.
    pub forwarders: Vec<Forwarder>,
    /// Something the first cell should mention (e.g. the prelude could not be loaded).
    pub warning: Option<String>,
}

/// What the session needs to know about its surroundings.
pub struct Settings {
    /// evcxr's working folder (the notebook's build directory).
    pub work_dir: PathBuf,
    /// The prebuilt prelude, if configured.
    pub prelude_dir: Option<PathBuf>,
    /// The rustc wrapper binary.
    pub wrapper: PathBuf,
}

/// Creates the evcxr context and loads the prelude. A missing or broken prelude leaves a plain
/// Rust session running, with a warning for the first cell; only a failure of evcxr itself is
/// an error.
pub fn start(
    settings: &Settings,
    cell: &CurrentCell,
    iopub: &UnboundedSender<JupyterMessage>,
) -> Result<Session, String> {
    let prelude = settings
        .prelude_dir
        .as_deref()
        .ok_or_else(|| "no prelude configured (HUNTBOOK_PRELUDE_DIR is not set)".to_owned())
        .and_then(|dir| prelude_lib::open(dir).map_err(|e| e.to_string()));
    if let Ok(index) = &prelude {
        seed_lock_file(index, &settings.work_dir);
    }

    let (eval_context, outputs) =
        EvalContext::new().map_err(|e| format!("could not start the Rust evaluator: {e}"))?;
    let forwarders = vec![
        Forwarder::spawn(Stream::Stdout, outputs.stdout, cell.clone(), iopub.clone()),
        Forwarder::spawn(Stream::Stderr, outputs.stderr, cell.clone(), iopub.clone()),
    ];

    let (context, warning) = match prelude {
        Ok(index) => {
            let (context, error) = load_prelude(eval_context, &index, &settings.wrapper);
            (
                context,
                error.map(|e| format!("the prelude failed to load: {e}")),
            )
        }
        Err(error) => (
            CommandContext::with_eval_context(eval_context),
            Some(format!("{error}. This session has plain Rust only.")),
        ),
    };
    Ok(Session {
        context,
        forwarders,
        warning,
    })
}

/// Points the cell build at the prebuilt prelude and imports it. The context comes back either
/// way; the error, if any, says why the prelude is not available in it.
fn load_prelude(
    mut eval_context: EvalContext,
    index: &PreludeIndex,
    wrapper_path: &Path,
) -> (CommandContext, Option<String>) {
    let mut state = eval_context.state();
    state.set_build_env("RUSTC_WRAPPER", &wrapper_path.to_string_lossy());
    state.set_build_env(wrapper::PRELUDE_DIR_ENV, &index.root.to_string_lossy());
    let configured = state
        .set_opt_level(CELL_OPT_LEVEL)
        .and_then(|()| {
            let source = index.source_path();
            let dep = format!(
                "{{ path = \"{}\" }}",
                toml_escape(&source.to_string_lossy())
            );
            state.add_dep(prelude_lib::index::PRELUDE_CRATE, &dep)
        })
        .and_then(|()| {
            eval_context
                .eval_with_state(PRELUDE_IMPORT, state)
                .map(|_| ())
        })
        .and_then(|()| eval_context.eval(WARM_UP).map(|_| ()));
    let error = configured.err().map(|e| e.to_string());
    (CommandContext::with_eval_context(eval_context), error)
}

/// Starts evcxr's cargo project from the Cargo.lock the prelude was built with, so cargo
/// resolves exactly the prebuilt versions (and needs no registry access to do so).
fn seed_lock_file(index: &PreludeIndex, work_dir: &Path) {
    let copied = std::fs::create_dir_all(work_dir)
        .and_then(|()| std::fs::copy(index.lock_path(), work_dir.join("Cargo.lock")));
    if let Err(error) = copied {
        tracing::warn!(
            "could not seed Cargo.lock in {}: {error}",
            work_dir.display()
        );
    }
}

fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
