//! `jatigi`: the Jatigi command-line program for desktops and servers.
//!
//! Commands: `extract`, `match`, `eval` (FVC protocol), `demo`, `bench registry`, `bench
//! dedup`, `audit verify`, `registry info`, `synth` (synthetic fingerprints), `convert` (image
//! and template formats), `hub …` (import packets, cross-tablet dedup, adjudication, reports),
//! `card issue|sheet|verify|bench` (household cards). Every error a user can cause
//! ends the program with a one-line message in English and French on stderr and exit code 1
//! (2 for command-line syntax errors reported by clap).

mod bench;
mod bench_dedup;
mod card_cmd;
mod cli;
mod convert;
mod demo;
mod field_demo;
mod hub_cmd;
mod hub_step;
mod engine;
mod error;
mod eval;
mod fvc;
mod metrics;
mod registry;
mod synth_cmd;
mod text;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{AuditCommand, BenchCommand, CardCommand, Cli, Command, RegistryCommand};
use crate::error::HubError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`jatigi eval | head`): nothing to say.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e} / erreur : {}", e.french());
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), HubError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &cli.command {
        Command::Extract(args) => verify::extract(args, &mut out)?,
        Command::Match(args) => verify::compare(args, &mut out)?,
        Command::Eval(args) => eval::run(args, &mut out)?,
        Command::Demo(args) if args.engine_only => demo::run(&mut out)?,
        Command::Demo(args) => field_demo::run(args, &mut out)?,
        Command::Bench(BenchCommand::Registry(args)) => bench::run(args, &mut out)?,
        Command::Bench(BenchCommand::Dedup(args)) => bench_dedup::run(args, &mut out)?,
        Command::Audit(AuditCommand::Verify(args)) => registry::audit_verify(args, &mut out)?,
        Command::Registry(RegistryCommand::Info(args)) => registry::info(args, &mut out)?,
        Command::Synth(args) => synth_cmd::run(args, &mut out)?,
        Command::Convert(args) => convert::run(args, &mut out)?,
        Command::Hub(command) => hub_cmd::run(command, &mut out)?,
        Command::Card(CardCommand::Issue(args)) => card_cmd::issue(args, &mut out)?,
        Command::Card(CardCommand::Sheet(args)) => card_cmd::sheet(args, &mut out)?,
        Command::Card(CardCommand::Verify(args)) => card_cmd::verify(args, &mut out)?,
        Command::Card(CardCommand::Bench(args)) => card_cmd::bench(args, &mut out)?,
    }
    out.flush()?;
    Ok(())
}
