//! Account and payout details: only for authorized users (and administrators), payout details only
//! after a recent full authentication, sealed at rest, masked in every answer, every change emailed.
use crate::harness::TestApp;
use crate::second_factor::PASSWORD;

async fn authorized(app: &TestApp, name: &str) -> i64 {
    let id = app.user(name, PASSWORD).await;
    sqlx::query("UPDATE users SET role = 'authorized' WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    id
}

scenarios! {
    async fn plain_users_and_half_signed_in_sessions_are_refused(app: TestApp) {
        app.user("plain", PASSWORD).await;
        let b = app.browser();
        b.sign_in("plain", PASSWORD).await;
        for (f, form) in [
            ("account_details", vec![]),
            ("set_display_name", vec![("name", "X")]),
            ("payout_details", vec![]),
            ("set_payout_details", vec![("holder", "X"), ("iban", "DE89370400440532013000"), ("bic", "DEUTDEFF")]),
        ] {
            let a = b.call(f, &form).await;
            assert_eq!((a.status, a.body.as_str()), (403, "\"Forbidden\""), "{f}");
        }
        let anonymous = app.browser();
        assert_eq!(anonymous.call("payout_details", &[]).await.status, 401);
        assert_eq!(app.count("SELECT COUNT(*) FROM payout_details").await, 0);
    }

    async fn payout_details_need_a_recent_authentication_and_are_sealed_and_masked(app: TestApp) {
        let id = authorized(&app, "ada").await;
        let b = app.browser();
        b.sign_in("ada", PASSWORD).await;
        app.clock.advance(6 * 60);
        assert_eq!(b.call("payout_details", &[]).await.body, "\"ReauthenticationRequired\"");
        let form = [("holder", "Ada Lovelace"), ("iban", "de89 3704 0044 0532 0130 00"), ("bic", "deutdeff")];
        assert_eq!(b.call("set_payout_details", &form).await.body, "\"ReauthenticationRequired\"");
        assert_eq!(b.call("confirm_identity", &[("password", PASSWORD)]).await.status, 200);
        let empty = b.call("payout_details", &[]).await.json();
        assert_eq!(empty["details"], serde_json::Value::Null);
        // A wrong check digit, a malformed BIC: refused, nothing stored.
        let bad_iban = [("holder", "Ada"), ("iban", "DE89 3704 0044 0532 0130 01"), ("bic", "DEUTDEFF")];
        assert_eq!(b.call("set_payout_details", &bad_iban).await.body, r#"{"Invalid":"Iban"}"#);
        let bad_bic = [("holder", "Ada"), ("iban", "DE89370400440532013000"), ("bic", "DEU1")];
        assert_eq!(b.call("set_payout_details", &bad_bic).await.body, r#"{"Invalid":"Bic"}"#);
        assert_eq!(app.count("SELECT COUNT(*) FROM payout_details").await, 0);
        let saved = b.call("set_payout_details", &form).await;
        assert_eq!(saved.status, 200, "{}", saved.body);
        let details = &saved.json()["details"];
        assert_eq!(details["iban"], "DE•• •••• •••• •••• ••30 00");
        assert_eq!(details["bic"], "DEUTDE••");
        assert_eq!(details["holder"], "A•• L•••••••");
        assert!(!saved.body.contains("0532013000"), "{}", saved.body);
        // At rest: sealed, not the IBAN.
        use sqlx::Row;
        let sealed: Vec<u8> = sqlx::query("SELECT sealed FROM payout_details WHERE user_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .get(0);
        assert!(!String::from_utf8_lossy(&sealed).contains("DE89"));
        let mails = app.mails_to("ada@example.com").await;
        let (_, subject, body) = mails.iter().find(|(k, _, _)| k == "payout_changed").expect("payout email");
        assert!(subject.contains("payout details were changed"), "{subject}");
        assert!(body.contains("••30 00") && !body.contains("0532013000"), "{body}");
        let events = app.events(id).await;
        assert!(events.contains(&"account.payout_changed".to_string()), "{events:?}");
        // The window closes again.
        app.clock.advance(6 * 60);
        assert_eq!(b.call("payout_details", &[]).await.body, "\"ReauthenticationRequired\"");
    }

    async fn authorized_users_see_and_rename_their_account(app: TestApp) {
        authorized(&app, "bob").await;
        let b = app.browser();
        b.sign_in("bob", PASSWORD).await;
        let d = b.call("account_details", &[]).await.json();
        assert_eq!(d["username"], "bob");
        assert_eq!(d["email"], "bob@example.com");
        assert_eq!(b.call("set_display_name", &[("name", "  Bob Builder ")]).await.status, 200);
        assert_eq!(b.call("account_details", &[]).await.json()["display_name"], "Bob Builder");
        assert_eq!(b.call("set_display_name", &[("name", " ")]).await.status, 422);
    }
}
