//! The rustc wrapper cargo runs for notebook cells; see `huntbook_kernel::prelude_lib::wrapper`.

use std::ffi::OsString;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        eprintln!("huntbook-rustc-wrapper: expected the path to rustc as the first argument");
        return ExitCode::from(2);
    };
    let rest: Vec<OsString> = args.collect();
    match huntbook_kernel::prelude_lib::wrapper::run(&rustc, &rest) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            eprintln!("huntbook-rustc-wrapper: {error}");
            ExitCode::from(1)
        }
    }
}
