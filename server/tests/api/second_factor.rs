//! Second-factor scenarios: TOTP enrolment and challenge, backup codes, trusted browsers, mandatory 2FA.
//!
//! The steps they share with other scenario files are in `factor_steps` (re-exported here).
use serde_json::json;

pub use crate::factor_steps::{
    base32_decode, code, enrolled_user, password_step, verify, PASSWORD, TRUSTED_COOKIE,
};

scenarios! {
    async fn adding_an_authenticator_app_needs_a_recent_password_and_a_code(app: TestApp) {
        app.user("ada", PASSWORD).await;
        let b = app.browser();
        b.sign_in("ada", PASSWORD).await;
        app.clock.advance(6 * 60);
        assert_eq!(
            b.call("begin_totp", &[]).await.body,
            "\"ReauthenticationRequired\""
        );
        assert_eq!(
            b.call("confirm_identity", &[("password", "Wrong-Horse-1")])
                .await
                .body,
            "\"WrongPassword\""
        );
        assert_eq!(
            b.call("confirm_identity", &[("password", PASSWORD)])
                .await
                .status,
            200
        );
        let setup = b.call("begin_totp", &[]).await.json();
        let key = setup["setup_key"].as_str().unwrap();
        assert_eq!(key.split(' ').count(), 8, "{key}");
        let secret = base32_decode(key);
        assert_eq!(secret.len(), 20, "160 bits");
        assert!(setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Portcullis:ada?"));
        assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
        // Encrypted at rest: the stored bytes are not the secret.
        use sqlx::Row;
        let stored: Vec<u8> = sqlx::query("SELECT secret_ciphertext FROM second_factors")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert!(!stored.windows(20).any(|w| w == secret.as_slice()));
        // Not active until a code confirms it.
        assert_eq!(
            b.call("security_overview", &[]).await.json()["factors"],
            json!([])
        );
        let id = setup["factor_id"].to_string();
        let wrong = b
            .call(
                "confirm_totp",
                &[("factor_id", &id), ("code", "000000"), ("label", "")],
            )
            .await;
        assert!(wrong.body.contains("WrongCode"), "{}", wrong.body);
        let ok = b
            .call(
                "confirm_totp",
                &[
                    ("factor_id", &id),
                    ("code", &code(&secret, &app, 0)),
                    ("label", "Work phone"),
                ],
            )
            .await;
        let enrolled = ok.json();
        assert_eq!(enrolled["backup_codes"].as_array().unwrap().len(), 10);
        assert_eq!(enrolled["next"], "/account/security");
        let overview = b.call("security_overview", &[]).await.json();
        assert_eq!(overview["factors"][0]["label"], "Work phone");
        assert_eq!(overview["factors"][0]["kind"], "Totp");
        assert_eq!(overview["backup_codes_remaining"], 10);
        let kinds: Vec<String> = app
            .mails_to("ada@example.com")
            .await
            .into_iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(kinds, vec!["factor_added"]);
    }

    async fn a_second_factor_is_asked_after_the_password_and_nothing_else_works_before(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "bob").await;
        let (b, step) = password_step(&app, "bob").await;
        assert_eq!(
            step,
            json!({ "stage": "SecondFactor", "next": "/login/verify" })
        );
        // The partial session can do nothing but the second step.
        for f in [
            "list_sessions",
            "revoke_other_sessions",
            "security_overview",
            "begin_totp",
            "regenerate_backup_codes",
        ] {
            assert_eq!(b.call(f, &[("password", PASSWORD)]).await.body, "\"SignInIncomplete\"", "{f}");
        }
        for (f, form) in [
            ("revoke_session", vec![("id", "x")]),
            (
                "change_password",
                vec![
                    ("current", PASSWORD),
                    ("new", "Other-Horse-9"),
                    ("confirm", "Other-Horse-9"),
                ],
            ),
            ("confirm_identity", vec![("password", PASSWORD)]),
            (
                "confirm_totp",
                vec![("factor_id", "1"), ("code", "123456"), ("label", "")],
            ),
            ("remove_factor", vec![("factor_id", "1")]),
            ("set_default_method", vec![("method", "Totp")]),
            ("revoke_trusted_browser", vec![("id", "x")]),
        ] {
            assert_eq!(b.call(f, &form).await.body, "\"SignInIncomplete\"", "{f}");
        }
        for path in [
            "/",
            "/account/sessions",
            "/account/security",
            "/account/password",
        ] {
            let page = b.get(path).await;
            assert_eq!(
                (page.status, page.headers["location"].to_str().unwrap()),
                (302, "/login/verify"),
                "{path}"
            );
        }
        let info = b.call("challenge", &[]).await.json();
        assert_eq!(info["methods"], json!(["Totp"]));
        assert_eq!(info["backup_codes_remaining"], 10);
        let ok = verify(&b, Some("Totp"), &code(&secret, &app, 0), false).await;
        assert_eq!(ok.json(), json!({ "stage": "Full", "next": "/" }));
        assert_eq!(b.call("list_sessions", &[]).await.status, 200);
        assert!(
            b.cookie(TRUSTED_COOKIE).is_none(),
            "not trusted unless asked"
        );
    }

    async fn a_code_cannot_be_used_twice(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "cyd").await;
        let (first, _) = password_step(&app, "cyd").await;
        let (second, _) = password_step(&app, "cyd").await;
        let now_code = code(&secret, &app, 0);
        assert_eq!(
            verify(&first, Some("Totp"), &now_code, false).await.status,
            200
        );
        assert_eq!(
            verify(&second, Some("Totp"), &now_code, false).await.body,
            "\"CodeAlreadyUsed\""
        );
        // The previous step's code is older than the one used: refused too.
        assert_eq!(
            verify(&second, Some("Totp"), &code(&secret, &app, -1), false)
                .await
                .body,
            "\"CodeAlreadyUsed\""
        );
        app.clock.advance(30);
        assert_eq!(
            verify(&second, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .status,
            200
        );
    }

    async fn a_clock_that_is_off_is_diagnosed(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "dia").await;
        let (b, _) = password_step(&app, "dia").await;
        // A code from a device 3 minutes ahead is answered like any wrong code: it says nothing about
        // when it would be valid.
        let ahead = verify(&b, Some("Totp"), &code(&secret, &app, 6), false).await;
        let random = verify(&b, Some("Totp"), "000000", false).await;
        assert_eq!((ahead.status, ahead.body.as_str()), (422, "\"WrongCode\""));
        assert_eq!((random.status, random.body.as_str()), (422, "\"WrongCode\""));
        // Two consecutive codes from that device agree on one offset: it is the person's device with
        // its clock off. The code is accepted and the answer says how far off the clock is.
        let first = verify(&b, Some("Totp"), &code(&secret, &app, 6), false).await;
        assert_eq!(first.body, "\"WrongCode\"");
        app.clock.advance(30);
        let second = verify(&b, Some("Totp"), &code(&secret, &app, 6), false).await.json();
        assert_eq!(second["stage"], "Full");
        assert_eq!(second["clock_drift_steps"], 6, "about 3 minutes ahead");
        // From then on codes are expected at that offset.
        app.clock.advance(30);
        let (c, _) = password_step(&app, "dia").await;
        let later = verify(&c, Some("Totp"), &code(&secret, &app, 6), false).await;
        assert_eq!(later.status, 200, "{}", later.body);
        // At enrolment the secret has just been shown, so the offset is named at once.
        let fresh = app.browser();
        app.user("dib", PASSWORD).await;
        fresh.sign_in("dib", PASSWORD).await;
        let setup = fresh.call("begin_totp", &[]).await.json();
        let key = base32_decode(setup["setup_key"].as_str().unwrap());
        let id = setup["factor_id"].to_string();
        let behind = fresh
            .call("confirm_totp", &[("factor_id", &id), ("code", &code(&key, &app, -4)), ("label", "")])
            .await;
        assert_eq!(behind.json(), json!({ "ClockDrift": { "steps": -4 } }));
    }

    async fn five_wrong_codes_suspend_the_challenge_for_fifteen_minutes(app: TestApp) {
        let (_, secret, codes) = enrolled_user(&app, "edd").await;
        let (b, _) = password_step(&app, "edd").await;
        for _ in 0..4 {
            assert!(verify(&b, Some("Totp"), "000000", false)
                .await
                .body
                .contains("WrongCode"));
        }
        assert_eq!(
            verify(&b, Some("Totp"), "000000", false).await.json(),
            json!({ "ChallengeSuspended": { "minutes": 15 } })
        );
        // Suspended: right codes, backup codes, and new sign-ins all wait.
        assert!(verify(&b, Some("Totp"), &code(&secret, &app, 0), false)
            .await
            .body
            .contains("ChallengeSuspended"));
        assert!(verify(&b, None, &codes[0], false)
            .await
            .body
            .contains("ChallengeSuspended"));
        app.clock.advance(9 * 60);
        let (fresh, _) = password_step(&app, "edd").await;
        assert!(verify(&fresh, Some("Totp"), &code(&secret, &app, 0), false)
            .await
            .body
            .contains("ChallengeSuspended"));
        app.clock.advance(6 * 60);
        let (later, _) = password_step(&app, "edd").await;
        assert_eq!(
            verify(&later, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .status,
            200
        );
    }

    async fn a_partial_session_ends_after_ten_minutes(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "ned").await;
        let (b, _) = password_step(&app, "ned").await;
        app.clock.advance(5 * 60);
        assert_eq!(b.call("challenge", &[]).await.status, 200);
        app.clock.advance(5 * 60);
        assert_eq!(
            verify(&b, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .body,
            "\"SessionExpired\""
        );
    }

    async fn a_dormant_account_with_a_second_factor_still_changes_its_password(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "ola").await;
        app.clock.advance(31 * 86_400);
        let (b, step) = password_step(&app, "ola").await;
        assert_eq!(
            step["stage"], "SecondFactor",
            "the second factor comes first"
        );
        let a = verify(&b, Some("Totp"), &code(&secret, &app, 0), false).await;
        assert_eq!(a.json()["stage"], json!({ "PasswordChange": "Dormant" }));
    }

    async fn a_password_reset_still_asks_for_the_second_factor(app: TestApp) {
        let (_, secret, _) = enrolled_user(&app, "pam").await;
        let b = app.browser();
        b.call(
            "request_password_reset",
            &[("username", "pam"), ("email", "pam@example.com")],
        )
        .await;
        let token = crate::harness::token_of(&app.link_in_mail("pam@example.com", "password_reset").await);
        let set = b
            .call(
                "set_password_by_link",
                &[
                    ("kind", "Reset"),
                    ("token", &token),
                    ("new", "Reset-Horse-31"),
                    ("confirm", "Reset-Horse-31"),
                ],
            )
            .await;
        assert_eq!(set.status, 200, "{}", set.body);
        let step = b.sign_in("pam", "Reset-Horse-31").await.json();
        assert_eq!(
            step["stage"], "SecondFactor",
            "the emailed link stands in for the password only"
        );
        assert_eq!(
            verify(&b, Some("Totp"), &code(&secret, &app, 0), false)
                .await
                .json()["stage"],
            "Full"
        );
    }
}
