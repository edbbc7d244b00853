//! Recovery when every sign-in method is lost: asked from the second step, approved by an administrator
//! only after recording how they verified the owner's identity, effective only after the waiting period,
//! and cancellable once by the owner from the email that announced it.
use crate::admin::administrator;
use crate::harness::{token_of, Browser, TestApp};
use crate::second_factor::{enrolled_user, password_step};
use serde_json::{json, Value};

const DAY: i64 = 24 * 3600;

/// A user with an authenticator app and mandatory two-step verification who asked for recovery from
/// the second step; answers the request's id.
pub(crate) async fn asking_user(app: &TestApp, name: &str) -> (Browser, i64) {
    enrolled_user(app, name).await;
    sqlx::query("UPDATE users SET mfa_required = 1 WHERE username = $1")
        .bind(name)
        .execute(&app.db.pool)
        .await
        .expect("mfa");
    let (b, step) = password_step(app, name).await;
    assert_eq!(step["stage"], "SecondFactor", "{step}");
    let a = b
        .call(
            "request_recovery",
            &[("statement", "I lost my phone; my employee number is 4411.")],
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let id = app
        .count(&format!(
            "SELECT r.id FROM recovery_requests r JOIN users u ON u.id = r.user_id WHERE u.username = '{name}'"
        ))
        .await;
    (b, id)
}

pub(crate) async fn factors(app: &TestApp, name: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM second_factors f JOIN users u ON u.id = f.user_id WHERE u.username = '{name}'"
    ))
    .await
}

