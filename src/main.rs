//! The `tidyrec` binary: everything happens in the library; this maps the
//! result to the process exit code.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(tidyrec::main_exit_code())
}
