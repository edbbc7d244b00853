//! Password lifecycle scenarios: change, forgot, lockout, expiry, temporary passwords, invitations, email.
use crate::harness::{serve_args, token_of, TestApp};
use crate::smtp::SmtpServer;
use serde_json::json;
use server::config::{ServeArgs, SiteArgs};
use std::time::{Duration, Instant};

const PASSWORD: &str = "Correct-Horse-42";
const DAY: i64 = 86_400;

async fn instance(app: &TestApp, site: SiteArgs, serve: ServeArgs) -> TestApp {
    TestApp::spawn_on(app.test_db.clone(), app.clock.clone(), site, serve).await
}

scenarios! {
    async fn an_expired_password_must_be_changed_right_after_the_password_step(app: TestApp) {
        app.user("kai", PASSWORD).await;
        // Signed in regularly (so never dormant), until the password is 90 days old.
        for _ in 0..4 {
            app.clock.advance(20 * DAY);
            assert_eq!(
                app.browser().sign_in("kai", PASSWORD).await.json()["stage"],
                "Full"
            );
        }
        app.clock.advance(10 * DAY);
        let b = app.browser();
        let a = b.sign_in("kai", PASSWORD).await;
        assert_eq!(
            a.json(),
            json!({ "stage": { "PasswordChange": "Expired" }, "next": "/login/change-password" })
        );
        assert_eq!(
            b.call("list_sessions", &[]).await.body,
            "\"SignInIncomplete\""
        );
        let c = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Renewed-Horse-9"),
                    ("confirm", "Renewed-Horse-9"),
                ],
            )
            .await;
        assert_eq!(c.json()["stage"], "Full");
    }

    async fn a_dormant_account_must_change_its_password(app: TestApp) {
        app.user("lia", PASSWORD).await;
        assert_eq!(
            app.browser().sign_in("lia", PASSWORD).await.json()["stage"],
            "Full"
        );
        app.clock.advance(30 * DAY);
        let a = app.browser().sign_in("lia", PASSWORD).await;
        assert_eq!(a.json()["stage"], json!({ "PasswordChange": "Dormant" }));
    }

    async fn the_expiry_and_dormancy_periods_are_configurable(app: TestApp) {
        let site = SiteArgs {
            password_max_age: Duration::from_secs(10 * DAY as u64),
            dormancy_period: Duration::from_secs(3 * DAY as u64),
            ..SiteArgs::default()
        };
        let short = instance(&app, site, serve_args()).await;
        short.user("max", PASSWORD).await;
        assert_eq!(
            short.browser().sign_in("max", PASSWORD).await.json()["stage"],
            "Full"
        );
        short.clock.advance(3 * DAY);
        assert_eq!(
            short.browser().sign_in("max", PASSWORD).await.json()["stage"],
            json!({ "PasswordChange": "Dormant" })
        );
        short.clock.advance(7 * DAY);
        assert_eq!(
            short.browser().sign_in("max", PASSWORD).await.json()["stage"],
            json!({ "PasswordChange": "Expired" })
        );
    }

    async fn expiry_warnings_go_out_fourteen_seven_and_one_days_before(app: TestApp) {
        let warn = || server::jobs::send_warnings(&app.core);
        app.user("ned", PASSWORD).await;
        let b = app.browser();
        app.clock.advance(75 * DAY);
        assert_eq!(warn().await.unwrap(), 0, "15 days left: nothing yet");
        b.sign_in("ned", PASSWORD).await;
        assert_eq!(
            b.state().await["Active"]["password_expires_in_days"],
            json!(null)
        );
        app.clock.advance(DAY);
        assert_eq!(warn().await.unwrap(), 1, "14 days left");
        assert_eq!(warn().await.unwrap(), 0, "once per threshold");
        b.sign_in("ned", PASSWORD).await;
        assert_eq!(
            b.state().await["Active"]["password_expires_in_days"],
            14,
            "the banner"
        );
        app.clock.advance(7 * DAY);
        assert_eq!(warn().await.unwrap(), 1, "7 days left");
        app.clock.advance(6 * DAY);
        assert_eq!(warn().await.unwrap(), 1, "1 day left");
        assert_eq!(warn().await.unwrap(), 0);
        let subjects: Vec<String> = app
            .mails_to("ned@example.com")
            .await
            .into_iter()
            .map(|m| m.1)
            .collect();
        assert_eq!(
            subjects,
            vec![
                "Your Portcullis password expires in 14 days",
                "Your Portcullis password expires in 7 days",
                "Your Portcullis password expires tomorrow"
            ]
        );
        // A new password starts the warnings over.
        b.sign_in("ned", PASSWORD).await;
        b.call(
            "change_password",
            &[
                ("current", PASSWORD),
                ("new", "Renewed-Horse-9"),
                ("confirm", "Renewed-Horse-9"),
            ],
        )
        .await;
        assert_eq!(
            b.state().await["Active"]["password_expires_in_days"],
            json!(null)
        );
        app.clock.advance(76 * DAY);
        assert_eq!(warn().await.unwrap(), 1);
    }

    async fn emails_leave_over_smtp_and_failures_are_retried(app: TestApp) {
        let smtp = SmtpServer::start().await;
        let serve = ServeArgs {
            smtp_url: Some(smtp.url()),
            smtp_from: "Portcullis <auth@example.org>".into(),
            ..serve_args()
        };
        let mailing = instance(&app, SiteArgs::default(), serve).await;
        mailing.user("rue", PASSWORD).await;
        let b = mailing.browser();
        b.call(
            "request_password_reset",
            &[("username", "rue"), ("email", "rue@example.com")],
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while smtp.messages().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let got = smtp.messages();
        assert_eq!(got.len(), 1, "delivered by the server's worker");
        assert_eq!(got[0].to, vec!["rue@example.com".to_string()]);
        assert_eq!(got[0].from, "auth@example.org");
        assert!(
            got[0]
                .data
                .contains("Subject: Reset your Portcullis password"),
            "{}",
            got[0].data
        );
        let link = crate::harness::first_link(&got[0].data, &mailing.base).expect("link in the SMTP message");
        assert!(link.contains("/reset-password/"));
        let info = b
            .call(
                "inspect_link",
                &[("kind", "Reset"), ("token", &token_of(&link))],
            )
            .await;
        assert_eq!(info.json()["username"], "rue");
        // The message is marked sent once the SMTP server has accepted it (just after it arrived).
        let mut sent = 0;
        for _ in 0..200 {
            sent = mailing
                .count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
                .await;
            if sent == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(sent, 1);

        // A server that does not answer: the message stays, with the error, for a later attempt.
        let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dead_url = format!("smtp://127.0.0.1:{}", dead.local_addr().unwrap().port());
        drop(dead);
        let transport =
            server::notify::mail::delivery::Transport::from_config(Some(&dead_url), "a@b.c").unwrap();
        let delivery = server::notify::mail::delivery::Delivery::new(
            mailing.db.clone(),
            mailing.test_db.keys.clone(),
            transport,
        );
        sqlx::query("DELETE FROM outbox")
            .execute(&mailing.db.pool)
            .await
            .unwrap();
        let to = server::notify::Recipient {
            address: "rue@example.com".into(),
            name: "rue".into(),
            locale: app::types::Locale::En,
            time_zone: None,
        };
        let message = server::notify::Message::Invitation {
            username: "rue".into(),
            link: "http://x/invitation/t".into(),
            valid_hours: 72,
        };
        mailing
            .core
            .notifier
            .email(&mut *mailing.conn().await, &to, &message, mailing.clock_now())
            .await
            .unwrap();
        // The running worker may claim it first; either way it fails against the dead server.
        let _ = delivery.deliver_due(mailing.clock_now()).await.unwrap();
        let row = sqlx::query("SELECT status, attempts, last_error FROM outbox")
            .fetch_one(&mailing.db.pool)
            .await
            .unwrap();
        use sqlx::Row;
        let (status, attempts, error): (String, i64, Option<String>) = (
            row.get("status"),
            row.get("attempts"),
            row.get("last_error"),
        );
        assert_eq!(status, "pending");
        assert!(attempts >= 1, "{attempts}");
        assert!(error.is_some());
    }

    async fn the_developer_mailbox_exists_only_when_enabled(app: TestApp) {
        let b = app.browser();
        assert_eq!(b.call("dev_mailbox", &[]).await.body, "\"NotFound\"");
        assert_eq!(b.get("/dev/mailbox").await.status, 404);
        let dev = instance(
            &app,
            SiteArgs::default(),
            ServeArgs {
                dev_mailbox: true,
                ..serve_args()
            },
        )
        .await;
        dev.temporary_user("sam").await;
        let d = dev.browser();
        let list = d.call("dev_mailbox", &[]).await.json();
        assert_eq!(list[0]["recipient"], "sam@example.com");
        let page = d.get("/dev/mailbox").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("sam@example.com"));
    }
}
