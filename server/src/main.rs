//! `portcullis`: serve (the default), migrate, and manage users.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use app::types::Role;
use clap::Parser;
use server::clock::{Clock, SystemClock};
use server::config::{Cli, Command, ServeArgs, StoreArgs, UserCommand};
use server::db::Db;
use server::startup::Application;
use server::{admin, users};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(serve) => serve_app(&cli.store, &serve).await,
        Command::Migrate => migrate(&cli.store).await,
        Command::User(cmd) => user(&cli.store, cmd).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(store: &StoreArgs) -> anyhow::Result<Db> {
    let db = Db::connect(&store.database_url()).await?;
    db.migrate().await?;
    Ok(db)
}

async fn migrate(store: &StoreArgs) -> anyhow::Result<()> {
    open(store).await?;
    println!("Migrations applied.");
    Ok(())
}

async fn serve_app(store: &StoreArgs, serve: &ServeArgs) -> anyhow::Result<()> {
    let db = open(store).await?;
    let clock = Arc::new(SystemClock);
    first_administrator(&db, &serve.admin_email, clock.now()).await?;
    let app = Application::build_with_db(db, serve, clock).await?;
    tracing::info!(address = %app.addr, public_url = %app.public_url, "Portcullis is listening");
    println!("Portcullis is ready: open {}", app.public_url);
    app.run().await?;
    Ok(())
}

/// On the first start with an empty database: an administrator with a temporary password, shown once.
async fn first_administrator(db: &Db, email: &str, now: i64) -> anyhow::Result<()> {
    if users::count(db).await? > 0 {
        return Ok(());
    }
    let created =
        admin::create_user(db, "admin", email, Some("Administrator"), Role::Admin, now).await?;
    // Printed to the terminal once, on purpose; never logged.
    println!();
    println!("  First administrator created. Sign in and choose a new password:");
    println!("    username:           admin");
    println!("    temporary password: {}", created.temporary_password);
    println!();
    Ok(())
}

async fn user(store: &StoreArgs, cmd: UserCommand) -> anyhow::Result<()> {
    let db = open(store).await?;
    match cmd {
        UserCommand::Create {
            username,
            email,
            role,
            display_name,
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let created = admin::create_user(
                &db,
                &username,
                &email,
                display_name.as_deref(),
                role,
                SystemClock.now(),
            )
            .await?;
            println!("Created user '{}' ({role}).", username.trim());
            println!(
                "Temporary password (must be changed at first sign-in): {}",
                created.temporary_password
            );
        }
        UserCommand::List => {
            let all = users::list(&db).await?;
            println!("{:<24} {:<32} {:<11} STATUS", "USERNAME", "EMAIL", "ROLE");
            for u in all {
                let status = if u.disabled {
                    "disabled"
                } else if u.locked_at.is_some() {
                    "locked"
                } else if u.password_temporary {
                    "temporary password"
                } else {
                    "active"
                };
                println!(
                    "{:<24} {:<32} {:<11} {}",
                    u.username, u.email, u.role, status
                );
            }
        }
    }
    Ok(())
}
