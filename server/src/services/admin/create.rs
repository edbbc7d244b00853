//! Creating accounts: from the command line, the back office, or the first administrator on an empty
//! database; the owner is emailed a temporary password or an invitation link.
use app::policy::{self, PasswordOwner};
use app::service::RequestInfo;
use app::types::{Locale, Role};
use serde_json::json;

use super::{temporary_password, Actor, Admin, AdminError};
use crate::audit::Event;
use crate::auth::email_links::{self, Purpose};
use crate::notify::{Message, Recipient};
use crate::users::{self, NewUser};

pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub display_name: Option<&'a str>,
    pub role: Role,
    /// Email an invitation link instead of a temporary password.
    pub invite: bool,
    pub mfa_required: bool,
    pub locale: Locale,
}

pub struct Created {
    pub id: i64,
    /// None for an invitation.
    pub temporary_password: Option<String>,
}

impl Admin {
    /// Creates an account and emails its owner either a temporary password (to be changed at first
    /// sign-in, valid for the temporary-password lifetime) or an invitation link (72 hours).
    pub async fn create_user(
        &self,
        actor: Actor,
        new: &NewAccount<'_>,
    ) -> Result<Created, AdminError> {
        self.create(actor, None, new, false)
            .await?
            .ok_or(AdminError::Invalid("the account already exists".into()))
    }

    /// The first administrator, on an empty database: of several instances starting at once, exactly
    /// one creates it (the others answer None and carry on).
    pub async fn create_first_administrator(
        &self,
        email: &str,
    ) -> Result<Option<Created>, AdminError> {
        let account = NewAccount {
            username: "admin",
            email,
            display_name: Some("Administrator"),
            role: Role::Admin,
            invite: false,
            mfa_required: false,
            locale: Locale::En,
        };
        self.create(Actor::Operator, None, &account, true).await
    }

    #[tracing::instrument(name = "admin.create", skip_all)]
    pub(super) async fn create(
        &self,
        actor: Actor,
        req: Option<&RequestInfo>,
        new: &NewAccount<'_>,
        only_if_empty: bool,
    ) -> Result<Option<Created>, AdminError> {
        let core = &self.0;
        let (username, email) = (new.username.trim(), new.email.trim());
        policy::validate_username(username).map_err(AdminError::Invalid)?;
        policy::validate_email(email).map_err(AdminError::Invalid)?;
        let display_name = new
            .display_name
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(username);
        let temporary = (!new.invite).then(|| {
            temporary_password(&PasswordOwner {
                username: username.into(),
                email: email.into(),
            })
        });
        let hash = match &temporary {
            Some(p) => Some(core.hash_password(p).await?),
            None => None,
        };
        let now = core.now();
        let lifetime = core.settings.lifecycle.temporary_lifetime_secs;
        let mut tx = core.db.begin().await?;
        let Some(id) = users::create(
            &mut tx,
            &NewUser {
                username,
                email,
                display_name,
                role: new.role,
                password_hash: hash.as_deref(),
                temporary_until: temporary.as_ref().map(|_| now + lifetime),
                mfa_required: new.mfa_required,
                locale: new.locale,
            },
            now,
            only_if_empty,
        )
        .await?
        else {
            return Ok(None);
        };
        let recipient = Recipient {
            address: email.to_string(),
            name: display_name.to_string(),
            locale: new.locale,
            time_zone: None,
        };
        let sign_in_link = core.link(app::routes::LOGIN);
        let message = match &temporary {
            Some(p) => Message::UserCreated {
                username: username.into(),
                sign_in_link,
                temporary_password: p.clone(),
                valid_hours: lifetime / 3600,
            },
            None => {
                let token = email_links::issue(&mut tx, id, Purpose::Invite, now).await?;
                Message::Invitation {
                    username: username.into(),
                    link: email_links::link(&core.settings.public_url, Purpose::Invite, &token),
                    valid_hours: Purpose::Invite.lifetime_secs() / 3600,
                }
            }
        };
        core.notifier
            .email(&mut tx, &recipient, &message, now)
            .await?;
        let detail = json!({ "role": new.role.as_str(), "invitation": new.invite, "mfa_required": new.mfa_required, "by": actor.name() });
        self.record(&mut tx, actor, req, Event::UserCreated, id, detail)
            .await?;
        tx.commit().await?;
        Ok(Some(Created {
            id,
            temporary_password: temporary,
        }))
    }
}
