//! Changing one's own email address: a recent full authentication, a link to the new address (opening
//! it spends nothing, confirming spends it once), a notice to the old one at once and after the change;
//! the request answers the same whether the new address is taken or not; rate-limited per account.
use crate::harness::{token_of, Browser, TestApp};
use crate::second_factor::PASSWORD;
use serde_json::json;

async fn authorized(app: &TestApp, name: &str) -> i64 {
    let id = app.user(name, PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'authorized' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    id
}

async fn signed_in(app: &TestApp, name: &str) -> (i64, Browser) {
    let id = authorized(app, name).await;
    let b = app.browser();
    assert_eq!(b.sign_in(name, PASSWORD).await.status, 200);
    (id, b)
}

async fn request(b: &Browser, new_email: &str) -> crate::harness::Answer {
    b.call("request_email_change", &[("new_email", new_email)])
        .await
}

fn kinds(mails: &[(String, String, String)]) -> Vec<&str> {
    mails.iter().map(|m| m.0.as_str()).collect()
}

scenarios! {
    async fn the_new_address_confirms_by_its_link_and_the_old_one_is_told(app: TestApp) {
        let (id, b) = signed_in(&app, "eve").await;
        let asked = request(&b, "  Eve.New@Example.org ").await;
        assert_eq!((asked.status, asked.body.as_str()), (200, "null"), "{}", asked.body);
        // The old address is told at once, with the new address and what to do if it was not them.
        let old = app.mails_to("eve@example.com").await;
        assert_eq!(kinds(&old), vec!["email_change_requested"]);
        assert!(old[0].2.contains("Eve.New@Example.org") && old[0].2.contains("/forgot-password"), "{}", old[0].2);
        // Nothing changed yet.
        assert_eq!(b.call("account_details", &[]).await.json()["email"], "eve@example.com");
        let link = app.link_in_mail("Eve.New@Example.org", "email_change_confirm").await;
        assert!(link.starts_with(&format!("{}/confirm-email/", app.base)), "{link}");
        let token = token_of(&link);
        // Opening the page (a mail scanner) and inspecting spend nothing; no sign-in needed.
        let stranger = app.browser();
        for _ in 0..2 {
            assert_eq!(stranger.get(&format!("/confirm-email/{token}")).await.status, 200);
        }
        let info = stranger.call("inspect_email_change", &[("token", &token)]).await;
        assert_eq!(info.json(), json!({ "username": "eve", "new_email": "Eve.New@Example.org" }));
        let done = stranger.call("confirm_email_change", &[("token", &token)]).await;
        assert_eq!((done.status, done.body.as_str()), (200, "null"), "{}", done.body);
        let d = b.call("account_details", &[]).await.json();
        assert_eq!((d["email"].as_str(), d["email_verified"].as_bool()), (Some("Eve.New@Example.org"), Some(true)));
        // Once only.
        assert_eq!(stranger.call("confirm_email_change", &[("token", &token)]).await.body, "\"LinkInvalid\"");
        assert_eq!(stranger.call("inspect_email_change", &[("token", &token)]).await.body, "\"LinkInvalid\"");
        // The old address gets the final notice; sign-in works with the new address, not the old.
        let old = app.mails_to("eve@example.com").await;
        assert_eq!(kinds(&old), vec!["email_change_requested", "email_changed"]);
        assert!(old[1].2.contains("Eve.New@Example.org"), "{}", old[1].2);
        assert_eq!(app.browser().sign_in("eve.new@example.org", PASSWORD).await.status, 200);
        assert_eq!(app.browser().sign_in("eve@example.com", PASSWORD).await.body, "\"SignInFailed\"");
        let events = app.events(id).await;
        assert!(events.contains(&"email_change.requested".to_string()), "{events:?}");
        assert!(events.contains(&"email_change.confirmed".to_string()), "{events:?}");
    }

    async fn the_request_needs_a_recent_full_authentication_and_a_full_session(app: TestApp) {
        let (_, b) = signed_in(&app, "fay").await;
        app.clock.advance(6 * 60);
        assert_eq!(request(&b, "fay2@example.org").await.body, "\"ReauthenticationRequired\"");
        assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
        assert_eq!(b.call("confirm_identity", &[("password", PASSWORD)]).await.status, 200);
        assert_eq!(request(&b, "fay2@example.org").await.status, 200);
        // Invalid input, and the current address (any case).
        assert_eq!(request(&b, "not-an-address").await.body, r#"{"Invalid":"Email"}"#);
        assert_eq!(request(&b, " FAY@example.com").await.body, r#"{"Invalid":"SameEmail"}"#);
        // A half-finished sign-in (forced password change) and a plain user are refused; so is no session.
        let temporary = app.temporary_user("gil").await;
        sqlx::query("UPDATE users SET role = 'authorized' WHERE username = 'gil'")
            .execute(&app.db.pool)
            .await
            .unwrap();
        let partial = app.browser();
        partial.sign_in("gil", &temporary).await;
        assert_eq!(request(&partial, "gil2@example.org").await.body, "\"SignInIncomplete\"");
        app.user("pat", PASSWORD).await;
        let plain = app.browser();
        plain.sign_in("pat", PASSWORD).await;
        assert_eq!(request(&plain, "pat2@example.org").await.body, "\"Forbidden\"");
        assert_eq!(request(&app.browser(), "x@example.org").await.status, 401);
        assert!(app.mails_to("gil2@example.org").await.is_empty());
        assert!(app.mails_to("pat2@example.org").await.is_empty());
    }

    async fn the_answer_is_the_same_whether_the_new_address_is_taken_or_not(app: TestApp) {
        let (id, b) = signed_in(&app, "hal").await;
        let other = authorized(&app, "ida").await;
        let free = request(&b, "hal2@example.org").await;
        let taken = request(&b, "IDA@example.com").await;
        assert_eq!((free.status, free.body.as_str()), (taken.status, taken.body.as_str()));
        // The old address is told the same way both times; the taken address gets no link but a notice.
        let old = app.mails_to("hal@example.com").await;
        assert_eq!(kinds(&old), vec!["email_change_requested", "email_change_requested"]);
        let to_ida = app.mails_to("ida@example.com").await;
        assert_eq!(kinds(&to_ida), vec!["email_change_address_taken"]);
        assert!(!to_ida[0].2.contains("/confirm-email/"), "{}", to_ida[0].2);
        // The second request voided the first link, as any new request does.
        let token = token_of(&app.link_in_mail("hal2@example.org", "email_change_confirm").await);
        assert_eq!(app.browser().call("confirm_email_change", &[("token", &token)]).await.body, "\"LinkInvalid\"");
        // The owner's activity does not tell them apart either.
        let details: Vec<String> = server::audit::for_subject(&mut *app.conn().await, id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "email_change.requested")
            .map(|e| e.detail.replace("hal2@example.org", "X").replace("IDA@example.com", "X"))
            .collect();
        assert_eq!(details.len(), 2);
        assert_eq!(details[0], details[1]);
        assert!(app.events(other).await.iter().all(|e| !e.starts_with("email_change")));
    }

    async fn two_parallel_confirmations_change_the_address_once(app: TestApp) {
        let (_, b) = signed_in(&app, "jon").await;
        assert_eq!(request(&b, "jon2@example.org").await.status, 200);
        let token = token_of(&app.link_in_mail("jon2@example.org", "email_change_confirm").await);
        let browsers: Vec<Browser> = (0..2).map(|_| app.browser()).collect();
        let answers = crate::browser::burst(browsers.into_iter().map(|c| {
            let token = token.clone();
            async move { c.call("confirm_email_change", &[("token", &token)]).await }
        }))
        .await;
        let ok = answers.iter().filter(|a| a.status == 200).count();
        let spent = answers.iter().filter(|a| a.body == "\"LinkInvalid\"").count();
        assert_eq!((ok, spent), (1, 1), "{:?}", answers.iter().map(|a| &a.body).collect::<Vec<_>>());
        assert_eq!(kinds(&app.mails_to("jon@example.com").await), vec!["email_change_requested", "email_changed"]);
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email_key = 'jon2@example.org'").await, 1);
    }

    async fn an_address_taken_meanwhile_is_refused_and_nothing_changes(app: TestApp) {
        let (id, b) = signed_in(&app, "kim").await;
        assert_eq!(request(&b, "shared@example.org").await.status, 200);
        let token = token_of(&app.link_in_mail("shared@example.org", "email_change_confirm").await);
        // Another account gets the address before the link is used.
        let admin = app.admin();
        let account = server::services::admin::NewAccount {
            username: "lea",
            email: "Shared@example.org",
            display_name: None,
            role: app::types::Role::User,
            invite: false,
            mfa_required: false,
            locale: app::types::Locale::En,
        };
        admin.create_user(server::services::admin::Actor::Operator, &account).await.unwrap();
        let refused = app.browser().call("confirm_email_change", &[("token", &token)]).await;
        assert_eq!((refused.status, refused.body.as_str()), (422, r#"{"Invalid":"EmailTaken"}"#));
        assert_eq!(b.call("account_details", &[]).await.json()["email"], "kim@example.com");
        assert_eq!(kinds(&app.mails_to("kim@example.com").await), vec!["email_change_requested"]);
        assert!(app.events(id).await.contains(&"email_change.refused".to_string()));
    }

    async fn a_password_change_voids_the_link(app: TestApp) {
        let (_, b) = signed_in(&app, "max").await;
        assert_eq!(request(&b, "max2@example.org").await.status, 200);
        let token = token_of(&app.link_in_mail("max2@example.org", "email_change_confirm").await);
        let changed = b
            .call("change_password", &[("current", PASSWORD), ("new", "Fresh-Horse-43"), ("confirm", "Fresh-Horse-43")])
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(app.browser().call("confirm_email_change", &[("token", &token)]).await.body, "\"LinkInvalid\"");
    }

    async fn change_requests_are_limited_per_account(app: TestApp) {
        let (id, b) = signed_in(&app, "ned").await;
        for i in 0..5 {
            let a = request(&b, &format!("ned{i}@example.org")).await;
            assert_eq!(a.status, 200, "{i}: {}", a.body);
        }
        let limited = request(&b, "ned9@example.org").await;
        assert_eq!((limited.status, limited.body.as_str()), (429, "\"RateLimited\""));
        assert!(app.mails_to("ned9@example.org").await.is_empty());
        assert!(app.events(id).await.contains(&"email_change.throttled".to_string()));
        // The next hour, a new sign-in may ask again.
        app.clock.advance(3601);
        let later = app.browser();
        assert_eq!(later.sign_in("ned", PASSWORD).await.status, 200);
        assert_eq!(request(&later, "ned9@example.org").await.status, 200);
    }
}
