//! A small HTTP client that keeps cookies the way a browser would on http://localhost (which browsers
//! treat as secure), and calls server functions as the hydrated pages do.
use reqwest::header::{HeaderMap, COOKIE, ORIGIN, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What a server function answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub headers: HeaderMap,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// A cookie jar that behaves like a browser on http://localhost (which browsers treat as secure).
/// Clones share the jar: they are the same browser (its tabs), usable from spawned tasks.
#[derive(Clone)]
pub struct Browser {
    base: String,
    pub origin: Option<String>,
    client: reqwest::Client,
    jar: Arc<Mutex<BTreeMap<String, String>>>,
    pub user_agent: String,
    /// Extra headers sent with every request (e.g. X-Forwarded-For).
    pub headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            origin: Some(base.to_string()),
            // A server that never answers fails the test instead of hanging it.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
            jar: Arc::new(Mutex::new(BTreeMap::new())),
            headers: Vec::new(),
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
                .into(),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().expect("jar").get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .lock()
            .expect("jar")
            .insert(name.into(), value.into());
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.jar.lock().expect("jar");
        for v in headers.get_all(SET_COOKIE) {
            let text = v.to_str().expect("cookie text");
            let (pair, attrs) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || attrs.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_string(), value.to_string());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.jar
            .lock()
            .expect("jar")
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&self, path: &str) -> Answer {
        let mut req = self
            .client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html,application/xhtml+xml");
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req
            .header(COOKIE, self.cookie_header())
            .header("user-agent", &self.user_agent)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        self.answer(res).await
    }

    /// Calls a server function as the hydrated page does (form-encoded POST, JSON answer).
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> Answer {
        let mut req = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("user-agent", &self.user_agent)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded(form));
        if let Some(origin) = &self.origin {
            req = req.header(ORIGIN, origin);
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST /api/{function}: {e}"));
        self.answer(res).await
    }

    async fn answer(&self, res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        self.store_cookies(&headers);
        let body = res
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading an answer: {e}"));
        Answer {
            status,
            body,
            headers,
        }
    }

    pub async fn sign_in(&self, identifier: &str, password: &str) -> Answer {
        self.call(
            "sign_in",
            &[("identifier", identifier), ("password", password)],
        )
        .await
    }

    pub async fn state(&self) -> serde_json::Value {
        let a = self.call("session_state", &[]).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()
    }
}

fn serde_urlencoded(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs the futures at once, each in a task of its own (a real parallel burst), answering in order.
pub async fn burst<T, F>(futures: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("a task of the burst panicked"));
    }
    out
}
