//! The integration scenarios, run once per database engine.
use crate::harness::{Browser, TestApp, SESSION_COOKIE};
use serde_json::json;

const PASSWORD: &str = "Correct-Horse-42";

fn set_cookie_headers(a: &crate::harness::Answer) -> Vec<String> {
    a.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_string())
        .collect()
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futures.collect();
    // Poll them together: a simple join without an extra dependency.
    let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    for r in results {
        out.extend(r);
    }
    out
}

scenarios! {
    async fn health_check_answers_when_the_database_does(app: TestApp) {
        let a = app.browser().get("/healthz").await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body, "ok");
    }

    async fn sign_in_page_is_served_with_security_headers(app: TestApp) {
        let a = app.browser().get("/login").await;
        assert_eq!(a.status, 200);
        assert!(a.body.contains("Username or email"), "{}", a.body);
        assert!(a.body.contains("Show password"));
        assert!(a.body.contains("Forgot password?"));
        let csp = a
            .headers
            .get("content-security-policy")
            .expect("CSP")
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .expect("nonce");
        assert!(
            a.body.contains(&format!("nonce=\"{nonce}\"")),
            "the hydration script must carry the CSP nonce"
        );
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
        assert_eq!(a.headers["referrer-policy"], "no-referrer");
        assert_eq!(a.headers["x-frame-options"], "DENY");
        // A second page gets a different nonce.
        let b = app.browser().get("/login").await;
        assert_ne!(
            a.headers["content-security-policy"],
            b.headers["content-security-policy"]
        );
    }

    async fn signed_out_visitors_are_sent_to_sign_in(app: TestApp) {
        let a = app.browser().get("/").await;
        assert_eq!(a.status, 302, "{}", a.body);
        assert_eq!(a.headers["location"], "/login");
    }

    async fn correct_password_signs_in_with_a_protected_cookie(app: TestApp) {
        app.user("alice", PASSWORD).await;
        let browser = app.browser();
        let a = browser.sign_in("alice", PASSWORD).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.json(), json!({ "stage": "Full", "next": "/" }));
        let cookie = set_cookie_headers(&a)
            .into_iter()
            .find(|c| c.starts_with(SESSION_COOKIE))
            .expect("cookie");
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(cookie.contains(attr), "{cookie} lacks {attr}");
        }
        let state = browser.state().await;
        assert_eq!(state["Active"]["username"], "alice");
        assert_eq!(state["Active"]["stage"], "Full");
        // The home page renders for the signed-in user, with the user menu.
        let home = browser.get("/").await;
        assert_eq!(home.status, 200);
        assert!(home.body.contains("Sign out"));
    }

    async fn email_signs_in_too_in_any_case(app: TestApp) {
        app.user("bob", PASSWORD).await;
        let a = app.browser().sign_in("  BOB@Example.com ", PASSWORD).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    async fn session_token_is_stored_only_as_its_hash(app: TestApp) {
        app.user("carol", PASSWORD).await;
        let browser = app.browser();
        browser.sign_in("carol", PASSWORD).await;
        let token = browser.cookie(SESSION_COOKIE).expect("token");
        assert!(token.len() >= 22, "at least 128 bits");
        let as_stored = app
            .count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
            ))
            .await;
        assert_eq!(as_stored, 0, "the raw token must not be stored");
        let hashed = server::crypto::token_hash(&token);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM sessions WHERE token_hash = '{hashed}'"
            ))
            .await,
            1
        );
    }

    async fn every_failure_gives_the_same_answer(app: TestApp) {
        app.user("dave", PASSWORD).await;
        let wrong = app.browser().sign_in("dave", "Wrong-Horse-42").await;
        let unknown = app.browser().sign_in("nobody", PASSWORD).await;
        let empty = app.browser().sign_in("", "").await;
        for a in [&wrong, &unknown, &empty] {
            assert_eq!(a.status, 401);
            assert_eq!(a.body, "\"SignInFailed\"");
            assert!(set_cookie_headers(a).is_empty(), "no session for a failure");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    }

    async fn state_changing_requests_need_our_origin(app: TestApp) {
        app.user("erin", PASSWORD).await;
        let mut browser = app.browser();
        browser.origin = None;
        let a = browser.sign_in("erin", PASSWORD).await;
        assert_eq!(a.status, 403);
        browser.origin = Some("http://evil.example".into());
        let a = browser.sign_in("erin", PASSWORD).await;
        assert_eq!(a.status, 403);
        assert!(browser.cookie(SESSION_COOKIE).is_none());
    }

    async fn a_temporary_password_must_be_changed_first(app: TestApp) {
        let temporary = app.temporary_user("mia").await;
        let browser = app.browser();
        let a = browser.sign_in("mia", &temporary).await;
        assert_eq!(
            a.json(),
            json!({ "stage": { "PasswordChange": "Temporary" }, "next": "/login/change-password" })
        );
        // The partial session can do nothing else: every other server function refuses it.
        for f in ["list_sessions", "revoke_other_sessions"] {
            let r = browser.call(f, &[("password", PASSWORD)]).await;
            assert_eq!(r.body, "\"SignInIncomplete\"", "{f}");
        }
        let r = browser.call("revoke_session", &[("id", "x")]).await;
        assert_eq!(r.body, "\"SignInIncomplete\"");
        // And no account page renders for it.
        let home = browser.get("/").await;
        assert_eq!(home.status, 302);
        assert_eq!(home.headers["location"], "/login/change-password");
        // Rules are checked on the server, each reported.
        let weak = browser
            .call(
                "change_password",
                &[
                    ("current", &temporary),
                    ("new", "weak"),
                    ("confirm", "weak"),
                ],
            )
            .await;
        assert_eq!(
            weak.json(),
            json!({ "PasswordRejected": ["MinLength", "Digit", "Special", "Uppercase"] })
        );
        let wrong = browser
            .call(
                "change_password",
                &[
                    ("current", "Not-The-1"),
                    ("new", "Brand-New-77"),
                    ("confirm", "Brand-New-77"),
                ],
            )
            .await;
        assert_eq!(wrong.body, "\"WrongPassword\"");
        let ok = browser
            .call(
                "change_password",
                &[
                    ("current", &temporary),
                    ("new", "Brand-New-77"),
                    ("confirm", "Brand-New-77"),
                ],
            )
            .await;
        assert_eq!(ok.json(), json!({ "stage": "Full", "next": "/" }));
        assert_eq!(browser.state().await["Active"]["stage"], "Full");
        // The temporary password stops working; the new one works.
        assert_eq!(
            app.browser().sign_in("mia", &temporary).await.body,
            "\"SignInFailed\""
        );
        assert_eq!(
            app.browser().sign_in("mia", "Brand-New-77").await.status,
            200
        );
    }

    async fn audit_log_records_sign_ins_and_failures(app: TestApp) {
        let id = app.user("olga", PASSWORD).await;
        app.browser().sign_in("olga", "Wrong-Horse-42").await;
        app.browser().sign_in("olga", PASSWORD).await;
        let events: Vec<String> = app.events(id).await;
        assert_eq!(
            events,
            vec![
                "user.created",
                "sign_in.wrong_password",
                "sign_in.password_ok"
            ]
        );
        let details = app
            .count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%Horse%'")
            .await;
        assert_eq!(details, 0, "no password in the audit log");
    }

    async fn two_instances_share_sessions(app: TestApp) {
        app.user("paul", PASSWORD).await;
        let other = TestApp::spawn_on(
            app.test_db.clone(),
            app.clock.clone(),
            Default::default(),
            crate::harness::serve_args(),
        )
        .await;
        let on_first = app.browser();
        on_first.sign_in("paul", PASSWORD).await;
        let token = on_first.cookie(SESSION_COOKIE).expect("token");
        let on_second = other.browser();
        on_second.set_cookie(SESSION_COOKIE, &token);
        assert_eq!(on_second.state().await["Active"]["username"], "paul");
        // Signing out on the second ends it on the first.
        on_second.call("sign_out", &[]).await;
        assert_eq!(on_first.state().await, json!("Expired"));
    }

    async fn concurrent_sign_ins_all_complete(app: TestApp) {
        // At most the lockout threshold of one account's passwords are judged at once (a burst must
        // not get more guesses than that), so a burst of right passwords is spread over accounts.
        for name in ["quinn", "quill", "quint"] {
            app.user(name, PASSWORD).await;
        }
        let browsers: Vec<Browser> = (0..12).map(|_| app.browser()).collect();
        let names = ["quinn", "quill", "quint"];
        let answers = futures_join_all(
            browsers.iter().enumerate().map(|(i, b)| b.sign_in(names[i % 3], PASSWORD)),
        )
        .await;
        assert!(answers.iter().all(|a| a.status == 200), "{answers:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 12);
    }
}
