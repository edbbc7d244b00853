//! Builds the application on any address (tests use port 0 and a fresh database) and runs it.
use app::service::PortalHandle;
use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use url::Url;

use crate::clock::SharedClock;
use crate::config::{ServeArgs, SiteArgs, StoreArgs};
use crate::db::Db;
use crate::http::{self, HttpPolicy};
use crate::keyring::Keyring;
use crate::mail::delivery::{Delivery, Transport};
use crate::password::PasswordHasher;
use crate::portal::{MfaPolicy, Protection, Services};
use crate::sessions::SessionStore;
use crate::signin::Lifecycle;

pub struct Application {
    listener: TcpListener,
    router: Router,
    delivery: Delivery,
    pub addr: SocketAddr,
    pub public_url: Url,
    pub services: Arc<Services>,
}

impl Application {
    /// Connects and migrates the database, binds the listener, and assembles the routes.
    pub async fn build(
        store: &StoreArgs,
        site: &SiteArgs,
        serve: &ServeArgs,
        clock: SharedClock,
    ) -> anyhow::Result<Application> {
        let db = Db::connect(&store.database_url()).await?;
        db.migrate().await?;
        Self::build_with_db(db, site, serve, clock).await
    }

    pub async fn build_with_db(
        db: Db,
        site: &SiteArgs,
        serve: &ServeArgs,
        clock: SharedClock,
    ) -> anyhow::Result<Application> {
        let transport = Transport::from_config(serve.smtp_url.as_deref(), &serve.smtp_from)
            .map_err(anyhow::Error::msg)?;
        let listener = TcpListener::bind(serve.bind).await?;
        let addr = listener.local_addr()?;
        let public_url = site.public_url_for_port(addr.port());
        let hasher = Arc::new(PasswordHasher::new(serve.hash_workers())?);
        let key_file = serve
            .key_file
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("data/secret.key"));
        let keys = Keyring::load(serve.secret_key.as_deref(), &key_file)?;
        tracing::info!(delivery = transport.describe(), "email");
        if serve.dev_mailbox {
            tracing::warn!("the developer mailbox is enabled at /dev/mailbox: it shows every email; never in production");
        }
        let services = Arc::new(Services {
            db: db.clone(),
            keys,
            mfa: MfaPolicy {
                required_for_all: serve.mfa_required,
                grace_secs: serve.mfa_grace_period.map(|d| d.as_secs() as i64),
            },
            trust_lifetime_secs: serve.trusted_browser_lifetime.as_secs() as i64,
            clock,
            hasher,
            sessions: SessionStore::new(db.clone(), serve.session_policy()),
            lifecycle: Lifecycle::from(site),
            protection: Protection {
                lockout_threshold: i64::from(serve.lockout_threshold.max(1)),
                failures_per_address: i64::from(serve.signin_failures_per_address.max(1)),
            },
            public_url: public_url.clone(),
            dev_mailbox: serve.dev_mailbox,
        });
        let policy = Arc::new(HttpPolicy {
            allowed_origin: public_url.origin().ascii_serialization(),
            trust_proxy_headers: serve.trust_proxy_headers,
            https: public_url.scheme() == "https",
            dev_mailbox: serve.dev_mailbox,
        });
        let router = routes(services.clone(), db.clone(), policy, serve, addr);
        let delivery = Delivery::new(db, transport);
        Ok(Application {
            listener,
            router,
            delivery,
            addr,
            public_url,
            services,
        })
    }

    /// Serves until the process is asked to stop. Meanwhile: email delivery (every second), expiry
    /// warnings (every hour) and removal of ended sessions, spent links and old counters (every minute).
    pub async fn run(self) -> std::io::Result<()> {
        let clock = self.services.clock.clone();
        let delivery = tokio::spawn(self.delivery.run(clock));
        let warnings = tokio::spawn(expiry_warnings(self.services.clone()));
        let cleanup = tokio::spawn(cleanup(self.services.clone()));
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        for task in [delivery, warnings, cleanup] {
            task.abort();
        }
        result
    }
}

async fn expiry_warnings(services: Arc<Services>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let now = services.clock.now();
        match crate::expiry::send_warnings(
            &services.db,
            &services.lifecycle,
            &services.public_url,
            now,
        )
        .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(users = n, "password expiry warnings queued"),
            Err(e) => tracing::warn!(error = %e, "could not send password expiry warnings"),
        }
    }
}

async fn cleanup(services: Arc<Services>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        let now = services.clock.now();
        let db = &services.db;
        let results = [
            services.sessions.purge_ended(now).await.map(|_| ()),
            crate::tokens::purge(db, now).await,
            crate::rate_limit::purge(db, now, 24 * 3600).await,
            crate::trusted::purge(db, now).await,
        ];
        for e in results.into_iter().filter_map(Result::err) {
            tracing::warn!(error = %e, "periodic cleanup failed");
        }
    }
}

fn routes(
    services: Arc<Services>,
    db: Db,
    policy: Arc<HttpPolicy>,
    serve: &ServeArgs,
    addr: SocketAddr,
) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("portcullis")
        .site_root(serve.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(Env::PROD)
        .build();
    let portal: PortalHandle = services;
    let app_routes = generate_route_list(App);
    let pages = Router::new()
        .leptos_routes_with_context(
            &leptos_options,
            app_routes,
            move || provide_context(portal.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options);
    Router::new()
        .route("/healthz", get(http::healthz))
        .with_state(db)
        .merge(pages)
        .layer(axum::middleware::from_fn_with_state(
            policy.clone(),
            http::hide_dev_mailbox,
        ))
        .layer(axum::middleware::from_fn_with_state(
            policy.clone(),
            http::check_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            policy.clone(),
            http::client_addr,
        ))
        .layer(axum::middleware::from_fn_with_state(
            policy,
            http::security_headers,
        ))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
