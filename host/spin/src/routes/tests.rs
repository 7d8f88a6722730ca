use super::*;
use crate::HttpRoute;

/// A router over `(route, component)` pairs under `base`.
fn router(base: &str, routes: &[(&str, &str)]) -> Router {
    Router::from_routes(
        routes
            .iter()
            .map(|(r, c)| HttpRoute::new(RoutePattern::new(base, r).expect("valid route"), *c)),
    )
}

fn hit(router: &Router, path: &str) -> Option<String> {
    router.route(path).map(|m| m.component_id)
}

fn info(router: &Router, path: &str) -> String {
    router.route(path).expect("a match").path_info
}

#[test]
fn exact_routes_match_only_themselves_ignoring_a_trailing_slash() {
    let r = router("/", &[("/foo", "foo"), ("/foo/bar", "foobar")]);
    assert_eq!(hit(&r, "/foo").as_deref(), Some("foo"));
    assert_eq!(hit(&r, "/foo/").as_deref(), Some("foo"));
    assert_eq!(hit(&r, "/foo/bar").as_deref(), Some("foobar"));
    assert_eq!(hit(&r, "/foo/bar?x=1").as_deref(), Some("foobar"));
    assert_eq!(hit(&r, "/foo/baz"), None);
    assert_eq!(hit(&r, "/fo"), None);
    assert_eq!(hit(&r, "/"), None);
}

#[test]
fn root_route_is_exact() {
    let r = router("/", &[("/", "root")]);
    assert_eq!(hit(&r, "/").as_deref(), Some("root"));
    assert_eq!(hit(&r, "").as_deref(), Some("root"));
    assert_eq!(hit(&r, "/x"), None);
}

#[test]
fn wildcard_matches_the_prefix_and_everything_under_it() {
    let r = router("/", &[("/api/...", "api")]);
    for path in ["/api", "/api/", "/api/x", "/api/x/y/"] {
        assert_eq!(hit(&r, path).as_deref(), Some("api"), "{path}");
    }
    for path in ["/", "/apix", "/ap", "/other/api"] {
        assert_eq!(hit(&r, path), None, "{path}");
    }
}

#[test]
fn catch_all_matches_everything() {
    let r = router("/", &[("/...", "all")]);
    for path in ["/", "", "/abc/", "/this/should/be/captured?abc=def"] {
        assert_eq!(hit(&r, path).as_deref(), Some("all"), "{path}");
    }
}

#[test]
fn exact_beats_wildcard() {
    let r = router(
        "/",
        &[
            ("/...", "all"),
            ("/users/...", "users"),
            ("/users/admin", "admin"),
            ("/users", "list"),
        ],
    );
    assert_eq!(hit(&r, "/users/admin").as_deref(), Some("admin"));
    assert_eq!(hit(&r, "/users/admin/").as_deref(), Some("admin"));
    assert_eq!(hit(&r, "/users").as_deref(), Some("list"));
    assert_eq!(hit(&r, "/users/1").as_deref(), Some("users"));
    assert_eq!(hit(&r, "/users/admin/x").as_deref(), Some("users"));
    assert_eq!(hit(&r, "/shop").as_deref(), Some("all"));
    let r = router("/", &[("/", "root"), ("/...", "all")]);
    assert_eq!(hit(&r, "/").as_deref(), Some("root"));
}

#[test]
fn longest_wildcard_wins_in_any_order() {
    let routes = [
        ("/one/...", "one"),
        ("/one/two/...", "two"),
        ("/one/two/three/...", "three"),
    ];
    let mut reversed = routes;
    reversed.reverse();
    for r in [router("/", &routes), router("/", &reversed)] {
        assert_eq!(hit(&r, "/one/two/three/four").as_deref(), Some("three"));
        assert_eq!(hit(&r, "/one/two/x").as_deref(), Some("two"));
        assert_eq!(hit(&r, "/one/twox").as_deref(), Some("one"));
        assert_eq!(hit(&r, "/one").as_deref(), Some("one"));
    }
}

#[test]
fn parameters_beat_wildcards_and_lose_to_literals() {
    let r = router(
        "/",
        &[
            ("/users/...", "wild"),
            ("/users/:id", "param"),
            ("/users/me", "me"),
        ],
    );
    assert_eq!(hit(&r, "/users/42").as_deref(), Some("param"));
    assert_eq!(hit(&r, "/users/me").as_deref(), Some("me"));
    assert_eq!(hit(&r, "/users/42/edit").as_deref(), Some("wild"));
    assert_eq!(
        hit(&r, "/users").as_deref(),
        Some("wild"),
        "a parameter needs a segment"
    );

    let r = router(
        "/",
        &[("/users/...", "wild"), ("/users/:id/...", "param-wild")],
    );
    assert_eq!(hit(&r, "/users/42/edit").as_deref(), Some("param-wild"));
    assert_eq!(hit(&r, "/users").as_deref(), Some("wild"));

    // Segment by segment from the left, as routefinder orders routes: the
    // literal `admin` decides before the lengths are compared.
    let r = router(
        "/",
        &[("/users/:id", "param"), ("/users/admin/...", "admin-wild")],
    );
    assert_eq!(hit(&r, "/users/admin").as_deref(), Some("admin-wild"));
}

