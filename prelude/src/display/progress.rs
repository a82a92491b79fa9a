//! A progress bar in the running cell, for bulk work (threat-intel lookups, long queries).
//!
//! [`Progress::new`] shows a bar under a fresh display id; [`Progress::update`] replaces it in
//! place, at most every 1 % (or on completion) so a 10,000-item lookup sends ~100 updates,
//! not 10,000. [`Progress::callback`] gives the `Fn(done, total)` the libraries take.
//!
//! ```
//! use huntbook::display::Progress;
//!
//! let progress = Progress::new("TI lookups");
//! let report = progress.callback();
//! report(5, 10);
//! report(10, 10);
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::bundle::{MimeBundle, mime};
use super::{display_with_id, update_display};
use huntbook_data::escape::xml;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A bar shown in the cell's output and updated in place.
#[derive(Debug, Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    label: String,
    display_id: String,
    last_percent: AtomicUsize,
}

impl Progress {
    /// Shows an empty bar labelled `label`.
    pub fn new(label: &str) -> Progress {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let inner = Inner {
            label: label.to_string(),
            display_id: format!("huntbook-progress-{}-{id}", std::process::id()),
            last_percent: AtomicUsize::new(usize::MAX),
        };
        display_with_id(&bar(&inner.label, 0, 0), &inner.display_id);
        Progress {
            inner: Arc::new(inner),
        }
    }

    /// Moves the bar to `done` of `total`.
    pub fn update(&self, done: usize, total: usize) {
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let previous = self.inner.last_percent.swap(percent, Ordering::Relaxed);
        if previous == percent && done != total {
            return;
        }
        update_display(&bar(&self.inner.label, done, total), &self.inner.display_id);
    }

    /// The `Fn(done, total)` callback the libraries' `with_progress` take.
    pub fn callback(&self) -> impl Fn(usize, usize) + Send + Sync + 'static {
        let progress = self.clone();
        move |done, total| progress.update(done, total)
    }
}

fn bar(label: &str, done: usize, total: usize) -> MimeBundle {
    let percent = (done * 100).checked_div(total).unwrap_or(0);
    let text = format!("{label}: {done}/{total} ({percent}%)");
    let html = format!(
        "<div style=\"font-family:sans-serif;font-size:12px\">{label} \
         <progress value=\"{done}\" max=\"{max}\" style=\"width:240px\"></progress> \
         {done}/{total}</div>",
        label = xml(label),
        max = total.max(1),
    );
    MimeBundle::new(text).with(mime::TEXT_HTML, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_is_escaped_and_counts() {
        let bundle = bar("<b>x</b>", 3, 4);
        assert_eq!(bundle.text_plain(), "<b>x</b>: 3/4 (75%)");
        let html = bundle.get(mime::TEXT_HTML).unwrap_or_default();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(html.contains("value=\"3\" max=\"4\""));
    }
}
