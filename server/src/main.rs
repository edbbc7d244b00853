//! `portcullis`: serve (the default), migrate, and manage users. Parses and dispatches; the work is in
//! `startup` (the server) and `cli` (the commands), over the same services.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use clap::Parser;
use server::config::{Cli, Command, ServeArgs};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server logs its work; a command-line task only its problems.
    let default_filter = match cli.command {
        None | Some(Command::Serve(_)) => "info,sqlx=warn,tower_http=warn",
        Some(_) => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeArgs::default()))
    {
        Command::Serve(serve) => server::cli::serve(&cli.store, &cli.site, &serve).await,
        Command::Migrate => server::cli::migrate(&cli.store).await,
        Command::User(cmd) => server::cli::user(&cli.store, &cli.site, cmd).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            ExitCode::FAILURE
        }
    }
}