#[test]
fn parameters_are_captured() {
    let r = router("/", &[("/1/:two/3", "a"), ("/x/:user_id/:post/...", "b")]);
    let m = r.route("/1/2/3").unwrap();
    assert_eq!(m.params, BTreeMap::from([("two".into(), "2".into())]));
    assert_eq!(m.path_info, "");
    let m = r.route("/x/ada/7/comments/").unwrap();
    assert_eq!(
        m.params,
        BTreeMap::from([
            ("user_id".into(), "ada".into()),
            ("post".into(), "7".into())
        ])
    );
    assert_eq!(m.path_info, "/comments/");
}

#[test]
fn base_prefixes_every_route() {
    let r = router(
        "/shop/",
        &[("/cart", "cart"), ("/users/...", "users"), ("/", "home")],
    );
    assert_eq!(hit(&r, "/shop/cart").as_deref(), Some("cart"));
    assert_eq!(hit(&r, "/shop/users/1/edit").as_deref(), Some("users"));
    assert_eq!(hit(&r, "/shop/users").as_deref(), Some("users"));
    assert_eq!(hit(&r, "/shop").as_deref(), Some("home"));
    assert_eq!(hit(&r, "/shop/").as_deref(), Some("home"));
    assert_eq!(hit(&r, "/cart"), None);
    let m = r.route("/shop/users/1/edit").unwrap();
    assert_eq!(
        (m.matched_route.as_str(), m.raw_route.as_str()),
        ("/shop/users/...", "/users/...")
    );
    assert_eq!(
        (m.path_info.as_str(), m.component_route()),
        ("/1/edit", "/users")
    );
}

#[test]
fn path_info_is_the_rest_after_the_wildcard_prefix() {
    let r = router("/", &[("/test/...", "t")]);
    assert_eq!(info(&r, "/test"), "");
    assert_eq!(info(&r, "/test/"), "/");
    assert_eq!(info(&r, "/test/hello"), "/hello");
    assert_eq!(info(&r, "/test/hello/"), "/hello/");
    assert_eq!(info(&r, "/test/a/b?q=1"), "/a/b");
    let r = router("/", &[("/...", "all"), ("/exact", "e")]);
    assert_eq!(info(&r, "/1/2/3"), "/1/2/3");
    assert_eq!(info(&r, "/"), "/");
    assert_eq!(info(&r, "/exact"), "");
    assert_eq!(info(&r, "/exact/"), "");
}

#[test]
fn patterns_normalise_like_spin() {
    let p = RoutePattern::new("/", "/").unwrap();
    assert_eq!((p.raw(), p.based(), p.is_wildcard()), ("/", "", false));
    let p = RoutePattern::new("/base/", "foo/").unwrap();
    assert_eq!((p.raw(), p.based()), ("foo/", "/base/foo"));
    let p = RoutePattern::new("/", "/static/*").unwrap();
    assert!(p.is_wildcard());
    assert_eq!(p.based(), "/static/*");
}

#[test]
fn malformed_routes_are_rejected() {
    use RouteError::*;
    assert_eq!(
        RoutePattern::new("/", "/a/.../b"),
        Err(MisplacedWildcard("/a/.../b".into()))
    );
    assert_eq!(
        RoutePattern::new("/", "/a/*/b"),
        Err(MisplacedWildcard("/a/*/b".into()))
    );
    assert_eq!(
        RoutePattern::new("/", "/a/:"),
        Err(InvalidParameter("/a/:".into()))
    );
    assert_eq!(
        RoutePattern::new("/", "/a/:x.y"),
        Err(InvalidParameter("/a/:x.y".into()))
    );
    assert_eq!(
        RoutePattern::new("/", "/:id/:id"),
        Err(DuplicateParameter {
            route: "/:id/:id".into(),
            name: "id".into()
        })
    );
    assert_eq!(
        RoutePattern::new("/", "/a?b"),
        Err(InvalidCharacter("/a?b".into()))
    );
    assert_eq!(
        RoutePattern::new("/x\n", "/a"),
        Err(InvalidCharacter("/a".into()))
    );
}

#[test]
fn no_routes_match_nothing() {
    assert!(Router::default().route("/").is_none());
}
