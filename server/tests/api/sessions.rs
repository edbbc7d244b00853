//! Session scenarios: sign-out, inactivity and the absolute cap, the list of sessions and revoking.
use crate::harness::{Browser, SESSION_COOKIE};
use serde_json::json;

const PASSWORD: &str = "Correct-Horse-42";

scenarios! {
    async fn sign_out_ends_the_session_on_the_server(app: TestApp) {
        app.user("frank", PASSWORD).await;
        let browser = app.browser();
        browser.sign_in("frank", PASSWORD).await;
        let token = browser.cookie(SESSION_COOKIE).expect("token");
        let a = browser.call("sign_out", &[]).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(
            browser.cookie(SESSION_COOKIE).is_none(),
            "the cookie is cleared"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
        // The old token is worthless even if someone kept it.
        let thief = app.browser();
        thief.set_cookie(SESSION_COOKIE, &token);
        assert_eq!(thief.state().await, json!("Expired"));
    }

    async fn a_session_ends_after_the_inactivity_timeout(app: TestApp) {
        app.user("gina", PASSWORD).await;
        let browser = app.browser();
        browser.sign_in("gina", PASSWORD).await;
        app.clock.advance(14 * 60);
        assert_eq!(
            browser.state().await["Active"]["username"],
            "gina",
            "activity at 14 minutes"
        );
        app.clock.advance(14 * 60);
        assert_eq!(
            browser.state().await["Active"]["username"],
            "gina",
            "activity restarted the clock"
        );
        app.clock.advance(15 * 60);
        assert_eq!(browser.state().await, json!("Expired"));
        assert!(
            browser.cookie(SESSION_COOKIE).is_none(),
            "the stale cookie is cleared"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
        let list = browser.call("list_sessions", &[]).await;
        assert_eq!(list.status, 401);
    }

    async fn an_active_session_still_ends_at_the_absolute_cap(app: TestApp) {
        app.user("hugo", PASSWORD).await;
        let browser = app.browser();
        browser.sign_in("hugo", PASSWORD).await;
        for _ in 0..(12 * 6 - 1) {
            app.clock.advance(10 * 60);
            assert!(browser.state().await.get("Active").is_some());
        }
        app.clock.advance(10 * 60);
        assert_eq!(browser.state().await, json!("Expired"));
    }

    async fn each_sign_in_gets_a_new_token_and_drops_the_old(app: TestApp) {
        app.user("iris", PASSWORD).await;
        let browser = app.browser();
        browser.sign_in("iris", PASSWORD).await;
        let first = browser.cookie(SESSION_COOKIE).expect("first");
        browser.sign_in("iris", PASSWORD).await;
        let second = browser.cookie(SESSION_COOKIE).expect("second");
        assert_ne!(first, second);
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    }

    async fn sessions_are_listed_and_revocable(app: TestApp) {
        app.user("jane", PASSWORD).await;
        let laptop = app.browser();
        let mut phone = app.browser();
        phone.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1".into();
        laptop.sign_in("jane", PASSWORD).await;
        phone.sign_in("jane", PASSWORD).await;
        let list = laptop.call("list_sessions", &[]).await.json();
        let list = list.as_array().expect("list");
        assert_eq!(list.len(), 2);
        let current: Vec<_> = list.iter().filter(|s| s["current"] == true).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0]["browser"], "Chrome 156");
        assert_eq!(current[0]["os"], "Linux");
        let other = list.iter().find(|s| s["current"] == false).expect("other");
        assert_eq!(other["browser"], "Safari 18");
        assert_eq!(other["os"], "iOS 18.0");
        assert_eq!(other["location"], serde_json::Value::Null, "no location database here");
        assert_eq!(other["ip"], "127.0.0.1");
        let id = other["id"].as_str().expect("id");
        let a = laptop.call("revoke_session", &[("id", id)]).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(phone.state().await, json!("Expired"));
        assert!(laptop.state().await.get("Active").is_some());
        // Someone else's session id is not found, whoever asks.
        app.user("kim", PASSWORD).await;
        let kim = app.browser();
        kim.sign_in("kim", PASSWORD).await;
        let kims = kim.call("list_sessions", &[]).await.json();
        let kim_id = kims[0]["id"].as_str().expect("id").to_string();
        let a = laptop.call("revoke_session", &[("id", &kim_id)]).await;
        assert_eq!(a.body, "\"NotFound\"");
        assert!(kim.state().await.get("Active").is_some());
    }

    async fn sign_out_everywhere_else_keeps_this_session(app: TestApp) {
        app.user("leo", PASSWORD).await;
        let browsers: Vec<Browser> = (0..3).map(|_| app.browser()).collect();
        for b in &browsers {
            b.sign_in("leo", PASSWORD).await;
        }
        let wrong = browsers[0]
            .call("revoke_other_sessions", &[("password", "Wrong-Horse-1")])
            .await;
        assert_eq!(wrong.body, "\"WrongPassword\"", "ending the others needs the password");
        let a = browsers[0].call("revoke_other_sessions", &[("password", PASSWORD)]).await;
        assert_eq!(a.body, "2");
        assert!(browsers[0].state().await.get("Active").is_some());
        assert_eq!(browsers[1].state().await, json!("Expired"));
        assert_eq!(browsers[2].state().await, json!("Expired"));
    }

    async fn changing_the_password_ends_other_sessions(app: TestApp) {
        app.user("nora", PASSWORD).await;
        let here = app.browser();
        let there = app.browser();
        here.sign_in("nora", PASSWORD).await;
        there.sign_in("nora", PASSWORD).await;
        let a = here
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Other-Horse-43"),
                    ("confirm", "Other-Horse-43"),
                ],
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(here.state().await.get("Active").is_some());
        assert_eq!(there.state().await, json!("Expired"));
    }
}
