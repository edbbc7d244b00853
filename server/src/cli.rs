//! The command line: `serve`, `migrate`, and `user …`, which call the same administration service as
//! the back office (same hashing pool, same rules, same "credentials changed" routine).
use app::types::{Locale, Role};
use std::sync::Arc;

use crate::auth::password::PasswordHasher;
use crate::clock::SystemClock;
use crate::config::{ServeArgs, SiteArgs, StoreArgs, UserCommand};
use crate::services::admin::{Actor, Admin, NewAccount};
use crate::startup::{self, Application};

pub async fn migrate(store: &StoreArgs) -> anyhow::Result<()> {
    startup::open_database(store).await?;
    println!("Migrations applied.");
    Ok(())
}

pub async fn serve(store: &StoreArgs, site: &SiteArgs, serve: &ServeArgs) -> anyhow::Result<()> {
    let db = startup::open_database(store).await?;
    let keys = startup::load_keys(store)?;
    let app = Application::build_with_db(db, keys, site, serve, Arc::new(SystemClock)).await?;
    first_administrator(&app, serve).await?;
    tracing::info!(address = %app.addr, public_url = %app.public_url, "Portcullis is listening");
    println!("Portcullis is ready: open {}", app.public_url);
    app.run().await?;
    Ok(())
}

/// On the first start with an empty database: an administrator with a temporary password, shown once.
/// Several instances starting together on one database create exactly one; the others carry on.
async fn first_administrator(app: &Application, serve: &ServeArgs) -> anyhow::Result<()> {
    let admin = Admin(app.core.clone());
    let Some(created) = admin.create_first_administrator(&serve.admin_email).await? else {
        return Ok(());
    };
    let hours = app.core.settings.lifecycle.temporary_lifetime_secs / 3600;
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

/// The administration service for a command: the configured database and key, one hashing worker.
async fn admin(store: &StoreArgs, site: &SiteArgs) -> anyhow::Result<Admin> {
    let db = startup::open_database(store).await?;
    let keys = startup::load_keys(store)?;
    let serve = ServeArgs::default();
    let public_url = site.public_url_for_port(serve.bind.port());
    let hasher = Arc::new(PasswordHasher::new(1, 4)?);
    let core = startup::core(
        db,
        keys,
        site,
        &serve,
        public_url,
        Arc::new(SystemClock),
        hasher,
    );
    Ok(Admin(Arc::new(core)))
}

pub async fn user(store: &StoreArgs, site: &SiteArgs, cmd: UserCommand) -> anyhow::Result<()> {
    let admin = admin(store, site).await?;
    match cmd {
        UserCommand::Create {
            username,
            email,
            role,
            display_name,
            invite,
            require_2fa,
            locale,
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let locale = Locale::from_tag(&locale).ok_or_else(|| {
                anyhow::anyhow!("unknown language '{locale}': expected en, fr or es")
            })?;
            let account = NewAccount {
                username: &username,
                email: &email,
                display_name: display_name.as_deref(),
                role,
                invite,
                mfa_required: require_2fa,
                locale,
            };
            let created = admin.create_user(Actor::Operator, &account).await?;
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
            println!("{:<24} {:<32} {:<11} STATUS", "USERNAME", "EMAIL", "ROLE");
            for u in admin.list_users().await? {
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
            let grace_secs = grace.map(|g| g.as_secs() as i64);
            admin
                .require_two_factor(Actor::Operator, &username, !off, grace_secs)
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
            if admin.unlock(Actor::Operator, &username).await? {
                println!("Unlocked '{username}'.");
            } else {
                println!("'{username}' was not locked.");
            }
        }
        UserCommand::ResetPassword { username } => {
            let p = admin
                .issue_temporary_password(Actor::Operator, &username)
                .await?;
            println!("New temporary password for '{username}' (must be changed at the next sign-in): {p}");
            println!("It was also emailed to the user; their sessions were signed out.");
        }
    }
    Ok(())
}
