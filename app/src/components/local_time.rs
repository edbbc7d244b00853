//! Times in the reader's time zone. The server renders them in the zone the browser reported (a
//! cookie); the browser then writes its own local time, which is the same once the zone is known. So
//! only a first visit ever shows UTC, for a moment.
use crate::format::utc_minute;
use leptos::prelude::*;

/// `2026-12-02 16:04` in the reader's zone, as the server can tell it.
#[cfg(feature = "ssr")]
fn server_text(at: i64) -> String {
    let zone = use_context::<http::request::Parts>()
        .and_then(|p| crate::service::RequestInfo::from_parts(&p).time_zone);
    match (zone, jiff::Timestamp::from_second(at)) {
        (Some(tz), Ok(ts)) => match jiff::tz::TimeZone::get(&tz) {
            Ok(zone) => ts.to_zoned(zone).strftime("%Y-%m-%d %H:%M").to_string(),
            Err(_) => utc_minute(at),
        },
        _ => utc_minute(at),
    }
}

/// The same in the browser's own zone.
#[cfg(feature = "hydrate")]
fn browser_text(at: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

#[component]
pub fn LocalTime(at: i64) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let initial = server_text(at);
    #[cfg(not(feature = "ssr"))]
    let initial = utc_minute(at);
    let text = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| text.set(browser_text(at)));
    let iso = crate::format::iso_utc(at);
    view! { <time datetime=iso>{move || text.get()}</time> }
}
