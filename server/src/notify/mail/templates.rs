//! Email texts, from the message catalogue (`email.<kind>.*` keys), in the recipient's language: each
//! message in plain text and HTML, with the time (in the recipient's time zone), address and browser of
//! the request where they help the reader decide whether it was them.
use app::i18n::{tr, tr_count};
use app::types::Locale;

use crate::notify::{Origin, Recipient};

/// Every email Portcullis sends.
#[derive(Debug, Clone)]
pub enum Message {
    PasswordReset {
        link: String,
        valid_minutes: i64,
        origin: Origin,
    },
    /// The "credentials changed" routine after a new password (or a reset).
    PasswordChanged { reset_link: String, origin: Origin },
    AccountLocked {
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
        sign_in_link: String,
        temporary_password: String,
        valid_hours: i64,
    },
    PasswordExpiring {
        days: i64,
        expires_at: i64,
        change_link: String,
    },
    FactorAdded {
        method_key: &'static str,
        settings_link: String,
        origin: Origin,
    },
    FactorRemoved {
        method_key: &'static str,
        settings_link: String,
        origin: Origin,
    },
    BackupCodesRegenerated {
        settings_link: String,
        origin: Origin,
    },
    BackupCodeUsed {
        remaining: i64,
        settings_link: String,
        origin: Origin,
    },
    /// Someone passed the password step and then failed the second step until it was suspended.
    SecondStepFailed {
        minutes: i64,
        reset_link: String,
        origin: Origin,
    },
    /// Too many failed second steps in a day: the password must be reset.
    SecondStepBlocked { reset_link: String, origin: Origin },
}

pub struct Rendered {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of an email: words, a link with its label, or a list of facts.
enum Part {
    Text(String),
    Link(String, String),
    Facts(Vec<String>),
}

pub const PRODUCT: &str = "Portcullis";

/// `2026-12-02 16:04 (Europe/Paris)`, or UTC when the reader's time zone is unknown.
pub fn local_time(at: i64, time_zone: Option<&str>) -> String {
    let utc = || app::format::utc_minute(at);
    let Some(tz) = time_zone else { return utc() };
    let Ok(ts) = jiff::Timestamp::from_second(at) else {
        return utc();
    };
    match jiff::tz::TimeZone::get(tz) {
        Ok(zone) => format!("{} ({tz})", ts.to_zoned(zone).strftime("%Y-%m-%d %H:%M")),
        Err(_) => utc(),
    }
}

struct Writer<'a> {
    to: &'a Recipient,
    kind: &'static str,
}

impl Writer<'_> {
    fn l(&self) -> Locale {
        self.to.locale
    }

    fn key(&self, part: &str) -> String {
        format!("email.{}.{part}", self.kind)
    }

    /// A message of this email's own section.
    fn own(&self, part: &str, args: &[(&str, &str)]) -> String {
        let mut all = args.to_vec();
        all.push(("product", PRODUCT));
        tr(self.l(), &self.key(part), &all)
    }

    fn text(&self, part: &str, args: &[(&str, &str)]) -> Part {
        Part::Text(self.own(part, args))
    }

    fn link(&self, label_part: &str, url: &str) -> Part {
        Part::Link(self.own(label_part, &[]), url.to_string())
    }

    fn greeting(&self) -> Part {
        Part::Text(tr(
            self.l(),
            "email.common.greeting",
            &[("name", &self.to.name)],
        ))
    }

    fn origin(&self, origin: &Origin) -> Part {
        let unknown = tr(self.l(), "email.common.unknown", &[]);
        let or_unknown = |s: &str| {
            if s.is_empty() {
                unknown.clone()
            } else {
                s.to_string()
            }
        };
        let mut lines = vec![
            tr(
                self.l(),
                "email.common.time",
                &[("time", &local_time(origin.at, self.to.time_zone.as_deref()))],
            ),
            tr(
                self.l(),
                "email.common.address",
                &[("ip", &or_unknown(&origin.ip))],
            ),
        ];
        lines.push(tr(
            self.l(),
            "email.common.location",
            &[(
                "location",
                &or_unknown(origin.location.as_deref().unwrap_or("")),
            )],
        ));
        lines.push(tr(
            self.l(),
            "email.common.browser",
            &[("browser", &or_unknown(&origin.browser))],
        ));
        Part::Facts(lines)
    }
}

