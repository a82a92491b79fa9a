//! Writes every view, drawn from the test samples, as `<name>.html` and `<name>.svg` into the
//! directory given as the first argument. The browser test (`tests/browser/check_views.py`)
//! renders these files in headless Chromium. Views of real logs (`real_*`) are added when the
//! shared test data is present.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: write_views <outdir>")?,
    );
    std::fs::create_dir_all(&out)?;
    let started = Instant::now();
    let mut views = common::all_views()?;
    views.extend(common::real_views()?);
    for (name, view) in views {
        let html = common::page(name, &view);
        std::fs::write(out.join(format!("{name}.html")), &html)?;
        std::fs::write(out.join(format!("{name}.svg")), view.to_svg_string())?;
        eprintln!("{name}: {} bytes of HTML", html.len());
    }
    eprintln!(
        "wrote the views to {} in {:?}",
        out.display(),
        started.elapsed()
    );
    Ok(())
}
