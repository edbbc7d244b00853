//! Builds the application on any address (tests use port 0 and a fresh database) and runs it.
use app::service::Services;
use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use url::Url;

use crate::auth::flow::{Lifecycle, MfaPolicy};
use crate::auth::password::PasswordHasher;
use crate::clock::SharedClock;
use crate::config::{ServeArgs, SiteArgs, StoreArgs};
use crate::db::Db;
use crate::http::{self, HttpPolicy};
use crate::jobs::{self, Retention};
use crate::keyring::Keyring;
use crate::notify::mail::delivery::{Delivery, Transport};
use crate::notify::Notifier;
use crate::services::{self, Core, Protection, Settings};

/// Request bodies on the API are small forms; anything larger is refused before it is read.
const BODY_LIMIT_BYTES: usize = 64 * 1024;

/// Opens and migrates the database named by the configuration.
pub async fn open_database(store: &StoreArgs) -> anyhow::Result<Db> {
    let db = Db::connect(&store.database_url()).await?;
    db.migrate().await?;
    Ok(db)
}

/// The server's key: configured, or the key file (created with mode 0600 when missing).
pub fn load_keys(store: &StoreArgs) -> anyhow::Result<Keyring> {
    Ok(Keyring::load(
        store.secret_key.as_deref(),
        &store.key_file(),
    )?)
}

/// The services' shared core, for the server and the command line alike.
pub fn core(
    db: Db,
    keys: Keyring,
    site: &SiteArgs,
    serve: &ServeArgs,
    public_url: Url,
    clock: SharedClock,
    hasher: Arc<PasswordHasher>,
) -> Core {
    let sms = serve
        .codes
        .sms_provider(&db, &keys, serve.dev_mailbox)
        .unwrap_or_else(|e| {
            // `build_with_db` refuses to start with this error; the command line sends no texts.
            tracing::warn!(error = %e, "text messages are off");
            None
        });
    let geo =
        crate::geo::Locator::from_config(serve.geoip_database.as_deref()).unwrap_or_else(|e| {
            // `build_with_db` refuses to start with this error; the command line shows no locations.
            tracing::warn!(error = %e, "locations are off");
            crate::geo::Locator::none()
        });
    Core {
        sms,
        geo: Arc::new(geo),
        db,
        notifier: Notifier::new(keys.clone()),
        keys,
        clock,
        hasher,
        settings: Settings {
            public_url,
            sessions: serve.session_policy(),
            lifecycle: Lifecycle::from(site),
            mfa: MfaPolicy {
                required_for_all: serve.mfa_required,
                grace_secs: serve.mfa_grace_period.map(|d| d.as_secs() as i64),
            },
            protection: Protection {
                lockout_threshold: i64::from(serve.lockout_threshold.max(1)),
                failures_per_address: i64::from(serve.signin_failures_per_address.max(1)),
            },
            trust_lifetime_secs: serve.trusted_browser_lifetime.as_secs() as i64,
            dev_mailbox: serve.dev_mailbox,
            codes: serve.codes.policy(),
            recovery_wait_secs: site.recovery_wait.as_secs() as i64,
        },
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    delivery: Delivery,
    retention: Retention,
    pub addr: SocketAddr,
    pub public_url: Url,
    pub core: Arc<Core>,
    pub services: Services,
}

impl Application {
    pub async fn build_with_db(
        db: Db,
        keys: Keyring,
        site: &SiteArgs,
        serve: &ServeArgs,
        clock: SharedClock,
    ) -> anyhow::Result<Application> {
        if serve.dev_mailbox && !serve.bind.ip().is_loopback() {
            anyhow::bail!(
                "the developer mailbox shows every email, links and temporary passwords included: it is \
                 only allowed when the server listens on loopback (127.0.0.1 or ::1), not on {}",
                serve.bind
            );
        }
        serve
            .codes
            .sms_provider(&db, &keys, serve.dev_mailbox)
            .map_err(anyhow::Error::msg)?;
        let geo = crate::geo::Locator::from_config(serve.geoip_database.as_deref())
            .map_err(anyhow::Error::msg)?;
        if geo.is_configured() {
            tracing::info!("approximate locations from the configured database");
        }
        drop(geo);
        let transport = Transport::from_config(serve.smtp_url.as_deref(), &serve.smtp_from)
            .map_err(anyhow::Error::msg)?;
        let listener = TcpListener::bind(serve.bind).await?;
        let addr = listener.local_addr()?;
        let public_url = site.public_url_for_port(addr.port());
        let hasher = Arc::new(PasswordHasher::new(
            serve.hash_workers(),
            serve.hash_queue(),
        )?);
        tracing::info!(delivery = transport.describe(), "email");
        if serve.dev_mailbox {
            tracing::warn!("the developer mailbox is enabled at /dev/mailbox: it shows every email; never in production");
        }
        let core = Arc::new(core(
            db.clone(),
            keys.clone(),
            site,
            serve,
            public_url.clone(),
            clock,
            hasher,
        ));
        let services = services::all(core.clone());
        let policy = Arc::new(HttpPolicy {
            allowed_origin: public_url.origin().ascii_serialization(),
            public_host: match (public_url.host_str(), public_url.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => String::new(),
            },
            trusted_proxies: serve.trusted_proxies.clone(),
            https: public_url.scheme() == "https",
            dev_mailbox: serve.dev_mailbox,
            stylesheet: stylesheet_href(hashed_site().as_deref()),
        });
        let router = routes(services.clone(), db.clone(), policy, serve, addr);
        let delivery = Delivery::new(db, keys, transport);
        Ok(Application {
            listener,
            router,
            delivery,
            retention: Retention {
                outbox_secs: serve.outbox_retention.as_secs() as i64,
                audit_secs: serve.audit_retention.as_secs() as i64,
            },
            addr,
            public_url,
            core,
            services,
        })
    }

    /// Serves until the process is asked to stop. Meanwhile: email delivery (every second), expiry
    /// warnings (every hour) and the clean-up (every minute).
    pub async fn run(self) -> std::io::Result<()> {
        let clock = self.core.clock.clone();
        let delivery = tokio::spawn(self.delivery.run(clock));
        let jobs = tokio::spawn(jobs::run(self.core.clone(), self.retention));
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await;
        delivery.abort();
        jobs.abort();
        result
    }
}

/// Whether the built site has hashed file names: cargo-leptos then writes `hash.txt` beside the server
/// binary (and the pages must name the hashed files).
fn hashed_site() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    std::fs::read_to_string(exe.parent()?.join("hash.txt")).ok()
}

