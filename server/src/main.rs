//! `portcullis`: serve (the default), migrate, and manage users.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use app::types::Role;
use clap::Parser;
use server::admin::{self, NewAccount, Site};
use server::clock::{Clock, SystemClock};
use server::config::{Cli, Command, ServeArgs, SiteArgs, StoreArgs, UserCommand};
use server::db::Db;
use server::signin::Lifecycle;
use server::startup::Application;
use server::users;
use std::process::ExitCode;
use std::sync::Arc;

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
        Command::Serve(mut serve) => {
            // The key file lives in the data directory unless configured elsewhere.
            serve
                .key_file
                .get_or_insert_with(|| cli.store.data_dir.join("secret.key"));
            serve_app(&cli.store, &cli.site, &serve).await
        }
        Command::Migrate => migrate(&cli.store).await,
        Command::User(cmd) => user(&cli.store, &cli.site, cmd).await,
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

/// Where links in emails point and how long passwords last.
fn site(site: &SiteArgs, port: u16) -> Site {
    Site {
        public_url: site.public_url_for_port(port),
        lifecycle: Lifecycle::from(site),
    }
}

async fn serve_app(
    store: &StoreArgs,
    site_args: &SiteArgs,
    serve: &ServeArgs,
) -> anyhow::Result<()> {
    let db = open(store).await?;
    let clock = Arc::new(SystemClock);
    first_administrator(
        &db,
        &site(site_args, serve.bind.port()),
        &serve.admin_email,
        clock.now(),
    )
    .await?;
    let app = Application::build_with_db(db, site_args, serve, clock).await?;
    tracing::info!(address = %app.addr, public_url = %app.public_url, "Portcullis is listening");
    println!("Portcullis is ready: open {}", app.public_url);
    app.run().await?;
    Ok(())
}

/// On the first start with an empty database: an administrator with a temporary password, shown once.
async fn first_administrator(db: &Db, site: &Site, email: &str, now: i64) -> anyhow::Result<()> {
    if users::count(db).await? > 0 {
        return Ok(());
    }
    let account = NewAccount {
        username: "admin",
        email,
        display_name: Some("Administrator"),
        role: Role::Admin,
        invite: false,
    };
    let created = admin::create_user(db, site, &account, now).await?;
    let hours = site.lifecycle.temporary_lifetime_secs / 3600;
    // Printed to the terminal once, on purpose; never logged.
    println!();
    println!("  First administrator created. Sign in and choose a new password:");
    println!("    username:           admin");
    println!(
        "    temporary password: {}",
        created.temporary_password.unwrap_or_default()
    );
    println!("  The temporary password works for {hours} hours; `portcullis user reset-password --username admin`");
    println!("  issues a new one.");
    println!();
    Ok(())
}

async fn user(store: &StoreArgs, site_args: &SiteArgs, cmd: UserCommand) -> anyhow::Result<()> {
    let db = open(store).await?;
    let site = site(site_args, ServeArgs::default().bind.port());
    let now = SystemClock.now();
    match cmd {
        UserCommand::Create {
            username,
            email,
            role,
            display_name,
            invite,
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let account = NewAccount {
                username: &username,
                email: &email,
                display_name: display_name.as_deref(),
                role,
                invite,
            };
            let created = admin::create_user(&db, &site, &account, now).await?;
            println!("Created user '{}' ({role}).", username.trim());
            match created.temporary_password {
                Some(p) => println!("Temporary password (must be changed at first sign-in): {p}"),
                None => println!(
                    "Invitation link emailed to {} (valid 72 hours).",
                    email.trim()
                ),
            }
            println!("The email is in the outbox; the running server delivers it.");
        }
        UserCommand::List => {
            let all = users::list(&db).await?;
            println!("{:<24} {:<32} {:<11} STATUS", "USERNAME", "EMAIL", "ROLE");
            for u in all {
                let status = if u.disabled {
                    "disabled"
                } else if u.locked_at.is_some() {
                    "locked"
                } else if u.password_hash.is_none() {
                    "invited"
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
        UserCommand::Require2fa {
            username,
            grace,
            off,
        } => {
            let user = users::find_by_username(&db, &username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("there is no user '{username}'"))?;
            let grace_until = grace.map(|g| now + g.as_secs() as i64);
            users::set_mfa_required(&db, user.id, !off, if off { None } else { grace_until })
                .await?;
            match (off, grace) {
                (true, _) => println!("Two-factor authentication is no longer mandatory for '{username}'."),
                (false, Some(g)) => println!(
                    "Two-factor authentication is mandatory for '{username}', after a grace period of {} days.",
                    g.as_secs() / 86_400
                ),
                (false, None) => println!(
                    "Two-factor authentication is mandatory for '{username}': set up at their next sign-in."
                ),
            }
        }
        UserCommand::Unlock { username } => {
            if admin::unlock(&db, &username, now).await? {
                println!("Unlocked '{username}'.");
            } else {
                println!("'{username}' was not locked.");
            }
        }
        UserCommand::ResetPassword { username } => {
            let p = admin::issue_temporary_password(&db, &site, &username, now).await?;
            println!("New temporary password for '{username}' (must be changed at the next sign-in): {p}");
            println!("It was also emailed to the user; their sessions were signed out.");
        }
    }
    Ok(())
}
