//! Calls shaped like the ones evcxr generates for a cell's final expression,
//! `(expr).evcxr_display();`, with only the prelude in scope as in a notebook cell.
//!
//! These tests pass by compiling: an ambiguous or missing `evcxr_display` is a build error.
//! Running them prints result lines to stdout, which the test harness shows and ignores.

// The receivers are written the way a notebook user might write them, borrows and all.
#![allow(
    clippy::needless_borrow,
    clippy::double_parens,
    clippy::unnecessary_mut_passed
)]

use huntbook::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn frames_pick_the_render_result() -> TestResult {
    let mut df = df!("a" => [1, 2], "b" => ["x", "y"])?;
    (df).evcxr_display();
    (&df).evcxr_display();
    (&&df).evcxr_display();
    (&mut df).evcxr_display();
    let boxed = Box::new(df.clone());
    (boxed).evcxr_display();
    (df.head(Some(1))).evcxr_display();
    Ok(())
}

#[test]
fn charts_and_tables_pick_the_render_result() -> TestResult {
    let df = df!("n" => [1, 2, 3])?;
    (Table::new(&df).with_head(1)).evcxr_display();
    (bar_chart("t", &[("a", 1)])).evcxr_display();
    (MimeBundle::new("hand made")).evcxr_display();
    Ok(())
}

#[test]
fn primitives_pick_the_debug_result() {
    let x = 6;
    (x * 7).evcxr_display();
    (5i32 * 7).evcxr_display();
    (6 * 7).evcxr_display();
    (0.5).evcxr_display();
    (2.5f32).evcxr_display();
    (u64::MAX).evcxr_display();
    (true).evcxr_display();
    ('c').evcxr_display();
    ("text").evcxr_display();
    (()).evcxr_display();
}

#[test]
fn references_and_strings_reach_the_debug_result() {
    let x = 42u8;
    let s = String::from("owned");
    (&x).evcxr_display();
    (s).evcxr_display();
    (&s).evcxr_display();
    (s.as_str()).evcxr_display();
}