/// `/pkg/portcullis.<hash>.css` (or the plain name when the site is not hashed).
fn stylesheet_href(hashes: Option<&str>) -> String {
    let hash = hashes.and_then(|h| {
        h.lines()
            .filter_map(|l| l.trim().split_once(':'))
            .find(|(k, _)| *k == "css")
            .map(|(_, v)| v.trim().to_string())
    });
    match hash {
        Some(h) => format!("/pkg/portcullis.{h}.css"),
        None => "/pkg/portcullis.css".to_string(),
    }
}

/// The built files: precompressed (brotli, gzip) when the browser accepts it; hashed names are kept for a
/// year, everything else is revalidated.
fn static_files(site_root: &std::path::Path) -> axum::Router {
    use axum::http::{header, HeaderValue, Response};
    use tower_http::services::ServeDir;
    use tower_http::set_header::SetResponseHeaderLayer;
    let pkg = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let caching = |res: &Response<_>| {
        if !res.status().is_success() {
            return None;
        }
        Some(HeaderValue::from_static(
            "public, max-age=31536000, immutable",
        ))
    };
    axum::Router::new()
        .nest_service(
            "/pkg/snippets",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
                .service(
                    ServeDir::new(site_root.join("pkg").join("snippets"))
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        )
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    caching,
                ))
                .service(pkg),
        )
}

/// The same files, revalidated every time (their names are not content hashes).
fn static_files_revalidated(site_root: &std::path::Path) -> axum::Router {
    use axum::http::{header, HeaderValue};
    use tower_http::services::ServeDir;
    use tower_http::set_header::SetResponseHeaderLayer;
    axum::Router::new().nest_service(
        "/pkg",
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            ))
            .service(
                ServeDir::new(site_root.join("pkg"))
                    .precompressed_br()
                    .precompressed_gzip(),
            ),
    )
}

fn routes(
    services: Services,
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
        .hash_files(hashed_site().is_some())
        .build();
    let app_routes = generate_route_list(App);
    let downloads = Router::new()
        .route(app::routes::ADMIN_AUDIT_CSV, get(http::audit_csv))
        .with_state(services.clone());
    let pages = Router::new()
        .leptos_routes_with_context(
            &leptos_options,
            app_routes,
            move || provide_context(services.clone()),
            {
                let options = leptos_options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options);
    use axum::middleware::{from_fn, from_fn_with_state};
    let files = if hashed_site().is_some() {
        static_files(&serve.site_root)
    } else {
        // An unhashed site (a development build): its names do not change between builds.
        static_files_revalidated(&serve.site_root)
    };
    // The API described from the code (`app::api::docs`), for the developer portal and for tools.
    let openapi = Arc::new(app::api::docs::openapi(&policy.allowed_origin).to_string());
    Router::new()
        .route("/healthz", get(http::healthz))
        .with_state(db)
        .route(
            "/api/openapi.json",
            get(move || {
                let body = openapi.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body.as_str().to_owned(),
                    )
                }
            }),
        )
        .merge(files)
        .merge(downloads)
        .merge(pages)
        .layer(from_fn(http::error_status))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            BODY_LIMIT_BYTES,
        ))
        .layer(from_fn_with_state(policy.clone(), http::hide_dev_mailbox))
        .layer(from_fn_with_state(policy.clone(), http::check_origin))
        .layer(from_fn_with_state(policy.clone(), http::check_host))
        .layer(from_fn_with_state(policy.clone(), http::client_addr))
        .layer(from_fn_with_state(policy, http::security_headers))
        .layer(from_fn(http::trace))
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
