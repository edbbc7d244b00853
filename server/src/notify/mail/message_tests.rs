//! Every message, in every language.
use super::messages::Message;
use super::templates::PRODUCT;
use crate::notify::Origin;
use crate::notify::Recipient;
use app::types::Locale;

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

/// Every message, in every language, is complete: no key shown in place of its text, no argument
/// left unfilled.
#[test]
fn every_message_renders_completely_in_every_language() {
    let o = || Origin {
        at: 1_800_000_000,
        ip: "192.0.2.7".into(),
        browser: "Firefox on Linux".into(),
        location: Some(crate::geo::Place::named(
            "Lyon, France",
            "Lyon, France",
            "Lyon, Francia",
        )),
    };
    let link = || "http://localhost:3000/x".to_string();
    let all = vec![
        Message::NewDevice {
            not_me_link: link(),
            sessions_link: link(),
            origin: o(),
        },
        Message::SignInNotCompleted {
            reset_link: link(),
            sessions_link: link(),
            origin: o(),
        },
        Message::SignInCode {
            code: "123456".into(),
            valid_minutes: 15,
            reset_link: link(),
            origin: o(),
        },
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
        Message::PayoutChanged {
            iban_masked: "DE•• •••• •••• •••• ••30 00".into(),
            payout_link: link(),
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
        Message::RecoveryApproved {
            cancel_link: link(),
            effective_at: 1_800_000_000,
        },
        Message::SecondStepBlocked {
            reset_link: link(),
            origin: o(),
        },
        Message::EmailChangeConfirm {
            username: "u".into(),
            new_email: "new@example.com".into(),
            link: link(),
            valid_hours: 24,
            origin: o(),
        },
        Message::EmailChangeRequested {
            new_email: "new@example.com".into(),
            reset_link: link(),
            origin: o(),
        },
        Message::EmailChangeAddressTaken {
            forgot_link: link(),
            origin: o(),
        },
        Message::EmailChanged {
            new_email: "new@example.com".into(),
            activity_link: link(),
            origin: o(),
        },
    ];
    for locale in Locale::ALL {
        for m in &all {
            let r = m.render(&to(locale));
            for text in [&r.subject, &r.text, &r.html] {
                let key_shown =
                    text.contains(&format!("email.{}.", r.kind)) || text.contains("email.common.");
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
