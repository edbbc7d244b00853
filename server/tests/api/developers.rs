//! The developer portal's description of the API is the API: every server function the server has
//! registered is described, and nothing else is.
#[allow(unused_imports)]
use crate::harness::TestApp;

#[test]
fn every_server_function_is_described_and_nothing_else() {
    let mut registered: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    registered.sort();
    registered.dedup();
    let mut described: Vec<String> = app::api::docs::all()
        .into_iter()
        .map(|e| e.path.to_string())
        .collect();
    described.sort();
    assert_eq!(
        described, registered,
        "app/src/api/docs.rs must describe every server function"
    );
}

scenarios! {
    async fn the_openapi_document_is_served(app: TestApp) {
        let answer = app.browser().get("/api/openapi.json").await;
        assert_eq!(answer.status, 200);
        let doc = answer.json();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/api/sign_in"]["post"].is_object());
        assert_eq!(
            doc["paths"].as_object().unwrap().len(),
            app::api::docs::all().len()
        );
    }
}
