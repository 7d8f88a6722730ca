use std::path::Path;

use super::*;
use crate::{Router, SpinApp};

fn app(base: &str, route: &str) -> SpinApp {
    let text = format!(
        "spin_manifest_version = 2\n[application]\nname = \"a\"\n\
         [application.trigger.http]\nbase = \"{base}\"\n\
         [[trigger.http]]\nroute = \"{route}\"\ncomponent = \"c\"\n\
         [component.c]\nsource = \"c.wasm\"\n"
    );
    SpinApp::from_str(&text, Path::new("/")).unwrap()
}

fn headers(base: &str, route: &str, path: &str) -> Vec<(String, String)> {
    let app = app(base, route);
    let m = Router::new(&app).route(path).expect("a match");
    let url = format!("https://example.com:8080{path}?theme=pink");
    let client = "127.0.0.1:53152".parse().unwrap();
    spin_headers(&m, &url, client, &app.base)
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// The example of Spin's HTTP trigger documentation: base `/shop`, route
/// `/users/...`, request `https://example.com:8080/shop/users/1/edit?theme=pink`.
#[test]
fn wildcard_match_headers() {
    assert_eq!(
        headers("/shop", "/users/...", "/shop/users/1/edit"),
        pairs(&[
            ("spin-path-info", "/1/edit"),
            (
                "spin-full-url",
                "https://example.com:8080/shop/users/1/edit?theme=pink"
            ),
            ("spin-matched-route", "/shop/users/..."),
            ("spin-base-path", "/shop"),
            ("spin-raw-component-route", "/users/..."),
            ("spin-component-route", "/users"),
            ("spin-client-addr", "127.0.0.1:53152"),
        ])
    );
}

#[test]
fn exact_match_headers() {
    assert_eq!(
        headers("/", "/hello", "/hello"),
        pairs(&[
            ("spin-path-info", ""),
            ("spin-full-url", "https://example.com:8080/hello?theme=pink"),
            ("spin-matched-route", "/hello"),
            ("spin-base-path", "/"),
            ("spin-raw-component-route", "/hello"),
            ("spin-component-route", "/hello"),
            ("spin-client-addr", "127.0.0.1:53152"),
        ])
    );
}

#[test]
fn catch_all_headers() {
    let h = headers("/", "/...", "/a/b");
    assert_eq!(h[0], pairs(&[("spin-path-info", "/a/b")])[0]);
    assert_eq!(h[2], pairs(&[("spin-matched-route", "/...")])[0]);
    assert_eq!(h[5], pairs(&[("spin-component-route", "")])[0]);
}

/// Spin's own test: route `/foo/:userid/...` on `/foo/42/bar`.
#[test]
fn parameter_headers() {
    let h = headers("/", "/foo/:userid/...", "/foo/42/bar");
    let find = |name: &str| h.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(find("spin-path-info"), Some("/bar"));
    assert_eq!(find("spin-matched-route"), Some("/foo/:userid/..."));
    assert_eq!(find("spin-component-route"), Some("/foo/:userid"));
    assert_eq!(find("spin-path-match-userid"), Some("42"));

    let h = headers("/", "/u/:User_Id", "/u/ada");
    assert_eq!(
        h.last().unwrap(),
        &("spin-path-match-user-id".to_owned(), "ada".to_owned())
    );
}

#[test]
fn ipv6_client_address_is_bracketed() {
    let app = app("/", "/...");
    let m = Router::new(&app).route("/").unwrap();
    let h = spin_headers(&m, "http://h/", "[::1]:9000".parse().unwrap(), "/");
    assert_eq!(h[6].1, "[::1]:9000");
}
