//! `mw`: run a Megawatt exchange (`mw serve`) and trade on one from the command line.
//! Client subcommands talk HTTP to `MW_URL` with the API key in `MW_TOKEN`.

mod admin;
mod args;
mod bodies;
mod client;
mod commands;
mod hooks;
mod input;
mod keys;
mod limits;
mod login;
mod output;
mod plans;
mod positions;
mod prices;
mod procure;
mod profile;
mod serve;
mod usage;

use args::{Cli, Cmd};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    let json = cli.json;
    let result = match cli.cmd {
        Cmd::Serve(args) => serve::serve(args),
        Cmd::Audit(args) => serve::audit(&args),
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "mw", &mut std::io::stdout());
            Ok(())
        }
        Cmd::Login { ref key, default } => login::login(&cli, key.as_deref(), default),
        Cmd::Logout => login::logout(&cli),
        ref other => commands::client_command(&cli, other),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) if json => {
            // One JSON problem on standard output: the server's, or one of mw's own.
            let code = f.code;
            let p = f
                .problem
                .map_or_else(|| client::local_problem(&f.message, code), |p| *p);
            println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
            ExitCode::from(code)
        }
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// `mw … | head` closes stdout early: exit quietly (status 141, as for SIGPIPE) instead
/// of panicking with a backtrace; every other panic is reported as usual.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("failed printing to stdout") {
            std::process::exit(141);
        }
        default(info);
    }));
}
