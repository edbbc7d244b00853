//! Backup codes, trusted browsers and mandatory two-step verification.
use crate::harness::{serve_args, TestApp, SESSION_COOKIE};
use crate::second_factor::{
    base32_decode, code, enrolled_user, password_step, verify, PASSWORD, TRUSTED_COOKIE,
};
use serde_json::json;
use server::config::{ServeArgs, SiteArgs};
use std::time::Duration;

scenarios! {
    async fn a_backup_code_works_once_and_warns_when_few_remain(app: TestApp) {
        let (_, _, codes) = enrolled_user(&app, "fin").await;
        assert!(
            codes.iter().all(|c| c.len() == 11 && &c[5..6] == "-"),
            "{codes:?}"
        );
        let (b, _) = password_step(&app, "fin").await;
        // Typed in capitals with spaces: still the code.
        let typed = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(
            verify(&b, None, &typed, false).await.json()["stage"],
            "Full"
        );
        let (again, _) = password_step(&app, "fin").await;
        assert!(verify(&again, None, &codes[0], false)
            .await
            .body
            .contains("BackupCodeInvalid"));
        for c in &codes[1..8] {
            let (b, _) = password_step(&app, "fin").await;
            assert_eq!(verify(&b, None, c, false).await.status, 200);
        }
        let mails = app.mails_to("fin@example.com").await;
        let used: Vec<&(String, String, String)> =
            mails.iter().filter(|m| m.0 == "backup_code_used").collect();
        assert_eq!(used.len(), 8, "an email for every use");
        assert!(
            used[6].1.contains("only 3 left") || !used[6].1.contains("only"),
            "{}",
            used[6].1
        );
        assert!(
            used[7].1.contains("only 2 left"),
            "warned when 2 or fewer remain: {}",
            used[7].1
        );
        assert_eq!(
            again.call("challenge", &[]).await.json()["backup_codes_remaining"],
            2
        );
    }

    async fn one_backup_code_used_twice_at_once_lets_exactly_one_in(app: TestApp) {
        let (_, _, codes) = enrolled_user(&app, "gus").await;
        let (a, _) = password_step(&app, "gus").await;
        let (b, _) = password_step(&app, "gus").await;
        let (ra, rb) = tokio::join!(
            verify(&a, None, &codes[3], false),
            verify(&b, None, &codes[3], false)
        );
        let ok = [ra.status, rb.status].iter().filter(|s| **s == 200).count();
        assert_eq!(ok, 1, "{} / {}", ra.body, rb.body);
    }

    async fn a_trusted_browser_skips_the_second_step_until_revoked(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "hue").await;
        let (b, _) = password_step(&app, "hue").await;
        let a = verify(&b, Some("Totp"), &code(&secret, &app, 0), true).await;
        let set: Vec<String> = a
            .headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let trusted = set
            .iter()
            .find(|c| c.starts_with(TRUSTED_COOKIE))
            .expect("trusted-browser cookie");
        for attr in [
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            &format!("Max-Age={}", 30 * 86_400),
        ] {
            assert!(trusted.contains(attr), "{trusted} lacks {attr}");
        }
        b.call("sign_out", &[]).await;
        assert!(b.cookie(SESSION_COOKIE).is_none());
        assert_eq!(
            b.sign_in("hue", PASSWORD).await.json()["stage"],
            "Full",
            "trusted: no second step"
        );
        // Another browser is still asked.
        assert_eq!(password_step(&app, "hue").await.1["stage"], "SecondFactor");
        let overview = b.call("security_overview", &[]).await.json();
        let browsers = overview["trusted_browsers"].as_array().unwrap();
        assert_eq!(browsers.len(), 1);
        assert_eq!(browsers[0]["current"], true);
        assert_eq!(browsers[0]["browser"], "Chrome 156 (Linux)");
        let id = browsers[0]["id"].as_str().unwrap().to_string();
        assert_eq!(
            b.call("revoke_trusted_browser", &[("id", &id)])
                .await
                .status,
            200
        );
        b.call("sign_out", &[]).await;
        assert_eq!(
            b.sign_in("hue", PASSWORD).await.json()["stage"],
            "SecondFactor",
            "asked again after revoke"
        );
        // Thirty days later the trust has ended by itself.
        let (c, _) = password_step(&app, "hue").await;
        verify(&c, Some("Totp"), &code(&secret, &app, 0), true).await;
        c.call("sign_out", &[]).await;
        app.clock.advance(30 * 86_400);
        assert_eq!(
            c.sign_in("hue", PASSWORD).await.json()["stage"],
            "SecondFactor"
        );
    }

    async fn a_new_password_forgets_trusted_browsers(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "ivy").await;
        let (b, _) = password_step(&app, "ivy").await;
        verify(&b, Some("Totp"), &code(&secret, &app, 0), true).await;
        let change = b
            .call(
                "change_password",
                &[
                    ("current", PASSWORD),
                    ("new", "Other-Horse-77"),
                    ("confirm", "Other-Horse-77"),
                ],
            )
            .await;
        assert_eq!(change.status, 200, "{}", change.body);
        b.call("sign_out", &[]).await;
        assert_eq!(
            b.sign_in("ivy", "Other-Horse-77").await.json()["stage"],
            "SecondFactor"
        );
    }

    async fn new_backup_codes_void_the_old_set(app: TestApp) {
        let (b, secret, old) = enrolled_user(&app, "jan").await;
        app.clock.advance(5 * 60);
        assert_eq!(
            b.call("regenerate_backup_codes", &[]).await.body,
            "\"ReauthenticationRequired\""
        );
        // The password alone is not a full authentication for a user with a second factor.
        assert_eq!(
            b.call("confirm_identity", &[("password", PASSWORD)]).await.json(),
            json!({ "Invalid": { "Required": "code" } })
        );
        let now = code(&secret, &app, 0);
        let confirmed = b
            .call("confirm_identity", &[("password", PASSWORD), ("method", "Totp"), ("code", &now)])
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        let new: Vec<String> =
            serde_json::from_str(&b.call("regenerate_backup_codes", &[]).await.body).unwrap();
        assert_eq!(new.len(), 10);
        let (x, _) = password_step(&app, "jan").await;
        assert!(verify(&x, None, &old[0], false)
            .await
            .body
            .contains("BackupCodeInvalid"));
        assert_eq!(verify(&x, None, &new[0], false).await.status, 200);
    }

    async fn removing_the_last_factor_turns_two_step_verification_off(app: TestApp) {
        let (b, secret, _) = enrolled_user(&app, "kim").await;
        let id = b.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        app.clock.advance(5 * 60);
        assert_eq!(
            b.call("remove_factor", &[("factor_id", &id)]).await.body,
            "\"ReauthenticationRequired\""
        );
        let now = code(&secret, &app, 0);
        b.call("confirm_identity", &[("password", PASSWORD), ("method", "Totp"), ("code", &now)])
            .await;
        assert_eq!(
            b.call("remove_factor", &[("factor_id", &id)]).await.status,
            200
        );
        let overview = b.call("security_overview", &[]).await.json();
        assert_eq!(
            (
                overview["factors"].clone(),
                overview["backup_codes_remaining"].clone()
            ),
            (json!([]), json!(0))
        );
        assert_eq!(password_step(&app, "kim").await.1["stage"], "Full");
        let kinds: Vec<String> = app
            .mails_to("kim@example.com")
            .await
            .into_iter()
            .map(|m| m.0)
            .collect();
        // The last sign-in came from a browser the account had not used: announced.
        assert_eq!(kinds, vec!["factor_added", "factor_removed", "new_device"]);
    }

    async fn mandatory_two_factor_forces_enrolment_before_anything_else(app: TestApp) {
        let id = app.user("lou", PASSWORD).await;
        server::users::set_mfa_required(&mut *app.conn().await, id, true, None)
            .await
            .unwrap();
        let (b, step) = password_step(&app, "lou").await;
        assert_eq!(
            step,
            json!({ "stage": "Enrollment", "next": "/login/enroll" })
        );
        assert_eq!(
            b.call("list_sessions", &[]).await.body,
            "\"SignInIncomplete\""
        );
        assert_eq!(
            b.call("security_overview", &[]).await.body,
            "\"SignInIncomplete\""
        );
        assert_eq!(b.get("/").await.headers["location"], "/login/enroll");
        let setup = b.call("begin_totp", &[]).await.json();
        let secret = base32_decode(setup["setup_key"].as_str().unwrap());
        let id = setup["factor_id"].to_string();
        let enrolled = b
            .call(
                "confirm_totp",
                &[
                    ("factor_id", &id),
                    ("code", &code(&secret, &app, 0)),
                    ("label", ""),
                ],
            )
            .await
            .json();
        assert_eq!(enrolled["next"], "/");
        assert_eq!(enrolled["backup_codes"].as_array().unwrap().len(), 10);
        assert_eq!(b.state().await["Active"]["stage"], "Full");
        // Mandatory: the last factor cannot be removed.
        let fid = b.call("security_overview", &[]).await.json()["factors"][0]["id"].to_string();
        assert!(b
            .call("remove_factor", &[("factor_id", &fid)])
            .await
            .body
            .contains("LastMandatoryMethod"));
    }

    async fn mandatory_two_factor_for_everyone_allows_a_grace_period(app: TestApp) {
        let serve = ServeArgs {
            mfa_required: true,
            mfa_grace_period: Some(Duration::from_secs(7 * 86_400)),
            ..serve_args()
        };
        let strict = TestApp::spawn_on(
            app.test_db.clone(),
            app.clock.clone(),
            SiteArgs::default(),
            serve,
        )
        .await;
        strict.user("moe", PASSWORD).await;
        let b = strict.browser();
        assert_eq!(
            b.sign_in("moe", PASSWORD).await.json()["stage"],
            "Full",
            "in the grace period"
        );
        assert_eq!(
            b.state().await["Active"]["two_factor_grace_days"],
            7,
            "the countdown banner"
        );
        strict.clock.advance(3 * 86_400);
        let later = strict.browser();
        assert_eq!(later.sign_in("moe", PASSWORD).await.json()["stage"], "Full");
        assert_eq!(later.state().await["Active"]["two_factor_grace_days"], 4);
        strict.clock.advance(4 * 86_400);
        assert_eq!(
            strict.browser().sign_in("moe", PASSWORD).await.json()["stage"],
            "Enrollment",
            "grace is over"
        );
    }
}
