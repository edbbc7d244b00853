//! Email texts: each message in plain text and HTML, with the product name, and the time, address and
//! browser of the request where they help the reader decide whether it was them.
use app::format::utc_minute;

pub const PRODUCT: &str = "Portcullis";

/// Where and when something was asked for.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub at: i64,
    pub ip: String,
    pub browser: String,
}

impl Origin {
    fn lines(&self) -> Vec<String> {
        vec![
            format!("Time: {}", utc_minute(self.at)),
            format!(
                "Address: {}",
                if self.ip.is_empty() {
                    "unknown"
                } else {
                    &self.ip
                }
            ),
            format!(
                "Browser: {}",
                if self.browser.is_empty() {
                    "unknown"
                } else {
                    &self.browser
                }
            ),
        ]
    }
}

/// Every email Portcullis sends.
#[derive(Debug, Clone)]
pub enum Message {
    PasswordReset {
        username: String,
        link: String,
        valid_minutes: i64,
        origin: Origin,
    },
    PasswordChanged {
        username: String,
        reset_link: String,
        origin: Origin,
    },
    AccountLocked {
        username: String,
        unlock_link: String,
        reset_link: String,
        failures: i64,
        origin: Origin,
    },
    UserCreated {
        username: String,
        sign_in_link: String,
        temporary_password: String,
        valid_hours: i64,
    },
    Invitation {
        username: String,
        link: String,
        valid_hours: i64,
    },
    TemporaryPassword {
        username: String,
        sign_in_link: String,
        temporary_password: String,
        valid_hours: i64,
    },
    PasswordExpiring {
        username: String,
        days: i64,
        expires_at: i64,
        change_link: String,
    },
    FactorAdded {
        username: String,
        method: String,
        settings_link: String,
        origin: Origin,
    },
    FactorRemoved {
        username: String,
        method: String,
        settings_link: String,
        origin: Origin,
    },
    BackupCodeUsed {
        username: String,
        remaining: i64,
        settings_link: String,
        origin: Origin,
    },
}

