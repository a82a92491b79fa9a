//! Display glue: how values become notebook output.
//!
//! - [`Render`] turns a value into a [`MimeBundle`]; it is implemented for polars
//!   [`DataFrame`](polars::prelude::DataFrame) (see [`Table`]), for
//!   [`Svg`](huntbook_viz::Svg), entities, alerts and events from the data layer, and for
//!   references to any `Render` type.
//! - [`display`], [`display_with_id`] and [`update_display`] send a bundle to the kernel
//!   right away, in the line format that [`protocol`] documents.
//! - [`RenderResult`] and [`DebugResult`] let the kernel show a cell's final expression
//!   without a second compile.

mod bundle;
mod data;
mod frame;
mod progress;
pub mod protocol;
mod result;
mod svg;
mod view;

pub use bundle::{MimeBundle, mime};
pub use frame::Table;
pub use progress::Progress;
pub use result::{DebugResult, RenderResult, debug_bundle};

use protocol::{display_line, emit, update_line};

/// A value that can show itself in a notebook.
pub trait Render {
    /// The value rendered in every MIME type it supports; always includes `text/plain`.
    fn mime_bundle(&self) -> MimeBundle;
}

impl<T: Render + ?Sized> Render for &T {
    fn mime_bundle(&self) -> MimeBundle {
        (**self).mime_bundle()
    }
}

/// A bundle built by hand shows as itself.
impl Render for MimeBundle {
    fn mime_bundle(&self) -> MimeBundle {
        self.clone()
    }
}

/// Shows `value` as new output of the running cell.
pub fn display<T: Render + ?Sized>(value: &T) {
    emit(&display_line(&value.mime_bundle(), None));
}

/// Shows `value` as new output under `display_id`, which [`update_display`] can replace later.
pub fn display_with_id<T: Render + ?Sized>(value: &T, display_id: &str) {
    emit(&display_line(&value.mime_bundle(), Some(display_id)));
}

/// Replaces the output shown under `display_id` with `value`.
pub fn update_display<T: Render + ?Sized>(value: &T, display_id: &str) {
    emit(&update_line(&value.mime_bundle(), display_id));
}
