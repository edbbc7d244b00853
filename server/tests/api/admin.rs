//! The back office: every administrative server function refuses anyone but an administrator in a full,
//! recently authenticated session; an administrator creates users, changes roles, disables, unlocks,
//! issues temporary passwords and ends sessions, never on their own account where it would lock them out,
//! and every action is in the audit log with its actor, address and browser.
use crate::harness::{Answer, Browser, TestApp, SESSION_COOKIE};
use serde_json::{json, Value};

const PASSWORD: &str = "Correct-Horse-42";

/// Every administrative server function, with arguments that would succeed for an administrator.
const CALLS: &[(&str, &[(&str, &str)])] = &[
    ("admin_users", &[("search", ""), ("page", "0")]),
    ("admin_user", &[("username", "target")]),
    (
        "admin_create_user",
        &[
            ("username", "newcomer"),
            ("email", "newcomer@example.com"),
            ("role", "User"),
        ],
    ),
    (
        "admin_set_role",
        &[("username", "target"), ("role", "Admin")],
    ),
    (
        "admin_set_disabled",
        &[("username", "target"), ("disabled", "true")],
    ),
    ("admin_unlock", &[("username", "target")]),
    ("admin_issue_temporary_password", &[("username", "target")]),
    ("admin_end_sessions", &[("username", "target")]),
    (
        "admin_require_two_factor",
        &[("username", "target"), ("required", "true")],
    ),
    ("admin_audit", &[("event", ""), ("user", ""), ("page", "0")]),
    ("admin_recovery_requests", &[]),
    (
        "admin_record_verification",
        &[("id", "1"), ("method", "Video call"), ("reference", "T-1")],
    ),
    ("admin_approve_recovery", &[("id", "1")]),
    ("admin_reject_recovery", &[("id", "1")]),
];

async fn user_with_role(app: &TestApp, name: &str, role: &str) -> i64 {
    let id = app.user(name, PASSWORD).await;
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("role");
    id
}

/// A signed-in administrator (a full sign-in just now: the back office is open for five minutes).
pub async fn administrator(app: &TestApp, name: &str) -> (Browser, i64) {
    let id = user_with_role(app, name, "admin").await;
    let b = app.browser();
    let a = b.sign_in(name, PASSWORD).await;
    assert_eq!(a.json()["stage"], "Full", "{}", a.body);
    (b, id)
}

async fn refused_everything(app: &TestApp, b: &Browser, status: u16, error: Value, who: &str) {
    for (function, form) in CALLS {
        let a = b.call(function, form).await;
        assert_eq!(a.status, status, "{who} calling {function}: {}", a.body);
        assert_eq!(a.json(), error, "{who} calling {function}");
    }
    let csv = b.get("/admin/audit.csv").await;
    assert_eq!(
        csv.status, status,
        "{who} exporting the audit log: {}",
        csv.body
    );
    assert_eq!(csv.json(), error, "{who} exporting the audit log");
    // Nothing happened.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'newcomer'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'target' AND role = 'user' AND disabled = 0 AND password_temporary = 0 AND mfa_required = 0")
            .await,
        1,
        "{who} changed the target"
    );
}