impl Message {
    pub fn kind(&self) -> &'static str {
        match self {
            Message::PasswordReset { .. } => "password_reset",
            Message::PasswordChanged { .. } => "password_changed",
            Message::AccountLocked { .. } => "account_locked",
            Message::UserCreated { .. } => "user_created",
            Message::Invitation { .. } => "invitation",
            Message::TemporaryPassword { .. } => "temporary_password",
            Message::PasswordExpiring { .. } => "password_expiring",
            Message::FactorAdded { .. } => "factor_added",
            Message::FactorRemoved { .. } => "factor_removed",
            Message::BackupCodesRegenerated { .. } => "backup_codes_regenerated",
            Message::BackupCodeUsed { .. } => "backup_code_used",
            Message::SecondStepFailed { .. } => "second_step_failed",
            Message::SecondStepBlocked { .. } => "second_step_blocked",
        }
    }

    pub fn render(&self, to: &Recipient) -> Rendered {
        let w = Writer {
            to,
            kind: self.kind(),
        };
        let (subject, parts) = self.parts(&w);
        let mut text = String::new();
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><body style=\"font-family:system-ui,sans-serif;color:#1c2230;\
             line-height:1.5\"><p style=\"font-weight:700;font-size:18px\">{PRODUCT}</p>",
            to.locale.tag()
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
        // Every email says who sent it and that staff never ask for codes or passwords.
        let footer = tr(to.locale, "email.common.footer", &[("product", PRODUCT)]);
        text.push_str(&format!("{footer}\n— {PRODUCT}\n"));
        html.push_str(&format!(
            "<p style=\"color:#5b6475;font-size:13px\">{}</p><p style=\"color:#5b6475\">— {PRODUCT}</p></body></html>",
            escape(&footer)
        ));
        Rendered {
            kind: self.kind(),
            subject,
            text,
            html,
        }
    }

    fn parts(&self, w: &Writer<'_>) -> (String, Vec<Part>) {
        let l = w.l();
        match self {
            Message::PasswordReset {
                link,
                valid_minutes,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("minutes", &valid_minutes.to_string())]),
                    w.link("button", link),
                    w.text("origin", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                ],
            ),
            Message::PasswordChanged { reset_link, origin } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::AccountLocked {
                unlock_link,
                reset_link,
                failures,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("failures", &failures.to_string())]),
                    w.text("origin", &[]),
                    w.origin(origin),
                    w.text("unlock", &[]),
                    w.link("unlock_button", unlock_link),
                    w.text("forgot", &[]),
                    w.link("reset_button", reset_link),
                    w.text("not_you", &[]),
                ],
            ),
            Message::UserCreated {
                username,
                sign_in_link,
                temporary_password,
                valid_hours,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    Part::Facts(vec![
                        tr(l, "email.common.username", &[("username", username)]),
                        tr(
                            l,
                            "email.common.temporary_password",
                            &[("password", temporary_password)],
                        ),
                    ]),
                    w.text("change", &[("hours", &valid_hours.to_string())]),
                    w.link("button", sign_in_link),
                ],
            ),
            Message::Invitation {
                username,
                link,
                valid_hours,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text(
                        "intro",
                        &[("username", username), ("hours", &valid_hours.to_string())],
                    ),
                    w.link("button", link),
                    w.text("not_expected", &[]),
                ],
            ),
            Message::TemporaryPassword {
                sign_in_link,
                temporary_password,
                valid_hours,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    Part::Facts(vec![tr(
                        l,
                        "email.common.temporary_password",
                        &[("password", temporary_password)],
                    )]),
                    w.text("change", &[("hours", &valid_hours.to_string())]),
                    w.link("button", sign_in_link),
                ],
            ),
            Message::PasswordExpiring {
                days,
                expires_at,
                change_link,
            } => (
                if *days <= 1 {
                    w.own("subject_tomorrow", &[])
                } else {
                    tr_count(l, &w.key("subject"), *days, &[("product", PRODUCT)])
                },
                vec![
                    w.greeting(),
                    w.text(
                        "intro",
                        &[("date", &local_time(*expires_at, w.to.time_zone.as_deref()))],
                    ),
                    w.link("button", change_link),
                ],
            ),
            Message::FactorAdded {
                method_key,
                settings_link,
                origin,
            }
            | Message::FactorRemoved {
                method_key,
                settings_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("method", &tr(l, method_key, &[]))]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", settings_link),
                ],
            ),
            Message::BackupCodesRegenerated {
                settings_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("not_you", &[]),
                    w.link("button", settings_link),
                ],
            ),
            Message::BackupCodeUsed {
                remaining,
                settings_link,
                origin,
            } => {
                let low = *remaining <= crate::auth::factor::backup_codes::LOW;
                let subject = if low {
                    tr_count(
                        l,
                        &w.key("subject_low"),
                        *remaining,
                        &[("product", PRODUCT)],
                    )
                } else {
                    w.own("subject", &[])
                };
                let mut parts = vec![
                    w.greeting(),
                    Part::Text(tr_count(
                        l,
                        &w.key("intro"),
                        *remaining,
                        &[("product", PRODUCT)],
                    )),
                    w.origin(origin),
                ];
                if low {
                    parts.push(w.text("running_out", &[]));
                }
                parts.push(w.text("not_you", &[]));
                parts.push(w.link("button", settings_link));
                (subject, parts)
            }
            Message::SecondStepFailed {
                minutes,
                reset_link,
                origin,
            } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[("minutes", &minutes.to_string())]),
                    w.origin(origin),
                    w.text("advice", &[]),
                    w.link("button", reset_link),
                ],
            ),
            Message::SecondStepBlocked { reset_link, origin } => (
                w.own("subject", &[]),
                vec![
                    w.greeting(),
                    w.text("intro", &[]),
                    w.origin(origin),
                    w.text("advice", &[]),
                    w.link("button", reset_link),
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

    fn to(locale: Locale) -> Recipient {
        Recipient {
            address: "alice@example.com".into(),
            name: "alice".into(),
            locale,
            time_zone: None,
        }
    }

    #[test]
    fn every_message_names_the_product_and_carries_its_link_in_both_bodies() {
        let origin = Origin {
            at: 0,
            ip: "192.0.2.7".into(),
            browser: "Firefox on Linux".into(),
            location: None,
        };
        let m = Message::PasswordReset {
            link: "http://localhost:3000/reset-password/abc".into(),
            valid_minutes: 30,
            origin,
        }
        .render(&to(Locale::En));
        assert_eq!(m.kind, "password_reset");
        assert!(m.subject.contains(PRODUCT));
        for body in [&m.text, &m.html] {
            assert!(body.contains("http://localhost:3000/reset-password/abc"));
            assert!(body.contains("192.0.2.7"));
            assert!(body.contains("Firefox on Linux"));
            assert!(body.contains("1970-01-01 00:00 UTC"));
            assert!(!body.contains("{{"), "every argument filled in: {body}");
        }
    }

    #[test]
    fn html_bodies_escape_what_users_typed() {
        let m = Message::Invitation {
            username: "<script>".into(),
            link: "http://x/?a=1&b=2".into(),
            valid_hours: 72,
        }
        .render(&to(Locale::En));
        assert!(!m.html.contains("<script>"));
        assert!(m.html.contains("&lt;script&gt;"));
        assert!(m.html.contains("a=1&amp;b=2"));
        assert!(m.text.contains("http://x/?a=1&b=2"));
    }

    #[test]
    fn times_are_shown_in_the_readers_time_zone() {
        assert_eq!(local_time(0, None), "1970-01-01 00:00 UTC");
        assert_eq!(
            local_time(0, Some("Europe/Paris")),
            "1970-01-01 01:00 (Europe/Paris)"
        );
        assert_eq!(local_time(0, Some("Not/AZone")), "1970-01-01 00:00 UTC");
    }

    /// Every message, in every language, is complete: no key shown in place of its text, no argument
    /// left unfilled.
    #[test]
    fn every_message_renders_completely_in_every_language() {
        let o = || Origin {
            at: 1_800_000_000,
            ip: "192.0.2.7".into(),
            browser: "Firefox on Linux".into(),
            location: Some("Lyon, France".into()),
        };
        let link = || "http://localhost:3000/x".to_string();
        let all = vec![
            Message::PasswordReset {
                link: link(),
                valid_minutes: 30,
                origin: o(),
            },
            Message::PasswordChanged {
                reset_link: link(),
                origin: o(),
            },
            Message::AccountLocked {
                unlock_link: link(),
                reset_link: link(),
                failures: 5,
                origin: o(),
            },
            Message::UserCreated {
                username: "u".into(),
                sign_in_link: link(),
                temporary_password: "T-1".into(),
                valid_hours: 72,
            },
            Message::Invitation {
                username: "u".into(),
                link: link(),
                valid_hours: 72,
            },
            Message::TemporaryPassword {
                sign_in_link: link(),
                temporary_password: "T-1".into(),
                valid_hours: 72,
            },
            Message::PasswordExpiring {
                days: 7,
                expires_at: 1_800_000_000,
                change_link: link(),
            },
            Message::PasswordExpiring {
                days: 1,
                expires_at: 1_800_000_000,
                change_link: link(),
            },
            Message::FactorAdded {
                method_key: "method.totp.name",
                settings_link: link(),
                origin: o(),
            },
            Message::FactorRemoved {
                method_key: "method.totp.name",
                settings_link: link(),
                origin: o(),
            },
            Message::BackupCodesRegenerated {
                settings_link: link(),
                origin: o(),
            },
            Message::BackupCodeUsed {
                remaining: 5,
                settings_link: link(),
                origin: o(),
            },
            Message::BackupCodeUsed {
                remaining: 1,
                settings_link: link(),
                origin: o(),
            },
            Message::SecondStepFailed {
                minutes: 15,
                reset_link: link(),
                origin: o(),
            },
            Message::SecondStepBlocked {
                reset_link: link(),
                origin: o(),
            },
        ];
        for locale in Locale::ALL {
            for m in &all {
                let r = m.render(&to(locale));
                for text in [&r.subject, &r.text, &r.html] {
                    let key_shown = text.contains(&format!("email.{}.", r.kind))
                        || text.contains("email.common.");
                    assert!(
                        !text.contains("{{") && !key_shown,
                        "{locale} {}: {text}",
                        r.kind
                    );
                }
                assert!(
                    r.text.contains("http://localhost:3000/x")
                        || r.kind == "password_expiring" && r.text.contains("http")
                );
            }
        }
    }

    #[test]
    fn emails_go_out_in_the_recipients_language() {
        let m = Message::PasswordChanged {
            reset_link: "http://x/forgot-password".into(),
            origin: Origin::default(),
        };
        let en = m.render(&to(Locale::En));
        let fr = m.render(&to(Locale::Fr));
        assert_ne!(en.subject, fr.subject);
        assert!(fr.html.contains("lang=\"fr\""));
    }
}