pub struct Rendered {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of an email: plain words, or a link with its label.
enum Part {
    Text(String),
    Link(String, String),
    Facts(Vec<String>),
}

impl Message {
    pub fn render(&self) -> Rendered {
        let (kind, subject, parts) = self.parts();
        let mut text = String::new();
        let mut html = format!(
            "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#1c2230;line-height:1.5\">\
             <p style=\"font-weight:700;font-size:18px\">{PRODUCT}</p>"
        );
        for part in &parts {
            match part {
                Part::Text(t) => {
                    text.push_str(t);
                    html.push_str(&format!("<p>{}</p>", escape(t)));
                }
                Part::Link(label, url) => {
                    text.push_str(&format!("{label}:\n{url}"));
                    html.push_str(&format!(
                        "<p><a href=\"{}\" style=\"display:inline-block;padding:10px 16px;background:#2d5bd7;\
                         color:#fff;border-radius:8px;text-decoration:none\">{}</a></p>\
                         <p style=\"font-size:13px;color:#5b6475\">{}</p>",
                        escape(url),
                        escape(label),
                        escape(url)
                    ));
                }
                Part::Facts(lines) => {
                    text.push_str(
                        &lines
                            .iter()
                            .map(|l| format!("  {l}"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                    html.push_str("<ul>");
                    for l in lines {
                        html.push_str(&format!("<li>{}</li>", escape(l)));
                    }
                    html.push_str("</ul>");
                }
            }
            text.push_str("\n\n");
        }
        text.push_str(&format!("— {PRODUCT}\n"));
        html.push_str(&format!(
            "<p style=\"color:#5b6475\">— {PRODUCT}</p></body></html>"
        ));
        Rendered {
            kind,
            subject,
            text,
            html,
        }
    }

    fn parts(&self) -> (&'static str, String, Vec<Part>) {
        use Part::*;
        match self {
            Message::PasswordReset { username, link, valid_minutes, origin } => (
                "password_reset",
                format!("Reset your {PRODUCT} password"),
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!(
                        "Someone asked to reset the password of your {PRODUCT} account. If it was you, open \
                         this link and choose a new password. It works once, for {valid_minutes} minutes."
                    )),
                    Link("Choose a new password".into(), link.clone()),
                    Text("The request came from:".into()),
                    Facts(origin.lines()),
                    Text(
                        "If it was not you, ignore this email: your password stays as it is. A second factor, \
                         if you have one, is still asked for at your next sign-in."
                            .into(),
                    ),
                ],
            ),
            Message::PasswordChanged { username, reset_link, origin } => (
                "password_changed",
                format!("Your {PRODUCT} password was changed"),
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!(
                        "The password of your {PRODUCT} account was changed, and every other session was \
                         signed out."
                    )),
                    Facts(origin.lines()),
                    Text("If this was not you, reset your password at once and tell your administrator.".into()),
                    Link("Reset your password".into(), reset_link.clone()),
                ],
            ),
            Message::AccountLocked { username, unlock_link, reset_link, failures, origin } => (
                "account_locked",
                format!("Your {PRODUCT} account has been locked"),
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!(
                        "Your {PRODUCT} account was locked after {failures} wrong passwords in a row. While it \
                         is locked, nobody can sign in to it, not even with the right password."
                    )),
                    Text("The last attempt came from:".into()),
                    Facts(origin.lines()),
                    Text(
                        "If these attempts were yours, unlock the account with this link (it works once, for \
                         24 hours) and sign in again:"
                            .into(),
                    ),
                    Link("Unlock my account".into(), unlock_link.clone()),
                    Text(
                        "If you have forgotten your password, reset it instead: a reset unlocks the account \
                         too. If the attempts were not yours, reset your password anyway, so the person \
                         trying it no longer has a chance."
                            .into(),
                    ),
                    Link("Reset my password".into(), reset_link.clone()),
                ],
            ),
            Message::UserCreated { username, sign_in_link, temporary_password, valid_hours } => (
                "user_created",
                format!("Your {PRODUCT} account has been created"),
                vec![
                    Text("Hello,".into()),
                    Text(format!("An administrator created a {PRODUCT} account for you.")),
                    Facts(vec![
                        format!("Username: {username}"),
                        format!("Temporary password: {temporary_password}"),
                    ]),
                    Text(format!(
                        "The temporary password works for {valid_hours} hours. At your first sign-in you will \
                         choose your own password."
                    )),
                    Link("Sign in".into(), sign_in_link.clone()),
                ],
            ),
            Message::Invitation { username, link, valid_hours } => (
                "invitation",
                format!("You are invited to {PRODUCT}"),
                vec![
                    Text("Hello,".into()),
                    Text(format!(
                        "An administrator created a {PRODUCT} account for you with the username {username}. \
                         Open this link to choose your password; it works once, for {valid_hours} hours."
                    )),
                    Link("Choose my password".into(), link.clone()),
                ],
            ),
            Message::TemporaryPassword { username, sign_in_link, temporary_password, valid_hours } => (
                "temporary_password",
                format!("A new temporary password for {PRODUCT}"),
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!(
                        "An administrator set a new temporary password for your {PRODUCT} account. Your \
                         sessions were signed out."
                    )),
                    Facts(vec![format!("Username: {username}"), format!("Temporary password: {temporary_password}")]),
                    Text(format!(
                        "It works for {valid_hours} hours. At your next sign-in you will choose your own password."
                    )),
                    Link("Sign in".into(), sign_in_link.clone()),
                ],
            ),
            Message::FactorAdded { username, method, settings_link, origin } => (
                "factor_added",
                format!("A sign-in method was added to your {PRODUCT} account"),
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!("A second sign-in step was added to your {PRODUCT} account: {method}.")),
                    Facts(origin.lines()),
                    Text("If this was not you, reset your password and tell your administrator at once.".into()),
                    Link("Review your security settings".into(), settings_link.clone()),
                ],
            ),
            Message::FactorRemoved { username, method, settings_link, origin } => (
                "factor_removed",
                format!("A sign-in method was removed from your {PRODUCT} account"),
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!("A second sign-in step was removed from your {PRODUCT} account: {method}.")),
                    Facts(origin.lines()),
                    Text("If this was not you, reset your password and tell your administrator at once.".into()),
                    Link("Review your security settings".into(), settings_link.clone()),
                ],
            ),
            Message::BackupCodeUsed { username, remaining, settings_link, origin } => (
                "backup_code_used",
                if *remaining <= crate::backup_codes::LOW {
                    format!("A backup code was used: only {remaining} left for {PRODUCT}")
                } else {
                    format!("A backup code was used to sign in to {PRODUCT}")
                },
                {
                    let mut parts = vec![
                        Text(format!("Hello {username},")),
                        Text(format!(
                            "A backup code was used to sign in to your {PRODUCT} account. It cannot be used again; \
                             {remaining} unused code{} left.",
                            if *remaining == 1 { " is" } else { "s are" }
                        )),
                        Facts(origin.lines()),
                    ];
                    if *remaining <= crate::backup_codes::LOW {
                        parts.push(Text(
                            "You are running out of backup codes. Create a new set in your security settings \
                             and keep it somewhere safe: the old codes stop working."
                                .into(),
                        ));
                    }
                    parts.push(Text("If this was not you, reset your password at once.".into()));
                    parts.push(Link("Your security settings".into(), settings_link.clone()));
                    parts
                },
            ),
            Message::PasswordExpiring { username, days, expires_at, change_link } => (
                "password_expiring",
                if *days <= 1 {
                    format!("Your {PRODUCT} password expires tomorrow")
                } else {
                    format!("Your {PRODUCT} password expires in {days} days")
                },
                vec![
                    Text(format!("Hello {username},")),
                    Text(format!(
                        "Your {PRODUCT} password expires on {}. Change it before then; afterwards you will \
                         have to change it right after signing in.",
                        utc_minute(*expires_at)
                    )),
                    Link("Change my password".into(), change_link.clone()),
                ],
            ),
        }
    }
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_names_the_product_and_carries_its_link_in_both_bodies() {
        let origin = Origin {
            at: 0,
            ip: "192.0.2.7".into(),
            browser: "Firefox on Linux".into(),
        };
        let m = Message::PasswordReset {
            username: "alice".into(),
            link: "http://localhost:3000/reset-password/abc".into(),
            valid_minutes: 30,
            origin,
        }
        .render();
        assert_eq!(m.kind, "password_reset");
        assert!(m.subject.contains(PRODUCT));
        for body in [&m.text, &m.html] {
            assert!(body.contains("http://localhost:3000/reset-password/abc"));
            assert!(body.contains("192.0.2.7"));
            assert!(body.contains("Firefox on Linux"));
            assert!(body.contains("1970-01-01 00:00 UTC"));
        }
    }

    #[test]
    fn html_bodies_escape_what_users_typed() {
        let m = Message::Invitation {
            username: "<script>".into(),
            link: "http://x/?a=1&b=2".into(),
            valid_hours: 72,
        }
        .render();
        assert!(!m.html.contains("<script>"));
        assert!(m.html.contains("&lt;script&gt;"));
        assert!(m.html.contains("a=1&amp;b=2"));
        assert!(m.text.contains("http://x/?a=1&b=2"));
    }
}
