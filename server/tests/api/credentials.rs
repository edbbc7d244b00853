//! The "credentials changed" routine after every kind of change, and the ways out and edges of the
//! sign-in: full authentication for factor changes, proxies, the public address, the first
//! administrator of several instances, enrolment that takes its time.
use crate::browser::burst;
use crate::harness::{serve_args, Browser, TestApp, SESSION_COOKIE};
use crate::second_factor::{
    base32_decode, code, enrolled_user, password_step, verify, PASSWORD, TRUSTED_COOKIE,
};
use serde_json::json;
use server::config::ServeArgs;
use server::services::admin::Actor;

/// A user with an app, a trusted browser and another live session; answers (the session that makes
/// the change, the other session, the trusted browser, the secret).
async fn with_other_session_and_trusted_browser(
    app: &TestApp,
    name: &str,
) -> (Browser, Browser, Browser, Vec<u8>) {
    let (main, secret, _) = enrolled_user(app, name).await;
    // A browser that chose "don't ask again".
    let (trusted, _) = password_step(app, name).await;
    assert_eq!(
        verify(&trusted, Some("Totp"), &code(&secret, app, 0), true)
            .await
            .status,
        200
    );
    assert!(trusted.cookie(TRUSTED_COOKIE).is_some());
    trusted.call("sign_out", &[]).await;
    app.clock.advance(30);
    // Another session.
    let (other, _) = password_step(app, name).await;
    assert_eq!(
        verify(&other, Some("Totp"), &code(&secret, app, 0), false)
            .await
            .status,
        200
    );
    app.clock.advance(30);
    // The main session confirms who it is (the window for changes).
    let now = code(&secret, app, 0);
    let confirmed = main
        .call(
            "confirm_identity",
            &[("password", PASSWORD), ("method", "Totp"), ("code", &now)],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    app.clock.advance(30);
    (main, other, trusted, secret)
}

/// After a change: the other session is dead, and the trusted browser is asked for the second step.
async fn others_are_dead(
    app: &TestApp,
    name: &str,
    password: &str,
    other: &Browser,
    trusted: &Browser,
) {
    assert_eq!(
        other.state().await,
        json!("Expired"),
        "the other session ended"
    );
    let step = trusted.sign_in(name, password).await.json();
    assert_ne!(step["stage"], "Full", "the trusted browser was forgotten");
    let mails: Vec<String> = app
        .mails_to(&format!("{name}@example.com"))
        .await
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert!(!mails.is_empty());
}

scenarios! {
    async fn a_password_change_ends_other_sessions_and_trusted_browsers(app: TestApp) {
        let (main, other, trusted, _) = with_other_session_and_trusted_browser(&app, "cc1").await;
        let form = [("current", PASSWORD), ("new", "Changed-Horse-61"), ("confirm", "Changed-Horse-61")];
        assert_eq!(main.call("change_password", &form).await.status, 200);
        others_are_dead(&app, "cc1", "Changed-Horse-61", &other, &trusted).await;
        assert!(main.state().await.get("Active").is_some(), "the changing session stays");
    }

    async fn a_reset_by_link_ends_every_session_and_trusted_browser(app: TestApp) {
        let (main, other, trusted, _) = with_other_session_and_trusted_browser(&app, "cc2").await;
        let b = app.browser();
        b.call("request_password_reset", &[("username", "cc2"), ("email", "cc2@example.com")]).await;
        let token = crate::harness::token_of(&app.link_in_mail("cc2@example.com", "password_reset").await);
        let form = [("kind", "Reset"), ("token", token.as_str()), ("new", "Reset-Horse-62"), ("confirm", "Reset-Horse-62")];
        assert_eq!(b.call("set_password_by_link", &form).await.status, 200);
        others_are_dead(&app, "cc2", "Reset-Horse-62", &other, &trusted).await;
        assert_eq!(main.state().await, json!("Expired"));
    }

    async fn an_administrators_temporary_password_ends_every_session_and_trusted_browser(app: TestApp) {
        let (main, other, trusted, _) = with_other_session_and_trusted_browser(&app, "cc3").await;
        let temporary = app.admin().issue_temporary_password(Actor::Operator, "cc3").await.unwrap();
        others_are_dead(&app, "cc3", &temporary, &other, &trusted).await;
        assert_eq!(main.state().await, json!("Expired"));
    }

    async fn adding_a_factor_ends_other_sessions_and_trusted_browsers(app: TestApp) {
        let (main, other, trusted, _) = with_other_session_and_trusted_browser(&app, "cc4").await;
        let setup = main.call("begin_totp", &[]).await.json();
        let key = base32_decode(setup["setup_key"].as_str().unwrap());
        let id = setup["factor_id"].to_string();
        let form = [("factor_id", id.as_str()), ("code", &code(&key, &app, 0)), ("label", "Tablet")];
        assert_eq!(main.call("confirm_totp", &form).await.status, 200);
        others_are_dead(&app, "cc4", PASSWORD, &other, &trusted).await;
    }

    async fn removing_a_factor_ends_other_sessions_and_trusted_browsers(app: TestApp) {
        let (main, other, trusted, _) = with_other_session_and_trusted_browser(&app, "cc5").await;
        let id = main.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        assert_eq!(main.call("remove_factor", &[("factor_id", &id)]).await.status, 200);
        assert_eq!(other.state().await, json!("Expired"));
        assert_eq!(trusted.sign_in("cc5", PASSWORD).await.json()["stage"], "Full", "no factor left to ask");
        assert!(app.mails_to("cc5@example.com").await.iter().any(|m| m.0 == "factor_removed"));
    }

    async fn new_backup_codes_end_other_sessions_and_trusted_browsers(app: TestApp) {
        let (main, other, trusted, _) = with_other_session_and_trusted_browser(&app, "cc6").await;
        assert_eq!(main.call("regenerate_backup_codes", &[]).await.status, 200);
        others_are_dead(&app, "cc6", PASSWORD, &other, &trusted).await;
        assert!(app.mails_to("cc6@example.com").await.iter().any(|m| m.0 == "backup_codes_regenerated"));
    }

    async fn a_trusted_browser_sign_in_does_not_open_the_window_for_factor_changes(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "tb1").await;
        let (b, _) = password_step(&app, "tb1").await;
        verify(&b, Some("Totp"), &code(&secret, &app, 0), true).await;
        b.call("sign_out", &[]).await;
        assert_eq!(b.sign_in("tb1", PASSWORD).await.json()["stage"], "Full", "the second step was skipped");
        assert_eq!(b.call("regenerate_backup_codes", &[]).await.body, "\"ReauthenticationRequired\"");
        let id = b.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        assert_eq!(b.call("remove_factor", &[("factor_id", &id)]).await.body, "\"ReauthenticationRequired\"");
        assert_eq!(b.call("security_overview", &[]).await.json()["reauthenticated_secs_left"], 0);
    }

    async fn cancel_on_the_second_step_ends_the_partial_session(app: TestApp) {
        enrolled_user(&app, "cn1").await;
        let (b, _) = password_step(&app, "cn1").await;
        assert_eq!(b.call("sign_out", &[]).await.status, 200);
        assert!(b.cookie(SESSION_COOKIE).is_none());
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE stage <> 'full'").await, 0);
        assert_eq!(b.get(app::routes::LOGIN).await.status, 200, "a clean sign-in page");
    }

    async fn mandatory_enrolment_may_take_twenty_minutes(app: TestApp) {
        let id = app.user("slow", PASSWORD).await;
        server::users::set_mfa_required(&mut *app.conn().await, id, true, None).await.unwrap();
        let b = app.browser();
        assert_eq!(b.sign_in("slow", PASSWORD).await.json()["stage"], "Enrollment");
        let setup = b.call("begin_totp", &[]).await.json();
        let key = base32_decode(setup["setup_key"].as_str().unwrap());
        let fid = setup["factor_id"].to_string();
        // Installing an authenticator app, with no request meanwhile.
        app.clock.advance(20 * 60);
        let form = [("factor_id", fid.as_str()), ("code", &code(&key, &app, 0)), ("label", "")];
        let done = b.call("confirm_totp", &form).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(done.json()["next"], "/");
        assert_eq!(b.state().await["Active"]["stage"], "Full");
    }

    async fn mandatory_enrolment_offers_email_codes_once_the_address_is_verified(app: TestApp) {
        let id = app.user("enr", PASSWORD).await;
        server::users::set_mfa_required(&mut *app.conn().await, id, true, None).await.unwrap();
        let b = app.browser();
        assert_eq!(b.sign_in("enr", PASSWORD).await.json()["stage"], "Enrollment");
        assert_eq!(b.get(app::routes::ENROLL).await.status, 200);
        // The overview of a full session stays closed; the enrolment's own options answer.
        assert_eq!(b.call("security_overview", &[]).await.body, "\"SignInIncomplete\"");
        let o = b.call("enrollment_options", &[]).await.json();
        assert_eq!(o["email_verified"], false, "{o}");
        let kinds = o["available_methods"].as_array().unwrap().clone();
        assert!(kinds.contains(&json!("Email")) && !kinds.contains(&json!("Sms")), "no provider: no texts; {o}");
        assert_eq!(b.call("enable_email_codes", &[]).await.json(), json!({ "Invalid": "EmailNotVerified" }));
        sqlx::query("UPDATE users SET email_verified = 1 WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(b.call("enrollment_options", &[]).await.json()["email_verified"], true);
        let done = b.call("enable_email_codes", &[]).await;
        assert_eq!(done.status, 200, "{}", done.body);
        assert_eq!(b.state().await["Active"]["stage"], "Full");
        // A session that has not passed the password step learns nothing.
        assert_eq!(app.browser().call("enrollment_options", &[]).await.status, 401);
    }

    async fn the_client_address_comes_from_trusted_proxies_only(app: TestApp) {
        app.user("px1", PASSWORD).await;
        let mut direct = app.browser();
        direct.headers.push(("x-forwarded-for".into(), "6.6.6.6".into()));
        direct.sign_in("px1", PASSWORD).await;
        let list = direct.call("list_sessions", &[]).await.json();
        assert_eq!(list[0]["ip"], "127.0.0.1", "a header from an untrusted peer means nothing");
        let proxied = TestApp::spawn_on(
            app.test_db.clone(),
            app.clock.clone(),
            Default::default(),
            ServeArgs { trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()], ..serve_args() },
        )
        .await;
        let mut behind = proxied.browser();
        // The client put 6.6.6.6 first; our proxy appended the address it saw.
        behind.headers.push(("x-forwarded-for".into(), "6.6.6.6, 203.0.113.9".into()));
        behind.sign_in("px1", PASSWORD).await;
        let list = behind.call("list_sessions", &[]).await.json();
        let mine = list.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap().clone();
        assert_eq!(mine["ip"], "203.0.113.9");
    }

    async fn another_address_than_the_public_one_is_told_which_to_use(app: TestApp) {
        let port = app.base.rsplit(':').next().unwrap().to_string();
        let b = Browser::new(&format!("http://127.0.0.1:{port}"));
        let page = b.get(app::routes::LOGIN).await;
        assert_eq!(page.status, 421);
        assert!(page.body.contains(&app.base), "{}", page.body);
        assert_eq!(b.get("/healthz").await.status, 200);
    }

    async fn the_outbox_keeps_no_live_link_in_plain_text(app: TestApp) {
        app.user("ob1", PASSWORD).await;
        app.browser().call("request_password_reset", &[("username", "ob1"), ("email", "ob1@example.com")]).await;
        let link = app.link_in_mail("ob1@example.com", "password_reset").await;
        let token = crate::harness::token_of(&link);
        use sqlx::Row;
        let row = sqlx::query("SELECT text_body, html_body, sealed_body FROM outbox WHERE kind = 'password_reset'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        let (text, html, sealed): (String, String, Vec<u8>) = (row.get(0), row.get(1), row.get(2));
        assert!(text.is_empty() && html.is_empty(), "bodies are only stored encrypted");
        assert!(!sealed.windows(token.len()).any(|w| w == token.as_bytes()));
    }

    async fn the_developer_mailbox_needs_loopback(app: TestApp) {
        let open = ServeArgs { bind: "0.0.0.0:0".parse().unwrap(), dev_mailbox: true, ..serve_args() };
        let db = app.test_db.connect().await;
        let refused = server::startup::Application::build_with_db(
            db,
            app.test_db.keys.clone(),
            &Default::default(),
            &open,
            app.clock.clone(),
        )
        .await;
        let error = refused.err().expect("refused").to_string();
        assert!(error.contains("loopback"), "{error}");
    }

    async fn instances_starting_together_create_one_administrator(app: TestApp) {
        // A fresh database of its own, migrated by both at once.
        let engine = if app.db.backend == server::db::Backend::Postgres {
            crate::harness::Engine::Postgres
        } else {
            crate::harness::Engine::Sqlite
        };
        let fresh = std::sync::Arc::new(crate::harness::TestDb::new(engine).await.expect("a database"));
        let clock = app.clock.clone();
        let starts = burst((0..2).map(|_| {
            let (fresh, clock) = (fresh.clone(), clock.clone());
            async move {
                let one = TestApp::spawn_on(fresh, clock, Default::default(), serve_args()).await;
                let created = one.admin().create_first_administrator("admin@example.com").await.unwrap();
                (created.is_some(), one)
            }
        }))
        .await;
        assert_eq!(starts.iter().filter(|(won, _)| *won).count(), 1, "exactly one creates it");
        for (_, one) in &starts {
            assert_eq!(one.browser().get("/healthz").await.status, 200, "both serve");
        }
        assert_eq!(starts[0].1.count("SELECT COUNT(*) FROM users").await, 1);
    }
}