fn ok(a: &Answer) -> Value {
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

scenarios! {
    async fn every_admin_function_refuses_non_administrators_and_partial_sessions(app: TestApp) {
        app.user("target", PASSWORD).await;
        let target_browser = app.browser();
        target_browser.sign_in("target", PASSWORD).await;

        refused_everything(&app, &app.browser(), 401, json!("NotSignedIn"), "an anonymous visitor").await;

        user_with_role(&app, "plain", "user").await;
        let plain = app.browser();
        assert_eq!(plain.sign_in("plain", PASSWORD).await.json()["stage"], "Full");
        refused_everything(&app, &plain, 403, json!("Forbidden"), "a plain user").await;

        user_with_role(&app, "trusted", "authorized").await;
        let authorized = app.browser();
        assert_eq!(authorized.sign_in("trusted", PASSWORD).await.json()["stage"], "Full");
        refused_everything(&app, &authorized, 403, json!("Forbidden"), "an authorized user").await;

        // An administrator whose password is right but whose second step is still owed.
        let boss_id = user_with_role(&app, "boss", "admin").await;
        let boss = app.browser();
        assert_eq!(boss.sign_in("boss", PASSWORD).await.json()["stage"], "Full");
        let setup = boss.call("begin_totp", &[]).await.json();
        let secret = crate::second_factor::base32_decode(setup["setup_key"].as_str().expect("key"));
        let enrolled = boss
            .call(
                "confirm_totp",
                &[
                    ("factor_id", &setup["factor_id"].to_string()),
                    ("code", &crate::second_factor::code(&secret, &app, 0)),
                    ("label", "Phone"),
                ],
            )
            .await;
        assert_eq!(enrolled.status, 200, "{}", enrolled.body);
        let partial = app.browser();
        assert_eq!(partial.sign_in("boss", PASSWORD).await.json()["stage"], "SecondFactor");
        refused_everything(&app, &partial, 403, json!("SignInIncomplete"), "a partial session").await;

        // An administrator in a full session whose authentication is more than five minutes old.
        let stale = app.browser();
        stale.set_cookie(SESSION_COOKIE, &boss.cookie(SESSION_COOKIE).expect("session"));
        app.clock.advance(5 * 60 + 1);
        refused_everything(&app, &stale, 403, json!("ReauthenticationRequired"), "a stale administrator").await;
        // Confirming identity again opens the back office.
        app.clock.advance(30);
        let confirmed = stale
            .call(
                "confirm_identity",
                &[
                    ("password", PASSWORD),
                    ("method", "Totp"),
                    ("code", &crate::second_factor::code(&secret, &app, 0)),
                ],
            )
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        let page = ok(&stale.call("admin_users", &[]).await);
        assert_eq!(page["total"], 4);
        // No refused call left a trace of an action.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE event IN ('user.role_changed', 'user.disabled', \
                'user.sessions_ended', 'user.mfa_requirement', 'password.temporary_issued', 'account.unlocked')")
                .await,
            0
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE event = 'user.created' AND actor_id IS NOT NULL").await,
            0
        );
        assert!(app.events(boss_id).await.iter().any(|e| e == "factor.added"));
        // The target's session was never touched.
        assert!(target_browser.state().await.get("Active").is_some());
    }

    async fn an_administrator_creates_users_with_a_temporary_password_or_an_invitation(app: TestApp) {
        let (admin, admin_id) = administrator(&app, "boss").await;
        let created = ok(&admin
            .call(
                "admin_create_user",
                &[
                    ("username", "carla"),
                    ("email", "carla@example.com"),
                    ("display_name", "Carla Diaz"),
                    ("role", "Authorized"),
                    ("mfa_required", "true"),
                ],
            )
            .await);
        assert_eq!(created["username"], "carla");
        let temporary = created["temporary_password"].as_str().expect("temporary").to_string();
        let mails = app.mails_to("carla@example.com").await;
        assert_eq!(mails.len(), 1);
        assert!(mails[0].2.contains(&temporary), "the temporary password is emailed");
        // Carla must change it, then set up two-step verification.
        let carla = app.browser();
        let step = carla.sign_in("carla", &temporary).await.json();
        assert_eq!(step["stage"], json!({ "PasswordChange": "Temporary" }), "{step}");
        let changed = carla
            .call(
                "change_password",
                &[("current", &temporary), ("new", PASSWORD), ("confirm", PASSWORD)],
            )
            .await;
        assert_eq!(changed.json()["stage"], "Enrollment", "{}", changed.body);

        let invited = ok(&admin
            .call(
                "admin_create_user",
                &[("username", "dario"), ("email", "dario@example.com"), ("role", "User"), ("invite", "true")],
            )
            .await);
        assert_eq!(invited["temporary_password"], Value::Null);
        let link = app.link_in_mail("dario@example.com", "invitation").await;
        assert!(link.contains("/invitation/"), "{link}");

        // Taken names and bad addresses are refused with their reason.
        let taken = admin
            .call("admin_create_user", &[("username", "CARLA"), ("email", "x@example.com"), ("role", "User")])
            .await;
        assert_eq!(taken.json(), json!({ "Invalid": "UsernameTaken" }));
        let bad = admin
            .call("admin_create_user", &[("username", "eve"), ("email", "not-an-address"), ("role", "User")])
            .await;
        assert_eq!(bad.json(), json!({ "Invalid": "Email" }));

        let carla_id = app.count("SELECT id FROM users WHERE username = 'carla'").await;
        use sqlx::Row;
        let row = sqlx::query("SELECT actor_id, ip, user_agent, detail FROM audit_log WHERE event = 'user.created' AND subject_id = $1")
            .bind(carla_id)
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
        assert_eq!(row.try_get::<Option<i64>, _>("actor_id").expect("actor"), Some(admin_id));
        assert_eq!(row.try_get::<String, _>("ip").expect("ip"), "127.0.0.1");
        assert!(!row.try_get::<String, _>("user_agent").expect("ua").is_empty());
        let detail: Value = serde_json::from_str(&row.try_get::<String, _>("detail").expect("detail")).expect("json");
        assert_eq!(detail["mfa_required"], true);
        assert_eq!(detail["role"], "authorized");
    }

    async fn users_are_searched_and_paged(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        for i in 0..30 {
            app.user(&format!("member{i:02}"), PASSWORD).await;
        }
        app.user("odd_one", PASSWORD).await;
        let first = ok(&admin.call("admin_users", &[("search", "MEMBER"), ("page", "0")]).await);
        assert_eq!(first["total"], 30);
        assert_eq!(first["users"].as_array().expect("users").len(), 25);
        assert_eq!(first["users"][0]["username"], "member00");
        let second = ok(&admin.call("admin_users", &[("search", "member"), ("page", "1")]).await);
        assert_eq!(second["users"].as_array().expect("users").len(), 5);
        assert_eq!(second["users"][4]["username"], "member29");
        // `_` is a character, not a wildcard.
        let underscore = ok(&admin.call("admin_users", &[("search", "_")]).await);
        assert_eq!(underscore["total"], 1);
        assert_eq!(underscore["users"][0]["username"], "odd_one");
        let by_email = ok(&admin.call("admin_users", &[("search", "odd_one@example")]).await);
        assert_eq!(by_email["total"], 1);
        let everyone = ok(&admin.call("admin_users", &[]).await);
        assert_eq!(everyone["total"], 32);
        // Nothing secret travels.
        let text = serde_json::to_string(&everyone).expect("json");
        assert!(!text.contains("argon2") && !text.contains("password_hash"));
        let missing = admin.call("admin_user", &[("username", "nobody")]).await;
        assert_eq!(missing.status, 404);
    }

    async fn an_administrator_changes_roles_disables_and_ends_sessions_but_not_on_their_own_account(app: TestApp) {
        let (admin, admin_id) = administrator(&app, "boss").await;
        let id = app.user("frida", PASSWORD).await;
        let laptop = app.browser();
        laptop.sign_in("frida", PASSWORD).await;
        let phone = app.browser();
        phone.sign_in("frida", PASSWORD).await;
        let detail = ok(&admin.call("admin_user", &[("username", "frida")]).await);
        assert_eq!(detail["sessions"], 2);
        assert_eq!(detail["own_account"], false);
        assert_eq!(detail["user"]["role"], "User");

        ok(&admin.call("admin_set_role", &[("username", "frida"), ("role", "Authorized")]).await);
        let detail = ok(&admin.call("admin_user", &[("username", "frida")]).await);
        assert_eq!(detail["user"]["role"], "Authorized");

        assert_eq!(ok(&admin.call("admin_end_sessions", &[("username", "frida")]).await), 2);
        assert_eq!(laptop.state().await, json!("Expired"));
        laptop.sign_in("frida", PASSWORD).await;

        ok(&admin.call("admin_set_disabled", &[("username", "frida"), ("disabled", "true")]).await);
        assert_eq!(laptop.state().await, json!("Expired"), "disabling ends the sessions");
        assert_eq!(laptop.sign_in("frida", PASSWORD).await.json(), json!("SignInFailed"));
        ok(&admin.call("admin_set_disabled", &[("username", "frida"), ("disabled", "false")]).await);
        assert_eq!(laptop.sign_in("frida", PASSWORD).await.json()["stage"], "Full");

        ok(&admin.call("admin_require_two_factor", &[("username", "frida"), ("required", "true")]).await);
        let detail = ok(&admin.call("admin_user", &[("username", "frida")]).await);
        assert_eq!(detail["user"]["mfa_required"], true);

        // Their own account: no role change, no disabling, no temporary password, no ending sessions.
        let own = ok(&admin.call("admin_user", &[("username", "boss")]).await);
        assert_eq!(own["own_account"], true);
        for (function, form) in [
            ("admin_set_role", &[("username", "boss"), ("role", "User")][..]),
            ("admin_set_disabled", &[("username", "boss"), ("disabled", "true")][..]),
            ("admin_issue_temporary_password", &[("username", "boss")][..]),
            ("admin_end_sessions", &[("username", "boss")][..]),
        ] {
            let a = admin.call(function, form).await;
            assert_eq!(a.json(), json!({ "Invalid": "OwnAccount" }), "{function}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username = 'boss' AND role = 'admin' AND disabled = 0").await, 1);

        let events = app.events(id).await;
        for expected in ["user.role_changed", "user.sessions_ended", "user.disabled", "user.enabled", "user.mfa_requirement"] {
            assert!(events.iter().any(|e| e == expected), "{expected} in {events:?}");
        }
        let by_admin = app
            .count(&format!("SELECT COUNT(*) FROM audit_log WHERE subject_id = {id} AND actor_id = {admin_id} AND event LIKE 'user.%'"))
            .await;
        assert_eq!(by_admin, 5);
    }

    async fn an_administrator_unlocks_and_issues_a_temporary_password(app: TestApp) {
        let (admin, _) = administrator(&app, "boss").await;
        let id = app.user("gus", PASSWORD).await;
        let old = app.browser();
        old.sign_in("gus", PASSWORD).await;
        let attacker = app.browser();
        for _ in 0..5 {
            attacker.sign_in("gus", "Wrong-Password-1").await;
        }
        let detail = ok(&admin.call("admin_user", &[("username", "gus")]).await);
        assert_eq!(detail["user"]["locked"], true);
        assert_eq!(ok(&admin.call("admin_unlock", &[("username", "gus")]).await), true);
        assert_eq!(ok(&admin.call("admin_unlock", &[("username", "gus")]).await), false, "not locked any more");
        let detail = ok(&admin.call("admin_user", &[("username", "gus")]).await);
        assert_eq!(detail["user"]["locked"], false);

        let temporary = ok(&admin.call("admin_issue_temporary_password", &[("username", "gus")]).await);
        let temporary = temporary.as_str().expect("password").to_string();
        assert_eq!(old.state().await, json!("Expired"), "the old sessions end");
        let mails = app.mails_to("gus@example.com").await;
        assert!(mails.iter().any(|m| m.2.contains(&temporary)), "the owner receives it");
        let b = app.browser();
        assert_eq!(
            b.sign_in("gus", &temporary).await.json()["stage"],
            json!({ "PasswordChange": "Temporary" })
        );
        assert_eq!(b.sign_in("gus", PASSWORD).await.json(), json!("SignInFailed"));
        let events = app.events(id).await;
        assert!(events.iter().any(|e| e == "account.unlocked"), "{events:?}");
        assert!(events.iter().any(|e| e == "password.temporary_issued"), "{events:?}");
        assert!(events.iter().any(|e| e == "credentials.changed"), "{events:?}");
    }
}
