//! One-compile display of a cell's final expression.
//!
//! evcxr compiles a cell's final expression as `(expr).evcxr_display();`. When no such method
//! exists it compiles the cell a second time with a `Debug` fallback, which doubles the wait.
//! The two traits here give the method to the common cases so the first compile succeeds.
//!
//! Method lookup tries the receiver by value first, then `&receiver`, then `&mut receiver`,
//! then the same after each dereference. [`DebugResult`] takes `self` and is implemented only
//! for Copy primitives and `&str`, so it matches at the by-value step; [`RenderResult`] takes
//! `&self` for every [`Render`] type, so a frame (or a reference to one) matches at its own
//! step. No type matches both, so no call is ambiguous. A `String` reaches the `&str` impl
//! through deref and shows as its `Debug` form, just as evcxr's fallback would show it.

use std::fmt::Debug;

use super::Render;
use super::bundle::MimeBundle;
use super::protocol::{emit, result_line};

/// Shows a [`Render`] value as the cell's result.
pub trait RenderResult {
    /// Sends the value's MIME bundle as the cell's result.
    fn evcxr_display(&self);
}

impl<T: Render + ?Sized> RenderResult for T {
    fn evcxr_display(&self) {
        emit(&result_line(&self.mime_bundle()));
    }
}

/// Shows a primitive value as the cell's result, as its `Debug` text.
pub trait DebugResult {
    /// Sends the value's `Debug` text as the cell's `text/plain` result.
    fn evcxr_display(self);
}

/// The bundle a primitive result shows: only `text/plain`, in `Debug` form.
pub fn debug_bundle<T: Debug + ?Sized>(value: &T) -> MimeBundle {
    MimeBundle::new(format!("{value:?}"))
}

macro_rules! debug_result {
    ($($t:ty),* $(,)?) => {$(
        impl DebugResult for $t {
            fn evcxr_display(self) {
                emit(&result_line(&debug_bundle(&self)));
            }
        }
    )*};
}

debug_result!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char, &str,
);

/// A cell ending in a unit expression (`println!(…)` without a semicolon) shows nothing, as a
/// statement would; the impl exists so that it still needs only one compile.
impl DebugResult for () {
    fn evcxr_display(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_bundles_match_evcxr_fallback_text() {
        assert_eq!(debug_bundle(&42).text_plain(), "42");
        assert_eq!(debug_bundle(&1.5f64).text_plain(), "1.5");
        assert_eq!(debug_bundle(&'x').text_plain(), "'x'");
        assert_eq!(debug_bundle("a\"b").text_plain(), "\"a\\\"b\"");
    }
}
