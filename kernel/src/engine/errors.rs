//! Turning evcxr's errors into the protocol's `error` output: a name, a value and a traceback.

use evcxr::{CompilationError, Error, Theme};

/// `ename`, `evalue` and `traceback` for one failed cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// Short error class, e.g. `E0308` or `panic`.
    pub ename: String,
    /// One-paragraph description.
    pub evalue: String,
    /// Lines to show, with ANSI colour where the source had it.
    pub traceback: Vec<String>,
}

impl CellError {
    /// A simple error with the given class and message.
    pub fn new(ename: &str, evalue: impl Into<String>) -> CellError {
        let evalue = evalue.into();
        CellError {
            ename: ename.to_owned(),
            traceback: evalue.lines().map(str::to_owned).collect(),
            evalue,
        }
    }
}

/// Converts an evcxr error for the cell whose source was `code`.
pub fn from_evcxr(error: &Error, code: &str) -> CellError {
    match error {
        Error::CompilationErrors(errors) => compilation(errors, code),
        Error::TypeRedefinedVariablesLost(names) => CellError::new(
            "VariablesLost",
            format!(
                "a type was redefined, so these variables were lost: {}",
                names.join(", ")
            ),
        ),
        Error::SubprocessTerminated(message) => CellError::new("ProcessDied", message.clone()),
        Error::Message(message) => CellError::new("Error", message.clone()),
    }
}

fn compilation(errors: &[CompilationError], code: &str) -> CellError {
    let Some(first) = errors.first() else {
        return CellError::new("CompileError", "compilation failed without a message");
    };
    let ename = first
        .code()
        .map_or_else(|| "CompileError".to_owned(), str::to_owned);
    let evalue = errors
        .iter()
        .map(|e| e.message())
        .collect::<Vec<_>>()
        .join("\n");
    let mut traceback = Vec::new();
    for error in errors {
        traceback.extend(render(error, code).lines().map(str::to_owned));
        if let Some(hint) = error.evcxr_extra_hint() {
            traceback.push(format!("hint: {hint}"));
        }
    }
    CellError {
        ename,
        evalue,
        traceback,
    }
}

/// A source-annotated report where evcxr can build one, rustc's own rendering otherwise.
fn render(error: &CompilationError, code: &str) -> String {
    if let Some(report) = error.build_report("cell".to_owned(), code.to_owned(), Theme::Light) {
        let mut out = Vec::new();
        let cache = ("cell".to_owned(), ariadne::Source::from(code.to_owned()));
        if report.write(cache, &mut out).is_ok() {
            return String::from_utf8_lossy(&out).into_owned();
        }
    }
    error.rendered()
}
