//! The browser entry point: hydrates the server-rendered page (waiting, on a page that loads on demand,
//! for that page's chunk), then marks `<body data-hydrated>` so that tests (and styles) know the page is
//! interactive.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Drives the reactive system with wasm-bindgen's executor (an error means it already runs).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async {
        let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "");
    });
}