fn ok(a: crate::harness::Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

async fn complete(app: &TestApp) -> u64 {
    server::services::recovery::complete_due(&app.core)
        .await
        .expect("complete")
}

scenarios! {
    async fn a_recovery_needs_a_recorded_verification_and_takes_effect_only_after_the_wait(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        let (b, id) = asking_user(&app, "kira").await;
        let again = b.call("request_recovery", &[("statement", "Again")]).await;
        assert_eq!(again.json(), json!({ "Invalid": "WrongState" }), "one request at a time");
        // Nothing in the request skips a check: the session is still at the second step.
        assert_eq!(b.state().await, json!({ "Partial": "SecondFactor" }));

        let list = ok(admin.call("admin_recovery_requests", &[]).await);
        assert_eq!(list[0]["username"], "kira");
        assert_eq!(list[0]["status"], "Open");
        assert!(list[0]["statement"].as_str().expect("text").contains("4411"));

        let early = admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await;
        assert_eq!(early.json(), json!({ "Invalid": "VerificationNotRecorded" }));
        let empty = admin
            .call("admin_record_verification", &[("id", &id.to_string()), ("method", " "), ("reference", "x")])
            .await;
        assert_eq!(empty.json(), json!({ "Invalid": { "Required": "method" } }));
        ok(admin
            .call(
                "admin_record_verification",
                &[("id", &id.to_string()), ("method", "Video call with ID card"), ("reference", "HELP-1234")],
            )
            .await);
        let effective = ok(admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await);
        assert_eq!(effective, json!(app.clock_now() + DAY));
        let twice = admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await;
        assert_eq!(twice.json(), json!({ "Invalid": "WrongState" }));
        let mails = app.mails_to("kira@example.com").await;
        assert!(mails.iter().any(|m| m.0 == "recovery_approved"), "the owner is told");

        // Not yet: every method still works for 24 hours.
        app.clock.advance(DAY - 60);
        assert_eq!(complete(&app).await, 0);
        assert_eq!(factors(&app, "kira").await, 1);
        app.clock.advance(120);
        assert_eq!(complete(&app).await, 1);
        assert_eq!(complete(&app).await, 0, "once");
        assert_eq!(factors(&app, "kira").await, 0);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM backup_codes b JOIN users u ON u.id = b.user_id WHERE u.username = 'kira'").await,
            0
        );
        // The next sign-in must enrol again (two-step verification is mandatory for kira).
        let (_, step) = password_step(&app, "kira").await;
        assert_eq!(step["stage"], "Enrollment", "{step}");
        // A day later the administrator signs in again.
        admin.sign_in("boss", crate::second_factor::PASSWORD).await;
        let list = ok(admin.call("admin_recovery_requests", &[]).await);
        assert_eq!(list[0]["status"], "Completed");
        assert_eq!(list[0]["verification_reference"], "HELP-1234");
        assert_eq!(list[0]["verified_by"], "boss");

        let kira = app.count("SELECT id FROM users WHERE username = 'kira'").await;
        let events = app.events(kira).await;
        for expected in [
            "two_step_recovery.requested",
            "two_step_recovery.verified",
            "two_step_recovery.approved",
            "two_step_recovery.completed",
            "credentials.changed",
        ] {
            assert!(events.iter().any(|e| e == expected), "{expected} in {events:?}");
        }
    }

    async fn the_owner_cancels_an_approval_once_from_its_email(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        let (_, id) = asking_user(&app, "lena").await;
        ok(admin
            .call("admin_record_verification", &[("id", &id.to_string()), ("method", "Phone call"), ("reference", "HELP-9")])
            .await);
        ok(admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await);
        let link = app.link_in_mail("lena@example.com", "recovery_approved").await;
        assert!(link.contains("/cancel-recovery/"), "{link}");
        let token = token_of(&link);
        let anyone = app.browser();
        ok(anyone.call("cancel_recovery", &[("token", &token)]).await);
        let again = anyone.call("cancel_recovery", &[("token", &token)]).await;
        assert_eq!(again.status, 404);
        assert_eq!(again.json(), json!("LinkInvalid"));
        app.clock.advance(2 * DAY);
        assert_eq!(complete(&app).await, 0);
        assert_eq!(factors(&app, "lena").await, 1, "nothing was removed");
        let lena = app.count("SELECT id FROM users WHERE username = 'lena'").await;
        assert!(app.events(lena).await.iter().any(|e| e == "two_step_recovery.cancelled"));
        // A new request is possible after a cancellation.
        let (b, _) = password_step(&app, "lena").await;
        ok(b.call("request_recovery", &[("statement", "It was me after all")]).await);
    }

    async fn a_cancel_link_is_void_once_the_recovery_took_effect_and_rejections_close_requests(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        let (_, id) = asking_user(&app, "mona").await;
        ok(admin
            .call("admin_record_verification", &[("id", &id.to_string()), ("method", "In person"), ("reference", "Desk")])
            .await);
        ok(admin.call("admin_approve_recovery", &[("id", &id.to_string())]).await);
        let token = token_of(&app.link_in_mail("mona@example.com", "recovery_approved").await);
        app.clock.advance(DAY + 1);
        let late = app.browser().call("cancel_recovery", &[("token", &token)]).await;
        assert_eq!(late.json(), json!("LinkInvalid"));
        assert_eq!(complete(&app).await, 1);

        let (_, other) = asking_user(&app, "nils").await;
        admin.sign_in("boss", crate::second_factor::PASSWORD).await;
        ok(admin.call("admin_reject_recovery", &[("id", &other.to_string())]).await);
        let approve = admin.call("admin_approve_recovery", &[("id", &other.to_string())]).await;
        assert_eq!(approve.json(), json!({ "Invalid": "VerificationNotRecorded" }));
        let verify = admin
            .call("admin_record_verification", &[("id", &other.to_string()), ("method", "x"), ("reference", "y")])
            .await;
        assert_eq!(verify.json(), json!({ "Invalid": "WrongState" }));
        assert_eq!(factors(&app, "nils").await, 1);
        // Only at the second step: a signed-in user or a visitor cannot ask.
        assert_eq!(app.browser().call("request_recovery", &[("statement", "x")]).await.status, 401);
        assert_eq!(admin.call("request_recovery", &[("statement", "x")]).await.status, 403);
    }
}
